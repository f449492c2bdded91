"""The server's use cases over the database: shops, logins, kiosks, events, programs, flags.

Everything here is a function of an ``Engine`` and plain values, so the HTTP layer, the
command line and the tests share one path. Errors a client can cause are ``ApiError``
with the HTTP status they map to.

This module is the door the HTTP layer, the console and the commands use: shops, logins
and kiosks are in :mod:`sync.server.shops`, checking a pushed batch in
:mod:`sync.server.incoming`, storing and serving events in :mod:`sync.server.eventlog`;
the program and the flags are here.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.config import parse_toml_text
from kiosk.domain.events import event_from_dict
from kiosk.domain.member import Conflict, MemberState, apply
from kiosk.domain.program import parse_program
from kiosk.errors import KantaError
from sync.server import db
from sync.server.errors import ApiError
from sync.server.eventlog import MAX_PULL, PushResult, pull_events_json, push_events, shop_cursor, submit_push
from sync.server.incoming import MAX_BYTES, MAX_EVENTS, Incoming, validate_batch
from sync.server.shops import (
    KioskAuth,
    OwnerAuth,
    add_kiosk,
    get_kiosk,
    heartbeat,
    init_shop,
    kiosk_for_token,
    list_kiosks,
    now_iso,
    owner_login,
    revoke_kiosk,
    revoke_kiosk_by_shop_name,
)

__all__ = [
    "MAX_BYTES",
    "MAX_EVENTS",
    "MAX_PROGRAM_BYTES",
    "MAX_PULL",
    "ApiError",
    "Incoming",
    "KioskAuth",
    "OwnerAuth",
    "PushResult",
    "add_kiosk",
    "flags",
    "get_kiosk",
    "get_program",
    "heartbeat",
    "init_shop",
    "kiosk_for_token",
    "list_kiosks",
    "now_iso",
    "owner_login",
    "pull_events_json",
    "push_events",
    "put_program",
    "revoke_kiosk",
    "revoke_kiosk_by_shop_name",
    "shop_cursor",
    "submit_push",
    "validate_batch",
]

MAX_PROGRAM_BYTES = 256 * 1024


# ---- program -------------------------------------------------------------------------


def get_program(engine: Engine, shop_id: int) -> dict[str, str]:
    p = db.programs.c
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(p.version, p.toml).where(p.shop_id == shop_id).order_by(p.version.desc()).limit(1)
        ).first()
    if row is None:
        raise ApiError(404, "no program set")
    return {"version": str(row.version), "toml": row.toml}


def put_program(engine: Engine, owner: OwnerAuth, text: str) -> str:
    """Store a new program version, checked by the kiosk's own program loader first: a
    program the server accepts is one every kiosk accepts."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PROGRAM_BYTES:
        raise ApiError(413, "program too large", max_bytes=MAX_PROGRAM_BYTES)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "toml: not valid text (a lone surrogate)", field="toml") from None
    try:
        parse_program(parse_toml_text(raw, "program", "program"), "program")
    except KantaError as exc:  # ConfigError: names the key and what was expected
        raise ApiError(422, f"toml: {exc}", field="toml") from None
    p = db.programs.c
    with db.write_tx(engine) as conn:
        db.lock_shop(conn, owner.shop_id)
        latest = conn.execute(sa.select(sa.func.max(p.version)).where(p.shop_id == owner.shop_id)).scalar()
        version = int(latest or 0) + 1
        conn.execute(
            sa.insert(db.programs).values(
                shop_id=owner.shop_id, version=version, toml=text, created_at=now_iso(), author=owner.email
            )
        )
    return str(version)


# ---- flags: overdrafts and double uses ------------------------------------------------


def _conflict_flag(c: Conflict, kiosk_of: dict[str, str]) -> dict[str, Any]:
    earlier = c.earlier
    return {
        "account": c.account,
        "event": c.event,
        "kiosk": kiosk_of.get(c.kiosk, c.kiosk),
        "member": c.member,
        "earlier_event": earlier.event if earlier else None,
        "earlier_kiosk": kiosk_of.get(earlier.kiosk, earlier.kiosk) if earlier else None,
        "earlier_member": earlier.member if earlier else None,
        "limit": c.limit,
    }


def flags(engine: Engine, shop_id: int) -> list[dict[str, Any]]:
    """Members whose fold ends with a negative balance or found a double use, with the
    events that took it there and, per double use, both events and both kiosks.

    Two kiosks redeeming the same reward offline both keep their events; folding every
    event of the member (in hybrid-clock order) shows the overdraft. A single-use thing
    (a coupon code, a referral, a week's free item) used at two kiosks shows as a
    conflict of the fold. Only members with a debiting event or a capped use can have
    either, so only those are folded.
    """
    e_c = db.events.c
    with db.read_tx(engine) as conn:
        suspects = (
            sa.select(e_c.member)
            .where(e_c.shop_id == shop_id, sa.or_(e_c.debit, e_c.body.contains('"caps":')))
            .distinct()
            .subquery()
        )
        rows = conn.execute(
            sa.select(e_c.member, e_c.body)
            .where(e_c.shop_id == shop_id, e_c.member.in_(sa.select(suspects.c.member)))
            .order_by(e_c.member, e_c.hlc, e_c.cursor)
        ).all()
        k_c = db.kiosks.c
        # conflicts name the kiosks as the owner named them
        kiosk_of = {
            str(r.kiosk_ident): str(r.name)
            for r in conn.execute(
                sa.select(k_c.kiosk_ident, k_c.name).where(
                    k_c.shop_id == shop_id, k_c.kiosk_ident.is_not(None)
                )
            )
        }
    out: list[dict[str, Any]] = []
    state: MemberState | None = None
    culprits: list[str] = []

    def close() -> None:
        if state is not None and (state.overdrawn or state.open_conflicts):
            out.append(
                {
                    "member": state.member_id,
                    "accounts": list(state.overdrawn),
                    "events": culprits,
                    "conflicts": [_conflict_flag(c, kiosk_of) for c in state.open_conflicts],
                }
            )

    for row in rows:
        if state is None or state.member_id != row.member:
            close()
            state = MemberState(row.member)
            culprits = []
        event = event_from_dict(json.loads(row.body), verify_hash=False)
        before = state.balances
        state = apply(state, event)
        if any(
            state.balances.get(a, 0) < 0 and state.balances.get(a, 0) < before.get(a, 0)
            for a in {p.account for p in event.postings}
        ):
            culprits.append(event.id)
    close()
    return out
