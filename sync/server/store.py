"""The server's use cases over the database: shops, logins, kiosks, events, programs, flags.

Everything here is a function of an ``Engine`` and plain values, so the HTTP layer, the
command line and the tests share one path. Errors a client can cause are ``ApiError``
with the HTTP status they map to.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import weakref
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kiosk.config import parse_toml_text
from kiosk.domain.events import check_event_dict, event_from_dict, hash_of, hashed_bytes
from kiosk.domain.member import Conflict, MemberState, apply
from kiosk.domain.program import parse_program
from kiosk.errors import EventFormatError, KantaError
from sync.server import aggregates, auth, chain, db
from sync.server.bodies import check_shape
from sync.server.errors import ApiError as ApiError  # re-exported: callers import it from here too
from sync.server.eventbounds import check_event_values

MAX_EVENTS = 1000
MAX_BYTES = 4 * 1024 * 1024
MAX_PULL = 5000
MAX_PROGRAM_BYTES = 256 * 1024


@dataclass(frozen=True)
class KioskAuth:
    row_id: int
    shop_id: int
    name: str
    ident: str | None


@dataclass(frozen=True)
class OwnerAuth:
    shop_id: int
    email: str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# ---- shops, owners, kiosks -----------------------------------------------------------


def _shop_id(conn: Connection, name: str) -> int:
    row = conn.execute(sa.select(db.shops.c.id).where(db.shops.c.name == name)).first()
    if row is None:
        raise KantaError(f"no shop named {name!r} on this server")
    return int(row[0])


def init_shop(
    engine: Engine, shop: str, owner_email: str, password: str, *, scrypt_n: int = auth.SCRYPT_N
) -> None:
    """Create a shop and its owner login (or add another owner login to an existing shop)."""
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
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(db.owners.c.shop_id, db.owners.c.password_hash).where(db.owners.c.email == email)
        ).first()
    if row is None:
        auth.check_password(password, auth.DUMMY_HASH)
        return None
    if not auth.check_password(password, row.password_hash):
        return None
    return OwnerAuth(row.shop_id, email)


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


# ---- events --------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    stored: int
    duplicates: int
    cursor: int


@dataclass(frozen=True, slots=True)
class Incoming:
    """A checked event: the columns the server keeps and its canonical JSON (``to_dict()``
    form, hash last), as stored and served."""

    id: str
    kiosk: str
    member: str
    hlc: str
    hash: str
    #: any posting with a negative delta (only members with one can be overdrawn)
    debit: bool
    body: str
    seq: int
    prev: str
    #: its position in the pushed batch
    index: int


def validate_batch(raw_events: Any, *, plain_text: bool = False) -> list[Incoming]:
    """Parse a batch; a malformed event is a 422 naming ``events[i].field``. ``plain_text``:
    the body had no backslash (see ``eventbounds.check_event_values``)."""
    if not isinstance(raw_events, list):
        raise ApiError(422, "'events' must be a list of events", field="events")
    if len(raw_events) > MAX_EVENTS:
        raise ApiError(413, "batch too large", max_events=MAX_EVENTS, max_bytes=MAX_BYTES)
    out = []
    for i, raw in enumerate(raw_events):
        try:
            check_event_dict(raw)
            check_event_values(raw, plain_text=plain_text)
            body = _canonical_checked(raw)
        except EventFormatError as exc:
            fld = f"events[{i}]" if exc.field in (None, "<event>") else f"events[{i}].{exc.field}"
            raise ApiError(422, str(exc), field=fld, index=i) from None
        except (UnicodeError, ValueError, TypeError, RecursionError) as exc:
            # a lone surrogate, an unhashable oddity: refuse the event, never a 5xx
            raise ApiError(422, f"event is not valid text: {exc}", field=f"events[{i}]", index=i) from None
        postings = raw.get("postings", ())
        out.append(
            Incoming(
                raw["id"],
                raw["kiosk"],
                raw["member"],
                raw["hlc"],
                raw["hash"],
                any(p[1] < 0 for p in postings),
                body,
                raw["seq"],
                raw["prev"],
                i,
            )
        )
    return out


def _canonical_checked(raw: Mapping[str, Any]) -> str:
    """Check a checked event dict's hash and return its stored form: the canonical JSON
    ``Event.computed_hash`` hashes, with the hash added as the last key.

    Events as kiosks send them take the fast path (their dict is already in ``to_dict()``
    form); any other form is built into an Event first, whose own ``to_dict`` and
    ``computed_hash`` decide (tests check both paths agree with them).
    """
    claimed = raw.get("hash")
    hashed = hashed_bytes(raw)
    if (
        hashed is None
        or type(claimed) is not str
        or hash_of(hashed) != claimed
    ):
        event = event_from_dict(raw, verify_hash=False)
        if event.computed_hash() != event.hash:
            raise EventFormatError("event field 'hash': does not match the event's content", "hash")
        return f'{event.hashed_text()[:-1]},"hash":"{event.hash}"}}'
    return f'{hashed[:-1].decode("utf-8")},"hash":"{claimed}"}}'


def push_events(engine: Engine, kiosk: KioskAuth, incoming: Sequence[Incoming]) -> PushResult:
    """Store a batch exactly once: ids already stored are counted as duplicates.

    Under the shop's row lock, in one transaction: learn/check the kiosk id, find which ids
    exist, allocate consecutive cursors to the new ones, insert, bump the shop cursor. A
    crash anywhere before commit leaves nothing; a replay after commit stores nothing.
    Concurrent pushes in one process share a transaction (group commit, one fsync); each
    is still decided on its own, so one refused batch never affects another.
    """
    return submit_push(engine, kiosk, incoming).result()


def submit_push(engine: Engine, kiosk: KioskAuth, incoming: Sequence[Incoming]) -> Future[PushResult]:
    """``push_events`` without waiting: the future resolves once the batch's group has
    committed (``asyncio.wrap_future`` awaits it on an event loop)."""
    future: Future[PushResult] = Future()
    future.set_running_or_notify_cancel()  # a push, once queued, is stored even if nobody waits
    try:
        job = _PushJob(kiosk, _prepare(kiosk, incoming), future)
    except ApiError as exc:
        future.set_exception(exc)
        return future
    _committer(engine).submit(job)
    return future


@dataclass(frozen=True)
class _Prepared:
    ident: str | None
    unique: dict[str, Incoming]
    count: int


#: a 403's field: every event of a batch names the same kiosk, so the first one is named
_KIOSK_FIELD = "events[0].kiosk"


def _prepare(kiosk: KioskAuth, incoming: Sequence[Incoming]) -> _Prepared:
    """The checks that need no database."""
    idents = {e.kiosk for e in incoming}
    if len(idents) > 1:
        odd = next(e for e in incoming if e.kiosk != incoming[0].kiosk)
        raise ApiError(
            403,
            "every event of a batch must come from the pushing kiosk",
            field=f"events[{odd.index}].kiosk",
            index=odd.index,
        )
    ident = next(iter(idents), None)
    if ident is not None and kiosk.ident is not None and ident != kiosk.ident:
        raise ApiError(403, f"this token belongs to kiosk {kiosk.ident!r}, not {ident!r}", field=_KIOSK_FIELD)
    # the same event twice in one batch counts once
    unique: dict[str, Incoming] = {}
    for e in incoming:
        prev = unique.get(e.id)
        if prev is not None and prev.hash != e.hash:
            raise ApiError(
                409,
                f"event {e.id} appears twice with different content",
                event=e.id,
                field=f"events[{e.index}]",
                index=e.index,
            )
        unique[e.id] = e
    return _Prepared(ident, unique, len(incoming))


def _push_shop_jobs(conn: Connection, shop_id: int, jobs: list[_PushJob]) -> None:
    """Store one shop's jobs of a group, in queue order, with a fixed number of statements.

    Each job is decided on its own (401 revoked, 403 kiosk id, 409 conflict) against the
    database plus the jobs accepted before it; the accepted ones' new events are inserted
    together with consecutive cursors, all under the shop's row lock.
    """
    cursor = db.lock_shop(conn, shop_id)
    if cursor is None:
        for job in jobs:
            job.error = ApiError(401, "unknown shop")
        return
    # the shop's kiosks: a few rows, cheaper in one plain query than by id lists
    kiosk_rows = db.q(conn, "SELECT id, kiosk_ident, revoked FROM kiosks WHERE shop_id = ?", (shop_id,)).all()
    kiosk_state = {r[0]: (r[1], bool(r[2])) for r in kiosk_rows}
    ident_owner: dict[str, int] = {r[1]: r[0] for r in kiosk_rows if r[1] is not None}
    known = db.existing_hashes(conn, shop_id, sorted({i for job in jobs for i in job.prep.unique}))
    heads = db.chain_heads(conn, shop_id)
    moved: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    learned: list[tuple[int, str]] = []
    storing: list[_PushJob] = []
    for job in jobs:
        try:
            ident, unique = job.prep.ident, job.prep.unique
            state = kiosk_state.get(job.kiosk.row_id)
            if state is None or state[1]:
                raise ApiError(401, "this kiosk's token has been revoked")
            if ident is not None:
                if state[0] is None:
                    owner = ident_owner.get(ident)
                    if owner is not None and owner != job.kiosk.row_id:
                        taken = f"kiosk id {ident!r} belongs to another kiosk of this shop"
                        raise ApiError(403, taken, field=_KIOSK_FIELD)
                elif state[0] != ident:
                    mine = f"this token belongs to kiosk {state[0]!r}, not {ident!r}"
                    raise ApiError(403, mine, field=_KIOSK_FIELD)
            for event_id, event in unique.items():
                stored_hash = known.get(event_id)
                if stored_hash is not None and stored_hash != event.hash:
                    raise ApiError(
                        409,
                        f"event {event_id} is already stored with different content (a rewrite)",
                        event=event_id,
                        field=f"events[{event.index}]",
                        index=event.index,
                    )
            # in sequence order, so each kiosk's events are in chain order in the shop's cursors
            new = sorted((e for e in unique.values() if e.id not in known), key=_by_seq)
            if new:
                assert ident is not None  # a batch with events names its kiosk
                heads[ident] = chain.extend(ident, heads.get(ident, chain.Head()), new)
                moved.add(ident)
            if ident is not None and state[0] is None:
                kiosk_state[job.kiosk.row_id] = (ident, False)
                ident_owner[ident] = job.kiosk.row_id
                learned.append((job.kiosk.row_id, ident))
            for e in new:
                cursor += 1
                known[e.id] = e.hash
                rows.append(
                    (
                        shop_id,
                        cursor,
                        e.id,
                        e.kiosk,
                        e.member,
                        e.hlc,
                        e.hash,
                        e.debit,
                        e.body,
                    )
                )
            job.result = PushResult(stored=len(new), duplicates=job.prep.count - len(new), cursor=0)
            if new:
                storing.append(job)
        except ApiError as exc:
            job.error = exc
    for row_id, ident in learned:
        db.q(conn, "UPDATE kiosks SET kiosk_ident = ? WHERE id = ?", (ident, row_id))
    if rows:
        db.insert_events(conn, rows)
        db.set_shop_cursor(conn, shop_id, cursor)
        db.set_chain_heads(conn, shop_id, [(k, heads[k].seq, heads[k].hash) for k in sorted(moved)])
    for job in jobs:
        if job.result is not None:
            # the shop's highest cursor once this group commits
            job.result = PushResult(job.result.stored, job.result.duplicates, cursor)
    for _ in storing:
        _crash_point("before-commit")


def _by_seq(event: Incoming) -> int:
    return event.seq


class _PushJob:
    def __init__(self, kiosk: KioskAuth, prep: _Prepared, future: Future[PushResult]) -> None:
        self.kiosk = kiosk
        self.prep = prep
        self.future = future
        self.result: PushResult | None = None
        self.error: BaseException | None = None


#: most events one group transaction takes (the rest wait for the next group)
GROUP_MAX_EVENTS = 5000


class _GroupCommitter:
    """Group commit for the pushes of one process: one thread per database stores the
    queued pushes, oldest first, up to GROUP_MAX_EVENTS in one transaction with one commit.

    While it commits (an fsync, without the GIL) the requests behind it are parsed. The
    thread ends when idle and starts again with the next push. The server keeps no state
    beyond the requests in flight: every answered push has been committed.
    """

    IDLE_S = 2.0

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cond = threading.Condition()
        self.queue: deque[_PushJob] = deque()
        self.running = False

    def submit(self, job: _PushJob) -> None:
        with self.cond:
            self.queue.append(job)
            if self.running:
                self.cond.notify()
                return
            self.running = True
        threading.Thread(target=self._serve, name="kanta-group-commit", daemon=True).start()

    def _serve(self) -> None:
        while True:
            with self.cond:
                if not self.queue:
                    self.cond.wait(self.IDLE_S)
                if not self.queue:
                    self.running = False
                    return
                group = [self.queue.popleft()]
                events = group[0].prep.count
                while self.queue and events + self.queue[0].prep.count <= GROUP_MAX_EVENTS:
                    group.append(self.queue.popleft())
                    events += group[-1].prep.count
            self._run(group)
            for job in group:
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    assert job.result is not None
                    job.future.set_result(job.result)

    def _run(self, group: list[_PushJob]) -> None:
        by_shop: dict[int, list[_PushJob]] = {}
        for job in group:
            by_shop.setdefault(job.kiosk.shop_id, []).append(job)
        try:
            with db.write_tx(self.engine) as conn:
                # shops in one order, so groups in several processes never deadlock
                for shop_id in sorted(by_shop):
                    _push_shop_jobs(conn, shop_id, by_shop[shop_id])
        except BaseException as exc:  # the commit failed: nothing of the group is stored
            for job in group:
                job.result = None
                job.error = exc
            return
        if any(job.result is not None and job.result.stored for job in group):
            _crash_point("after-commit")
            aggregates.events_committed(self.engine, {j.kiosk.shop_id for j in group if j.result})


_COMMITTERS: weakref.WeakKeyDictionary[Engine, _GroupCommitter] = weakref.WeakKeyDictionary()
_COMMITTERS_LOCK = threading.Lock()


def _committer(engine: Engine) -> _GroupCommitter:
    with _COMMITTERS_LOCK:
        committer = _COMMITTERS.get(engine)
        if committer is None:
            committer = _COMMITTERS[engine] = _GroupCommitter(engine)
        return committer


#: fault injection for the exactly-once tests: "before-commit:N" or "after-commit:N" makes
#: the process die (as if killed) in its Nth storing push, inside or just after the commit
_CRASH_SPEC = os.environ.get("KANTA_SERVER_TEST_CRASH", "")
_crash_count = itertools.count(1)


def _crash_point(stage: str) -> None:
    if not _CRASH_SPEC:
        return
    want, _, nth = _CRASH_SPEC.partition(":")
    if want == stage and next(_crash_count) == int(nth or "1"):
        os._exit(137)


def pull_events_json(engine: Engine, shop_id: int, after: int, limit: int) -> str:
    """The pull response as JSON text, built from the stored canonical bodies (no re-encoding)."""
    e_c = db.events.c
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(e_c.cursor, e_c.body)
            .where(e_c.shop_id == shop_id, e_c.cursor > after)
            .order_by(e_c.cursor)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = int(rows[-1].cursor) if rows else after
    bodies = ",".join(r.body for r in rows)
    return f'{{"events":[{bodies}],"cursor":{cursor},"more":{"true" if more else "false"}}}'


def shop_cursor(engine: Engine, shop_id: int) -> int:
    with db.read_tx(engine) as conn:
        return int(conn.execute(sa.select(db.shops.c.cursor).where(db.shops.c.id == shop_id)).scalar_one())


# ---- program -------------------------------------------------------------------------


def get_program(engine: Engine, shop_id: int) -> dict[str, str]:
    p = db.programs.c
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(p.version, p.toml).where(p.shop_id == shop_id).order_by(p.version.desc()).limit(1)
        ).first()
    if row is None:
        raise ApiError(404, "no program set")
    return {"version": str(row.version), "toml": row.toml}


def put_program(engine: Engine, owner: OwnerAuth, text: str) -> str:
    """Store a new program version, checked by the kiosk's own program loader first: a
    program the server accepts is one every kiosk accepts."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PROGRAM_BYTES:
        raise ApiError(413, "program too large", max_bytes=MAX_PROGRAM_BYTES)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "toml: not valid text (a lone surrogate)", field="toml") from None
    try:
        parse_program(parse_toml_text(raw, "program", "program"), "program")
    except KantaError as exc:  # ConfigError: names the key and what was expected
        raise ApiError(422, f"toml: {exc}", field="toml") from None
    p = db.programs.c
    with db.write_tx(engine) as conn:
        db.lock_shop(conn, owner.shop_id)
        latest = conn.execute(sa.select(sa.func.max(p.version)).where(p.shop_id == owner.shop_id)).scalar()
        version = int(latest or 0) + 1
        conn.execute(
            sa.insert(db.programs).values(
                shop_id=owner.shop_id, version=version, toml=text, created_at=now_iso(), author=owner.email
            )
        )
    return str(version)


# ---- flags: overdrafts and double uses ------------------------------------------------


def _conflict_flag(c: Conflict, kiosk_of: dict[str, str]) -> dict[str, Any]:
    earlier = c.earlier
    return {
        "account": c.account,
        "event": c.event,
        "kiosk": kiosk_of.get(c.kiosk, c.kiosk),
        "member": c.member,
        "earlier_event": earlier.event if earlier else None,
        "earlier_kiosk": kiosk_of.get(earlier.kiosk, earlier.kiosk) if earlier else None,
        "earlier_member": earlier.member if earlier else None,
        "limit": c.limit,
    }


def flags(engine: Engine, shop_id: int) -> list[dict[str, Any]]:
    """Members whose fold ends with a negative balance or found a double use, with the
    events that took it there and, per double use, both events and both kiosks.

    Two kiosks redeeming the same reward offline both keep their events; folding every
    event of the member (in hybrid-clock order) shows the overdraft. A single-use thing
    (a coupon code, a referral, a week's free item) used at two kiosks shows as a
    conflict of the fold. Only members with a debiting event or a capped use can have
    either, so only those are folded.
    """
    e_c = db.events.c
    with db.read_tx(engine) as conn:
        suspects = (
            sa.select(e_c.member)
            .where(e_c.shop_id == shop_id, sa.or_(e_c.debit, e_c.body.contains('"caps":')))
            .distinct()
            .subquery()
        )
        rows = conn.execute(
            sa.select(e_c.member, e_c.body)
            .where(e_c.shop_id == shop_id, e_c.member.in_(sa.select(suspects.c.member)))
            .order_by(e_c.member, e_c.hlc, e_c.cursor)
        ).all()
        k_c = db.kiosks.c
        # conflicts name the kiosks as the owner named them
        kiosk_of = {
            str(r.kiosk_ident): str(r.name)
            for r in conn.execute(
                sa.select(k_c.kiosk_ident, k_c.name).where(
                    k_c.shop_id == shop_id, k_c.kiosk_ident.is_not(None)
                )
            )
        }
    out: list[dict[str, Any]] = []
    state: MemberState | None = None
    culprits: list[str] = []

    def close() -> None:
        if state is not None and (state.overdrawn or state.open_conflicts):
            out.append(
                {
                    "member": state.member_id,
                    "accounts": list(state.overdrawn),
                    "events": culprits,
                    "conflicts": [_conflict_flag(c, kiosk_of) for c in state.open_conflicts],
                }
            )

    for row in rows:
        if state is None or state.member_id != row.member:
            close()
            state = MemberState(row.member)
            culprits = []
        event = event_from_dict(json.loads(row.body), verify_hash=False)
        before = state.balances
        state = apply(state, event)
        if any(
            state.balances.get(a, 0) < 0 and state.balances.get(a, 0) < before.get(a, 0)
            for a in {p.account for p in event.postings}
        ):
            culprits.append(event.id)
    close()
    return out
