"""Damaged files: a cut or bit-flipped journal, an empty or missing snapshot, and the
operator tools (repair, rebuild) that make the choice recovery refuses to guess."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kiosk.config import StoreConfig
from kiosk.errors import StoreCorrupt, StoreError
from kiosk.store import journal, maintenance
from kiosk.store.ledger import MEMBERS, Ledger
from kiosk.store.storage import JOURNAL, SNAPSHOT
from tests.conftest import FakeClock
from tests.store.crashdisk import CrashDisk, PowerCut
from tests.store.workload import Acked, check_recovered, run_taps, service_for

DATA = Path("/crash/data")
BIG = StoreConfig(snapshot_min_journal_bytes=10**9)  # no automatic snapshots
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def base_store() -> tuple[CrashDisk, Acked, frozenset[str], int]:
    """Taps, a snapshot, then 8 more taps in the journal (9 records incl. a meta one)."""
    disk = CrashDisk(fs="ext4")
    disk.mkdir(DATA)
    acked = Acked()
    clock = FakeClock()
    run_taps(DATA, disk, acked, 4, config=BIG, clock=clock)
    with Ledger.open(DATA, disk=disk, config=BIG) as ledger:
        ledger.storage.snapshot()
        members_at_snapshot = ledger.member_count()
    before = frozenset(acked.ids)
    run_taps(DATA, disk, acked, 8, config=BIG, clock=clock, start=4)
    disk.make_durable()
    return disk, acked, before, members_at_snapshot


def journal_records(disk: CrashDisk) -> list[journal.Record]:
    return journal.scan(disk.get_bytes(DATA / JOURNAL), JOURNAL).records


def present_ids(disk: CrashDisk) -> list[str]:
    with Ledger.open(DATA, disk=disk, config=BIG, readonly=True) as ledger:
        return [e.id for e in ledger.events()]


def record_ids(records: list[journal.Record]) -> set[str]:
    return {ev["id"] for r in records for ev in r.events}


def test_base_store_has_a_journal_worth_damaging() -> None:
    disk, acked, before, members = base_store()
    records = journal_records(disk)
    assert len(records) >= 8 and members >= 3
    assert record_ids(records) == set(acked.ids) - before


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=10**9))
def test_journal_cut_at_any_byte_keeps_every_whole_record(cut: int) -> None:
    base, _acked, before, members = base_store()
    disk = base.clone()
    data = disk.get_bytes(DATA / JOURNAL)
    cut %= len(data) + 1
    # one byte short of a record's end: a torn write that lost only its newline
    assume(all(cut != r.end - 1 for r in journal_records(base)))
    disk.set_bytes(DATA / JOURNAL, data[:cut])
    whole = [r for r in journal_records(base) if r.end <= cut]
    with Ledger.open(DATA, disk=disk, config=BIG) as ledger:
        ids = [e.id for e in ledger.events()]
        assert ledger.member_count() >= members  # never an empty store instead
        assert ledger.storage.record_count == (whole[-1].n if whole else records_before(base))
    assert len(ids) == len(set(ids))
    assert set(ids) == set(before) | record_ids(whole)
    # what was cut was never acknowledged *by this file*; everything else checks out
    assert disk.get_bytes(DATA / JOURNAL) == data[: whole[-1].end if whole else 0]
    assert maintenance.verify(DATA, disk=disk).ok


def test_journal_cut_one_byte_short_of_a_record_end() -> None:
    base, _, before, _ = base_store()
    records = journal_records(base)
    data = base.get_bytes(DATA / JOURNAL)
    for i, record in enumerate(records):
        disk = base.clone()
        disk.set_bytes(DATA / JOURNAL, data[: record.end - 1])
        with Ledger.open(DATA, disk=disk, config=BIG) as ledger:
            assert ledger.storage.record_count == record.n - 1, f"record {record.n} without its newline"
        assert disk.get_bytes(DATA / JOURNAL) == data[: record.offset]
        assert set(present_ids(disk)) == set(before) | record_ids(records[:i])


def records_before(disk: CrashDisk) -> int:
    return journal_records(disk)[0].n - 1


@SETTINGS
@given(where=st.integers(min_value=0, max_value=10**9), mask=st.integers(min_value=1, max_value=255))
def test_journal_byte_flip_keeps_every_record_before_the_damage(where: int, mask: int) -> None:
    base, acked, before, members = base_store()
    disk = base.clone()
    data = bytearray(disk.get_bytes(DATA / JOURNAL))
    where %= len(data)
    data[where] ^= mask
    disk.set_bytes(DATA / JOURNAL, bytes(data))
    records = journal_records(base)
    hit = next(i for i, r in enumerate(records) if r.offset <= where < r.end)
    kept = record_ids(records[:hit])
    try:
        with Ledger.open(DATA, disk=disk, config=BIG) as ledger:
            ids = [e.id for e in ledger.events()]
            assert ledger.member_count() >= members
        # opening is only allowed when the damage was in the last line (a torn write); a
        # flipped newline merges the last two records into one damaged last line
        last_line = hit == len(records) - 1 or (hit == len(records) - 2 and where == records[hit].end - 1)
        assert last_line, f"opened with damage in record {hit + 1} of {len(records)}"
    except StoreCorrupt as exc:
        message = str(exc)
        assert "kanta store repair" in message and "Nothing was changed" in message
        assert disk.get_bytes(DATA / JOURNAL) == bytes(data), "a refused open changed the journal"
        result = maintenance.repair(DATA, disk=disk)
        assert "kept" in result
        with Ledger.open(DATA, disk=disk, config=BIG) as ledger:
            ids = [e.id for e in ledger.events()]
            assert ledger.member_count() >= members
    assert len(ids) == len(set(ids))
    assert set(before) | kept <= set(ids) <= set(acked.ids)
    assert maintenance.verify(DATA, disk=disk).ok


def other_spellings_of(crc: bytes) -> list[bytes]:
    """Checksums that name the same number as ``crc`` when read by int(..., 16)."""
    spellings = [crc.upper()]
    if crc.startswith(b"0"):
        spellings += [b" " + crc[1:], b"+" + crc[1:]]
    return [s for s in spellings if s != crc and int(s, 16) == int(crc, 16)]


def test_a_checksum_spelled_another_way_is_damage() -> None:
    """A bit flip can turn "a" into "A", or a leading "0" into a space or "+": the number is
    the same, but the line is not what was written, so it must not pass as whole."""
    line = journal.encode(7, [], [["t", 1, {"k": "v"}]]).rstrip(b"\n")
    payload, _, crc = line.rpartition(b"\t")
    assert journal.decode_line(line)[0] == 7
    spellings = other_spellings_of(b"00abcdef") + other_spellings_of(crc)
    assert len(spellings) >= 3
    for spelling in spellings:
        with pytest.raises(journal.BadLine):
            journal.decode_line(payload + b"\t" + spelling)


def test_a_checksum_case_flip_in_a_middle_record_refuses_to_open() -> None:
    base, _, _, _ = base_store()
    records = journal_records(base)
    data = base.get_bytes(DATA / JOURNAL)
    # a checksum letter in any record but the last (damage there would be a torn write)
    letter = next(i for r in records[:-1] for i in range(r.end - 9, r.end - 1) if chr(data[i]) in "abcdef")
    flipped = bytearray(data)
    flipped[letter] ^= 0x20
    disk = base.clone()
    disk.set_bytes(DATA / JOURNAL, bytes(flipped))
    with pytest.raises(StoreCorrupt):
        Ledger.open(DATA, disk=disk, config=BIG)
    assert disk.get_bytes(DATA / JOURNAL) == bytes(flipped), "a refused open changed the journal"


def test_repair_command_keeps_every_record_before_a_mid_file_flip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked = Acked()
    run_taps(data, None, acked, 10, config=BIG)
    path = data / JOURNAL
    raw = bytearray(path.read_bytes())
    records = journal.scan(bytes(raw), JOURNAL).records
    middle = records[len(records) // 2]
    raw[middle.offset + 5] ^= 0x20
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreCorrupt, match="kanta store repair"):
        Ledger.open(data)
    kanta = [sys.executable, "-m", "kiosk.cli.main"]
    done = subprocess.run(
        [*kanta, "store", "repair", "--data", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert f"kept {len(records) // 2} records" in done.stdout
    aside = [p for p in data.iterdir() if p.name.startswith("journal.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes() == bytes(raw[middle.offset :])
    with Ledger.open(data) as ledger:
        ids = {e.id for e in ledger.events()}
    assert record_ids(records[: len(records) // 2]) <= ids
    verify = subprocess.run(
        [*kanta, "store", "verify", "--data", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


# ---- the snapshot ---------------------------------------------------------------------


@pytest.fixture
def store_with_snapshot(tmp_path: Path) -> tuple[Path, Acked, dict[int, dict[str, object]]]:
    data = tmp_path / "data"
    acked = Acked()
    clock = FakeClock()
    run_taps(data, None, acked, 6, config=BIG, clock=clock)
    with Ledger.open(data, config=BIG) as ledger:
        ledger.storage.snapshot()
    run_taps(data, None, acked, 6, config=BIG, clock=clock, start=6)
    with Ledger.open(data, config=BIG) as ledger:
        ledger.storage.snapshot()  # two segments in the ledger, an empty journal
    run_taps(data, None, acked, 3, config=BIG, clock=clock, start=12)
    with Ledger.open(data, config=BIG) as ledger:
        members = {k: dict(v) for k, v in ledger.storage.table(MEMBERS).items()}
    return data, acked, members


@pytest.mark.parametrize(
    "damage",
    ["zero-length", "missing", "header-only", "cut-short", "body-flip", "not-json"],
)
def test_damaged_or_missing_snapshot_refuses_to_open(
    store_with_snapshot: tuple[Path, Acked, dict[int, dict[str, object]]], damage: str
) -> None:
    data, _, _ = store_with_snapshot
    snap = data / SNAPSHOT
    raw = snap.read_bytes()
    header, _, body = raw.partition(b"\n")
    if damage == "missing":
        snap.unlink()
    else:
        snap.write_bytes(
            {
                "zero-length": b"",
                "header-only": header + b"\n",
                "cut-short": raw[: len(raw) - 7],
                "body-flip": header + b"\n" + body.replace(b'"m"', b'"M"', 1),
                "not-json": b"\0" * len(raw),
            }[damage]
        )
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "lock"}
    for readonly in (False, True):
        with pytest.raises(StoreCorrupt) as info:
            Ledger.open(data, readonly=readonly)
        message = str(info.value)
        assert SNAPSHOT in message and "kanta store rebuild" in message
        assert "Nothing was changed" in message
    after = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "lock"}
    assert after == before, "a refused open changed the folder"
    # the command line says the same, and does not create an empty store in its place
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "tap", "04FFFF01", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == StoreCorrupt.exit_status and "kanta store rebuild" in done.stderr


@pytest.mark.parametrize("damage", ["missing", "zero-length"])
def test_rebuild_restores_the_snapshot_with_every_member(
    store_with_snapshot: tuple[Path, Acked, dict[int, dict[str, object]]], damage: str
) -> None:
    data, acked, members = store_with_snapshot
    if damage == "missing":
        (data / SNAPSHOT).unlink()
    else:
        (data / SNAPSHOT).write_bytes(b"")
    count = maintenance.rebuild(data)
    assert count > 0
    with Ledger.open(data, config=BIG) as ledger:
        rebuilt = {k: dict(v) for k, v in ledger.storage.table(MEMBERS).items()}
        ids = [e.id for e in ledger.events()]
    assert rebuilt == members
    assert sorted(ids) == sorted(acked.ids)
    assert maintenance.verify(data).ok


def test_after_rebuild_the_kiosk_continues_its_sequence(
    store_with_snapshot: tuple[Path, Acked, dict[int, dict[str, object]]],
) -> None:
    """The stamper's position (seq, previous hash) lives in the snapshot and in the journal's
    events; a rebuilt snapshot must not restart the kiosk's sequence at 1."""
    data, acked, _ = store_with_snapshot
    (data / SNAPSHOT).unlink()
    maintenance.rebuild(data)
    clock = FakeClock()
    clock.advance(days=1)
    with Ledger.open(data, config=BIG) as ledger:
        acked.add(service_for(ledger, clock).tap("04FFFF02"))
    check_recovered(data, None, acked, config=BIG)


def test_store_folder_without_store_id_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_taps(data, None, Acked(), 2, config=BIG)
    (data / "store.id").unlink()
    with pytest.raises(StoreCorrupt, match="not a complete store"):
        Ledger.open(data)
    with pytest.raises(StoreError):
        Ledger.open(data, readonly=True)


def test_snapshot_header_fields_are_checked(tmp_path: Path) -> None:
    """A snapshot whose header claims another length is refused, not trusted."""
    data = tmp_path / "data"
    run_taps(data, None, Acked(), 2, config=BIG)
    snap = data / SNAPSHOT
    header, _, body = snap.read_bytes().partition(b"\n")
    fields = json.loads(header)
    fields["bytes"] += 1
    snap.write_bytes(json.dumps(fields).encode() + b"\n" + body)
    with pytest.raises(StoreCorrupt, match="checksum"):
        Ledger.open(data)


def test_after_rebuild_with_an_empty_journal_the_kiosk_continues_its_sequence(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked = Acked()
    clock = FakeClock()
    run_taps(data, None, acked, 4, config=BIG, clock=clock)
    with Ledger.open(data, config=BIG) as ledger:
        ledger.storage.snapshot()  # every event now in ledger/, journal.log empty
    (data / SNAPSHOT).unlink()
    maintenance.rebuild(data)
    clock.advance(days=1)
    with Ledger.open(data, config=BIG) as ledger:
        outcome = service_for(ledger, clock).tap("04FFFF02")
        acked.add(outcome)
    n = len(acked.ids)  # a new card: its creation and the visit, continuing the sequence
    assert [e.seq for e in outcome.events] == list(range(n - len(outcome.events) + 1, n + 1))
    check_recovered(data, None, acked, config=BIG)


def test_verify_reports_a_repeated_sequence_number(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked = Acked()
    clock = FakeClock()
    run_taps(data, None, acked, 3, config=BIG, clock=clock)
    with Ledger.open(data, config=BIG) as ledger:
        # a stamper that lost its place: the next event reuses seq 1 and the genesis hash
        ledger.storage.put_unjournaled("meta", 1, {"kiosk": ledger.kiosk_id, "seq": 0})
        service_for(ledger, clock).tap("04FFFF03")
    report = maintenance.verify(data)
    assert not report.ok
    assert any("sequence" in p or "chain" in p for p in report.problems)


def _damaged_middle() -> tuple[CrashDisk, list[journal.Record], int]:
    base, _, _, _ = base_store()
    disk = base.clone()
    data = bytearray(disk.get_bytes(DATA / JOURNAL))
    records = journal_records(base)
    hit = len(records) // 2
    data[records[hit].offset + 3] ^= 0x01
    disk.set_bytes(DATA / JOURNAL, bytes(data))
    return disk, records, hit


def _repair_cut_everywhere(torn: bool) -> list[str]:
    probe, _, _ = _damaged_middle()
    probe.ops = 0
    maintenance.repair(DATA, disk=probe)
    steps = probe.ops
    problems = []
    for k in range(1, steps + 1):
        for seed in range(12 if torn else 1):
            disk, records, hit = _damaged_middle()
            disk.ops, disk.cut_at = 0, k
            with pytest.raises(PowerCut):
                maintenance.repair(DATA, disk=disk)
            after = disk.crash(torn=torn, rng=random.Random(seed))
            try:
                Ledger.open(DATA, disk=after, config=BIG).close()
            except StoreCorrupt:
                maintenance.repair(DATA, disk=after)  # the operator runs it again
            with Ledger.open(DATA, disk=after, config=BIG) as ledger:
                ids = {e.id for e in ledger.events()}
            if not record_ids(records[:hit]) <= ids:
                problems.append(
                    f"cut at step {k} {disk.log[-1]} (seed {seed}): records before the damage lost"
                )
    return problems


def test_repair_cut_by_power_loss_keeps_the_records_before_the_damage() -> None:
    assert not _repair_cut_everywhere(torn=False)


def test_repair_cut_by_power_loss_with_torn_writes_keeps_the_records() -> None:
    problems = _repair_cut_everywhere(torn=True)
    assert not problems, "\n".join(problems)
