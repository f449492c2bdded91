"""Per-day aggregates of a shop's events, for the owner's overview (:mod:`sync.server.web`).

The overview must not scan millions of events per page view, so the server keeps sums
by day, hour and kiosk, per member and per account, and reads those. They follow the
events table by cursor (``agg_state``): ``catch_up`` folds the events past the cursor in,
in the same transaction that moves it, so an event is counted exactly once however many
processes catch up at once. Pushes call :func:`events_committed` right after their commit,
which catches up in a background thread once pushes pause (the push path itself does no
aggregate work); a page view catches up before it reads; :func:`rebuild` starts again from
the events (``kanta server rebuild-aggregates``).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.domain.events import POINTS, SPEND, STAMPS, VISITS, EventKind
from sync.server import db
from sync.server.console_schema import AGGREGATE_TABLES, HOUR_COUNTERS, agg_state

_log = logging.getLogger(__name__)

#: events folded per transaction (a catch-up holds the shop's aggregates while it runs)
CHUNK = 50_000

_COUNTER_INDEX = {name: i for i, name in enumerate(HOUR_COUNTERS)}
_N_COUNTERS = len(HOUR_COUNTERS)
_REWARDS_REDEEMED = _COUNTER_INDEX["rewards_redeemed"]
_REWARD_COST = _COUNTER_INDEX["reward_cost"]
_NEW_MEMBERS = _COUNTER_INDEX["new_members"]
_EXPIRED = EventKind.POINTS_EXPIRED.value
_CORRECTION = EventKind.CORRECTION.value
_MERGED = EventKind.MEMBER_MERGED.value
_CREATED = EventKind.MEMBER_CREATED.value
_PURCHASE = EventKind.PURCHASE_RECORDED.value
_REDEEMED = EventKind.REWARD_REDEEMED.value
_REPLACED = EventKind.CARD_REPLACED.value
_CARD_KINDS = frozenset((_CREATED, EventKind.CARD_LINKED.value, _REPLACED))


@dataclass
class Fold:
    """Sums of a run of events, ready to be added to the tables.

    :meth:`add` runs once per event on every catch-up and rebuild (the aggregates' whole
    cost), so it touches each event's fields once and keys its hour sums by the wall
    clock's first 13 characters (day and hour), split in :meth:`hour_rows`."""

    #: (wall[:13], kiosk) -> counters
    hours: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    #: member -> [first day, last visit day or "", visits, spend]
    members: dict[str, list[Any]] = field(default_factory=dict)
    months: set[tuple[str, str]] = field(default_factory=set)
    balances: dict[str, int] = field(default_factory=dict)
    #: kiosk -> (program, wall) of its latest event
    kiosks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (card, member) given
    cards: set[tuple[str, str]] = field(default_factory=set)

    def add(self, event: dict[str, Any]) -> None:
        """Count one event (its stored JSON form)."""
        kind = event["kind"]
        wall = event["wall"]
        kiosk = event["kiosk"]
        member_id = event["member"]
        day = wall[:10]
        self.kiosks[kiosk] = (event["program"], wall)
        key = (wall[:13], kiosk)
        row = self.hours.get(key)
        if row is None:
            row = self.hours[key] = [0] * _N_COUNTERS
        visits = spend = 0
        balances = self.balances
        opening: bool | None = None
        for posting in event.get("postings", ()):
            account, delta = posting[0], posting[1]
            balances[account] = balances.get(account, 0) + delta
            if account == VISITS:
                visits += delta
            elif account == SPEND:
                spend += delta
            elif kind != _MERGED:  # a merge moves balances: neither issued nor redeemed here
                if account == POINTS:
                    unit = _POINTS_WAYS
                elif account == STAMPS or account.startswith("stamps:"):
                    unit = _STAMPS_WAYS
                else:
                    continue
                if opening is None:  # an opening balance was earned before Kanta
                    opening = bool(event.get("data", {}).get("opening_balance"))
                if not opening:
                    row[unit[_way(kind, delta)]] += -abs(delta) if kind == _CORRECTION else abs(delta)
        row[0] += visits
        row[2] += spend
        if kind == _PURCHASE:
            row[1] += 1
        elif kind == _REDEEMED:
            row[_REWARDS_REDEEMED] += 1
            value = event.get("data", {}).get("value", 0)
            row[_REWARD_COST] += value if type(value) is int else 0
        elif kind == _CREATED:
            row[_NEW_MEMBERS] += 1
        if kind in _CARD_KINDS:
            data = event.get("data", {})
            card = data.get("new") if kind == _REPLACED else data.get("card") or event.get("card")
            if isinstance(card, str) and card:
                self.cards.add((card[:200], member_id))
        member = self.members.get(member_id)
        if member is None:
            member = self.members[member_id] = [day, "", 0, 0]
        elif day < member[0]:
            member[0] = day
        if visits > 0 and day > member[1]:
            member[1] = day
        member[2] += visits
        member[3] += spend
        if visits > 0 or spend > 0:
            self.months.add((wall[:7], member_id))

    def hour_rows(self) -> dict[tuple[str, int, str], list[int]]:
        """(day, hour, kiosk) -> counters."""
        out: dict[tuple[str, int, str], list[int]] = {}
        for (stamp, kiosk), row in self.hours.items():
            key = (stamp[:10], int(stamp[11:13]), kiosk)
            have = out.get(key)
            if have is None:
                out[key] = list(row)
            else:  # the same hour written another way (a space for the T)
                for i, value in enumerate(row):
                    have[i] += value
        return out


#: the counters a points or stamps posting adds to, by way: issued, redeemed, expired
_POINTS_WAYS = tuple(_COUNTER_INDEX[f"points_{way}"] for way in ("issued", "redeemed", "expired"))
_STAMPS_WAYS = tuple(_COUNTER_INDEX[f"stamps_{way}"] for way in ("issued", "redeemed", "expired"))


def _way(kind: str, delta: int) -> int:
    """Which way (0 issued, 1 redeemed, 2 expired) a points/stamps posting counts. An undo
    (correction) takes back from the counter the original added to: a negative delta from
    issued, a positive from redeemed."""
    if kind == _EXPIRED:
        return 2
    if kind == _CORRECTION:
        return 0 if delta < 0 else 1
    return 0 if delta > 0 else 1


# ---- writing --------------------------------------------------------------------------


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _write(conn: Connection, shop_id: int, fold: Fold, *, empty: bool = False) -> None:
    """Add a fold to the tables (``empty``: the shop has no rows in them, so plain bulk
    inserts do, COPY on PostgreSQL)."""
    if empty:
        _bulk(conn, "agg_hours", ["shop_id", "day", "hour", "kiosk", *HOUR_COUNTERS],
              [(shop_id, d, h, k, *row) for (d, h, k), row in fold.hour_rows().items()])
        _bulk(conn, "agg_members", ["shop_id", "member", "first_day", "last_visit_day", "visits", "spend"],
              [(shop_id, m, v[0], v[1] or None, v[2], v[3]) for m, v in fold.members.items()])
        _bulk(conn, "agg_member_months", ["shop_id", "month", "member"],
              [(shop_id, month, member) for month, member in fold.months])
        _bulk(conn, "agg_balances", ["shop_id", "account", "total"],
              [(shop_id, a, t) for a, t in fold.balances.items()])
        _bulk(conn, "agg_kiosks", ["shop_id", "kiosk", "program", "last_event"],
              [(shop_id, k, p[:200], w[:40]) for k, (p, w) in fold.kiosks.items()])
        _bulk(conn, "agg_cards", ["shop_id", "card", "member"], [(shop_id, c, m) for c, m in fold.cards])
        return
    counters = list(HOUR_COUNTERS)
    updates = ", ".join(f'"{c}" = agg_hours."{c}" + excluded."{c}"' for c in counters)
    _upsert(
        conn, shop_id, "agg_hours",
        {"day": "text", "hour": "int", "kiosk": "text", **dict.fromkeys(counters, "bigint")},
        [(d, h, k, *row) for (d, h, k), row in fold.hour_rows().items()],
        f'("shop_id", "day", "hour", "kiosk") DO UPDATE SET {updates}',
    )
    _upsert(
        conn, shop_id, "agg_members",
        {"member": "text", "first_day": "text", "last_visit_day": "text",
         "visits": "bigint", "spend": "bigint"},
        [(m, v[0], v[1] or None, v[2], v[3]) for m, v in fold.members.items()],
        '("shop_id", "member") DO UPDATE SET '
        '"first_day" = CASE WHEN excluded."first_day" < agg_members."first_day" '
        'THEN excluded."first_day" ELSE agg_members."first_day" END, '
        '"last_visit_day" = CASE WHEN agg_members."last_visit_day" IS NULL '
        'OR excluded."last_visit_day" > agg_members."last_visit_day" '
        'THEN excluded."last_visit_day" ELSE agg_members."last_visit_day" END, '
        '"visits" = agg_members."visits" + excluded."visits", '
        '"spend" = agg_members."spend" + excluded."spend"',
    )
    _upsert(
        conn, shop_id, "agg_member_months", {"month": "text", "member": "text"}, list(fold.months),
        '("shop_id", "month", "member") DO NOTHING',
    )
    _upsert(
        conn, shop_id, "agg_balances", {"account": "text", "total": "bigint"}, list(fold.balances.items()),
        '("shop_id", "account") DO UPDATE SET "total" = agg_balances."total" + excluded."total"',
    )
    _upsert(
        conn, shop_id, "agg_kiosks", {"kiosk": "text", "program": "text", "last_event": "text"},
        [(k, program[:200], wall[:40]) for k, (program, wall) in fold.kiosks.items()],
        '("shop_id", "kiosk") DO UPDATE SET "program" = excluded."program", '
        '"last_event" = excluded."last_event"',
    )
    _upsert(
        conn, shop_id, "agg_cards", {"card": "text", "member": "text"}, list(fold.cards),
        '("shop_id", "card", "member") DO NOTHING',
    )


def _upsert(
    conn: Connection, shop_id: int, table: str, columns: dict[str, str], rows: list[tuple[Any, ...]],
    conflict: str,
) -> None:
    """Add ``rows`` (one tuple a row, ``columns`` in order; name -> PostgreSQL type) to a
    table of the shop, ``ON CONFLICT {conflict}``. PostgreSQL takes every row in one
    statement (a column an array, unnested): one plan and one round trip for thousands
    of members, where a row a statement cost more than the fold itself."""
    if not rows:
        return
    names = _quoted(["shop_id", *columns])
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({names}) SELECT %s, * FROM unnest({arrays}) ON CONFLICT {conflict}",
            (shop_id, *(list(column) for column in zip(*rows, strict=True))),
        )
        return
    marks = ", ".join("?" * (len(columns) + 1))
    _many(conn, f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT {conflict}",
          [(shop_id, *row) for row in rows])


def _bulk(conn: Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY {table} ({_quoted(columns)}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    _many(conn, f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def _many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


# ---- following the events -------------------------------------------------------------


def _locked_cursor(conn: Connection, shop_id: int) -> int:
    """The aggregates' cursor, with the shop's aggregates locked for this transaction."""
    db.q(conn, 'INSERT INTO agg_state ("shop_id", "cursor") VALUES (?, 0) ON CONFLICT DO NOTHING', (shop_id,))
    for_update = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    row = db.q(conn, f'SELECT "cursor" FROM agg_state WHERE shop_id = ?{for_update}', (shop_id,))
    return int(row.scalar_one())


def behind(engine: Engine, shop_id: int) -> int:
    """How many events have arrived that the aggregates have not counted yet."""
    shop_cursor, counted = _cursors(engine, shop_id)
    return max(0, shop_cursor - counted)


def _cursors(engine: Engine, shop_id: int) -> tuple[int, int]:
    """(the shop's cursor, the aggregates' cursor)."""
    with db.read_tx(engine) as conn:
        row = db.q(
            conn,
            'SELECT s."cursor", a."cursor" FROM shops s LEFT JOIN agg_state a ON a.shop_id = s.id '
            "WHERE s.id = ?",
            (shop_id,),
        ).first()
    return (0, 0) if row is None else (int(row[0]), int(row[1] or 0))


def up_to_date(engine: Engine, shop_id: int) -> int:
    """Before a page reads the aggregates: count what has arrived since, if that is quick;
    a longer backlog (a server that was down while kiosks pushed, an upgrade that counts
    everything again) is counted in the background. Returns the events not counted yet."""
    waiting = behind(engine, shop_id)
    if not waiting:
        return 0
    if waiting <= CHUNK:
        catch_up(engine, shop_id)
        return 0
    events_committed(engine, (shop_id,))
    return waiting


def catch_up(engine: Engine, shop_id: int, *, chunk: int = CHUNK) -> int:
    """Fold the shop's events past the aggregates' cursor in; returns how many."""
    done = 0
    while True:
        with db.write_tx(engine) as conn:
            cursor = _locked_cursor(conn, shop_id)
            rows = db.q(
                conn,
                'SELECT "cursor", body FROM events WHERE shop_id = ? AND "cursor" > ? '
                'ORDER BY "cursor" LIMIT ?',
                (shop_id, cursor, chunk),
            ).all()
            if not rows:
                return done
            fold = Fold()
            for row in rows:
                fold.add(orjson.loads(row[1]))
            _write(conn, shop_id, fold)
            db.q(conn, 'UPDATE agg_state SET "cursor" = ? WHERE shop_id = ?', (int(rows[-1][0]), shop_id))
        done += len(rows)
        if len(rows) < chunk:
            return done


def rebuild(engine: Engine, shop_ids: Iterable[int] | None = None, *, chunk: int = 100_000) -> int:
    """Throw the aggregates away and count every event again; returns the events counted.

    The stored events up to the shop's cursor now never change, so they are read and
    folded without a lock; the tables are then replaced in one short transaction (bulk
    inserts into emptied tables) and whatever arrived meanwhile is caught up.
    """
    with db.read_tx(engine) as conn:
        every = [(int(r[0]), int(r[1])) for r in db.q(conn, 'SELECT id, "cursor" FROM shops')]
    wanted = None if shop_ids is None else set(shop_ids)
    total = 0
    for shop_id, upto in every:
        if wanted is not None and shop_id not in wanted:
            continue
        fold = Fold()
        last = 0
        while last < upto:
            with db.read_tx(engine) as conn:
                rows = db.q(
                    conn,
                    'SELECT "cursor", body FROM events WHERE shop_id = ? AND "cursor" > ? AND "cursor" <= ? '
                    'ORDER BY "cursor" LIMIT ?',
                    (shop_id, last, upto, chunk),
                ).all()
            if not rows:
                break
            for row in rows:
                fold.add(orjson.loads(row[1]))
            last = int(rows[-1][0])
            total += len(rows)
        with db.write_tx(engine) as conn:
            _locked_cursor(conn, shop_id)
            for table in AGGREGATE_TABLES:
                conn.execute(sa.delete(table).where(table.c.shop_id == shop_id))
            _write(conn, shop_id, fold, empty=True)
            conn.execute(sa.update(agg_state).where(agg_state.c.shop_id == shop_id).values(cursor=last))
        if engine.dialect.name == "postgresql":
            # fresh statistics (the planner saw empty tables) and a visibility map, so the
            # overview's counts read the indexes alone; VACUUM runs outside a transaction
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                for table in AGGREGATE_TABLES:
                    auto.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
        total += catch_up(engine, shop_id)
    return total


# ---- in the background, after pushes --------------------------------------------------


class _Follower:
    """Catches the aggregates up once pushes pause for ``QUIET_S`` (at the latest
    ``MAX_DELAY_S`` after the first waiting push), so a burst of pushes is counted in one
    go rather than competing with itself. The thread ends when there is nothing to do."""

    QUIET_S = 1.0
    MAX_DELAY_S = 30.0

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cond = threading.Condition()
        self.shops: set[int] = set()
        self.first = self.last = 0.0
        self.running = False

    def notify(self, shop_ids: Iterable[int]) -> None:
        with self.cond:
            now = time.monotonic()
            if not self.shops:
                self.first = now
            self.shops.update(shop_ids)
            self.last = now
            if self.running:
                return
            self.running = True
        threading.Thread(target=self._serve, name="kanta-aggregates", daemon=True).start()

    def _serve(self) -> None:
        while True:
            with self.cond:
                while True:
                    if not self.shops:
                        self.running = False
                        return
                    now = time.monotonic()
                    wait = min(self.last + self.QUIET_S, self.first + self.MAX_DELAY_S) - now
                    if wait <= 0:
                        break
                    self.cond.wait(wait)
                shops, self.shops = sorted(self.shops), set()
            for shop_id in shops:
                try:
                    shop_cursor, counted = _cursors(self.engine, shop_id)
                    if counted == 0 and shop_cursor > CHUNK:  # nothing counted: the bulk path
                        rebuild(self.engine, (shop_id,))
                    else:
                        catch_up(self.engine, shop_id)
                except Exception as exc:  # the next push or page view tries again
                    _log.error("aggregates: catching up failed: %s", type(exc).__name__)


_FOLLOWERS: weakref.WeakKeyDictionary[Engine, _Follower] = weakref.WeakKeyDictionary()
_FOLLOWERS_LOCK = threading.Lock()


def events_committed(engine: Engine, shop_ids: Iterable[int]) -> None:
    """Called by the push path after a commit that stored events: count them soon."""
    with _FOLLOWERS_LOCK:
        follower = _FOLLOWERS.get(engine)
        if follower is None:
            follower = _FOLLOWERS[engine] = _Follower(engine)
    follower.notify(shop_ids)
