"""A tap workload over any Disk and the checks every recovery must pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import RulesConfig, StoreConfig
from kiosk.domain.events import VISITS, EventKind
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService, Outcome
from kiosk.store import maintenance
from kiosk.store.disk import Disk
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock
from tests.store.crashdisk import CrashDisk

CARDS = ("04A1B2C3D4E501", "04A1B2C3D4E502", "04A1B2C3D4E503")
#: the data folder on a CrashDisk
DATA = Path("/crash/data")
#: snapshots every few taps, so rotations happen all through a workload
SMALL = StoreConfig(snapshot_ratio=0.5, snapshot_min_journal_bytes=2500)


@dataclass
class Acked:
    """What the kiosk told customers: event ids whose tap returned (durable)."""

    ids: dict[str, str] = field(default_factory=dict)  # event id -> card
    visits: Counter[str] = field(default_factory=Counter)  # card -> acknowledged visits

    def add(self, outcome: Outcome) -> None:
        assert outcome.accepted, outcome.refusal
        for event in outcome.events:
            self.ids[event.id] = outcome.card
            if event.kind is EventKind.VISIT_STAMPED:
                self.visits[outcome.card] += 1

    def add_ids(self, ids: Iterable[str]) -> None:
        for event_id in ids:
            self.ids.setdefault(event_id, "")


def service_for(ledger: Ledger, clock: FakeClock | None = None) -> LoyaltyService:
    return LoyaltyService(ledger, SimpleRules(RulesConfig(cooldown_seconds=0)), clock or FakeClock())


def run_taps(
    path: Path,
    disk: Disk | None,
    acked: Acked,
    taps: int,
    *,
    config: StoreConfig = SMALL,
    clock: FakeClock | None = None,
    start: int = 0,
) -> None:
    """Open the store, tap the cards in turn (maintenance every other tap), close."""
    clock = clock or FakeClock()
    ledger = Ledger.open(path, disk=disk, config=config)
    service = service_for(ledger, clock)
    for i in range(start, start + taps):
        clock.advance(seconds=1)
        acked.add(service.tap(CARDS[i % len(CARDS)]))
        if i % 2:
            ledger.maintenance()
    ledger.close()


def check_recovered(path: Path, disk: Disk | None, acked: Acked, config: StoreConfig = SMALL) -> list[str]:
    """The store opens; every acknowledged event is there exactly once; members agree with
    the ledger; this kiosk's sequence has no gap or repeat; verify passes. Returns the ids."""
    with Ledger.open(path, disk=disk, config=config) as ledger:
        events = list(ledger.events())
        counts = Counter(e.id for e in events)
        repeated = sorted(i for i, n in counts.items() if n > 1)
        assert not repeated, f"events recorded twice: {repeated[:5]}"
        missing = sorted(set(acked.ids) - set(counts))
        assert not missing, f"{len(missing)} acknowledged events lost, e.g. {missing[:3]}"
        visits = Counter(e.member for e in events if e.kind is EventKind.VISIT_STAMPED)
        for card, n in acked.visits.items():
            member = ledger.member_for_card(card)
            assert member is not None, f"card {card} lost its member"
            assert member.balance(VISITS) == visits[member.member_id] >= n
        kiosk = ledger.kiosk_id
        seqs = [e.seq for e in events if e.kiosk == kiosk]
        assert seqs == list(range(1, len(seqs) + 1)), f"sequence has gaps or repeats: {seqs}"
    report = maintenance.verify(path, disk=disk)
    assert report.ok, report.summary()
    return list(counts)


# ---- the crash-test workload ---------------------------------------------------------

TAPS = 14


def fresh_disk(fs: str = "posix") -> CrashDisk:
    disk = CrashDisk(fs=fs)
    disk.mkdir(DATA)  # the installer made the data folder long ago
    disk.make_durable()
    disk.ops = 0
    return disk


def workload(disk: CrashDisk, acked: Acked, clock: FakeClock) -> None:
    """Create the store, tap with snapshots under way, restart, tap, snapshot, tap."""
    run_taps(DATA, disk, acked, TAPS // 2, clock=clock)
    ledger = Ledger.open(DATA, disk=disk, config=SMALL)
    service = service_for(ledger, clock)
    for i in range(TAPS // 2):
        clock.advance(seconds=1)
        acked.add(service.tap(f"04B0{i % 2:02d}"))
        if i == 2:
            ledger.storage.snapshot()
    ledger.close()
