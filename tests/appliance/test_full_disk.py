"""A full disk is reported, not crashed on: on a tiny file system the store refuses the
tap with a KantaError (nothing half-written), and `kanta status` says the disk is full."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.errors import KantaError, StoreWriteError
from kiosk.health import collect_status
from kiosk.services.factory import open_service


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    where = tmp_path / "tiny"
    where.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {out.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, timeout=30)


def test_full_disk_is_reported_not_crashed(tiny_fs: Path, tmp_path: Path) -> None:
    data = tiny_fs / "kanta"
    service = open_service(data, KioskConfig())
    accepted = 0
    error: KantaError | None = None
    for i in range(5000):
        try:
            service.tap(f"04{i:012X}")
            accepted += 1
        except KantaError as exc:
            error = exc
            break
    assert accepted > 10
    assert isinstance(error, StoreWriteError), error
    assert "disk" in str(error).lower() or "space" in str(error).lower()
    service.ledger.close()

    report = collect_status(data, env={"KANTA_RUN_DIR": str(tmp_path / "run")}, clock=None)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["disk"]["level"] == "fail" and "nearly full" in checks["disk"]["detail"]
    assert report["attention"] is True

    # everything acknowledged before the disk filled up is still there
    again = open_service(data, KioskConfig(), readonly=True)
    assert again.ledger.member_count() == accepted
    again.ledger.close()
