"""The shop's event log on the server: pushes stored exactly once, in each kiosk's chain
order, by a group-commit thread per database; pulls served from the stored bodies."""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sync.server import aggregates, chain, db
from sync.server.errors import ApiError
from sync.server.incoming import Incoming
from sync.server.shops import KioskAuth

MAX_PULL = 5000


@dataclass(frozen=True)
class PushResult:
    stored: int
    duplicates: int
    cursor: int


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
            field=f"events[{odd.position}].kiosk",
            index=odd.position,
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
                field=f"events[{e.position}]",
                index=e.position,
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
                        field=f"events[{event.position}]",
                        index=event.position,
                    )
            # in sequence order, so each kiosk's events are in chain order in the shop's cursors
            new = sorted([e for e in unique.values() if e.id not in known], key=_BY_SEQ)
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


_BY_SEQ = attrgetter("seq")


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
