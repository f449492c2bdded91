"""sd_notify without dependencies: tell systemd the kiosk is up, alive, or stopping.

systemd's ``Type=notify`` services get ``$NOTIFY_SOCKET``, a datagram socket (a path, or
an abstract-namespace name when it starts with ``@``), and with ``WatchdogSec=`` also
``$WATCHDOG_USEC`` (and ``$WATCHDOG_PID``). Every function here is a no-op when the
socket is not set, so the same code runs on a desktop, in tests and on the appliance.

The app's main loop owns the watchdog::

    dog = Watchdog(healthy=lambda: store_ok and not screen_stuck)
    Clock.schedule_interval(lambda dt: dog.tick(), 1.0)
    ...
    notify.ready()          # when the first screen is drawn

``Watchdog.tick()`` sends ``WATCHDOG=1`` at most every half interval and only while
``healthy()`` says so; when the Kivy loop hangs, no tick runs, no ping goes out, and
systemd kills and restarts the kiosk after ``WatchdogSec``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

__all__ = [
    "Watchdog",
    "notify",
    "ready",
    "status",
    "stopping",
    "watchdog",
    "watchdog_interval",
]


def _address(env: Mapping[str, str]) -> str | None:
    addr = env.get("NOTIFY_SOCKET")
    if not addr:
        return None
    if addr[0] not in "/@":  # vsock and other kinds are not used on the appliance
        return None
    return addr


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one notification (``KEY=value`` lines). True if it was sent.

    Never raises: a kiosk must keep taking taps even when systemd cannot be told.
    """
    env = os.environ if env is None else env
    addr = _address(env)
    if addr is None:
        return False
    target: str | bytes = ("\0" + addr[1:]) if addr.startswith("@") else addr
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall(message.encode("utf-8"))
    except OSError as exc:
        log.debug("sd_notify %r failed: %s", message, exc)
        return False
    return True


def ready(env: Mapping[str, str] | None = None) -> bool:
    """The kiosk's first screen is up: systemd marks the service started."""
    return notify(f"READY=1\nMAINPID={os.getpid()}", env)


def watchdog(env: Mapping[str, str] | None = None) -> bool:
    """One keep-alive ping. Prefer ``Watchdog.tick()`` from the main loop."""
    return notify("WATCHDOG=1", env)


def status(text: str, env: Mapping[str, str] | None = None) -> bool:
    """A one-line status for ``systemctl status`` (newlines are flattened)."""
    return notify("STATUS=" + " ".join(text.split()), env)


def stopping(env: Mapping[str, str] | None = None) -> bool:
    return notify("STOPPING=1", env)


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout in seconds from ``$WATCHDOG_USEC``, or None when off.

    ``$WATCHDOG_PID``, when set, must be this process (else the watchdog is someone else's).
    """
    env = os.environ if env is None else env
    pid = env.get("WATCHDOG_PID")
    if pid:
        try:
            if int(pid) != os.getpid():
                return None
        except ValueError:
            return None
    raw = env.get("WATCHDOG_USEC")
    if not raw:
        return None
    try:
        usec = int(raw)
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 1_000_000


class Watchdog:
    """Pings systemd's watchdog from the app's main loop, only while the app is healthy.

    Call ``tick()`` often (every Kivy Clock interval, say each second); it sends at most
    one ``WATCHDOG=1`` per half interval. ``healthy`` is asked before each ping: when it
    returns False (or raises) the ping is withheld, and systemd restarts the kiosk once
    the interval passes. With no watchdog configured, ``tick()`` does nothing.
    """

    def __init__(
        self,
        healthy: Callable[[], bool] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        self.interval = watchdog_interval(self._env)
        self.enabled = self.interval is not None and _address(self._env) is not None
        self._healthy = healthy or (lambda: True)
        self._clock = clock
        self._last: float | None = None
        self.sent = 0
        self.withheld = 0
        self._was_healthy = True

    @property
    def period(self) -> float | None:
        """Seconds between pings: half the watchdog interval."""
        return None if self.interval is None else self.interval / 2

    def tick(self) -> bool:
        """Ping if due and healthy. Returns True when a ping was sent."""
        if not self.enabled or self.interval is None:
            return False
        now = self._clock()
        if self._last is not None and now - self._last < self.interval / 2:
            return False
        try:
            ok = bool(self._healthy())
        except Exception:  # a broken health check is an unhealthy app
            log.exception("health check failed")
            ok = False
        if not ok:
            if self._was_healthy:
                log.warning("unhealthy: withholding the watchdog ping (systemd will restart)")
            self._was_healthy = False
            self.withheld += 1
            return False
        if not self._was_healthy:
            log.info("healthy again: watchdog pings resumed")
        self._was_healthy = True
        if notify("WATCHDOG=1", self._env):
            self._last = now
            self.sent += 1
            return True
        return False
