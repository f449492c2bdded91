"""The watchdog path with the real kiosk app: `kanta kiosk` on an Xvfb display with the
sim hardware, NOTIFY_SOCKET pointing at a socket this test reads. It must say READY=1
once the first screen is up, then WATCHDOG=1 from its main loop; when the main loop is
blocked (the process is stopped with SIGSTOP) the pings stop, and they resume after.
Skipped when Xvfb is not installed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appliance.notifysock import NotifyListener

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb): the app needs a display")
    if not (REPO / "kiosk" / "cli" / "kiosk.py").exists():
        pytest.skip("the kiosk app (kanta kiosk) is not in this tree yet")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        _stop(proc, 5)


def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _pings(messages: list[tuple[float, str]]) -> list[float]:
    return [t for t, m in messages if m == "WATCHDOG=1"]


@pytest.mark.timeout(180)
def test_kiosk_app_notifies_ready_and_pings_until_blocked(display: str, tmp_path: Path) -> None:
    kivy_home = Path(tempfile.mkdtemp(prefix="kanta-kivy-"))
    with NotifyListener() as listener:
        env = {
            **os.environ,
            "DISPLAY": display,
            "KANTA_CARD_READER": "sim",
            "KANTA_SCANNER": "sim",
            "KANTA_FEEDBACK": "sim",
            "KANTA_RUN_DIR": str(tmp_path / "run"),
            "KIVY_HOME": str(kivy_home),
            "KIVY_NO_FILELOG": "1",
            "NOTIFY_SOCKET": listener.address,
            "WATCHDOG_USEC": "2000000",  # pings every second or so
        }
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("WATCHDOG_PID", None)
        log = (tmp_path / "kiosk.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli.main", "--data", str(tmp_path / "data"), "kiosk", "--window"],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            try:
                listener.wait_for("READY=1", timeout=90)
            except AssertionError:
                proc.kill()
                proc.wait(10)
                raise AssertionError((tmp_path / "kiosk.log").read_text()[-4000:]) from None
            pings = _pings(listener.receive(5.0))
            assert len(pings) >= 2, (pings, (tmp_path / "kiosk.log").read_text()[-2000:])

            os.kill(proc.pid, signal.SIGSTOP)  # the main loop is blocked
            try:
                listener.receive(0.2)
                assert _pings(listener.receive(4.0)) == []
            finally:
                os.kill(proc.pid, signal.SIGCONT)
            assert len(_pings(listener.receive(5.0))) >= 2
            assert proc.poll() is None
        finally:
            _stop(proc, 20)
            log.close()
            shutil.rmtree(kivy_home, ignore_errors=True)
