"""Backups from a kiosk's own store: create, verify, damage, restore (no server needed)."""

from __future__ import annotations

import gc
import json
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest

from kiosk.config import RulesConfig
from kiosk.domain.events import Event, Posting, event_from_dict
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.replication import import_remote_events
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger
from sync import backup, backup_restore
from tests.conftest import FakeClock
from tests.sync.spreadsheet_cells import spreadsheet_text, spreadsheet_time


def _shop(tmp_path: Path, clock: FakeClock) -> tuple[LoyaltyService, LoyaltyService]:
    rules = SimpleRules(RulesConfig(cooldown_seconds=0))
    a = LoyaltyService(Ledger.open(tmp_path / "a"), rules, clock)
    b = LoyaltyService(Ledger.open(tmp_path / "b"), rules, clock)
    for i in range(12):
        a.tap(f"04AB{i % 4:04d}")
        clock.advance(seconds=3)
    a.purchase("04AB0001", 4599)
    a.topup("04AB0002", 2000)
    a.enroll("04AB0003", terms_wording="terms-v1")
    import_remote_events(b.ledger, list(a.ledger.events()), recorder=b.recorder)
    b.purchase("04AB0001", 500, actor="=CMD|'/C calc'!A0")  # a formula-looking text stays text
    b.replace_card("04AB0000", "04AB9999")
    for _ in range(3):
        b.tap("04AB0001")
        clock.advance(seconds=3)
    import_remote_events(a.ledger, [e for e in b.ledger.events() if e.kiosk == b.ledger.kiosk_id])
    return a, b


def _states(ledger: Ledger) -> dict[str, object]:
    return {s.member_id: s for s in ledger.all_members()}


def test_create_verify_restore_round_trip(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "usb", delimiter=";")
    report = backup.verify(path)
    assert report.ok, report.summary()
    manifest = report.manifest
    assert manifest["counts"]["events"] == len(list(a.ledger.events()))
    assert manifest["counts"]["members"] == a.ledger.member_count() == 4
    assert manifest["counts"]["kiosks"] == 2
    chains = manifest["chains"]
    assert chains[a.ledger.kiosk_id]["last_seq"] == a.ledger.meta["seq"]
    restored = backup.restore(path, tmp_path / "new")
    assert restored.kiosk not in (a.ledger.kiosk_id, b.ledger.kiosk_id)
    with Ledger.open(tmp_path / "new") as new:
        assert _states(new) == _states(a.ledger)
        assert new.member_for_card("04AB9999") == a.ledger.member_for_card("04AB9999")
        assert new.kiosk_id == restored.kiosk
    # the CSV: BOM, the delimiter, a formula-looking text kept as text
    raw = zipfile.ZipFile(path).read("members.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("member;status;cards;")
    rows = backup.read_members_csv(path)
    assert len(rows) == 4
    credit = [r for r in rows if r.get("credit (EUR)") == "20,00"]  # 2000 cents
    assert len(credit) == 1
    # cards as text Excel keeps, times Excel reads, in the shop's own state
    for row in rows:
        state = a.ledger.member(row["member"])
        assert state is not None and spreadsheet_text(row["cards"]) == " ".join(state.cards)
        created = datetime.fromisoformat(state.created_at or "").replace(microsecond=0)
        assert spreadsheet_time(row["created_at (UTC)"]) == created
    ledger_csv = zipfile.ZipFile(path).read("ledger.csv").decode("utf-8-sig").splitlines()
    assert len(ledger_csv) == manifest["counts"]["events"] + 1
    assert sum(";'=CMD|'/C calc'!A0;" in row for row in ledger_csv) == 1
    a.ledger.close()


def test_comma_delimiter(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out", delimiter=",")
    head = zipfile.ZipFile(path).read("ledger.csv").decode("utf-8-sig").splitlines()[0]
    assert head.startswith("id,wall (UTC),hlc,kiosk,seq,kind,")
    assert json.loads(zipfile.ZipFile(path).read("manifest.json"))["csv_delimiter"] == ","
    assert backup.verify(path).ok


def _flip(path: Path, part: str, where: float = 0.5) -> None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    data = bytearray(path.read_bytes())
    # the part's data follows its local header (30 bytes + name + extra)
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    offset = start + int(info.compress_size * where)
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("part", ["events.jsonl", "members.csv", "ledger.csv", "manifest.json"])
def test_one_flipped_byte_names_the_part(tmp_path: Path, clock: FakeClock, part: str) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    _flip(path, part)
    report = backup.verify(path)
    assert not report.ok
    assert report.damaged_parts == [part], report.summary()
    assert part in report.summary()
    with pytest.raises(backup.BackupError, match=part.replace(".", r"\.")):
        backup.restore(path, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_edited_event_is_found_even_with_matching_checksums(tmp_path: Path, clock: FakeClock) -> None:
    """Someone rewrites an event and the manifest's checksum: the hash chain still tells."""
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    lines = parts["events.jsonl"].splitlines(keepends=True)
    event = json.loads(lines[3])
    event["postings"] = [["stamps", 50]]
    lines[3] = (json.dumps(event) + "\n").encode()
    parts["events.jsonl"] = b"".join(lines)
    manifest = json.loads(parts["manifest.json"])
    import hashlib

    manifest["parts"]["events.jsonl"]["sha256"] = hashlib.sha256(parts["events.jsonl"]).hexdigest()
    manifest["parts"]["events.jsonl"]["bytes"] = len(parts["events.jsonl"])
    parts["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    report = backup.verify(forged)
    assert not report.ok
    assert "events.jsonl: line 4" in report.summary()


def test_restore_refuses_a_folder_in_use(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(path, tmp_path / "b")


def test_truncated_file(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    whole = path.read_bytes()
    for cut in (100, 5000):
        path.write_bytes(whole[:-cut])
        report = backup.verify(path)
        assert not report.ok and "cut short" in report.summary()


def test_restored_store_verifies_and_holds_events_as_the_kiosk_writes_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Lines not in to_dict() form (an empty data, a null card, a null expiry: the same
    event and hash) are stored as the kiosk would store the event, the rest as they are."""
    a, b = _shop(tmp_path, clock)
    b.ledger.close()
    events = [e.to_dict() for e in a.ledger.events()]
    a.ledger.close()
    odd = events[5]
    assert "data" not in odd and "reverses" not in odd
    odd["data"] = {}
    odd["reverses"] = None
    odd["postings"] = [[*p, None] for p in odd["postings"]]
    writer = backup.BackupWriter(source="test")
    for raw in events:
        writer.add(raw)
    path = writer.finish(tmp_path / "out")
    report = backup.verify(path)
    assert report.ok, report.summary()
    restored = backup.restore(path, tmp_path / "new")
    assert restored.events == len(events)
    assert maintenance.verify(tmp_path / "new").ok
    with Ledger.open(tmp_path / "new") as new:
        stored = [raw for _, raws in new.storage.records() for raw in raws]
        assert [e["id"] for e in stored] == [e["id"] for e in events]
        for raw in stored:
            assert raw == event_from_dict(raw).to_dict()
        with Ledger.open(tmp_path / "a") as old:
            assert _states(new) == _states(old)


def test_a_damaged_restore_leaves_nothing_behind(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    _flip(path, "events.jsonl", where=0.9)
    (tmp_path / "target").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(backup.BackupError, match="damaged; nothing was restored"):
        backup.restore(path, tmp_path / "target" / "kiosk")
    assert not (tmp_path / "target" / "kiosk").exists()
    assert list((tmp_path / "target").iterdir()) == []  # no half-made temp folder either
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_trusted_event_is_event_from_dict(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    events = [*a.ledger.events(), *b.ledger.events()]
    expiring = (Posting("points", 5, "2027-01-01T00:00:00+00:00"),)
    with_expiry = Event(**{**events[0].__dict__, "postings": expiring})
    for event in [*events, with_expiry]:
        raw = event.to_dict()
        assert backup.trusted_event(raw) == event_from_dict(raw, verify_hash=False) == event
        assert backup.trusted_event(raw).__dict__ == event.__dict__
    with pytest.raises(backup.BackupError, match="malformed"):
        backup.trusted_event({**events[0].to_dict(), "kind": "no such kind"})
    with pytest.raises(backup.BackupError, match="malformed"):
        backup.trusted_event({**events[0].to_dict(), "postings": [["points"]]})
    a.ledger.close()
    b.ledger.close()


def test_bulk_gc_gives_the_settings_back() -> None:
    gc.unfreeze()  # (a `kanta` command run in this test process earlier froze what it loaded)
    threshold = gc.get_threshold()
    with backup.bulk_gc():
        assert gc.get_threshold() != threshold
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a process owner's freeze stays
    try:
        frozen = gc.get_freeze_count()
        with pytest.raises(RuntimeError), backup.bulk_gc():
            raise RuntimeError
        assert gc.get_freeze_count() >= frozen and gc.get_threshold() == threshold
    finally:
        gc.unfreeze()


def test_writer_takes_each_event_once_and_refuses_what_is_not_one(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _shop(tmp_path, clock)
    events = [e.to_dict() for e in a.ledger.events()]
    a.ledger.close()
    b.ledger.close()
    writer = backup.BackupWriter(source="test")
    writer.add_many(events[:10])
    writer.add_many(events[5:15])  # pages that overlap: the repeats are dropped
    with pytest.raises(backup.BackupError, match="not an event"):
        writer.add_many([*events[15:20], {"kiosk": "k", "seq": "7"}, *events[20:]])
    assert writer.count == 20  # what came before the refused one was kept
    writer.add_many(events[20:])
    path = writer.finish(tmp_path / "out")
    report = backup.verify(path)
    assert report.ok, report.summary()
    assert report.manifest["counts"]["events"] == len(events)


def test_restore_stops_as_soon_as_the_check_finds_damage(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _shop(tmp_path, clock)
    a.ledger.close()
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    checked = threading.Event()
    real_verify, real_lines = backup.verify, backup_restore._lines
    taken: list[bytes] = []

    def damaged(p: Path, *, deep: bool = True) -> backup.VerifyReport:
        report = real_verify(p, deep=deep)
        report.problem("ledger.csv", "damaged (injected)")
        checked.set()
        return report

    def lines(stream: IO[bytes]) -> Iterator[bytes]:
        checked.wait(10)
        for line in real_lines(stream):
            taken.append(line)
            yield line

    monkeypatch.setattr(backup_restore, "verify", damaged)
    monkeypatch.setattr(backup_restore, "_lines", lines)
    with pytest.raises(backup.BackupError, match=r"(?s)nothing was restored.*injected"):
        backup.restore(path, tmp_path / "new")
    assert len(taken) == 1  # stopped at the first look, not at the end
    assert not (tmp_path / "new").exists()


def test_a_replacement_kiosk_merges_the_members_the_old_one_made(tmp_path: Path, clock: FakeClock) -> None:
    """Kiosk b made a second member for a new card a had made first, then died before it
    heard of a's: the kiosk restored from b's own backup does b's merge."""
    rules = SimpleRules(RulesConfig(cooldown_seconds=0))
    a = LoyaltyService(Ledger.open(tmp_path / "a"), rules, clock)
    b = LoyaltyService(Ledger.open(tmp_path / "b"), rules, clock)
    assert a.tap("04EE0020").accepted
    clock.advance(seconds=2)
    assert b.tap("04EE0020").accepted
    old = b.ledger.kiosk_id
    b.ledger.close()
    path = backup.create_from_store(tmp_path / "b", tmp_path / "usb")
    restored = backup.restore(path, tmp_path / "new")
    assert restored.replaces == old
    new = LoyaltyService(Ledger.open(tmp_path / "new"), rules, clock)
    import_remote_events(new.ledger, list(a.ledger.events()), now=clock())
    assert a.merge_duplicate_cards(now=clock()) == 0
    assert new.merge_duplicate_cards(now=clock()) == 1
    merged = new.ledger.member_for_card("04EE0020")
    assert merged is not None and merged.balance("stamps") == 2
    a.ledger.close()
    new.ledger.close()


def test_restore_names_the_kiosk_it_replaces_or_refuses_one_not_in_the_backup(
    tmp_path: Path, clock: FakeClock
) -> None:
    a, b = _shop(tmp_path, clock)
    b_id = b.ledger.kiosk_id
    b.ledger.close()
    a.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "usb")
    with pytest.raises(backup.BackupError, match="kiosk k000000000 has no events in this backup"):
        backup.restore(path, tmp_path / "new", replaces="k000000000")
    assert not (tmp_path / "new").exists()
    restored = backup.restore(path, tmp_path / "new", replaces=b_id)
    assert restored.replaces == b_id
    with Ledger.open(tmp_path / "new") as new:
        assert new.meta["replaces"] == [b_id]
