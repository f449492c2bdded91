"""Fixtures for the hardware tests: event collection and short socket folders."""

from __future__ import annotations

import queue
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.events import HardwareEvent
from tests.hardware.vpcd import Pcscd, pcscd_turn, why_pcsc_stack_unusable


class Events:
    """A sink that records events and lets a test wait for the ones it expects."""

    def __init__(self) -> None:
        self._queue: queue.Queue[HardwareEvent] = queue.Queue()
        self.seen: list[HardwareEvent] = []

    def __call__(self, event: HardwareEvent) -> None:
        self._queue.put(event)

    def wait_for(self, predicate: Callable[[HardwareEvent], bool],
                 timeout: float = 5.0) -> HardwareEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = self._queue.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(
                    f"no matching event within {timeout} s; seen: {self.seen}") from None
            self.seen.append(event)
            if predicate(event):
                return event

    def wait_type(self, kind: type[HardwareEvent], timeout: float = 5.0) -> HardwareEvent:
        return self.wait_for(lambda e: isinstance(e, kind), timeout)

    def settle(self, quiet: float = 0.5) -> list[HardwareEvent]:
        """Collect events until none arrives for ``quiet`` seconds; returns the new ones."""
        new: list[HardwareEvent] = []
        while True:
            try:
                event = self._queue.get(timeout=quiet)
            except queue.Empty:
                return new
            self.seen.append(event)
            new.append(event)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: Unix socket paths are limited to 107 bytes."""
    path = Path(tempfile.mkdtemp(prefix="kanta-hw-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def pcsc_daemon(short_dir: Path) -> Iterator[Pcscd]:
    """A pcscd with the vpcd reader, not yet started; skips (saying why) where it can't run."""
    reason = why_pcsc_stack_unusable()
    if reason is not None:
        pytest.skip(reason)
    with pcscd_turn() as ours:
        if not ours:
            pytest.skip("another test run on this machine kept pcscd busy for a minute")
        reason = why_pcsc_stack_unusable()  # it may have changed while we waited
        if reason is not None:
            pytest.skip(reason)
        daemon = Pcscd(short_dir)
        try:
            yield daemon
        finally:
            daemon.stop()


@pytest.fixture
def pcscd(pcsc_daemon: Pcscd) -> Pcscd:
    """A running pcscd with the vpcd reader."""
    pcsc_daemon.start()
    return pcsc_daemon
