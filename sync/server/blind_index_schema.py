"""Tables of the keyed blind index (:mod:`sync.server.blind_index`), beside the sync
tables of :mod:`sync.server.db`, which creates them in its migrations. No phone number or
e-mail is in them: digests made with the shop's key, and the key."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

search_keys = sa.Table(
    "search_keys",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    #: the shop's index key, hex
    sa.Column("key", sa.String(64), nullable=False),
)

member_search = sa.Table(
    "member_search",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    #: the kiosks row that sent it (each kiosk's entries are replaced whole)
    sa.Column("kiosk_row", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("member", sa.String(200), primary_key=True),
    #: "phone" or "email"
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("digest", sa.String(32), nullable=False),
    sa.Index("member_search_digest", "shop_id", "digest"),
)


def create_blind_index(conn: sa.Connection) -> None:
    metadata.create_all(conn)
