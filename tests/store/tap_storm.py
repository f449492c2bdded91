"""A tap storm for the kill -9 test: run as a child process, killed at random moments.

    python tests/store/tap_storm.py DATA_DIR SEED

Opens the store (recovering whatever the last kill left), prints ``ready``, then taps a
few cards as fast as it can, with maintenance (snapshots, journal rotations) now and then.
After each tap *returns* (the record is fsync'ed) it prints the event ids of the outcome
on one line and flushes: a printed id is a tap the customer was told is stamped.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.config import RulesConfig, StoreConfig
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger

CARDS = ("04C0FFEE0001", "04C0FFEE0002", "04C0FFEE0003", "04C0FFEE0004")
CONFIG = StoreConfig(snapshot_ratio=0.5, snapshot_min_journal_bytes=4000)


def main(data: Path, seed: int) -> None:
    rng = random.Random(seed)
    ledger = Ledger.open(data, config=CONFIG)
    start = datetime.now(UTC)
    ticks = [0]

    def clock() -> datetime:  # always forward, whatever the wall clock does
        ticks[0] += 1
        return start + timedelta(milliseconds=ticks[0])

    service = LoyaltyService(ledger, SimpleRules(RulesConfig(cooldown_seconds=0)), clock)
    out = sys.stdout.fileno()
    os.write(out, b"ready\n")
    i = 0
    while True:
        outcome = service.tap(CARDS[rng.randrange(len(CARDS))])
        os.write(out, (" ".join(e.id for e in outcome.events) + "\n").encode())
        i += 1
        if i % 3 == 0:
            ledger.maintenance()
        if rng.random() < 0.02:
            ledger.storage.snapshot()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
