"""A read-only or full data folder: `kanta tap`, `kanta counter` and `kanta kiosk` say so,
naming the folder, and exit 74; no traceback, and nothing half-written."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.services.factory import open_service
from tests.cli.process import kanta

CARD = "04A1B2C3D4E5F6"


def _mount_tmpfs(where: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (a read-only or full file system)")
    where.mkdir()
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if out.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {out.stderr.strip()}")


def _remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True, timeout=30)


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "fs"
    _mount_tmpfs(where, "8m")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, timeout=30)


def events_of(data: Path) -> int:
    service = open_service(data, KioskConfig(), readonly=True)
    try:
        state = service.ledger.member_for_card(CARD)
        assert state is not None
        return state.event_count
    finally:
        service.ledger.close()


def assert_store_failure(result: subprocess.CompletedProcess[str], folder: Path) -> None:
    assert result.returncode == 74, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert str(folder) in result.stderr and "nothing was changed" in result.stderr


def test_a_read_only_data_folder_is_a_message_and_exit_74(mounted: Path) -> None:
    data = mounted / "kanta"
    assert kanta("tap", CARD, data=data).returncode == 0
    before = events_of(data)
    _remount(mounted, "ro")
    assert_store_failure(kanta("tap", CARD, data=data), data)
    assert_store_failure(kanta("counter", "purchase", CARD, "5.00", data=data), data)
    # `kanta kiosk` says it on stderr too, then shows staff the store-failure screen until it
    # is stopped (exit 74): tests/ui/test_store_failure_screen.py, under Xvfb
    fresh = mounted / "new"
    assert_store_failure(kanta("tap", CARD, data=fresh), fresh)
    _remount(mounted, "rw")
    assert events_of(data) == before  # nothing half-written
    assert not fresh.exists()


def test_a_full_disk_is_a_message_and_exit_74(mounted: Path) -> None:
    data = mounted / "kanta"
    assert kanta("tap", CARD, data=data).returncode == 0
    filler = mounted / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass  # the disk is full now
    # the journal's last page may still hold a few records: buy until the disk says no
    for _ in range(40):
        before = events_of(data)
        result = kanta("counter", "purchase", CARD, "5.00", data=data)
        if result.returncode != 0:
            break
    assert result.returncode == 74, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "disk" in result.stderr.lower()
    filler.unlink()
    assert events_of(data) == before  # the refused purchase left nothing behind
    assert kanta("counter", "purchase", CARD, "5.00", data=data).returncode == 0
    assert events_of(data) > before
