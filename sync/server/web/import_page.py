"""The import page: members and balances from a CSV, with a dry run that lists every bad
row by its line (:mod:`sync.server.member_import`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from sync.server import member_import
from sync.server.web.console import Console

MAX_IMPORT_FILE = 4 * 1024 * 1024


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, status: int = 200, **result: Any) -> Response:
        session = console.session(request, owner_only=True)
        return console.render(request, "import.html", session, status=status, title="Import", **result)

    @router.get("/import")
    def show(request: Request) -> Response:
        return page(request, checked=None, imported=None, errors=[], dry=False)

    @router.post("/import")
    async def upload(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True, limit=MAX_IMPORT_FILE + 16 * 1024)
        dry = form.get("action") != "import"
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(request, 422, checked=None, imported=None, errors=["choose a CSV file"], dry=dry)
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = ["the file is not UTF-8 text (save it from Excel as CSV UTF-8)"]
            return page(request, 422, checked=None, imported=None, errors=errors, dry=dry)
        cards = await run_in_threadpool(member_import.known_cards, console.engine, session.shop_id)
        checked = member_import.parse(text, cards)
        if checked.errors:
            return page(request, 422, checked=checked, imported=None, errors=checked.errors, dry=dry)
        imported = None
        if not dry:
            imported = await run_in_threadpool(
                member_import.run, console.engine, session.shop_id, checked.rows, session.email
            )
        return page(request, checked=checked, imported=imported, errors=[], dry=dry)
