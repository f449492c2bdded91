"""sd_notify and the watchdog helper against a real datagram socket, and the watchdog
path end to end with a real main loop in another process: READY=1, then WATCHDOG=1 at
half the interval; a blocked loop (SIGSTOP) or an unhealthy app sends none."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kiosk import notify
from kiosk.notify import Watchdog
from tests.appliance.notifysock import NotifyListener

REPO = Path(__file__).resolve().parents[2]


def test_noop_without_socket() -> None:
    env: dict[str, str] = {}
    assert notify.ready(env) is False
    assert notify.watchdog(env) is False
    assert notify.watchdog_interval(env) is None
    dog = Watchdog(env=env)
    assert not dog.enabled
    assert dog.tick() is False


@pytest.mark.parametrize("abstract", [False, True])
def test_messages_reach_the_socket(abstract: bool) -> None:
    with NotifyListener(abstract=abstract) as listener:
        env = {"NOTIFY_SOCKET": listener.address}
        assert notify.ready(env)
        assert notify.status("taking\ntaps", env)
        assert notify.watchdog(env)
        assert notify.stopping(env)
        texts = [m for _, m in listener.receive(0.2)]
    assert texts[0].splitlines() == ["READY=1", f"MAINPID={os.getpid()}"]
    assert texts[1:] == ["STATUS=taking taps", "WATCHDOG=1", "STOPPING=1"]


def test_unreachable_socket_never_raises(tmp_path: Path) -> None:
    env = {"NOTIFY_SOCKET": str(tmp_path / "gone")}
    assert notify.ready(env) is False
    assert notify.notify("WATCHDOG=1", {"NOTIFY_SOCKET": "vsock:2:1"}) is False


def test_watchdog_interval() -> None:
    assert notify.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert notify.watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert notify.watchdog_interval({"WATCHDOG_USEC": "x"}) is None
    mine = str(os.getpid())
    assert notify.watchdog_interval({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": mine}) == 1.0
    assert notify.watchdog_interval({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}) is None


def test_watchdog_rate_limit_and_health() -> None:
    now = [100.0]
    healthy = [True]
    with NotifyListener() as listener:
        env = {"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "10000000"}
        dog = Watchdog(lambda: healthy[0], env=env, clock=lambda: now[0])
        assert dog.enabled and dog.period == 5.0
        assert dog.tick()  # first tick pings at once
        now[0] += 1
        assert not dog.tick()  # too soon
        now[0] += 4
        assert dog.tick()  # half the interval passed
        now[0] += 5
        healthy[0] = False
        assert not dog.tick()
        now[0] += 5
        assert not dog.tick()
        assert dog.withheld == 2
        healthy[0] = True
        assert dog.tick()

        def broken() -> bool:
            raise RuntimeError("check crashed")

        sick = Watchdog(broken, env=env, clock=lambda: now[0])
        assert not sick.tick()
        got = [m for _, m in listener.receive(0.2)]
    assert got == ["WATCHDOG=1"] * 3


LOOP = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from kiosk import notify
    flag = sys.argv[2]
    dog = notify.Watchdog(lambda: not os.path.exists(flag))
    notify.ready()
    while True:          # the app's main loop: one tick per frame
        dog.tick()
        time.sleep(0.02)
    """
)


def _pings(messages: list[tuple[float, str]]) -> list[float]:
    return [t for t, m in messages if m == "WATCHDOG=1"]


def test_watchdog_with_a_real_main_loop(tmp_path: Path) -> None:
    flag = tmp_path / "unhealthy"
    with NotifyListener() as listener:
        env = {**os.environ, "NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "400000"}
        proc = subprocess.Popen([sys.executable, "-c", LOOP, str(REPO), str(flag)], env=env)
        try:
            listener.wait_for("READY=1", timeout=20)
            pings = _pings(listener.receive(1.5))
            assert len(pings) >= 5, pings  # every 0.2 s
            gaps = [b - a for a, b in itertools.pairwise(pings)]
            assert min(gaps) >= 0.15 and max(gaps) < 0.4, gaps

            os.kill(proc.pid, signal.SIGSTOP)  # the main loop hangs
            time.sleep(0.1)
            listener.receive(0.1)  # drop what was in flight
            assert _pings(listener.receive(1.2)) == []
            os.kill(proc.pid, signal.SIGCONT)
            assert len(_pings(listener.receive(1.0))) >= 3

            flag.touch()  # the app says it is unhealthy: pings stop though the loop runs
            listener.receive(0.3)
            assert _pings(listener.receive(1.2)) == []
            assert proc.poll() is None
            flag.unlink()
            assert len(_pings(listener.receive(1.0))) >= 3
        finally:
            proc.kill()
            proc.wait(timeout=10)
