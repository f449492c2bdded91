"""Tables of the owner's console (:mod:`sync.server.web`), beside the sync tables of
:mod:`sync.server.db`, which creates them in its migrations.

Kept apart so the console's tables have one owner; they share nothing with the push path
except the shop id.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: console settings per login (the login itself is a row of ``owners``); no row: an owner
#: who reads English
console_users = sa.Table(
    "console_users",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    #: "owner" (everything) or "manager" (figures, members, sales; no program, kiosks,
    #: staff, imports or backups)
    sa.Column("role", sa.String(20), nullable=False, server_default="owner"),
    sa.Column("lang", sa.String(5), nullable=False, server_default="en"),
)

#: logged-in browsers: the cookie holds a random token, this table its SHA-256
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("shop_id", sa.Integer, nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    #: the form token every POST of this session must carry
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)


def create_v2(conn: sa.Connection) -> None:
    """Schema version 2: logins' console settings and browser sessions."""
    for table in (console_users, web_sessions):
        table.create(conn, checkfirst=True)
