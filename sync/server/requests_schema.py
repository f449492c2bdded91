"""The table of customers' data requests answered from the owner's console
(:mod:`sync.server.data_requests`), beside the sync tables of :mod:`sync.server.db`, which
creates it in its migrations. It holds no personal data: what was asked, for which member
id (which identifies nobody once the member is erased), when it was asked and done."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

data_requests = sa.Table(
    "data_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop_id", sa.Integer, nullable=False),
    sa.Column("member", sa.String(200), nullable=False),
    #: "export-json", "export-csv" or "erase"
    sa.Column("request", sa.String(40), nullable=False),
    sa.Column("asked_at", sa.String(40), nullable=False),
    sa.Column("done_at", sa.String(40), nullable=False),
    sa.Index("data_requests_member", "shop_id", "member"),
)


def create_data_requests(conn: sa.Connection) -> None:
    metadata.create_all(conn)
