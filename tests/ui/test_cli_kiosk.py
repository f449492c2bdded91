"""`kanta staff` and the demo's text fallback, as a person runs them (no window)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def kanta(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["KANTA_DATA"] = str(data)
    return subprocess.run([sys.executable, "-m", "kiosk.cli.main", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


def test_staff_pins_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = kanta("staff", "add", "Aino", "--role", "manager", "--pin-stdin", data=data, stdin="4827\n")
    assert added.returncode == 0, added.stderr
    bad = kanta("staff", "add", "Bo", "--pin-stdin", data=data, stdin="12\n")
    assert bad.returncode == 65 and "4 to 8 digits" in bad.stderr
    listed = kanta("staff", "list", data=data)
    assert "Aino" in listed.stdout and "manager" in listed.stdout and "4827" not in listed.stdout
    assert kanta("staff", "remove", "Aino", data=data).returncode == 0
    assert "Aino" not in kanta("staff", "list", data=data).stdout


def test_demo_without_a_display_prints_the_shop_and_says_why(tmp_path: Path) -> None:
    result = kanta("demo", "--data", str(tmp_path / "demo"), data=tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    assert "04A1B2C3D4E5F6" in result.stdout and "No kiosk window" in result.stdout
    assert "kivy" not in result.stderr.lower()


def test_non_ui_verbs_never_import_kivy() -> None:
    code = "import sys; from kiosk.cli.main import build_parser; build_parser(); print('kivy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.usefixtures("xvfb")
def test_demo_window_is_driven_by_kanta_sim_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    env = {**os.environ, "KANTA_DATA": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "demo", "--window", "--data", str(data)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        tapped = None
        while time.monotonic() < deadline:
            if (data / "sim-reader.sock").exists():
                tapped = kanta("--data", str(data), "sim", "tap", "04D2E3F4A5B6C7", data=data)
                if tapped.returncode == 0:
                    break
            time.sleep(0.3)
        assert tapped is not None and tapped.returncode == 0, tapped and tapped.stderr
        scanned = kanta("--data", str(data), "sim", "scan", "DEMO000123", data=data)
        assert scanned.returncode == 0, scanned.stderr
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out[-2000:]
    shown = kanta("member", "show", "04D2E3F4A5B6C7", "--json", data=data)
    assert json.loads(shown.stdout)["stamps"] == 4  # three seeded visits and the simulated tap
    reward = kanta("member", "show", "DEMO000123", "--json", data=data)
    assert json.loads(reward.stdout)["stamps"] == 10  # the scanned printed card
