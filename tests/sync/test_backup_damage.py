"""Backups whole or refused: for every kind of damage, `kanta backup verify` and `kanta
backup restore` agree (both refuse), a refused restore leaves nothing behind, a killed
restore's temp folder is cleaned by the next restore, and backups are private files."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.domain.events import Event, event_from_dict
from sync import backup, backup_seal

Parts = dict[str, bytes]


def _kanta(*args: str) -> int:
    return main(list(args))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a kiosk with a few members and visits, made by `kanta backup create`."""
    folder = tmp_path_factory.mktemp("good")
    data = folder / "kiosk"
    for i in range(8):
        assert _kanta("--data", str(data), "tap", f"04E0{i:04d}") == 0  # each a new member
    assert _kanta("--data", str(data), "backup", "create", "--to", str(folder / "out")) == 0
    (path,) = (folder / "out").glob("*.zip")
    return path


def _parts(path: Path) -> Parts:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _forge(parts: Parts, dest: Path, *, restate: bool = True) -> Path:
    """The parts written as a backup whose manifest states their new sizes and checksums
    (what someone who edits a backup on purpose does) and whose seal matches."""
    manifest = json.loads(parts["manifest.json"])
    if restate:
        for name in backup.PARTS:
            body = parts[name]
            info = manifest["parts"][name]
            info["sha256"] = hashlib.sha256(body).hexdigest()
            info["bytes"] = len(body)
            rows = body.count(b"\n") if name == backup.EVENTS else body.count(b"\n") - 1
            info["rows"] = rows
        manifest["counts"]["events"] = manifest["parts"][backup.EVENTS]["rows"]
    parts = {**parts, "manifest.json": json.dumps(manifest).encode()}
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    backup_seal.seal(dest)
    return dest


def _events(parts: Parts) -> list[bytes]:
    return parts[backup.EVENTS].splitlines(keepends=True)


def _with_events(parts: Parts, lines: list[bytes]) -> Parts:
    return {**parts, backup.EVENTS: b"".join(lines)}


def _rehashed(line: bytes, **changes: object) -> bytes:
    event: Event = event_from_dict(json.loads(line))
    raw = {**event.to_dict(), **changes}
    raw.pop("hash")
    fixed = event_from_dict({**raw, "hash": ""}, verify_hash=False)
    return (json.dumps({**fixed.to_dict(), "hash": fixed.computed_hash()}) + "\n").encode()


def _edited(p: Parts) -> Parts:
    lines = _events(p)
    lines[3] = _rehashed(lines[3], postings=[["stamps", 50]])
    return _with_events(p, lines)


def _removed(p: Parts) -> Parts:
    lines = _events(p)
    del lines[4]
    return _with_events(p, lines)


def _duplicated(p: Parts) -> Parts:
    lines = _events(p)
    return _with_events(p, [*lines[:5], lines[4], *lines[5:]])


def _invented_kiosk(p: Parts) -> Parts:
    lines = _events(p)
    invented = _rehashed(lines[0], kiosk="k-invented", id="019de2c4-3638-7cdb-8a1b-86969a31973b")
    return _with_events(p, [*lines, invented])


def _reordered(p: Parts) -> Parts:
    lines = _events(p)
    lines[2], lines[3] = lines[3], lines[2]
    return _with_events(p, lines)


def _newline_bomb(p: Parts) -> Parts:
    # 30 MB of newlines compress to a few kB: the manifest keeps its small numbers
    return {**p, backup.EVENTS: p[backup.EVENTS] + b"\n" * 30_000_000}


DAMAGE: dict[str, tuple[Callable[[Parts], Parts], bool]] = {
    "an edited event": (_edited, True),
    "a removed event": (_removed, True),
    "a duplicated line": (_duplicated, True),
    "an event from an invented kiosk": (_invented_kiosk, True),
    "two events swapped": (_reordered, True),
    "a part longer than the manifest says": (_newline_bomb, False),
    "events.jsonl gone": (lambda p: {k: v for k, v in p.items() if k != backup.EVENTS}, False),
}


def _assert_refused_and_nothing_left(path: Path, target: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert _kanta("backup", "verify", str(path)) == 1
    verified = capsys.readouterr().out
    assert "DAMAGED" in verified
    assert _kanta("--data", str(target), "backup", "restore", str(path)) != 0
    refused = capsys.readouterr().err
    assert "nothing was restored" in refused or "damaged" in refused, refused
    assert not target.exists()
    assert not list(target.parent.glob(f".{target.name}.restoring-*"))
    return verified


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_verify_and_restore_agree_on_each_kind_of_damage(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    damage, restate = DAMAGE[kind]
    forged = _forge(damage(_parts(good)), tmp_path / "forged.zip", restate=restate)
    if kind == "events.jsonl gone":
        with zipfile.ZipFile(forged) as zf:
            assert backup.EVENTS not in zf.namelist()
    verified = _assert_refused_and_nothing_left(forged, tmp_path / "new", capsys)
    if kind == "a part longer than the manifest says":
        assert "the zip says it holds 30" in verified


@pytest.mark.parametrize("part", [*backup.PARTS, backup.MANIFEST])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_flipped_byte_anywhere_is_refused_by_both(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str, where: float
) -> None:
    path = tmp_path / "flipped.zip"
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(part)
    offset = info.header_offset + 30 + len(part) + int(info.compress_size * where)
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    _assert_refused_and_nothing_left(path, tmp_path / "new", capsys)


def test_a_cut_short_file_is_refused_by_both(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = good.read_bytes()
    for cut in (10, 1000, len(whole) // 2):
        path = tmp_path / f"cut-{cut}.zip"
        path.write_bytes(whole[:-cut])
        _assert_refused_and_nothing_left(path, tmp_path / "new", capsys)


def test_an_undamaged_backup_restores_and_a_killed_restore_is_cleaned_up(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a restore killed mid-way (its process gone) left its temp folder and its mark
    target = tmp_path / "new"
    killed = tmp_path / ".new.restoring-abc123"
    (killed / "ledger").mkdir(parents=True)
    (killed / "journal.log").write_bytes(b"half a store")
    (tmp_path / ".new.restoring-abc123.pid").write_text("999999999")
    never_marked = tmp_path / ".new.restoring-zzz"  # killed before it wrote its mark
    never_marked.mkdir()
    assert _kanta("--data", str(target), "backup", "restore", str(good)) == 0
    assert not killed.exists() and not never_marked.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]
    assert _kanta("--data", str(target), "store", "verify") == 0
    capsys.readouterr()


def test_backups_are_private_files(good: Path) -> None:
    assert stat.S_IMODE(good.stat().st_mode) == 0o600


def test_a_backup_in_a_group_folder_is_readable_by_the_group(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    os.chmod(folder, 0o2750)  # what an installer sets for the service's group
    data = tmp_path / "kiosk"
    assert _kanta("--data", str(data), "tap", "04E00001") == 0
    assert _kanta("--data", str(data), "backup", "create", "--to", str(folder)) == 0
    (path,) = folder.glob("*.zip")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
