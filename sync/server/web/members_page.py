"""The members page: find a member by card, phone number, e-mail (or member id), see
balances and the history with who did what at which kiosk, and the shop's flags:
overdrafts and cards held by two members. Contact details (phone, e-mail) are kept only on
the kiosk where a member joined (the personal-data design); the server finds them by the
keyed blind index the kiosks send (sync.server.blind_index), never holding the values."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.member import MemberState
from sync.server import aggregates, blind_index, db, store
from sync.server.texts import Msg
from sync.server.web import data_requests, merge_queue
from sync.server.web.console import Console, PageRefused

MAX_HISTORY = 500


def find(console: Console, shop_id: int, query: str) -> list[str]:
    """Members holding this card or who gave this phone number or e-mail at a kiosk, or
    the member with this id."""
    aggregates.up_to_date(console.engine, shop_id)
    with db.read_tx(console.engine) as conn:
        rows = db.q(
            conn, 'SELECT DISTINCT "member" FROM agg_cards WHERE shop_id = ? AND "card" = ?', (shop_id, query)
        ).all()
    found = sorted({r[0] for r in rows} | set(blind_index.find(console.engine, shop_id, query)))
    # an erased member's card, phone or e-mail no longer identifies them (found by member
    # id only); an index entry a kiosk has not withdrawn yet goes now
    erased = {m for m in found if data_requests.is_erased(console.engine, shop_id, m)}
    for member in erased:
        blind_index.forget(console.engine, shop_id, member)
    found = [m for m in found if m not in erased]
    if not found:
        with db.read_tx(console.engine) as conn:
            known = db.q(
                conn, 'SELECT "member" FROM agg_members WHERE shop_id = ? AND "member" = ?', (shop_id, query)
            )
            found = [r[0] for r in known]
    return found


def member_view(console: Console, shop_id: int, member: str) -> tuple[MemberState, list[dict[str, Any]]]:
    """The member's state folded from its events (in clock order, as the kiosks fold it) and
    its newest events first."""
    with db.read_tx(console.engine) as conn:
        rows = db.q(
            conn,
            'SELECT body FROM events WHERE shop_id = ? AND "member" = ? ORDER BY hlc, "cursor"',
            (shop_id, member),
        ).all()
    state, history = data_requests.fold_bodies(member, (body for (body,) in rows))
    return state, history[::-1][:MAX_HISTORY]


def shared_cards(console: Console, shop_id: int) -> list[dict[str, Any]]:
    """Cards that more than one member holds now (made at two kiosks offline, say)."""
    aggregates.up_to_date(console.engine, shop_id)
    with db.read_tx(console.engine) as conn:
        rows = db.q(
            conn,
            'SELECT "card", "member" FROM agg_cards WHERE shop_id = ? AND "card" IN '
            '(SELECT "card" FROM agg_cards WHERE shop_id = ? GROUP BY "card" HAVING COUNT(*) > 1) '
            'ORDER BY "card", "member" LIMIT 2000',
            (shop_id, shop_id),
        ).all()
    by_card: dict[str, list[str]] = {}
    for card, member in rows:
        by_card.setdefault(card, []).append(member)
    out = []
    for card, members in by_card.items():
        holders = [m for m in members if card in member_view(console, shop_id, m)[0].cards]
        if len(holders) > 1:
            out.append({"card": card, "members": holders})
    return out


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/members")
    def members(request: Request) -> Response:
        session = console.session(request)
        query = request.query_params.get("q", "").strip()[:200]
        found = find(console, session.shop_id, query) if query else []
        if len(found) == 1:
            return _detail(request, found[0])
        return console.render(
            request,
            "members.html",
            session,
            title="Members",
            query=query,
            found=found,
            overdrafts=store.flags(console.engine, session.shop_id),
            shared=shared_cards(console, session.shop_id),
            merge_asked=merge_queue.asked(console.engine, session.shop_id),
        )

    def _detail(request: Request, member: str) -> Response:
        session = console.session(request)
        state, history = member_view(console, session.shop_id, member)
        if not history:
            raise PageRefused(404, Msg("no such member in this shop"))
        return console.render(
            request,
            "member.html",
            session,
            title="Member",
            state=state,
            history=history,
            limit=MAX_HISTORY,
            data_requests=data_requests.entries(console.engine, session.shop_id, member),
        )

    @router.get("/members/{member}")
    def member(request: Request, member: str) -> Response:
        return _detail(request, member[:200])
