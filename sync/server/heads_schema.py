"""Tables of the kiosks' signing keys and signed chain heads (:mod:`sync.server.heads`),
beside the sync tables of :mod:`sync.server.db`, which creates them in its migrations."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

kiosk_keys = sa.Table(
    "kiosk_keys",
    metadata,
    #: the kiosks row (one token, one kiosk)
    sa.Column("kiosk_row", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("shop_id", sa.Integer, nullable=False, index=True),
    #: Ed25519 public key, hex
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.String(40), nullable=False),
)

signed_heads = sa.Table(
    "signed_heads",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    #: the kiosk id its events carry
    sa.Column("kiosk", sa.String(200), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(200), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
)


def create_signed_heads(conn: sa.Connection) -> None:
    metadata.create_all(conn)
