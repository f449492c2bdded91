"""The import page: members and balances (and an opening tier) from a CSV, with a dry run
that lists every bad row by its line (:mod:`sync.server.member_import`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.programs.spec import ProgramSpec
from sync.server import db, member_import
from sync.server.texts import BadInput, Msg
from sync.server.web.console import Console
from sync.server.web.figures import current_program

#: the form around the file: its token, the button, the multipart framing
FORM_SLACK = 16 * 1024


def _program(console: Console, shop_id: int) -> ProgramSpec | None:
    with db.read_tx(console.engine) as conn:
        return current_program(conn, shop_id)


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, status: int = 200, **result: Any) -> Response:
        session = console.session(request, owner_only=True)
        program = _program(console, session.shop_id)
        tiers = [t.name for t in program.tiers.levels] if program and program.tiers else []
        return console.render(
            request, "import.html", session, status=status, title="Import", tiers=tiers, **result
        )

    @router.get("/import")
    def show(request: Request) -> Response:
        return page(request, checked=None, imported=None, errors=[], dry=False)

    @router.post("/import")
    async def upload(request: Request) -> Response:
        limit = member_import.LIMITS.max_bytes + FORM_SLACK
        session, form = await console.form(request, owner_only=True, limit=limit)
        dry = form.get("action") != "import"
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(request, 422, checked=None, imported=None, errors=[Msg("choose a CSV file")], dry=dry)
        raw = await upload.read(member_import.LIMITS.max_bytes + 1)
        cards = await run_in_threadpool(member_import.known_cards, console.engine, session.shop_id)
        program = _program(console, session.shop_id)
        try:
            checked = member_import.parse(raw, cards, program.tiers if program else None)
        except BadInput as exc:  # not read at all: too large, not UTF-8
            status = 413 if len(raw) > member_import.LIMITS.max_bytes else 422
            return page(request, status, checked=None, imported=None, errors=[exc.message], dry=dry)
        if checked.errors:
            return page(request, 422, checked=checked, imported=None, errors=checked.errors, dry=dry)
        imported = None
        if not dry:
            imported = await run_in_threadpool(
                member_import.run, console.engine, session.shop_id, checked.rows, session.email, program
            )
        return page(request, checked=checked, imported=imported, errors=[], dry=dry)
