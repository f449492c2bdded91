"""Apply other kiosks' events to this kiosk's store: sync pulls, inbox files, restores.

Idempotent: an event already applied (its kiosk's sequence number is not above the
member's high-water mark for that kiosk) is counted as a duplicate and changes nothing;
this kiosk's own events are skipped. Events of one kiosk must arrive in that kiosk's
sequence order (the server returns them in push order, which is).

Convergence: a member's state is the fold of its events in hybrid-logical-clock order,
on every kiosk. Events usually arrive in that order and are folded on in place; when a
late one arrives (a kiosk that was offline), the member is refolded from all its events
sorted by clock, so every kiosk ends with the same state whatever the arrival order.
A small table (``sync_order``) remembers, per member, the newest clock applied by an
import and how far this kiosk's own events were covered then, to tell the two cases apart
without reading the ledger.

Each batch is one durable record (events, member states, the order table, the clock).
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.events import Event, EventKind, event_from_dict
from kiosk.domain.member import MemberState, apply, fold
from kiosk.services.recorder import Recorder
from kiosk.store import inbox
from kiosk.store.ledger import Ledger

log = logging.getLogger(__name__)

ORDER_TABLE = "sync_order"
#: checkpoints (own seq, clock then): every own event up to seq has a clock at most that
CLOCK_TABLE = "sync_clock"
_CLOCK_DOC = 1
MAX_CHECKPOINTS = 64
_memory_checkpoints: WeakKeyDictionary[Ledger, list[tuple[int, str]]] = WeakKeyDictionary()
DEFAULT_BATCH = 2000
T = TypeVar("T")


@dataclass
class ImportResult:
    applied: int = 0
    duplicates: int = 0
    #: events of this kiosk itself (it has them already)
    own: int = 0
    #: members refolded because an event arrived older than what they had applied
    refolded: int = 0
    #: members that are overdrawn after the import (two kiosks redeemed offline, say)
    overdrawn: set[str] = field(default_factory=set)

    def add(self, other: ImportResult) -> None:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.own += other.own
        self.refolded += other.refolded
        self.overdrawn |= other.overdrawn


class _OrderIndex:
    """member -> (doc id, newest clock applied by an import, own seq covered then)."""

    def __init__(self, ledger: Ledger) -> None:
        self.table = ledger.storage.table(ORDER_TABLE)
        self.by_member: dict[str, int] = {doc["m"]: doc_id for doc_id, doc in self.table.items()}
        self.next_id = max(self.table, default=0) + 1

    def get(self, member: str) -> tuple[str, int]:
        doc_id = self.by_member.get(member)
        if doc_id is None:
            return "", 0
        doc = self.table[doc_id]
        return str(doc["h"]), int(doc["s"])

    def doc_for(self, member: str, hlc: str, own_seq: int) -> tuple[int, dict[str, Any]]:
        doc_id = self.by_member.get(member)
        if doc_id is None:
            doc_id = self.next_id
            self.next_id += 1
            self.by_member[member] = doc_id
        return doc_id, {"m": member, "h": hlc, "s": own_seq}


def note_clock(ledger: Ledger) -> None:
    """Remember (own seq, clock) as of now, in memory: cheap, call it often (idle ticks)."""
    meta = ledger.meta
    seq, hlc = int(meta.get("seq", 0)), meta.get("hlc")
    if not hlc:
        return
    points = _memory_checkpoints.setdefault(ledger, [])
    if not points or seq > points[-1][0]:
        points.append((seq, str(hlc)))
        del points[: -4 * MAX_CHECKPOINTS]


class _OwnClocks:
    """An upper bound of the clock of this kiosk's own event ``seq``, without reading the
    ledger: the event itself if recent, else the first checkpoint at or after it, else
    the kiosk's clock now. (A kiosk's clock rises with its sequence numbers.)"""

    def __init__(self, ledger: Ledger) -> None:
        me = ledger.kiosk_id
        self.exact = {e.seq: e.hlc for e in ledger._recent.values() if e.kiosk == me}
        stored = ledger.storage.table(CLOCK_TABLE).get(_CLOCK_DOC, {}).get("cp", [])
        merged = {(int(a), str(b)) for a, b in stored} | set(_memory_checkpoints.get(ledger, []))
        self.points = sorted(merged)
        self.now = str(ledger.meta.get("hlc") or "\uffff")

    def bound(self, seq: int) -> str:
        if seq in self.exact:
            return self.exact[seq]
        i = bisect_left(self.points, (seq, ""))
        return self.points[i][1] if i < len(self.points) else self.now

    def persisted(self) -> dict[str, Any]:
        return {"cp": [list(p) for p in self.points[-MAX_CHECKPOINTS:]]}


def _member_events(ledger: Ledger, members: set[str]) -> dict[str, list[Event]]:
    """The stored events of some members: one pass over the ledger."""
    found: dict[str, list[Event]] = {m: [] for m in members}
    if len(members) == 1:
        (only,) = members
        found[only] = list(ledger.events(only))
        return found
    for _, raw_events in ledger.storage.records():
        for raw in raw_events:
            bucket = found.get(raw.get("member", ""))
            if bucket is not None:
                bucket.append(event_from_dict(raw, verify_hash=False))
    return found


def _batches(events: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_remote_events(
    ledger: Ledger,
    events: Iterable[Event],
    *,
    recorder: Recorder | None = None,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    hold_states: bool = False,
) -> ImportResult:
    """Apply other kiosks' events; one durable record per batch. See the module doc.

    ``hold_states`` keeps member states in memory and writes them once, at the end: for
    filling a fresh store (a restore), far fewer writes. Interrupted, such a store lacks
    its member states, so use it only on a folder that is thrown away on failure.
    """
    batches = ((batch, None) for batch in _batches(events, batch_size))
    return _import(ledger, batches, recorder, now, _Held() if hold_states else None)


def import_restored_events(
    ledger: Ledger,
    items: Iterable[tuple[Event, bytes]],
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> ImportResult:
    """``import_remote_events(..., hold_states=True)`` for a restore, with each event's
    JSON text (exactly ``to_dict()``'s content, as one JSON object) written to the journal
    as it is: no re-encoding of millions of events. The same caveat: use it only on a
    fresh folder that is thrown away on failure."""
    batches = (([e for e, _ in batch], [line for _, line in batch]) for batch in _batches(items, batch_size))
    return _import(ledger, batches, None, now, _Held())


def _import(
    ledger: Ledger,
    batches: Iterable[tuple[list[Event], list[bytes] | None]],
    recorder: Recorder | None,
    now: datetime | None,
    held: _Held | None,
) -> ImportResult:
    total = ImportResult()
    order = _OrderIndex(ledger)
    for batch, lines in batches:
        total.add(_import_batch(ledger, batch, order, recorder, now or datetime.now(UTC), held, lines))
    if held is not None and held.states:
        me = ledger.kiosk_id
        with ledger.storage.transaction():
            ledger.record([], list(held.states.values()))
            for member, state in held.states.items():
                doc_id, doc = order.doc_for(member, held.newest[member], state.applied.get(me, 0))
                ledger.storage.put(ORDER_TABLE, doc_id, doc)
        total.overdrawn = {m for m, s in held.states.items() if s.overdrawn}
    return total


@dataclass
class _Held:
    states: dict[str, MemberState] = field(default_factory=dict)
    newest: dict[str, str] = field(default_factory=dict)


def _import_batch(
    ledger: Ledger,
    batch: Sequence[Event],
    order: _OrderIndex,
    recorder: Recorder | None,
    now: datetime,
    held: _Held | None = None,
    lines: Sequence[bytes] | None = None,
) -> ImportResult:
    """``lines``, when given, are the events' JSON texts (see ``import_restored_events``)."""
    result = ImportResult()
    me = ledger.kiosk_id
    states: dict[str, MemberState] = held.states if held is not None else {}
    # member -> newest clock applied (in this batch or before)
    newest: dict[str, str] = held.newest if held is not None else {}
    late: set[str] = set()  # members whose events arrived out of clock order
    fresh: list[Event] = []
    fresh_lines: list[bytes] = []
    erased: set[str] = set()
    latest_remote: Event | None = None
    note_clock(ledger)
    own_clocks = _OwnClocks(ledger)
    for i, event in enumerate(batch):
        if event.kiosk == me:
            result.own += 1
            continue
        member = event.member
        state = states.get(member) or ledger.member(member) or MemberState(member)
        if state.has_seen(event):
            result.duplicates += 1
            continue
        if member not in newest:
            hlc, own_seq = order.get(member)
            own_now = state.applied.get(me, 0)
            if own_now > own_seq:
                # this kiosk's own events since the last import: at most this clock
                hlc = max(hlc, own_clocks.bound(own_now))
            newest[member] = hlc
        if event.hlc < newest[member]:
            late.add(member)
        else:
            newest[member] = event.hlc
        states[member] = apply(state, event)
        fresh.append(event)
        if lines is not None:
            fresh_lines.append(lines[i])
        if event.kind is EventKind.MEMBER_ERASED:
            erased.add(member)
        if latest_remote is None or event.hlc > latest_remote.hlc:
            latest_remote = event
    if late:
        stored = _member_events(ledger, late)
        for member in late:
            mine = [e for e in fresh if e.member == member]
            every = sorted([*stored[member], *mine], key=lambda e: e.hlc)
            states[member] = fold(member, every)
            newest[member] = every[-1].hlc
        result.refolded = len(late)
    result.applied = len(fresh)
    if not fresh:
        return result
    profiles: dict[str, Any] = {m: None for m in erased if ledger.profile(m) is not None}
    meta: dict[str, Any] = {}
    if latest_remote is not None:
        meta["hlc"] = _advance_clock(ledger, recorder, latest_remote, now)
    if held is not None:
        if lines is not None and not profiles:
            ledger.record_bulk(fresh, fresh_lines, meta=meta)
        else:
            ledger.record(fresh, [], meta=meta, profiles=profiles or None)
        return result
    storage = ledger.storage
    with storage.transaction():
        ledger.record(fresh, list(states.values()), meta=meta, profiles=profiles or None)
        for member, state in states.items():
            doc_id, doc = order.doc_for(member, newest[member], state.applied.get(me, 0))
            storage.put(ORDER_TABLE, doc_id, doc)
        storage.put(CLOCK_TABLE, _CLOCK_DOC, own_clocks.persisted())
    result.overdrawn = {m for m, s in states.items() if s.overdrawn}
    return result


def _advance_clock(ledger: Ledger, recorder: Recorder | None, remote: Event, now: datetime) -> str:
    """Move this kiosk's hybrid clock past the newest remote event (kept in the meta, and
    in the running recorder if there is one), so local events that follow sort after it."""
    me = ledger.kiosk_id
    if recorder is not None:
        return recorder.observe(remote, now)
    meta = ledger.meta
    last = HlcTimestamp.decode(meta["hlc"]) if meta.get("hlc") else HlcTimestamp(0, 0, me)
    clock = HybridLogicalClock(me, last).observe(remote.timestamp, int(now.timestamp() * 1000))
    return clock.last.encode()


# ---- the inbox: pulled events waiting for the kiosk process ------------------------------


def inbox_import(
    ledger: Ledger,
    data_dir: Path,
    *,
    recorder: Recorder | None = None,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> ImportResult:
    """Apply and remove the inbox files the sync worker wrote (oldest first).

    Safe to call at any time from the process holding the store: a file is removed only
    after its events are durable; if the kiosk dies in between, the next call finds them
    all duplicates. Call it from the kiosk's idle maintenance (``idle_sync_import``).
    """
    total = ImportResult()
    for path in inbox.pending_files(data_dir):
        events = inbox.read_file(path)
        total.add(import_remote_events(ledger, events, recorder=recorder, now=now, batch_size=batch_size))
        inbox.remove(path)
    if total.applied:
        log.info("imported %d events from other kiosks (%d duplicates)", total.applied, total.duplicates)
    return total


def idle_sync_import(ledger: Ledger, recorder: Recorder | None, data_dir: Path) -> ImportResult:
    """What the kiosk app's idle loop calls (no customer waiting): import the sync inbox.

    Never touches the network. A broken inbox file is moved aside and logged, never
    allowed to stop the counter.
    """
    note_clock(ledger)
    try:
        return inbox_import(ledger, data_dir, recorder=recorder)
    except inbox.InboxError as exc:
        log.error("sync inbox: %s", exc)
        return ImportResult()
