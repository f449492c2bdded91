"""Tables of the contact hand-over (:mod:`sync.server.contact_handover`), beside the sync
tables of :mod:`sync.server.db`, which creates them in its migrations. No phone number or
e-mail is in them: each kiosk's public key, and boxes only that kiosk can open, deleted
once it has taken them."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: the highest box id: ``contact_handover.id`` is a 32-bit integer on PostgreSQL, so a
#: request naming a higher one is refused (422) rather than reaching the database (500)
MAX_BOX_ID = 2**31 - 1

contact_keys = sa.Table(
    "contact_keys",
    metadata,
    #: the kiosks row (one token, one kiosk)
    sa.Column("kiosk_row", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("shop_id", sa.Integer, nullable=False, index=True),
    #: X25519 public key, hex
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.String(40), nullable=False),
)

contact_handover = sa.Table(
    "contact_handover",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop_id", sa.Integer, nullable=False),
    #: the kiosks row that keeps the details
    sa.Column("kiosk_row", sa.Integer, nullable=False),
    sa.Column("member", sa.String(200), nullable=False),
    #: the box (sync.handover_box), base64; NULL once handed over or failed
    sa.Column("sealed", sa.Text, nullable=True),
    #: "queued", "handed_over" or "failed"
    sa.Column("state", sa.String(16), nullable=False),
    #: why the kiosk could not keep them (no personal data: the kiosk's own words)
    sa.Column("reason", sa.String(300), nullable=True),
    sa.Column("queued_at", sa.String(40), nullable=False),
    sa.Column("done_at", sa.String(40), nullable=True),
    sa.Index("contact_handover_kiosk", "shop_id", "kiosk_row", "state"),
    sa.Index("contact_handover_member", "shop_id", "member"),
)


def create_contact_handover(conn: sa.Connection) -> None:
    metadata.create_all(conn)
