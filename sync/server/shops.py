"""Shops, owner logins and kiosks on the server: pairing, revoking, tokens, heartbeats.

Functions of an ``Engine`` and plain values (see :mod:`sync.server.store`); errors a
client can cause are ``ApiError`` with the HTTP status they map to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.errors import KantaError
from sync.server import auth, db
from sync.server.bodies import check_shape
from sync.server.console_schema import console_users
from sync.server.errors import ApiError


@dataclass(frozen=True)
class KioskAuth:
    row_id: int
    shop_id: int
    name: str
    ident: str | None


@dataclass(frozen=True)
class OwnerAuth:
    """A login of the shop's console and JSON API: its owner, or a manager (figures,
    members, sales and kiosks, as on the console; ``console_users.role``)."""

    shop_id: int
    email: str
    role: str = "owner"

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _shop_id(conn: Connection, name: str) -> int:
    row = conn.execute(sa.select(db.shops.c.id).where(db.shops.c.name == name)).first()
    if row is None:
        raise KantaError(f"no shop named {name!r} on this server")
    return int(row[0])


def init_shop(
    engine: Engine,
    shop: str,
    owner_email: str,
    password: str,
    *,
    role: str = "owner",
    scrypt_n: int = auth.SCRYPT_N,
) -> None:
    """Create a shop and its owner login (or add another login to an existing shop).

    A manager's login and its role are written in one transaction: a login made first and
    demoted afterwards would be an owner's login if the server stopped in between."""
    if role not in ("owner", "manager"):
        raise KantaError(f"no such role {role!r}: owner or manager")
    if not shop.strip():
        raise KantaError("the shop needs a name")
    if "@" not in owner_email or ":" in owner_email:
        raise KantaError(f"not an email address: {owner_email!r}")
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        raise KantaError(f"the password needs at least {auth.MIN_PASSWORD_LENGTH} characters")
    hashed = auth.hash_password(password, n=scrypt_n)
    with db.write_tx(engine) as conn:
        row = conn.execute(sa.select(db.shops.c.id).where(db.shops.c.name == shop)).first()
        if row is None:
            conn.execute(sa.insert(db.shops).values(name=shop, cursor=0, created_at=now_iso()))
            shop_id = _shop_id(conn, shop)
        else:
            shop_id = row[0]
        taken = conn.execute(sa.select(db.owners.c.shop_id).where(db.owners.c.email == owner_email)).first()
        if taken is not None:
            raise KantaError(f"an owner login {owner_email!r} already exists")
        conn.execute(
            sa.insert(db.owners).values(
                shop_id=shop_id, email=owner_email, password_hash=hashed, created_at=now_iso()
            )
        )
        if role != "owner":
            conn.execute(sa.delete(console_users).where(console_users.c.email == owner_email))
            conn.execute(sa.insert(console_users).values(email=owner_email, role=role))


def add_kiosk(engine: Engine, shop: str, name: str) -> str:
    """Pair a kiosk: returns its new token. An existing name gets a new token (re-pairing);
    its old token stops working."""
    if not name.strip():
        raise KantaError("the kiosk needs a name")
    token = auth.new_token()
    with db.write_tx(engine) as conn:
        shop_id = _shop_id(conn, shop)
        existing = conn.execute(
            sa.select(db.kiosks.c.id).where(db.kiosks.c.shop_id == shop_id, db.kiosks.c.name == name)
        ).first()
        if existing is None:
            conn.execute(
                sa.insert(db.kiosks).values(
                    shop_id=shop_id, name=name, token_hash=auth.token_hash(token), created_at=now_iso()
                )
            )
        else:
            conn.execute(
                sa.update(db.kiosks)
                .where(db.kiosks.c.id == existing[0])
                .values(token_hash=auth.token_hash(token), revoked=False, kiosk_ident=None)
            )
    return token


def revoke_kiosk(engine: Engine, shop_id: int, name: str) -> None:
    with db.write_tx(engine) as conn:
        done = conn.execute(
            sa.update(db.kiosks)
            .where(db.kiosks.c.shop_id == shop_id, db.kiosks.c.name == name)
            .values(revoked=True)
        ).rowcount
    if not done:
        raise ApiError(404, f"no kiosk named {name!r} in this shop")


def revoke_kiosk_by_shop_name(engine: Engine, shop: str, name: str) -> None:
    with db.read_tx(engine) as conn:
        shop_id = _shop_id(conn, shop)
    try:
        revoke_kiosk(engine, shop_id, name)
    except ApiError as exc:
        raise KantaError(exc.detail) from None


def kiosk_for_token(engine: Engine, token: str) -> KioskAuth | None:
    with db.read_tx(engine) as conn:
        row = db.q(
            conn,
            "SELECT id, shop_id, name, kiosk_ident, revoked FROM kiosks WHERE token_hash = ?",
            (auth.token_hash(token),),
        ).first()
    if row is None or row[4]:
        return None
    return KioskAuth(row[0], row[1], row[2], row[3])


def owner_login(engine: Engine, email: str, password: str) -> OwnerAuth | None:
    """The login with its role (no console settings: an owner), or None."""
    o, u = db.owners.c, console_users.c
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(o.shop_id, o.password_hash, u.role)
            .select_from(db.owners.outerjoin(console_users, u.email == o.email))
            .where(o.email == email)
        ).first()
    if row is None:
        auth.check_password(password, auth.DUMMY_HASH)
        return None
    if not auth.check_password(password, row.password_hash):
        return None
    return OwnerAuth(row.shop_id, email, row.role or "owner")


def list_kiosks(engine: Engine, shop_id: int) -> list[dict[str, Any]]:
    k = db.kiosks.c
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(k.name, k.kiosk_ident, k.revoked, k.created_at, k.last_seen, k.pending, k.heartbeat)
            .where(k.shop_id == shop_id)
            .order_by(k.name)
        ).all()
    return [
        {
            "name": r.name,
            "kiosk_id": r.kiosk_ident,
            "revoked": bool(r.revoked),
            "created_at": r.created_at,
            "last_seen": r.last_seen,
            "pending": r.pending,
            "heartbeat": _stored_heartbeat(r.heartbeat),
        }
        for r in rows
    ]


def _stored_heartbeat(text: str | None) -> Any:
    """A stored heartbeat body; one stored before heartbeats were bounded (too deep, NaN...)
    is shown as unreadable rather than failing the whole list."""
    if not text:
        return None
    try:
        body = json.loads(text)
        check_shape(body)
    except (ValueError, RecursionError, ApiError):
        return {"unreadable": "this heartbeat was stored before heartbeats were bounded"}
    return body


def get_kiosk(engine: Engine, shop_id: int, name: str) -> dict[str, Any]:
    for kiosk in list_kiosks(engine, shop_id):
        if kiosk["name"] == name:
            return kiosk
    raise ApiError(404, f"no kiosk named {name!r} in this shop")


def heartbeat(engine: Engine, kiosk: KioskAuth, body: Mapping[str, Any]) -> str:
    now = now_iso()
    with db.write_tx(engine) as conn:
        conn.execute(
            sa.update(db.kiosks)
            .where(db.kiosks.c.id == kiosk.row_id)
            .values(last_seen=now, pending=body.get("pending"), heartbeat=json.dumps(body, sort_keys=True))
        )
    return now
