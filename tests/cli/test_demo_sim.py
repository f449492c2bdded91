"""`kanta demo` in one terminal, `kanta sim tap` in another, with no --data: the tap reaches
the running demo (which announces its folder), as the README says."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cli.process import REPO
from tests.ui.conftest import xvfb  # noqa: F401  (the fixture: an Xvfb display)

CARD = "04D2E3F4A5B6C7"


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], text: str, seen: list[str], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=deadline - time.monotonic())
        except queue.Empty:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"the demo never said {text!r}:\n{''.join(seen)[-2000:]}")


def _kanta(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def _stamps(env: dict[str, str], folder: str) -> int:
    shown = _kanta(env, "--data", folder, "member", "show", CARD, "--json")  # a reader beside the kiosk
    return int(json.loads(shown.stdout)["stamps"]) if shown.returncode == 0 else -1


@pytest.mark.usefixtures("xvfb")
def test_sim_tap_reaches_the_running_demo_without_data(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KANTA_DATA", "KANTA_PROGRAM")}
    env.update(XDG_RUNTIME_DIR=str(tmp_path / "run"), TMPDIR=str(tmp_path))
    (tmp_path / "run").mkdir()
    demo = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli.main", "demo", "--window"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        lines = _lines(demo)
        folder = _wait_for(lines, "demo data in", seen).rsplit(" ", 1)[-1].strip()
        _wait_for(lines, "Demo ready", seen)
        before = _stamps(env, folder)
        tapped = _kanta(env, "sim", "tap", CARD)
        assert tapped.returncode == 0, tapped.stderr
        deadline = time.monotonic() + 60
        while _stamps(env, folder) != before + 1 and time.monotonic() < deadline:
            time.sleep(0.2)  # the kiosk records the tap on its own thread: look again
        assert _stamps(env, folder) == before + 1
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    assert demo.returncode == 0, "".join(seen)[-2000:]
    gone = _kanta(env, "sim", "tap", CARD)  # the demo has ended: nothing listens any more
    assert gone.returncode != 0 and "no running kiosk" in gone.stderr
