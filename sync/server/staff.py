"""The shop's staff as the owner manages it on the console: names, roles and PINs stored
as the kiosk stores them (``kiosk.staff.hash_pin``: salted scrypt), with a version number
kiosks follow (``GET /api/v1/staff``; the kiosk side is :mod:`kiosk.services.staff_update`).
PINs easily guessed are refused by the kiosk's own rule (``kiosk.staff.check_pin``)."""

from __future__ import annotations

import hmac
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.errors import InvalidInput
from kiosk.staff import ROLES, check_pin, hash_pin
from sync.server import db
from sync.server.console_schema import staff_members, staff_state
from sync.server.store import now_iso


def _same_pin(pin: str, stored: dict[str, Any]) -> bool:
    again = hash_pin(pin, bytes.fromhex(stored["salt"]), stored["n"], stored["r"], stored["p"])
    return hmac.compare_digest(again["hash"], stored["hash"])


def _bump(conn: Connection, shop_id: int) -> None:
    done = db.q(conn, "UPDATE staff_state SET version = version + 1 WHERE shop_id = ?", (shop_id,)).rowcount
    if not done:
        conn.execute(sa.insert(staff_state).values(shop_id=shop_id, version=1))


def listing(engine: Engine, shop_id: int) -> tuple[int, list[dict[str, Any]]]:
    """(version, staff with their PIN hashes), as kiosks receive it."""
    s = staff_members.c
    with db.read_tx(engine) as conn:
        version = conn.execute(
            sa.select(staff_state.c.version).where(staff_state.c.shop_id == shop_id)
        ).scalar()
        rows = conn.execute(
            sa.select(s.name, s.role, s.pin).where(s.shop_id == shop_id).order_by(s.name)
        ).all()
    return int(version or 0), [{"name": r.name, "role": r.role, **json.loads(r.pin)} for r in rows]


def save(engine: Engine, shop_id: int, name: str, role: str | None, pin: str | None) -> None:
    """Add a staff member (role and PIN), or change an existing one's role and/or PIN."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a staff member needs a name of 1 to 100 characters")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if pin is not None:
        check_pin(pin)
    _, staff = listing(engine, shop_id)
    existing = next((m for m in staff if m["name"] == name), None)
    if existing is None and (role is None or pin is None):
        raise InvalidInput("a new staff member needs a role and a PIN")
    if pin is not None and any(_same_pin(pin, m) for m in staff if m["name"] != name):
        raise InvalidInput("another staff member has this PIN; choose another")
    values: dict[str, Any] = {"updated_at": now_iso()}
    if role is not None:
        values["role"] = role
    if pin is not None:
        values["pin"] = json.dumps(hash_pin(pin))
    s = staff_members.c
    with db.write_tx(engine) as conn:
        if existing is None:
            conn.execute(sa.insert(staff_members).values(shop_id=shop_id, name=name, **values))
        else:
            where = (s.shop_id == shop_id, s.name == name)
            conn.execute(sa.update(staff_members).where(*where).values(**values))
        _bump(conn, shop_id)


def remove(engine: Engine, shop_id: int, name: str) -> bool:
    s = staff_members.c
    with db.write_tx(engine) as conn:
        done = conn.execute(sa.delete(staff_members).where(s.shop_id == shop_id, s.name == name)).rowcount
        if done:
            _bump(conn, shop_id)
    return bool(done)
