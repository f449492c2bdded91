"""One writer per data folder (a real second process gets StoreLocked), and readers beside
the writer that never write, never cut a tail, and see every committed record."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import StoreConfig
from kiosk.errors import StoreCorrupt, StoreLocked
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger
from kiosk.store.storage import JOURNAL
from tests.conftest import FakeClock
from tests.store.crashdisk import PowerCut
from tests.store.workload import DATA, SMALL, Acked, fresh_disk, run_taps

ROOT = Path(__file__).resolve().parents[2]
KANTA = [sys.executable, "-m", "kiosk.cli.main"]

HOLDER = """
import sys
from kiosk.store.ledger import Ledger
ledger = Ledger.open(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
ledger.close()
"""


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A data folder held open by a real second process."""
    data = tmp_path / "data"
    run_taps(data, None, Acked(), 3)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
    try:
        yield data, proc
    finally:
        if proc.poll() is None:
            proc.communicate("", timeout=30)


def test_second_process_gets_a_clear_store_locked(held: tuple[Path, subprocess.Popen[str]]) -> None:
    data, proc = held
    with pytest.raises(StoreLocked) as info:
        Ledger.open(data)
    message = str(info.value)
    assert str(data) in message and f"process {proc.pid}" in message and "stop it first" in message
    for tool in (maintenance.repair, maintenance.rebuild):
        with pytest.raises(StoreLocked):
            tool(data)
    # a reader is welcome beside the writer
    with Ledger.open(data, readonly=True) as reader:
        assert reader.member_count() == 3
    proc.communicate("", timeout=30)  # the holder exits: the folder is free again
    with Ledger.open(data) as ledger:
        assert ledger.member_count() == 3


def test_kanta_tap_beside_a_running_kiosk_exits_with_a_message(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    data, _proc = held
    done = subprocess.run(
        [*KANTA, "tap", "04ABCDEF99", "--data", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == StoreLocked.exit_status, done.stderr
    assert "in use by another Kanta process" in done.stderr and "Traceback" not in done.stderr
    info = subprocess.run(
        [*KANTA, "store", "info", "--data", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert info.returncode == 0, info.stderr
    assert "members" in info.stdout


def test_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Ledger.open(data), pytest.raises(StoreLocked):
        Ledger.open(data)
    Ledger.open(data).close()  # released on close


def _half_written(data: Path) -> Acked:
    acked = Acked()
    run_taps(data, None, acked, 5, config=SMALL, clock=FakeClock())
    with (data / JOURNAL).open("ab") as f:  # the writer is in the middle of appending a line
        f.write(b'{"n":99,"ev":[{"id":"half')
    return acked


def _files(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}


def test_reader_beside_a_writer_never_cuts_a_half_written_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_taps(data, None, Acked(), 5, config=SMALL, clock=FakeClock())
    with Ledger.open(data, config=SMALL) as writer:  # the running kiosk
        with (data / JOURNAL).open("ab") as f:  # ...in the middle of appending a line
            f.write(b'{"n":99,"ev":[{"id":"half')
        files = _files(data)
        for _ in range(3):
            with Ledger.open(data, readonly=True) as reader:
                assert reader.storage.record_count == writer.storage.record_count
                assert reader.member_count() == 3
            assert _files(data) == files, "a reader changed the data folder"
    with Ledger.open(data, config=SMALL):
        pass
    assert _files(data) != files  # a writer does cut it: the test above is not vacuous




def test_reader_beside_a_writer_reads_every_committed_event(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked = _half_written(data)
    with Ledger.open(data, readonly=True) as reader:
        ids = {e.id for e in reader.events()}
    assert set(acked.ids) <= ids
    report = maintenance.verify(data)
    assert report.ok, report.summary()


def _reader_at_each_rotation_step() -> tuple[list[str], int]:
    base = fresh_disk("ext4")
    acked = Acked()
    run_taps(DATA, base, acked, 6, config=StoreConfig(snapshot_min_journal_bytes=10**9))
    problems: list[str] = []
    k = 0
    while True:
        k += 1
        disk = base.clone()
        writer = Ledger.open(DATA, disk=disk, config=SMALL)
        disk.ops, disk.cut_at = 0, k
        try:
            writer.storage.snapshot()
            done = True
        except PowerCut:  # the writer is frozen mid-rotation; the reader sees the page cache
            done = False
        disk.cut_at = None
        writes = disk.writes
        step = disk.log[-1]
        try:
            with Ledger.open(DATA, disk=disk, readonly=True) as reader:
                missing = set(acked.ids) - {e.id for e in reader.events()}
            if missing:
                problems.append(f"step {k} {step}: reader misses {len(missing)} events")
        except StoreCorrupt as exc:
            problems.append(f"step {k} {step}: reader refused: {str(exc)[:90]}")
        assert disk.writes == writes, f"the reader wrote at step {k}"
        if done:
            return problems, k


def test_reader_never_writes_during_a_snapshot_rotation() -> None:
    _, steps = _reader_at_each_rotation_step()
    assert steps >= 6


def test_reader_opens_at_every_step_of_a_snapshot_rotation() -> None:
    problems, _ = _reader_at_each_rotation_step()
    assert not problems, "\n".join(problems)
