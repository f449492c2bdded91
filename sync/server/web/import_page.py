"""The import page: members and balances (and an opening tier, and contact details with
consent) from a CSV, with a dry run that lists every bad row by its line
(:mod:`sync.server.member_import`); the details are sealed to the kiosk the owner picks
and handed over at its next sync (:mod:`sync.server.contact_handover`), whose state the
page shows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.programs.spec import ProgramSpec
from sync.server import contact_handover, db, member_import
from sync.server.bodies import read_body
from sync.server.contact_handover import Keeper
from sync.server.errors import ApiError
from sync.server.texts import BadInput, Msg
from sync.server.web.console import Console, PageRefused
from sync.server.web.figures import current_program
from sync.server.web.session import token_matches

#: the form around the file: its token, the button, the kiosk, the multipart framing
FORM_SLACK = 16 * 1024


class _InMemory(MultiPartParser):
    """Starlette's parser, but an uploaded file stays in memory up to the form's bound:
    a member list holds phone numbers and e-mails, which must never reach a temp file."""

    spool_max_size = member_import.LIMITS.max_bytes + FORM_SLACK


async def _form(console: Console, request: Request) -> FormData:
    """The owner's POSTed upload, read with a bound, parsed in memory, its CSRF token checked."""
    session = console.session(request, owner_only=True)
    try:
        raw = await read_body(request, member_import.LIMITS.max_bytes + FORM_SLACK)
    except ApiError as exc:
        raise PageRefused(exc.status, exc.detail) from None

    async def once() -> Any:
        yield raw

    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        raise PageRefused(422, Msg("choose a CSV file"))
    try:
        parser = _InMemory(request.headers, once(), max_files=2, max_fields=200, max_part_size=len(raw) + 1)
        form = await parser.parse()
    except MultiPartException:
        raise PageRefused(422, Msg("choose a CSV file")) from None
    if not token_matches(session.csrf, form.get("csrf")):
        raise PageRefused(403, Msg("the form's security token is missing or wrong: reload the page"))
    return form


def _program(console: Console, shop_id: int) -> ProgramSpec | None:
    with db.read_tx(console.engine) as conn:
        return current_program(conn, shop_id)


def _keeper(console: Console, shop_id: int, name: str) -> Keeper:
    """The kiosk the owner chose to keep the rows' contact details, or why it cannot."""
    for keeper in contact_handover.keepers(console.engine, shop_id):
        if keeper.name == name:
            return keeper
    if not name:
        raise BadInput(Msg("choose the kiosk that keeps the phone numbers and e-mails"))
    raise BadInput(
        Msg(
            "kiosk {name!r} cannot keep contact details: it is not paired, was revoked, or has "
            "not synced since the server was updated",
            name=name[:60],
        )
    )


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, status: int = 200, **result: Any) -> Response:
        session = console.session(request, owner_only=True)
        program = _program(console, session.shop_id)
        tiers = [t.name for t in program.tiers.levels] if program and program.tiers else []
        engine, shop_id = console.engine, session.shop_id
        return console.render(
            request,
            "import.html",
            session,
            status=status,
            title="Import",
            tiers=tiers,
            keepers=[k.name for k in contact_handover.keepers(engine, shop_id)],
            handover=contact_handover.summary(engine, shop_id),
            **result,
        )

    @router.get("/import")
    def show(request: Request) -> Response:
        return page(request, checked=None, imported=None, errors=[], dry=False, chosen="")

    @router.post("/import")
    async def upload(request: Request) -> Response:
        session = console.session(request, owner_only=True)
        form = await _form(console, request)
        dry = form.get("action") != "import"
        chosen = str(form.get("keeper") or "")[:200]
        upload = form.get("file")
        result: dict[str, Any] = {"checked": None, "imported": None, "dry": dry, "chosen": chosen}
        if not isinstance(upload, UploadFile):
            return page(request, 422, errors=[Msg("choose a CSV file")], **result)
        raw = await upload.read(member_import.LIMITS.max_bytes + 1)
        cards = await run_in_threadpool(member_import.known_cards, console.engine, session.shop_id)
        program = _program(console, session.shop_id)
        try:
            checked = member_import.parse(raw, cards, program.tiers if program else None)
        except BadInput as exc:  # not read at all: too large, not UTF-8
            status = 413 if len(raw) > member_import.LIMITS.max_bytes else 422
            return page(request, status, errors=[exc.message], **result)
        result["checked"] = checked
        keeper = None
        if checked.contacts:
            try:
                keeper = _keeper(console, session.shop_id, chosen)
            except BadInput as exc:
                checked.errors.insert(0, exc.message)
        if checked.errors:
            return page(request, 422, errors=checked.errors, **result)
        if not dry:
            result["imported"] = await run_in_threadpool(
                member_import.run,
                console.engine,
                session.shop_id,
                checked.rows,
                session.email,
                program,
                keeper,
            )
        return page(request, errors=[], **result)
