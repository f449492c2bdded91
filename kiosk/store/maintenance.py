"""Operator tools for a store that refused to open: verify, rebuild, repair.

Recovery at start never guesses; these make the choice explicit and say what they did.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.domain.events import GENESIS_HASH, event_from_dict
from kiosk.domain.member import MemberState, apply, balances_view, from_doc
from kiosk.errors import EventFormatError, StoreCorrupt
from kiosk.store import journal
from kiosk.store.disk import Disk, OsDisk
from kiosk.store.ledger import MEMBERS, META, Ledger, stamper_position
from kiosk.store.signing import check_heads, signed_heads
from kiosk.store.snapshot import write_snapshot
from kiosk.store.storage import JOURNAL, LEDGER, LOCK, STORE_ID, note_newest
from kiosk.store.tables import Tables


def _segments(disk: Disk, folder: Path) -> list[Path]:
    ledger = folder / LEDGER
    if not disk.exists(ledger):
        return []
    return [ledger / n for n in disk.listdir(ledger) if n.endswith(".log")]


def _read_all(disk: Disk, path: Path, *, last: bool) -> list[journal.Record]:
    data = disk.read_bytes(path) if disk.exists(path) else b""
    result = journal.scan(data, str(path))
    if result.torn is not None and not last:
        raise StoreCorrupt(f"{path} ends in a damaged record; restore it from a backup")
    return result.records


def rebuild(folder: Path, disk: Disk | None = None) -> int:
    """Rebuild snapshot.json from every archived segment; the journal replays on top."""
    disk = disk or OsDisk()
    lock = disk.lock(folder / LOCK)
    try:
        if not disk.exists(folder / STORE_ID):
            raise StoreCorrupt(f"{folder} is not a Kanta store ({STORE_ID} is missing)")
        tables: Tables = {}
        newest: dict[str, dict[str, Any]] = {}
        n = 0
        segments = _segments(disk, folder)
        for path in segments:
            for record in _read_all(disk, path, last=False):
                if record.n != n + 1:
                    raise StoreCorrupt(
                        f"{path.name}: record {record.n} follows record {n}; the ledger has "
                        "a gap. Restore from a backup."
                    )
                n = record.n
                note_newest(newest, record.events)
                for table, doc_id, doc in record.ops:
                    docs = tables.setdefault(table, {})
                    if doc is None:
                        docs.pop(int(doc_id), None)
                    else:
                        docs[int(doc_id)] = doc
        # the stamper's position is not journaled (recovery re-derives it from the kiosk's
        # own events), so a rebuilt snapshot must carry it or the kiosk would restart at 1
        meta = tables.get(META, {}).get(1)
        own = newest.get(str(meta.get("kiosk"))) if meta else None
        if meta and own is not None:
            tables[META][1] = {**meta, **stamper_position(own)}
        write_snapshot(disk, folder, tables, n, len(segments) + 1)
        return n
    finally:
        getattr(lock, "release", lambda: None)()


def repair(folder: Path, disk: Disk | None = None) -> str:
    """Keep every journal record before the first damage; move the rest aside."""
    disk = disk or OsDisk()
    lock = disk.lock(folder / LOCK)
    try:
        path = folder / JOURNAL
        data = disk.read_bytes(path) if disk.exists(path) else b""
        result = journal.scan(data, str(path), stop_at_damage=True)
        if result.torn is None:
            return f"{path} is intact ({len(result.records)} records); nothing to repair"
        aside = folder / f"journal.damaged-{int(time.time())}"
        disk.write_synced(aside, data[result.good_end :])
        # never rewrite the journal in place: a cut mid-write would lose the good records too
        tmp = folder / (JOURNAL + ".repair")
        disk.write_synced(tmp, data[: result.good_end])
        disk.rename(tmp, path)
        disk.sync_dir(folder)
        return (
            f"kept {len(result.records)} records of {path.name}; moved "
            f"{len(data) - result.good_end} damaged bytes to {aside.name}"
        )
    finally:
        getattr(lock, "release", lambda: None)()


@dataclass
class VerifyReport:
    records: int = 0
    events: int = 0
    kiosks: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.records} records, {self.events} events from {self.kiosks} kiosk(s), "
            f"{self.members} members"
        )
        if self.ok:
            return head + ": everything checks out"
        return head + "\n" + "\n".join(f"PROBLEM: {p}" for p in self.problems[:50])


def _fold_in_clock_order(ledger: Ledger, member_id: str) -> MemberState:
    events = sorted(ledger.events(member_id), key=lambda e: (e.hlc, e.kiosk, e.seq))
    state = MemberState(member_id)
    for event in events:
        state = apply(state, event)
    return state


def verify(folder: Path, disk: Disk | None = None) -> VerifyReport:
    """Re-read every record, check each event's hash and each kiosk's chain, and refold
    every member to compare with the cached state."""
    report = VerifyReport()
    heads, unreadable = signed_heads(folder, disk or OsDisk())
    report.problems += unreadable
    signed = {(h.kiosk, h.seq) for h in heads}
    hashes: dict[tuple[str, int], str] = {}
    with Ledger.open(folder, disk=disk, readonly=True) as ledger:
        chains: dict[str, tuple[int, str]] = {}
        states: dict[str, MemberState] = {}
        for n, raw_events in ledger.storage.records():
            report.records = n
            for raw in raw_events:
                report.events += 1
                try:
                    event = event_from_dict(raw)
                except EventFormatError as exc:
                    report.problems.append(f"record {n}: {exc}")
                    continue
                seq, prev = chains.get(event.kiosk, (0, GENESIS_HASH))
                if event.seq <= seq:
                    report.problems.append(
                        f"record {n}: kiosk {event.kiosk} event {event.seq} repeats or goes back "
                        f"(after {seq}): a kiosk's sequence numbers must only grow"
                    )
                    continue
                if event.seq > seq + 1:
                    report.problems.append(
                        f"record {n}: kiosk {event.kiosk} events {seq + 1}..{event.seq - 1} are missing"
                    )
                elif event.prev != prev:
                    report.problems.append(
                        f"record {n}: kiosk {event.kiosk} event {event.seq} does not chain to "
                        "the previous event (edited or removed history)"
                    )
                chains[event.kiosk] = (event.seq, event.hash)
                if (event.kiosk, event.seq) in signed:
                    hashes[event.kiosk, event.seq] = event.hash
                state = states.get(event.member) or MemberState(event.member)
                states[event.member] = apply(state, event)
        report.kiosks = len(chains)
        # signed heads catch a rewrite even when every hash was recomputed (kiosk.store.signing)
        own_key = ledger.signer.public_key
        report.problems += check_heads(heads, hashes, {ledger.kiosk_id: own_key} if own_key else {})
        cached = {doc["m"]: from_doc(doc) for doc in ledger.storage.table(MEMBERS).values()}
        report.members = len(cached)
        for member_id, state in states.items():
            have = cached.get(member_id)
            if have is not None and balances_view(have) == balances_view(state):
                continue
            if have is not None and balances_view(have) == balances_view(
                _fold_in_clock_order(ledger, member_id)
            ):
                continue  # another kiosk's event arrived late: replication folds by clock
            report.problems.append(f"member {member_id}: cached state differs from the fold")
    return report
