"""Merging from the console: a card held by two members (made at two kiosks that could
not sync, one of them joined) is merged at the owner's request, without a command line.

The owner asks on the members page and confirms on a page naming each member and its
balances. The request is queued here (``merge_requests``) and reaches every kiosk with
the owner's staff list (``GET /api/v1/staff``, field ``merges``), which each kiosk's sync
worker already downloads and takes up at an idle moment (:mod:`kiosk.services.owner_updates`).
There the kiosk that made the other member merges it, as ``kanta member merge CARD`` would
on it (contact details move where they are kept); any other kiosk may not (the kiosk's
own merge plan refuses it), and after the merge one member holds the card, so the merge
is recorded once, whichever kiosks sync how often. The server counts a request as done
once the card is no longer shared.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sync.server import db
from sync.server.texts import Msg
from sync.server.web import merge_queue
from sync.server.web.console import Console, PageRefused, redirect
from sync.server.web.members_page import member_view, shared_cards

#: requests a kiosk is sent at most (pending ones only: a shop has a handful)
MAX_SENT = 200


def holders(engine: Engine, shop_id: int, card: str, members: list[str]) -> list[str]:
    """The members holding a card, the one it belongs to first (made first, as every kiosk
    orders them by the clock of their first event)."""
    if not members:
        return []
    marks = ", ".join("?" for _ in members)
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            f'SELECT "member", MIN(hlc) FROM events WHERE shop_id = ? AND "member" IN ({marks}) '
            'GROUP BY "member"',
            (shop_id, *members),
        ).all()
    first = {r[0]: r[1] for r in rows}
    return sorted(members, key=lambda m: (first.get(m) or "", m))


def pending(console: Console, shop_id: int) -> list[dict[str, Any]]:
    """Requests whose card is still held by more than one member: what kiosks are sent."""
    asked = merge_queue.asked(console.engine, shop_id)
    if not asked:  # the common case, on every kiosk's sync: no look at the shop's cards
        return []
    shared = {s["card"] for s in shared_cards(console, shop_id)}
    waiting = [card for card in asked if card in shared]
    return [{"card": card} for card in waiting[:MAX_SENT]]


def routes(console: Console, router: APIRouter) -> None:
    def plan(request: Request, card: str, status: int = 200, changed: bool = False) -> Response:
        session = console.session(request, owner_only=True)
        shared = {s["card"]: s["members"] for s in shared_cards(console, session.shop_id)}
        if card not in shared:
            raise PageRefused(404, Msg("no two members hold this card: there is nothing to merge"))
        members = holders(console.engine, session.shop_id, card, shared[card])
        states = [member_view(console, session.shop_id, m)[0] for m in members]
        return console.render(
            request,
            "merge.html",
            session,
            status=status,
            title="Merge members",
            card=card,
            winner=states[0],
            others=states[1:],
            changed=changed,
        )

    @router.get("/members/merge")
    def show(request: Request) -> Response:
        return plan(request, request.query_params.get("card", "")[:64])

    @router.post("/members/merge")
    async def confirm(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True)
        card = str(form.get("card") or "")[:64]
        shown = str(form.get("members") or "")[:5000]
        shared = {
            s["card"]: s["members"] for s in await run_in_threadpool(shared_cards, console, session.shop_id)
        }
        if card not in shared:
            raise PageRefused(404, Msg("no two members hold this card: there is nothing to merge"))
        members = holders(console.engine, session.shop_id, card, shared[card])
        if shown != ",".join(members):  # a kiosk synced meanwhile: merge only what was shown
            return await run_in_threadpool(plan, request, card, 409, True)
        await run_in_threadpool(
            merge_queue.record, console.engine, session.shop_id, card, members, session.email
        )
        return redirect("/members?merge=asked")
