"""The server's one database layer: SQLAlchemy Core tables, engines, migrations.

SQLite (a file, nothing to install) is the default; PostgreSQL serves shops with many
kiosks and several server processes side by side. URLs are SQLAlchemy-style:
``sqlite:///path/to/server.db`` or ``postgresql://user@host:port/db`` (the psycopg 3
driver is chosen for a bare ``postgresql://``).

Writers take the shop's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite) before they allocate cursors, so per shop the commit order is the
cursor order and a reader can never miss an event that commits later with a lower cursor.

Migrations: ``schema_version`` holds one row; ``MIGRATIONS[i]`` takes the schema from
version ``i`` to ``i + 1``. They run at server start (and with ``kanta server migrate``)
under a lock, so several processes starting at once migrate exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.errors import ConfigError
from sync.backup_guard import private_mode
from sync.server import blind_index_schema, console_schema, handover_schema, heads_schema, requests_schema
from sync.server.chain import Head

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

shops = sa.Table(
    "shops",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    #: highest cursor allocated to this shop's events
    sa.Column("cursor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", sa.String(40), nullable=False),
)

owners = sa.Table(
    "owners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop_id", sa.Integer, sa.ForeignKey("shops.id"), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    #: "scrypt$n$r$p$salt_hex$hash_hex"
    sa.Column("password_hash", sa.String(400), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

kiosks = sa.Table(
    "kiosks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop_id", sa.Integer, sa.ForeignKey("shops.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    #: SHA-256 hex of the pairing token; the token itself is never stored
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    #: the kiosk id its events carry, learned at its first push
    sa.Column("kiosk_ident", sa.String(200), nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("last_seen", sa.String(40), nullable=True),
    sa.Column("pending", sa.BigInteger, nullable=True),
    #: last heartbeat body as JSON text
    sa.Column("heartbeat", sa.Text, nullable=True),
    sa.UniqueConstraint("shop_id", "name", name="uq_kiosks_shop_name"),
    sa.UniqueConstraint("shop_id", "kiosk_ident", name="uq_kiosks_shop_ident"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("shop_id", sa.Integer, sa.ForeignKey("shops.id"), primary_key=True),
    sa.Column("cursor", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("kiosk", sa.String(200), nullable=False),
    sa.Column("member", sa.String(200), nullable=False),
    sa.Column("hlc", sa.String(260), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    #: any posting with a negative delta (only members with one can be overdrawn)
    sa.Column("debit", sa.Boolean, nullable=False),
    #: the event's canonical JSON (``Event.to_dict()``)
    sa.Column("body", sa.Text, nullable=False),
    sa.UniqueConstraint("shop_id", "event_id", name="uq_events_shop_event"),
    sa.Index("ix_events_shop_member", "shop_id", "member"),
)

#: every kiosk's chain head: its last stored event's sequence number and hash
chains = sa.Table(
    "chains",
    metadata,
    sa.Column("shop_id", sa.Integer, sa.ForeignKey("shops.id"), primary_key=True),
    sa.Column("kiosk", sa.String(200), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

programs = sa.Table(
    "programs",
    metadata,
    sa.Column("shop_id", sa.Integer, sa.ForeignKey("shops.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("toml", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("author", sa.String(320), nullable=True),
)


# ---- engines -------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """A bare ``postgresql://`` means psycopg 3 (the driver Kanta installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """An engine for a server database URL; raises ConfigError for a URL we can't use.

    The pool keeps ``pool_size`` connections: enough for the requests one process serves
    at once, so busy moments don't open and close connections (PostgreSQL's default of 100
    connections allows a few server processes; raise max_connections for more).
    """
    url = normalise_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r} (try sqlite:///path or postgresql://...)") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConfigError("the server needs an SQLite file: sqlite:///path/to/server.db")
        _create_private(Path(parsed.database))
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _sqlite_setup(engine)
        _SQLITE_WRITERS[engine] = threading.Lock()
        return engine
    if backend == "postgresql":
        # no server-side prepared statements: psycopg prepares a statement after its fifth use
        # on a connection, and PostgreSQL may then keep a generic plan made while the events
        # table was empty (a sequential scan to find known ids, growing with every push)
        return sa.create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"prepare_threshold": None},
        )
    raise ConfigError(f"unsupported database {backend!r}: use sqlite:///path or postgresql://...")


def _create_private(path: Path) -> None:
    """Create a new database file readable by its owner only (0600; 0640 in a folder the
    installer gave the service's group). SQLite gives its -wal and -shm files the same mode."""
    if path.exists() or not path.parent.is_dir():
        return  # (a missing folder: SQLite's own error says so)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private_mode(path.parent)))


def _sqlite_setup(engine: Engine) -> None:
    """WAL, full fsync at commit, and explicit BEGIN (IMMEDIATE for writers).

    pysqlite's own transaction handling is switched off so SQLAlchemy's ``begin`` is the
    real ``BEGIN``; write transactions take the database's write lock up front, which is
    SQLite's form of the shop row lock (and avoids lock-upgrade deadlocks).
    """

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("kanta_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


#: SQLite has one writer at a time; threads of one process queue on this lock rather than
#: on SQLite's busy handler, which polls with sleeps of up to 100 ms and starves some waiters
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction: commits on success, rolls back on any exception."""
    lock = _SQLITE_WRITERS.get(engine)
    if lock is None:
        with engine.connect().execution_options(kanta_write=True) as conn, conn.begin():
            yield conn
        return
    with lock, engine.connect().execution_options(kanta_write=True) as conn, conn.begin():
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


_EVENT_COLUMNS = ("shop_id", "cursor", "event_id", "kiosk", "member", "hlc", "hash", "debit", "body")


def insert_events(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert event rows (tuples in ``_EVENT_COLUMNS`` order) with the driver's own executemany.

    The hot path of a push: SQLAlchemy's per-row parameter processing costs as much as the
    insert itself, and these columns need no type processing (the types are plain).
    """
    columns = ", ".join(f'"{c}"' for c in _EVENT_COLUMNS)
    if conn.dialect.name == "postgresql":
        # COPY: the bulk path, one stream for the whole batch (executemany would send a
        # statement a row; a multi-row INSERT makes the server parse thousands of parameters)
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["?"] * len(_EVENT_COLUMNS))
    conn.exec_driver_sql(f"INSERT INTO events ({columns}) VALUES ({marks})", rows)


def q(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """Run hand-written SQL with ``?`` placeholders on either database (the hot path: Core
    statements cost tens of microseconds each in SQLAlchemy before reaching the driver)."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return conn.exec_driver_sql(sql, params)


def existing_hashes(conn: Connection, shop_id: int, event_ids: list[str]) -> dict[str, str]:
    """event id -> stored hash, for those of ``event_ids`` the shop already has."""
    out: dict[str, str] = {}
    if conn.dialect.name == "postgresql":
        # one array parameter: cheaper to send and plan than a thousand-item IN list
        rows = conn.exec_driver_sql(
            "SELECT event_id, hash FROM events WHERE shop_id = %s AND event_id = ANY(%s::text[])",
            (shop_id, event_ids),
        ).all()
        return {r[0]: r[1] for r in rows}
    for start in range(0, len(event_ids), 900):  # within any SQLite's parameter limit
        chunk = event_ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            f"SELECT event_id, hash FROM events WHERE shop_id = ? AND event_id IN ({marks})",
            (shop_id, *chunk),
        ).all()
        out.update((r[0], r[1]) for r in rows)
    return out


def lock_shop(conn: Connection, shop_id: int) -> int | None:
    """Take the shop's row lock for the rest of the transaction; returns its cursor.

    (On SQLite the write transaction's ``BEGIN IMMEDIATE`` already holds the database's lock.)
    """
    for_update = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    row = q(conn, f'SELECT "cursor" FROM shops WHERE id = ?{for_update}', (shop_id,)).first()
    return None if row is None else int(row[0])


def set_shop_cursor(conn: Connection, shop_id: int, cursor: int) -> None:
    q(conn, 'UPDATE shops SET "cursor" = ? WHERE id = ?', (cursor, shop_id))


def chain_heads(conn: Connection, shop_id: int) -> dict[str, Head]:
    """kiosk id -> its chain head, for the shop's kiosks."""
    rows = q(conn, "SELECT kiosk, seq, hash FROM chains WHERE shop_id = ?", (shop_id,)).all()
    return {r[0]: Head(int(r[1]), r[2]) for r in rows}


#: chain heads per statement (4 parameters each: within any SQLite's limit of 999)
_HEADS_PER_STATEMENT = 200


def set_chain_heads(conn: Connection, shop_id: int, heads: list[tuple[str, int, str]]) -> None:
    """Record new chain heads, (kiosk, seq, hash) each: one statement for a group's heads
    (an executemany sent PostgreSQL a statement a kiosk, 20 round trips a group of 20)."""
    for start in range(0, len(heads), _HEADS_PER_STATEMENT):
        chunk = heads[start : start + _HEADS_PER_STATEMENT]
        rows = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
        q(
            conn,
            f"INSERT INTO chains (shop_id, kiosk, seq, hash) VALUES {rows} "
            "ON CONFLICT (shop_id, kiosk) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            tuple(value for head in chunk for value in (shop_id, *head)),
        )


# ---- migrations ----------------------------------------------------------------------


def _m1_initial(conn: Connection) -> None:
    for table in (shops, owners, kiosks, events, programs):
        table.create(conn, checkfirst=True)


def _chain_heads(conn: Connection) -> None:
    """Every kiosk's chain head, from the events stored so far (the push path keeps it)."""
    chains.create(conn, checkfirst=True)
    heads: dict[tuple[int, str], tuple[int, str]] = {}
    rows = conn.execute(
        sa.select(events.c.shop_id, events.c.kiosk, events.c.body).execution_options(yield_per=10_000)
    )
    for shop_id, kiosk, body in rows:
        event = json.loads(body)
        seq = int(event["seq"])
        if seq > heads.get((shop_id, kiosk), (0, ""))[0]:
            heads[(shop_id, kiosk)] = (seq, str(event["hash"]))
    for (shop_id, kiosk), (seq, hash_) in sorted(heads.items()):
        conn.execute(sa.insert(chains).values(shop_id=shop_id, kiosk=kiosk, seq=seq, hash=hash_))


#: MIGRATIONS[i] takes the schema from version i to i + 1; append, never edit
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _m1_initial,
    console_schema.create_v2,
    console_schema.create_v3,
    console_schema.create_v4,
    console_schema.create_v5,
    _chain_heads,
    console_schema.create_cards,
    heads_schema.create_signed_heads,
    requests_schema.create_data_requests,
    blind_index_schema.create_blind_index,
    console_schema.create_merge_requests,
    handover_schema.create_contact_handover,
)
SCHEMA_VERSION = len(MIGRATIONS)

_PG_MIGRATION_LOCK = 0x4B414E5441  # "KANTA": advisory lock key


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    row = conn.execute(sa.select(schema_version.c.version).where(schema_version.c.id == 1)).first()
    return 0 if row is None else int(row[0])


def migrate(engine: Engine) -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        schema_version.create(conn, checkfirst=True)
        before = current_version(conn)
        if before > SCHEMA_VERSION:
            raise ConfigError(
                f"the server database has schema version {before}, newer than this Kanta "
                f"({SCHEMA_VERSION}): upgrade Kanta"
            )
        for step in MIGRATIONS[before:]:
            step(conn)
        if before == 0:
            conn.execute(sa.insert(schema_version).values(id=1, version=SCHEMA_VERSION))
        elif before != SCHEMA_VERSION:
            conn.execute(
                sa.update(schema_version).where(schema_version.c.id == 1).values(version=SCHEMA_VERSION)
            )
    return before, SCHEMA_VERSION
