"""Handing imported contact details to the one kiosk that keeps them.

The owner's member import may carry phone numbers and e-mails (with the member's consent).
The server must not keep them: like details given at a kiosk, they live sealed on one
kiosk, with that member's own key there, and an erasure destroys that key. So the import
page names a paired kiosk; that kiosk has published an X25519 public key
(``PUT /api/v1/contact-key``); each row's details are sealed to it
(:mod:`sync.handover_box`) in the import's request and only the box is queued here. At its
next sync the kiosk takes its boxes (``GET /api/v1/contact-handover``), keeps the details
as a joining kiosk does, and reports each one (``POST /api/v1/contact-handover``): handed
over, or failed with the kiosk's reason. Either way the box is deleted then; the row stays
as the state the Import page shows (queued / handed over / failed), without the box.

An erasure before the hand-over drops the member's rows (the console's at once, a
kiosk's at the next take), box and all.

This module is the one that reads and writes ``contact_keys`` and ``contact_handover``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from sync import handover_box
from sync.server import db
from sync.server.handover_schema import MAX_BOX_ID, contact_handover, contact_keys
from sync.server.shops import KioskAuth, now_iso

#: boxes one take hands a kiosk (a box is under 1 kB)
MAX_TAKE = 500
MAX_BODY = 256 * 1024
QUEUED, HANDED_OVER, FAILED = "queued", "handed_over", "failed"
_HEX_KEY = r"^[0-9a-f]{64}$"


class KeyBody(BaseModel):
    public_key: str = Field(pattern=_HEX_KEY, description="the kiosk's X25519 public key, hex")


BoxId = Annotated[int, Field(ge=1, le=MAX_BOX_ID)]


class Failure(BaseModel):
    id: BoxId
    reason: str = Field(min_length=1, max_length=300)


class AckBody(BaseModel):
    handed_over: list[BoxId] = Field(default_factory=list, max_length=MAX_TAKE)
    failed: list[Failure] = Field(default_factory=list, max_length=MAX_TAKE)


def context(member: str, public_key: str) -> bytes:
    """What a box is bound to: the member and the kiosk key it was sealed to."""
    return f"kanta-contact|{member}|{public_key}".encode()


def register_key(engine: Engine, kiosk: KioskAuth, body: KeyBody) -> dict[str, bool]:
    """The kiosk's public key for boxes (a new data folder re-paired brings a new one: boxes
    sealed to the old key are then reported as not opening, never lost silently)."""
    c = contact_keys.c
    with db.write_tx(engine) as conn:
        held = conn.execute(sa.select(c.public_key).where(c.kiosk_row == kiosk.row_id)).scalar()
        if held == body.public_key:
            return {"registered": True}
        if held is not None:
            conn.execute(contact_keys.delete().where(c.kiosk_row == kiosk.row_id))
        conn.execute(
            contact_keys.insert().values(
                kiosk_row=kiosk.row_id,
                shop_id=kiosk.shop_id,
                public_key=body.public_key,
                registered_at=now_iso(),
            )
        )
    return {"registered": True}


@dataclass(frozen=True)
class Keeper:
    """A kiosk that can keep imported contact details."""

    row_id: int
    name: str
    public_key: str


def keepers(engine: Engine, shop_id: int) -> list[Keeper]:
    """The shop's paired, not revoked kiosks that have published their key, by name."""
    k, ck = db.kiosks.c, contact_keys.c
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(k.id, k.name, ck.public_key)
            .join(contact_keys, ck.kiosk_row == k.id)
            .where(k.shop_id == shop_id, k.revoked == sa.false())
            .order_by(k.name)
        ).all()
    return [Keeper(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def seal(keeper: Keeper, member: str, plain: bytes) -> str:
    return handover_box.seal(keeper.public_key, plain, context(member, keeper.public_key))


def queue(engine: Engine, shop_id: int, keeper: Keeper, boxes: list[tuple[str, str]]) -> None:
    """Queue (member, box) pairs for ``keeper``, in one transaction."""
    if not boxes:
        return
    when = now_iso()
    rows = [
        {
            "shop_id": shop_id,
            "kiosk_row": keeper.row_id,
            "member": m,
            "sealed": box,
            "state": QUEUED,
            "queued_at": when,
        }
        for m, box in boxes
    ]
    with db.write_tx(engine) as conn:
        conn.execute(contact_handover.insert(), rows)


def _erased(conn: sa.Connection, shop_id: int, members: list[str]) -> set[str]:
    if not members:
        return set()
    # the events' canonical JSON (Event.to_dict, no spaces) names the kind
    found = db.q(
        conn,
        'SELECT DISTINCT "member" FROM events WHERE shop_id = ? AND "member" IN ('
        + ", ".join("?" for _ in members)
        + ") AND body LIKE ?",
        (shop_id, *members, '%"kind":"member_erased"%'),
    ).all()
    return {str(r[0]) for r in found}


def take(engine: Engine, kiosk: KioskAuth, after: int = 0) -> dict[str, Any]:
    """This kiosk's queued boxes after box ``after`` (at most MAX_TAKE, by id); those of
    members erased meanwhile are dropped first, whoever erased them."""
    c = contact_handover.c
    with db.write_tx(engine) as conn:
        rows = conn.execute(
            sa.select(c.id, c.member, c.sealed)
            .where(c.shop_id == kiosk.shop_id, c.kiosk_row == kiosk.row_id, c.state == QUEUED, c.id > after)
            .order_by(c.id)
            .limit(MAX_TAKE)
        ).all()
        erased = _erased(conn, kiosk.shop_id, sorted({str(r.member) for r in rows}))
        if erased:
            conn.execute(
                contact_handover.delete().where(c.shop_id == kiosk.shop_id, c.member.in_(sorted(erased)))
            )
    return {
        "boxes": [
            {"id": int(r.id), "member": str(r.member), "sealed": str(r.sealed)}
            for r in rows
            if str(r.member) not in erased
        ]
    }


def acknowledge(engine: Engine, kiosk: KioskAuth, body: AckBody) -> dict[str, int]:
    """The kiosk kept (or could not keep) these boxes: the boxes go, the states stay."""
    c = contact_handover.c
    mine = sa.and_(c.shop_id == kiosk.shop_id, c.kiosk_row == kiosk.row_id, c.state == QUEUED)
    when = now_iso()
    done = failed = 0
    with db.write_tx(engine) as conn:
        if body.handed_over:
            done = conn.execute(
                contact_handover.update()
                .where(mine, c.id.in_(body.handed_over))
                .values(state=HANDED_OVER, sealed=None, done_at=when)
            ).rowcount
        for failure in body.failed:
            failed += conn.execute(
                contact_handover.update()
                .where(mine, c.id == failure.id)
                .values(state=FAILED, sealed=None, reason=failure.reason, done_at=when)
            ).rowcount
    return {"handed_over": done, "failed": failed}


def forget(engine: Engine, shop_id: int, member: str) -> None:
    """An erased member's rows, box and all."""
    c = contact_handover.c
    with db.write_tx(engine) as conn:
        conn.execute(contact_handover.delete().where(c.shop_id == shop_id, c.member == member))


@dataclass(frozen=True)
class Summary:
    """What the Import page shows: per kiosk, boxes queued / handed over / failed, and the
    newest failures with the kiosk's reason."""

    counts: list[tuple[str, str, int]]
    failures: list[tuple[str, str, str, str]]


def summary(engine: Engine, shop_id: int) -> Summary:
    c, k = contact_handover.c, db.kiosks.c
    with db.read_tx(engine) as conn:
        counts = conn.execute(
            sa.select(k.name, c.state, sa.func.count())
            .join(db.kiosks, k.id == c.kiosk_row)
            .where(c.shop_id == shop_id)
            .group_by(k.name, c.state)
            .order_by(k.name, c.state)
        ).all()
        failures = conn.execute(
            sa.select(k.name, c.member, c.reason, c.done_at)
            .join(db.kiosks, k.id == c.kiosk_row)
            .where(c.shop_id == shop_id, c.state == FAILED)
            .order_by(c.id.desc())
            .limit(50)
        ).all()
    return Summary(
        [(str(n), str(s), int(x)) for n, s, x in counts],
        [(str(n), str(m), str(r or ""), str(d or "")) for n, m, r, d in failures],
    )
