"""kill -9 a tap storm at random moments, 200+ times, on one data folder.

Each kill may land anywhere: in a tap's write or fsync, in a snapshot or journal rotation,
in the recovery of the previous kill, or while Python is still starting. After every
kill the store must open, and every tap the child acknowledged (printed after ``tap``
returned) must be in the ledger exactly once.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kiosk.domain.events import VISITS
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger

STORM = Path(__file__).with_name("tap_storm.py")
KILLS = 210
ROOT = Path(__file__).resolve().parents[2]


def read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline() if ready else b""


def storm_once(data: Path, seed: int, rng: random.Random) -> tuple[list[str], str]:
    """Start the storm, kill -9 it at a random moment; return the acknowledged ids."""
    proc = subprocess.Popen(
        [sys.executable, str(STORM), str(data), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        if rng.random() < 0.15:
            # anywhere from interpreter start-up through recovery of the last kill
            time.sleep(rng.uniform(0.0, 0.35))
            where = "start-up"
        else:
            first = read_line(proc, 30.0)
            if first != b"ready\n":
                proc.kill()
                _, err = proc.communicate()
                raise AssertionError(f"the storm did not start: {first!r}\n{err.decode()[-3000:]}")
            time.sleep(rng.uniform(0.005, 0.060))
            where = "storm"
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != -signal.SIGKILL:
        raise AssertionError(f"the storm died by itself ({proc.returncode}):\n{err.decode()[-3000:]}")
    ids: list[str] = []
    for line in out.split(b"\n")[:-1]:  # the last piece has no newline: a cut-off print
        if line != b"ready":
            ids.extend(line.decode().split())
    return ids, where


def check(data: Path, acked: set[str]) -> int:
    """Open (recover) the store as the next kiosk start would; every ack there once."""
    with Ledger.open(data) as ledger:
        raws = [raw for _, events in ledger.storage.records() for raw in events]
        ids = [raw["id"] for raw in raws]
        counts = Counter(ids)
        repeated = [i for i, n in counts.items() if n > 1]
        assert not repeated, f"events recorded twice: {repeated[:5]}"
        missing = acked - counts.keys()
        assert not missing, f"{len(missing)} acknowledged events lost: {sorted(missing)[:5]}"
        visits = sum(m.balance(VISITS) for m in ledger.all_members())
        stamped = sum(1 for raw in raws if raw["kind"] == "visit_stamped")
        assert visits == stamped
        return len(ids)


@pytest.mark.slow
def test_kill9_tap_storm_loses_no_acknowledged_tap(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(os.environ.get("KANTA_KILL_SEED", "2"))
    acked: set[str] = set()
    started = time.monotonic()
    kinds: Counter[str] = Counter()
    for kill in range(KILLS):
        ids, where = storm_once(data, kill, rng)
        kinds[where] += 1
        acked.update(ids)
        # Check (opening the store as the kiosk would) after a third of the kills; after the
        # others the next storm's own start recovers the folder, so kills also land in the
        # middle of a recovery. A lost or doubled event stays lost or doubled, so the next
        # check still catches it.
        if rng.random() < 0.35 or kill == KILLS - 1:
            try:
                check(data, acked)
            except AssertionError as exc:
                raise AssertionError(f"after kill {kill + 1} ({where}): {exc}") from exc
    elapsed = time.monotonic() - started
    report = maintenance.verify(data)
    assert report.ok, report.summary()
    with Ledger.open(data) as ledger:
        assert ledger.storage.stats().segments >= 5, "no journal rotation happened under fire"
        kiosk = ledger.kiosk_id
        seqs = [raw["seq"] for _, evs in ledger.storage.records() for raw in evs if raw["kiosk"] == kiosk]
    assert seqs == list(range(1, len(seqs) + 1)), "the kiosk's sequence has a gap or a repeat"
    assert len(acked) >= KILLS, f"only {len(acked)} taps acknowledged in {KILLS} kills"
    assert kinds["storm"] >= KILLS // 2
    print(f"{KILLS} kills ({dict(kinds)}), {len(acked)} acknowledged events, {elapsed:.1f}s")
