"""A store from before per-member keys: its clear contact details are sealed in every file
(kept ledger segments, snapshot, journal, leftovers) by `kanta store migrate` or simply by
the next start, the chain still verifies, and a power cut at any step of it leaves a store
that opens, verifies and finishes the job at its next start."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger
from tests.privacy.old_store import CARDS, CLEAR, HELD, build_old_store
from tests.store.crashdisk import CrashDisk, PowerCut
from tests.store.workload import DATA, fresh_disk


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def clear_bytes_in(folder: Path) -> dict[str, list[str]]:
    """Every file under the folder, read raw: which clear values it holds."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [v for v in CLEAR if v.encode() in data]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_store_migrate_seals_every_old_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "kiosk"
    build_old_store(data)
    before = clear_bytes_in(data)
    # the fixture really is an old store: the details lie in the clear in every kind of file
    assert {"ledger/000001.log", "ledger/000002.log", "snapshot.json", "journal.log"} <= set(before)
    assert {"journal.torn-1764000000", "snapshot.json.tmp"} <= set(before)
    assert set(CLEAR) == {v for hits in before.values() for v in hits}

    status, out = kanta(capsys, "--data", str(data), "store", "migrate")
    assert status == 0, out
    assert "in 3 of 3 ledger segment(s) rewritten" in out
    assert "overwritten in files kept for inspection: journal.torn-1764000000" in out
    assert not any(v in out for v in CLEAR)
    assert clear_bytes_in(data) == {}
    # the hash chain and the signed heads still hold; the refold agrees with the snapshot
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 0 and "everything checks out" in out, out
    # the details are still there for their members, sealed with their own keys
    for card, contact in HELD.items():
        status, out = kanta(capsys, "--data", str(data), "member", "export", card)
        assert status == 0 and json.loads(out)["contact"] == contact
    status, out = kanta(capsys, "--data", str(data), "member", "export", CARDS[1])
    assert status != 0 and "erased" in out
    # a snapshot rebuilt from the rewritten segments says the same
    assert kanta(capsys, "--data", str(data), "store", "rebuild")[0] == 0
    for card, contact in HELD.items():
        out = kanta(capsys, "--data", str(data), "member", "export", card)[1]
        assert json.loads(out)["contact"] == contact
    assert kanta(capsys, "--data", str(data), "store", "verify")[0] == 0
    # so an erasure now reaches every copy, old ones included
    assert kanta(capsys, "--data", str(data), "member", "erase", CARDS[0], "--yes")[0] == 0
    with Ledger.open(data) as ledger:
        assert ledger.keys.members() == {ledger.member_for_card(CARDS[2]).member_id}  # type: ignore[union-attr]
    status, out = kanta(capsys, "--data", str(data), "store", "migrate")
    assert status == 0 and out.startswith("nothing to do"), out


def test_the_kiosk_start_seals_them_unasked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Any writing open does it (the kiosk's start, a tap from a script): an owner who
    upgraded need not know the command."""
    data = tmp_path / "kiosk"
    build_old_store(data)
    assert kanta(capsys, "--data", str(data), "tap", CARDS[2])[0] == 0
    assert clear_bytes_in(data) == {}
    status, out = kanta(capsys, "--data", str(data), "member", "export", CARDS[2])
    assert status == 0 and json.loads(out)["contact"] == HELD[CARDS[2]]


def test_a_file_not_the_stores_is_named_not_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "kiosk"
    build_old_store(data)
    (data / "notes.txt").write_text(f"call {CLEAR[0]}\n")
    status, out = kanta(capsys, "--data", str(data), "store", "migrate")
    assert status == 1 and "STILL IN THE CLEAR in: notes.txt" in out
    assert CLEAR[0] not in out
    assert clear_bytes_in(data) == {"notes.txt": [CLEAR[0]]}


def _old_store_on_crash_disk() -> CrashDisk:
    disk = fresh_disk()
    build_old_store(DATA, disk)
    disk.make_durable()
    disk.ops = 0
    return disk


def _durable_clear(disk: CrashDisk) -> list[str]:
    """The clear values in any file of the store on the crash disk."""
    found = []
    for folder in (DATA, DATA / "ledger"):
        for name, raw in disk.files(folder).items():
            found += [f"{name}: {v}" for v in CLEAR if v.encode() in raw]
    return found


@pytest.mark.parametrize("torn", [False, True], ids=["clean", "torn"])
def test_a_power_cut_at_any_step_leaves_a_store_that_opens_and_verifies(torn: bool) -> None:
    probe = _old_store_on_crash_disk()
    Ledger.open(DATA, disk=probe).close()
    steps = probe.ops
    assert steps > 20 and _durable_clear(probe) == []
    rng = random.Random(13 + torn)
    failures: list[str] = []
    for k in range(1, steps + 1):
        disk = _old_store_on_crash_disk()
        disk.cut_at = k
        with pytest.raises(PowerCut):
            Ledger.open(DATA, disk=disk).close()
        after = disk.crash(torn=torn, rng=rng)
        try:
            report = maintenance.verify(DATA, disk=after)  # opens read-only, as it was left
            assert report.ok, report.summary()
            with Ledger.open(DATA, disk=after) as ledger:  # the next start finishes the job
                for card, contact in HELD.items():
                    member = ledger.member_for_card(card)
                    assert member is not None and ledger.profile(member.member_id) == contact
            assert _durable_clear(after) == [], "clear values left after the next start"
            report = maintenance.verify(DATA, disk=after)
            assert report.ok, report.summary()
        except AssertionError as exc:
            op, name = disk.log[-1]
            failures.append(f"cut at step {k}/{steps} ({op} {name}): {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)
