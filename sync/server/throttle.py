"""Login throttling: password checks per account and per client address, with growing delays.

Each failed password check counts against the account (the email tried) and the client's
address. After ``free`` failures, each further one locks that account or address for a
delay that doubles (1 s, 2 s, 4 s ...), up to ``account_cap`` for an account and
``address_cap`` for an address. A locked login is answered 429 with ``Retry-After`` and
costs no password check (no scrypt), and attempts while locked never extend the lock. So
someone else guessing at the owner's account locks it for at most a minute at a time (the
account cap), while the guesser's own address waits up to a quarter of an hour. A success
clears the account's and the address's counts.

Attempts in flight count too: a flood of concurrent requests from one address cannot run
more password checks than the free ones before the first failure is recorded.

The JSON API's HTTP Basic login and the owner's web login share one ``LoginThrottle``
(``app.state.login_throttle``) through :func:`checked_login`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sync.server.errors import ApiError

T = TypeVar("T")


@dataclass
class _Count:
    failures: int = 0
    in_flight: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """Failure counts by account and by address; thread-safe, bounded in memory."""

    def __init__(
        self,
        *,
        free: int = 5,
        base_delay: float = 1.0,
        account_cap: float = 60.0,
        address_cap: float = 900.0,
        forget_after: float = 3600.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.base_delay = base_delay
        self.caps = {"account": account_cap, "address": address_cap}
        self.forget_after = forget_after
        self.max_entries = max_entries
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], _Count] = {}

    def _keys(self, account: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", account.strip().lower()[:320]), ("address", address[:100])

    def begin(self, account: str, address: str) -> float:
        """0 when a password check may run now (it is then in flight until ``end``);
        otherwise the seconds to wait (answer 429 with Retry-After)."""
        now = self.clock()
        with self._lock:
            wait = 0.0
            counts = []
            for key in self._keys(account, address):
                count = self._counts.get(key) or _Count()
                counts.append((key, count))
                wait = max(wait, count.locked_until - now)
                if count.in_flight and count.failures + count.in_flight >= self.free:
                    # past the free attempts, one check at a time: the rest come back shortly
                    wait = max(wait, self.base_delay)
            if wait > 0:
                return wait
            self._make_room(now)
            for key, count in counts:
                count.in_flight += 1
                count.last = now
                self._counts[key] = count
            return 0.0

    def end(self, account: str, address: str, *, ok: bool) -> None:
        """Record the outcome of a check ``begin`` let through."""
        now = self.clock()
        with self._lock:
            for key in self._keys(account, address):
                count = self._counts.get(key)
                if count is None:
                    continue
                count.in_flight = max(0, count.in_flight - 1)
                count.last = now
                if ok:
                    count.failures = 0
                    count.locked_until = 0.0
                    continue
                count.failures += 1
                if count.failures >= self.free:
                    count.locked_until = now + self._delay(key[0], count.failures)

    def _delay(self, kind: str, failures: int) -> float:
        steps = min(max(0, failures - self.free), 30)
        return min(self.caps[kind], self.base_delay * float(1 << steps))

    def _make_room(self, now: float) -> None:
        if len(self._counts) < self.max_entries:
            return
        stale = [
            k
            for k, c in self._counts.items()
            if not c.in_flight and (now - c.last > self.forget_after or c.locked_until <= now)
        ]
        for key in stale:
            del self._counts[key]
        if len(self._counts) >= self.max_entries:  # still full: forget the oldest half
            oldest = sorted(self._counts, key=lambda k: self._counts[k].last)
            for key in oldest[: len(oldest) // 2]:
                if not self._counts[key].in_flight:
                    del self._counts[key]


def checked_login(
    throttle: LoginThrottle, account: str, address: str, check: Callable[[], T | None]
) -> T | None:
    """Run ``check`` (the password check: None when wrong) under the throttle; ApiError 429
    with Retry-After when the account or the address must wait."""
    wait = throttle.begin(account, address)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise ApiError(
            429,
            f"too many failed logins: try again in {seconds} s",
            retry_after=seconds,
            _headers={"Retry-After": str(seconds)},
        )
    ok = False
    try:
        result = check()
        ok = result is not None
        return result
    finally:
        throttle.end(account, address, ok=ok)
