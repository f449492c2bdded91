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


#: how far the aggregates have read the shop's events (cursor order)
agg_state = sa.Table(
    "agg_state",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cursor", sa.BigInteger, nullable=False),
)

_COUNTERS = (
    "visits",
    "purchases",
    "spend",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "stamps_issued",
    "stamps_redeemed",
    "stamps_expired",
    "rewards_redeemed",
    "reward_cost",
    "new_members",
)

#: per shop day (the kiosk's local date), hour and kiosk: what the overview sums
agg_hours = sa.Table(
    "agg_hours",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("hour", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kiosk", sa.String(200), primary_key=True),
    *(sa.Column(name, sa.BigInteger, nullable=False, server_default="0") for name in _COUNTERS),
)
HOUR_COUNTERS = _COUNTERS

#: per member: first day seen, last day with a visit, lifetime visits and spend
agg_members = sa.Table(
    "agg_members",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("member", sa.String(200), primary_key=True),
    sa.Column("first_day", sa.String(10), nullable=False),
    sa.Column("last_visit_day", sa.String(10), nullable=True),
    sa.Column("visits", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("spend", sa.BigInteger, nullable=False, server_default="0"),
)

#: per member and month with activity: who came in a period (members counted once)
agg_member_months = sa.Table(
    "agg_member_months",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("member", sa.String(200), primary_key=True),
)

#: per account: the sum of every posting (what members hold: the liability)
agg_balances = sa.Table(
    "agg_balances",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account", sa.String(200), primary_key=True),
    sa.Column("total", sa.BigInteger, nullable=False),
)

#: the till's daily totals, entered or imported by the owner (all customers, members too)
till_days = sa.Table(
    "till_days",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("receipts", sa.BigInteger, nullable=False),
)

#: per kiosk: the program its latest event was made under (which kiosk runs which version)
agg_kiosks = sa.Table(
    "agg_kiosks",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kiosk", sa.String(200), primary_key=True),
    sa.Column("program", sa.String(200), nullable=False),
    sa.Column("last_event", sa.String(40), nullable=False),
)

#: cards members were given (made, linked, replaced): the members page's search by card
agg_cards = sa.Table(
    "agg_cards",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("card", sa.String(200), primary_key=True),
    sa.Column("member", sa.String(200), primary_key=True),
)

AGGREGATE_TABLES = (agg_hours, agg_members, agg_member_months, agg_balances, agg_kiosks, agg_cards)


def create_v2(conn: sa.Connection) -> None:
    """Schema version 2: logins' console settings and browser sessions."""
    for table in (console_users, web_sessions):
        table.create(conn, checkfirst=True)


def create_v3(conn: sa.Connection) -> None:
    """Schema version 3: the overview's aggregates and the till's daily totals."""
    for table in (agg_state, agg_hours, agg_members, agg_member_months, agg_balances, till_days):
        table.create(conn, checkfirst=True)


def create_v4(conn: sa.Connection) -> None:
    """Schema version 4: which program each kiosk's latest event was made under (counted
    from the start again, so kiosks that pushed before it are known too)."""
    agg_kiosks.create(conn, checkfirst=True)
    conn.execute(sa.delete(agg_state))  # the next catch-up starts from the first event
    for table in (agg_hours, agg_members, agg_member_months, agg_balances):
        conn.execute(sa.delete(table))


#: the shop's staff, managed on the console's staff page and sent to every kiosk
staff_members = sa.Table(
    "staff_members",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    #: the PIN as kiosk.staff.hash_pin makes it (salt, scrypt hash, cost), JSON
    sa.Column("pin", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

#: the staff list's version per shop: a kiosk takes up a list with a new number
staff_state = sa.Table(
    "staff_state",
    metadata,
    sa.Column("shop_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
)


#: merges the owner asked for on the members page, for the kiosks to make (see
#: sync.server.web.merges): a card and the members that held it when the owner confirmed
merge_requests = sa.Table(
    "merge_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop_id", sa.Integer, nullable=False),
    sa.Column("card", sa.String(64), nullable=False),
    #: the member the card belongs to, then the others, comma-separated
    sa.Column("members", sa.Text, nullable=False),
    sa.Column("asked_by", sa.String(320), nullable=False),
    sa.Column("asked_at", sa.String(40), nullable=False),
    sa.Index("merge_requests_shop", "shop_id", "card"),
)


def create_merge_requests(conn: sa.Connection) -> None:
    """Merges asked for on the console, taken up by the kiosks."""
    merge_requests.create(conn, checkfirst=True)


def create_v5(conn: sa.Connection) -> None:
    """Schema version 5: staff managed by the owner's console."""
    for table in (staff_members, staff_state):
        table.create(conn, checkfirst=True)


def create_cards(conn: sa.Connection) -> None:
    """Members' cards for the console's search (the aggregates are counted again from the
    first event, so cards given before this version are found too)."""
    agg_cards.create(conn, checkfirst=True)
    conn.execute(sa.delete(agg_state))
    for table in (agg_hours, agg_members, agg_member_months, agg_balances, agg_kiosks):
        conn.execute(sa.delete(table))
