"""Disk care: bytes the kiosk writes per day at 500 taps a day, snapshots and logs included.

    python bench/disk.py --json
    python bench/disk.py --members 3000 --days 30 --taps-per-day 500 --snapshot-ratio 2

A store is first filled with ``--members`` members (not counted). Then ``--days`` shop
days run through the service layer exactly as at the counter: each tap is
``LoyaltyService.tap`` (one fsync'ed journal record), and between customers the kiosk's
idle maintenance (``Ledger.maintenance()``: a snapshot when the policy says one is due).
Most taps are returning members, some are new cards, a few are repeats inside the
cooldown (refused, nothing written).

Counted per day:
- ``store``: ``stats().bytes_written`` (journal records + snapshots), the bytes the store
  asks the file system to write;
- ``logs``: lines logged at INFO or above while the days ran, plus the app's own lines (an
  hourly summary and a few lifecycle lines a day), each charged the line plus
  ``JOURNAL_ENTRY_BYTES`` for the systemd journal's per-entry cost (an estimate on the
  high side: entry object, per-field items and index updates; see the README);
- ``page_bytes_per_day``: what the kernel accounted as written (``/proc/self/io``
  write_bytes), for reference: every fsync'ed append dirties at least one 4 KiB page, so
  this is what the SD card sees before its own write amplification.

The health report lives in /run (RAM) on the appliance and costs the card nothing.
``sync_status_bytes_per_day_if_on_card`` is what the sync worker's status file would
add if it were rewritten on the card every ``--sync-interval`` seconds (shown apart: it
lives in the run folder, RAM on the appliance, so it costs the card nothing).
Prints one JSON line with ``--json``; exits 1 when bytes_per_day exceeds the budget.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import KioskConfig, StoreConfig
from kiosk.errors import KantaError
from kiosk.services.factory import rules_for
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger

BUDGET_BYTES_PER_DAY = 1_000_000
#: estimated on-disk cost of one systemd journal entry beyond its message text
JOURNAL_ENTRY_BYTES = 600
#: lines the app itself logs in a day at INFO: start/ready, device (re)connects, sync
#: state changes, and one summary line per opening hour
APP_LINES_PER_DAY = 10
APP_LINE_BYTES = 90
OPEN_HOURS = 10
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def card_of(i: int) -> str:
    return f"04{i:012X}"


class LineCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines = 0
        self.bytes = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        self.bytes += len(record.getMessage()) + len(record.name) + 2


def io_write_bytes() -> int | None:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run(
    folder: Path,
    *,
    members: int,
    days: int,
    taps_per_day: int,
    new_share: float,
    store_cfg: StoreConfig,
    seed: int = 7,
) -> dict[str, object]:
    cfg = KioskConfig(store=store_cfg)
    rand = random.Random(seed)
    ledger = Ledger.open(folder, config=store_cfg)
    service = LoyaltyService(ledger, rules_for(cfg), lambda: T0)
    fill_started = time.perf_counter()
    # the shop's existing members, one visit each, spread over the past year (not counted)
    for i in range(members):
        service.tap(card_of(i), now=T0 - timedelta(days=365) + timedelta(seconds=i * 997 % (300 * 86400)))
        ledger.maintenance()
    ledger.storage.snapshot()
    fill_s = time.perf_counter() - fill_started

    counter = LineCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    old_level = root.level
    root.setLevel(logging.INFO)
    start_stats = ledger.storage.stats()
    start_io = io_write_bytes()
    history_start = _history_bytes(folder)
    snapshots_before = start_stats.segments
    next_new = members
    refused = 0
    started = time.perf_counter()
    try:
        for day in range(days):
            opening = T0 + timedelta(days=day)
            gaps = sorted(rand.uniform(0, OPEN_HOURS * 3600) for _ in range(taps_per_day))
            recent: list[str] = []
            for offset in gaps:
                now = opening + timedelta(seconds=offset)
                roll = rand.random()
                if roll < new_share:
                    card = card_of(next_new)
                    next_new += 1
                elif roll < new_share + 0.02 and recent:
                    card = recent[-1]  # the same card again at once: inside the cooldown
                else:
                    # a fifth of the members (the regulars) make most of the visits
                    pool = max(1, next_new // 5) if rand.random() < 0.6 else next_new
                    card = card_of(rand.randrange(pool))
                try:
                    outcome = service.tap(card, now=now)
                    refused += not outcome.accepted
                except KantaError:
                    refused += 1
                recent.append(card)
                ledger.maintenance()  # idle between customers: snapshot when due
    finally:
        root.removeHandler(counter)
        root.setLevel(old_level)
    elapsed = time.perf_counter() - started
    end = ledger.storage.stats()
    end_io = io_write_bytes()
    member_count = ledger.member_count()
    history_end = _history_bytes(folder)
    ledger.close()

    store_bytes = end.bytes_written - start_stats.bytes_written
    app_lines = days * APP_LINES_PER_DAY + days * OPEN_HOURS
    log_lines = counter.lines + app_lines
    log_bytes = counter.bytes + app_lines * APP_LINE_BYTES + log_lines * JOURNAL_ENTRY_BYTES
    per_tap_line_bytes = days * taps_per_day * (APP_LINE_BYTES + JOURNAL_ENTRY_BYTES)
    result: dict[str, object] = {
        "members_at_start": members,
        "members_at_end": member_count,
        "days": days,
        "taps_per_day": taps_per_day,
        "refused_taps": refused,
        "snapshot_ratio": store_cfg.snapshot_ratio,
        "snapshot_min_journal_bytes": store_cfg.snapshot_min_journal_bytes,
        "snapshots_written": end.segments - snapshots_before,
        "snapshot_bytes_at_end": end.snapshot_bytes,
        "store_bytes_per_day": round(store_bytes / days),
        "store_bytes_per_tap": round(store_bytes / (days * taps_per_day)),
        "log_lines_per_day": round(log_lines / days, 1),
        "log_bytes_per_day": round(log_bytes / days),
        "bytes_per_day": round((store_bytes + log_bytes) / days),
        "budget_bytes_per_day": BUDGET_BYTES_PER_DAY,
        "bytes_per_day_if_every_tap_logged": round((store_bytes + log_bytes + per_tap_line_bytes) / days),
        "page_bytes_per_day": round((end_io - start_io) / days)
        if end_io is not None and start_io is not None else None,
        "history_growth_bytes_per_day": round((history_end - history_start) / days),
        "fill_s": round(fill_s, 1),
        "simulate_s": round(elapsed, 1),
    }
    return result


def _history_bytes(folder: Path) -> int:
    """Bytes of journal and ledger segments on disk: the history, kept for ever."""
    total = 0
    for p in [folder / "journal.log", *(folder / "ledger").glob("*.log")]:
        if p.exists():
            total += p.stat().st_size
    return total


def sync_status_cost(interval: float) -> int:
    """Bytes a day the sync worker's status would cost if it were rewritten on the card every
    cycle. It is not: it lives in the run folder (RAM) since the disk-care measurement."""
    status = {"last_attempt": "2026-03-02T08:00:00+00:00", "last_ok": "2026-03-02T08:00:00+00:00",
              "server": "https://shop.example.com", "kiosk": "k0123456789a", "pushed_seq": 123456,
              "pull_cursor": 654321, "pending": 0, "inbox_files": 0}
    size = len(json.dumps(status, sort_keys=True).encode())
    return round(size * 86400 / interval)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = StoreConfig()
    parser.add_argument("--members", type=int, default=3000, help="members before the first day (3000)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--taps-per-day", type=int, default=500)
    parser.add_argument("--new-share", type=float, default=0.05, help="share of taps by new cards (0.05)")
    parser.add_argument("--snapshot-ratio", type=float, default=defaults.snapshot_ratio)
    parser.add_argument("--snapshot-min-journal-bytes", type=int, default=defaults.snapshot_min_journal_bytes)
    parser.add_argument("--sync-interval", type=float, default=30.0,
                        help="seconds between sync cycles, for the status-file estimate (30)")
    parser.add_argument("--folder", help="work in this folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    store_cfg = StoreConfig(snapshot_ratio=args.snapshot_ratio,
                            snapshot_min_journal_bytes=args.snapshot_min_journal_bytes)
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="kanta-disk-"))
    try:
        result = run(folder / "store", members=args.members, days=args.days,
                     taps_per_day=args.taps_per_day, new_share=args.new_share, store_cfg=store_cfg)
    finally:
        if not args.folder:
            shutil.rmtree(folder, ignore_errors=True)
    result["sync_status_bytes_per_day_if_on_card"] = sync_status_cost(args.sync_interval)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<36} {value}")
    sys.exit(0 if int(result["bytes_per_day"]) <= BUDGET_BYTES_PER_DAY else 1)  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
