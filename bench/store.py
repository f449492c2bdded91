"""Benchmark the store: a tap end to end at 50,000 members and 2,000,000 events.

    python bench/store.py --members 50000 --events 2000000 --json

Phase 1 builds the store in batches (the same transaction path sync and restore use).
Phase 2 runs in a fresh process, so cold start and peak memory are the kiosk's own:
open the store, then single taps through the service layer (card lookup, rule, journal
append with fdatasync, state update), with the idle-time snapshot the kiosk runs between
customers. Phase 3 measures the same tap on stock TinyDB JSONStorage at a size it can
manage, so the ratio comes from one run. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import RulesConfig, StoreConfig
from kiosk.domain.events import STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.member import MemberState, apply
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def card_of(i: int) -> str:
    return f"04{i:012X}"


def build(folder: Path, members: int, events: int, batch: int = 2000) -> dict[str, float]:
    started = time.perf_counter()
    ledger = Ledger.open(folder, config=StoreConfig(snapshot_min_journal_bytes=1 << 62))
    rand = random.Random(1)
    stamper = Stamper(kiosk=ledger.kiosk_id, boot="bench")
    states: dict[str, MemberState] = {}
    ids = [f"member-{i:08d}" for i in range(members)]
    made = 0
    pending_events = []
    dirty: dict[str, MemberState] = {}
    now = T0
    while made < events:
        if made < members:
            i = made
            draft = EventDraft(EventKind.MEMBER_CREATED, ids[i], data={"card": card_of(i)}, card=card_of(i))
        else:
            i = rand.randrange(members)
            draft = EventDraft(
                EventKind.VISIT_STAMPED, ids[i], (Posting(VISITS, 1), Posting(STAMPS, 1)), card=card_of(i)
            )
        now += timedelta(seconds=1)
        stamper, event = stamper.stamp(draft, now, rand.randbytes(10))
        state = states.get(draft.member) or MemberState(draft.member)
        states[draft.member] = dirty[draft.member] = apply(state, event)
        pending_events.append(event)
        made += 1
        if len(pending_events) >= batch or made == events:
            assert stamper.clock is not None
            ledger.record(
                pending_events,
                list(dirty.values()),
                stamper={"seq": stamper.seq, "prev": stamper.prev, "hlc": stamper.clock.last.encode()},
            )
            pending_events, dirty = [], {}
    ledger.storage.snapshot()
    ledger.close()
    return {"build_s": round(time.perf_counter() - started, 1)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(folder: Path, members: int, taps: int) -> dict[str, float | int]:
    """Runs in a fresh process."""
    t = time.perf_counter()
    ledger = Ledger.open(folder, config=StoreConfig())
    cold = time.perf_counter() - t
    # as the kiosk app does once its first screen is up: the loaded members live as long
    # as the process, so the collector's full passes should not walk them during a tap
    gc.collect()
    gc.freeze()
    service = LoyaltyService(
        ledger, SimpleRules(RulesConfig(cooldown_seconds=0)), clock=lambda: datetime.now(UTC)
    )
    rand = random.Random(2)
    lookups: list[float] = []
    for _ in range(20_000):
        card = card_of(rand.randrange(members))
        t = time.perf_counter()
        ledger.member_for_card(card)
        lookups.append((time.perf_counter() - t) * 1000)
    written_before = ledger.storage.stats().bytes_written
    tap_ms: list[float] = []
    snapshot_s: list[float] = []
    snapshot_written = 0
    for _ in range(taps):
        card = card_of(rand.randrange(members))
        t = time.perf_counter()
        outcome = service.tap(card)
        tap_ms.append((time.perf_counter() - t) * 1000)
        assert outcome.accepted, outcome.refusal
        before = ledger.storage.stats().bytes_written
        t = time.perf_counter()
        if ledger.maintenance():  # the kiosk does this when no customer is waiting
            snapshot_s.append(time.perf_counter() - t)
            snapshot_written += ledger.storage.stats().bytes_written - before
    stats = ledger.storage.stats()
    written = stats.bytes_written - written_before
    journal_per_tap = (written - snapshot_written) / taps
    ledger.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The snapshot policy writes one snapshot per (snapshot size x ratio) journal bytes, so
    # in the long run each tap also pays snapshot_bytes / taps_between_snapshots.
    taps_between = StoreConfig().snapshot_ratio * stats.snapshot_bytes / journal_per_tap
    return {
        "p50_ms": round(statistics.median(tap_ms), 3),
        "p99_ms": round(percentile(tap_ms, 0.99), 3),
        "max_ms": round(max(tap_ms), 3),
        "lookup_p50_ms": round(statistics.median(lookups), 4),
        "lookup_p99_ms": round(percentile(lookups, 0.99), 4),
        "cold_start_s": round(cold, 3),
        "rss_mb": round(rss_mb, 1),
        "taps": taps,
        "bytes_written_per_tap": round(written / taps, 1),
        "journal_bytes_per_tap": round(journal_per_tap, 1),
        "snapshots_in_window": len(snapshot_s),
        "snapshot_s_max": round(max(snapshot_s), 3) if snapshot_s else None,
        "snapshot_bytes": stats.snapshot_bytes,
        "bytes_written_per_tap_steady_state": round(journal_per_tap + stats.snapshot_bytes / taps_between, 1),
    }


def baseline(events: int, members: int, taps: int = 15) -> dict[str, float | int]:
    """The same tap on stock TinyDB JSONStorage: update the member, insert the event."""
    from tinydb import Query, TinyDB
    from tinydb.storages import JSONStorage

    folder = Path(tempfile.mkdtemp(prefix="kanta-bench-tinydb-"))
    path = folder / "db.json"
    rand = random.Random(3)
    member_docs = {
        str(i + 1): {"m": f"member-{i}", "c": [card_of(i)], "b": {"stamps": 0}} for i in range(members)
    }
    event_docs = {
        str(i + 1): {
            "id": f"e{i}",
            "kind": "visit_stamped",
            "member": f"member-{rand.randrange(members)}",
            "postings": [["visits", 1], ["stamps", 1]],
            "wall": T0.isoformat(),
            "seq": i + 1,
        }
        for i in range(events)
    }
    path.write_text(json.dumps({"members": member_docs, "events": event_docs}))
    db = TinyDB(path, storage=JSONStorage)
    members_t, events_t = db.table("members"), db.table("events")
    times = []
    q = Query()
    for n in range(taps):
        i = rand.randrange(members)
        t = time.perf_counter()
        doc = members_t.get(q.c.any([card_of(i)]))
        assert doc is not None
        members_t.update({"b": {"stamps": doc["b"]["stamps"] + 1}}, doc_ids=[doc.doc_id])
        events_t.insert({"id": f"t{n}", "kind": "visit_stamped", "member": doc["m"]})
        times.append((time.perf_counter() - t) * 1000)
    db.close()
    shutil.rmtree(folder)
    return {
        "baseline_p50_ms": round(statistics.median(times), 1),
        "baseline_events": events,
        "baseline_members": members,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--taps", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=100_000)
    parser.add_argument("--folder", help="build here (default: a temp folder, removed after)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(Path(args.folder), args.members, args.taps)))
        return
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="kanta-bench-"))
    try:
        result: dict[str, object] = {"members": args.members, "events": args.events}
        if not (folder / "store.id").exists():
            result.update(build(folder, args.members, args.events))
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure-only",
                "--folder",
                str(folder),
                "--members",
                str(args.members),
                "--taps",
                str(args.taps),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        result.update(json.loads(child.stdout.strip().splitlines()[-1]))
        result.update(baseline(args.baseline_events, min(args.members, 5000)))
        result["ratio_baseline_p50_to_p50"] = round(
            float(result["baseline_p50_ms"]) / float(result["p50_ms"]), 1
        )  # type: ignore[arg-type]
        result["store_disk_mb"] = round(
            sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 1
        )
        print(json.dumps(result))
    finally:
        if not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
