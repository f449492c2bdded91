"""The merges the owner asked for on the members page (:mod:`sync.server.web.merges`), kept
until the kiosks take them up: a card, the members holding it when the owner confirmed,
who asked and when (no personal data: member ids and a card number the shop issued)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sync.server import db
from sync.server.console_schema import merge_requests


def asked(engine: Engine, shop_id: int) -> dict[str, dict[str, Any]]:
    """The latest request per card: card -> {members, asked_by, asked_at}."""
    r = merge_requests.c
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(r.card, r.members, r.asked_by, r.asked_at).where(r.shop_id == shop_id).order_by(r.id)
        ).all()
    return {
        row.card: {"members": row.members.split(","), "by": row.asked_by, "at": row.asked_at} for row in rows
    }


def requests_made(engine: Engine, shop_id: int) -> int:
    """How many merges were ever asked for: it only grows (the kiosks' list version adds it)."""
    with db.read_tx(engine) as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(merge_requests).where(merge_requests.c.shop_id == shop_id)
        ).scalar()
    return int(count or 0)


def record(engine: Engine, shop_id: int, card: str, members: list[str], email: str) -> None:
    with db.write_tx(engine) as conn:
        conn.execute(
            sa.insert(merge_requests).values(
                shop_id=shop_id,
                card=card,
                members=",".join(members),
                asked_by=email[:320],
                asked_at=datetime.now(UTC).isoformat(),
            )
        )
