"""The keyed blind index: find a member by phone or e-mail without the server holding them.

Kiosks send, for each member who gave contact details there, digests of the phone number
and e-mail made with the shop's index key (kiosk.services.blind_index); the Members page
digests what the owner typed and looks it up here. Each kiosk's entries are replaced whole
(``PUT /api/v1/member-search``), so a member erased or who withdrew the terms drops out
with that kiosk's next sync after it destroyed their key; the page also drops an erased
member's entries the moment it would have shown them.

**Who holds the key: the server.** The owner searches from a browser, so whatever turns
the typed number into a digest has to be the server (or a key the owner types in each
time); and the kiosks, which join members offline, need the same key. What the key does
not do is keep contact details from someone who holds the whole server: a number typed in
the browser reaches it anyway. It keeps them out of the database: no row, page, backup or
log holds a phone number or e-mail, and the digests are memory-hard scrypt, so even with
the database and the key, each guessed number costs a scrypt rather than a list of all.

This module is the one that reads and writes ``search_keys`` and ``member_search``.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from kiosk.services.blind_index import KEY_BYTES, query_digests
from sync.server import db
from sync.server.blind_index_schema import member_search, search_keys
from sync.server.shops import KioskAuth

#: entries one kiosk may send (members who gave it contact details)
MAX_ENTRIES = 50_000
#: the most bytes such a body may hold (unzipped): ~130 bytes an entry
MAX_BODY = 8 << 20
_DIGEST = r"^[0-9a-f]{32}$"


class SearchEntry(BaseModel):
    member: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=_DIGEST)
    email: str | None = Field(default=None, pattern=_DIGEST)


class SearchBody(BaseModel):
    entries: list[SearchEntry] = Field(max_length=MAX_ENTRIES)


def shop_key(engine: Engine, shop_id: int) -> bytes:
    """The shop's index key, made the first time it is asked for."""
    with db.read_tx(engine) as conn:
        key = conn.execute(sa.select(search_keys.c.key).where(search_keys.c.shop_id == shop_id)).scalar()
    if key is None:
        with db.write_tx(engine) as conn:
            key = conn.execute(
                sa.select(search_keys.c.key).where(search_keys.c.shop_id == shop_id)
            ).scalar()
            if key is None:
                key = os.urandom(KEY_BYTES).hex()
                conn.execute(search_keys.insert().values(shop_id=shop_id, key=key))
    return bytes.fromhex(str(key))


def replace_for_kiosk(engine: Engine, kiosk: KioskAuth, body: SearchBody) -> dict[str, int]:
    """This kiosk's entries, replaced by the ones it sent."""
    rows = [
        {"shop_id": kiosk.shop_id, "kiosk_row": kiosk.row_id, "member": e.member, "kind": kind, "digest": d}
        for e in body.entries
        for kind, d in (("phone", e.phone), ("email", e.email))
        if d is not None
    ]
    with db.write_tx(engine) as conn:
        conn.execute(
            member_search.delete().where(
                member_search.c.shop_id == kiosk.shop_id, member_search.c.kiosk_row == kiosk.row_id
            )
        )
        if rows:
            conn.execute(member_search.insert(), rows)
    return {"entries": len(rows)}


def find(engine: Engine, shop_id: int, text: str) -> list[str]:
    """Members whose phone number or e-mail (as given at a kiosk) is ``text``, in any
    spelling the kiosks treat as the same."""
    digests = query_digests(text[:254], shop_key(engine, shop_id))
    if not digests:
        return []
    c = member_search.c
    matches = [sa.and_(c.kind == kind, c.digest == found) for kind, found in digests.items()]
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(c.member)
            .where(c.shop_id == shop_id, sa.or_(*matches))
            .distinct()
            .order_by(c.member)
            .limit(100)
        ).all()
    return [str(r[0]) for r in rows]


def forget(engine: Engine, shop_id: int, member: str) -> None:
    """Drop every entry of an erased member, whichever kiosk sent it."""
    with db.write_tx(engine) as conn:
        conn.execute(
            member_search.delete().where(member_search.c.shop_id == shop_id, member_search.c.member == member)
        )
