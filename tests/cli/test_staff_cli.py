"""`kanta staff ...`: the owner manages the staff from the command line, same rules as the
screen (StaffService): easily guessed PINs refused, the last owner kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.process import REPO


def staff(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "--data", str(data), "staff", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ),
        timeout=60,
    )


def test_add_set_role_change_pin_and_remove(tmp_path: Path) -> None:
    data = tmp_path / "d"
    weak = staff(data, "add", "Owner", "--role", "owner", "--pin-stdin", stdin="1234\n")
    assert weak.returncode == 65 and "too easy to guess" in weak.stderr
    assert staff(data, "add", "Owner", "--role", "owner", "--pin-stdin", stdin="6294\n").returncode == 0
    assert staff(data, "add", "Bo", "--pin-stdin", stdin="3591\n").returncode == 0
    promoted = staff(data, "set-role", "Bo", "manager")
    assert promoted.returncode == 0 and "Bo is now manager" in promoted.stdout
    assert staff(data, "change-pin", "Bo", "--pin-stdin", stdin="1111\n").returncode == 65
    assert staff(data, "change-pin", "Bo", "--pin-stdin", stdin="7305\n").returncode == 0
    last_owner = staff(data, "remove", "Owner")
    assert last_owner.returncode == 65 and "only owner" in last_owner.stderr
    assert staff(data, "remove", "Bo").returncode == 0
    assert staff(data, "remove", "Bo").returncode == 65
    listed = staff(data, "list")
    assert listed.stdout.split() == ["Owner", "owner"]
    assert "6294" not in listed.stdout
