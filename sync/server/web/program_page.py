"""The program page: the current program, an editor checked with the kiosk's own loader,
a preview on the shop's last 12 months, and publishing the next version, which every
kiosk loads at its next idle moment (see :mod:`kiosk.services.program_update`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.program import ProgramRules
from kiosk.domain.programs.carry import unplaced
from kiosk.domain.programs.engine import is_meta
from kiosk.errors import KantaError
from sync.server import aggregates, db, store
from sync.server.texts import Msg
from sync.server.web import program_text
from sync.server.web.console import Console, redirect
from sync.server.web.preview import MONEY, preview
from sync.server.web.program_text import Problem

MAX_PROGRAM_FORM = store.MAX_PROGRAM_BYTES * 3 + 16 * 1024  # url-encoding at most triples it


def kiosk_programs(engine: Engine, shop_id: int) -> list[dict[str, Any]]:
    """Each kiosk with the program its latest event was made under."""
    aggregates.up_to_date(engine, shop_id)
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            'SELECT k.name, k.kiosk_ident, a."program", a."last_event" FROM kiosks k '
            'LEFT JOIN agg_kiosks a ON a.shop_id = k.shop_id AND a."kiosk" = k.kiosk_ident '
            "WHERE k.shop_id = ? ORDER BY k.name",
            (shop_id,),
        ).all()
    return [{"name": r[0], "ident": r[1], "program": r[2], "last_event": r[3]} for r in rows]


def held_accounts(engine: Engine, shop_id: int) -> set[str]:
    """The accounts members of the shop hold balances in (from the aggregates)."""
    aggregates.up_to_date(engine, shop_id)
    with db.read_tx(engine) as conn:
        rows = db.q(conn, 'SELECT "account" FROM agg_balances WHERE shop_id = ? AND "total" <> 0', (shop_id,))
        return {r[0] for r in rows if not is_meta(r[0])}


def _current(engine: Engine, shop_id: int) -> tuple[int, str]:
    try:
        found = store.get_program(engine, shop_id)
    except store.ApiError:
        return 0, ""
    return int(found["version"]), found["toml"]


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, text: str | None = None, **extra: Any) -> Response:
        session = console.session(request, owner_only=True)
        version, current = _current(console.engine, session.shop_id)
        return console.render(
            request,
            "program.html",
            session,
            status=422 if extra.get("problem") else 200,
            title="Program",
            version=version,
            current=current,
            text=current if text is None else text,
            kiosks=kiosk_programs(console.engine, session.shop_id),
            money_rows=MONEY,
            published=extra.pop("published", request.query_params.get("published")),
            problem=extra.pop("problem", None),
            checked=extra.pop("checked", None),
            result=extra.pop("result", None),
        )

    @router.get("/program")
    def show(request: Request) -> Response:
        return page(request)

    @router.post("/program")
    async def check_or_publish(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True, limit=MAX_PROGRAM_FORM)
        text = str(form.get("toml", "")).replace("\r\n", "\n")
        if len(text.encode("utf-8", "surrogatepass")) > store.MAX_PROGRAM_BYTES:
            too_long = Msg("the program is longer than {top} bytes", top=store.MAX_PROGRAM_BYTES)
            return page(request, text, problem=Problem(None, too_long))
        version, current = _current(console.engine, session.shop_id)
        # checked as it will be published: with the next version number in it
        try:
            text = program_text.with_version(text, version + 1)
        except KantaError:
            return page(request, text, problem=Problem(None, Msg("the program has no [program] table")))
        rules = program_text.check(text)
        if isinstance(rules, Problem):
            return page(request, text, problem=rules)
        hidden = unplaced(held_accounts(console.engine, session.shop_id), rules.spec)
        if hidden:  # a kiosk would refuse to switch to it (kiosk.services.program_change)
            message = Msg(
                "members hold balances in {accounts}, which this program does not use: add a [carry_over] "
                'table saying which of its accounts each moves into (e.g. stamps = "stamps:coffee"), or '
                "false to let it go",
                accounts=", ".join(hidden),
            )
            return page(request, text, problem=Problem(None, message))
        if form.get("action") == "publish":
            owner = store.OwnerAuth(session.shop_id, session.email)
            published = await run_in_threadpool(store.put_program, console.engine, owner, text)
            return redirect(f"/program?published={int(published)}")
        old = program_text.check(current) if current else None
        result = await run_in_threadpool(
            preview,
            console.engine,
            session.shop_id,
            rules,
            old if isinstance(old, ProgramRules) else None,
            datetime.now(UTC),
        )
        return page(request, text, checked=rules.version, result=result)
