"""The three small interfaces the kiosk uses; every backend implements one of them.

``CardReader`` and ``CodeScanner`` run their own thread between ``start()`` and
``stop()`` and deliver events (see ``hardware.events``) to the sink given at
construction. ``stop()`` joins that thread and is safe to call twice. ``Feedback`` plays
named patterns without blocking the caller.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from types import TracebackType

from hardware.events import EventSink, HardwareEvent

log = logging.getLogger(__name__)

#: the feedback patterns every backend knows
PATTERNS = ("ok", "reward_ready", "refused", "error", "attention")


class EventSource(ABC):
    """A device watcher that reports events from a thread of its own."""

    #: the backend's name as the config spells it ("pcsc", "evdev", "sim")
    backend = ""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run_guarded, name=f"kanta-{type(self).__name__}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._interrupt()
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - a stuck driver call; report, don't hang
            log.error("%s did not stop within %.1f s", type(self).__name__, timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> EventSource:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _emit(self, event: HardwareEvent) -> None:
        """Hand one event to the sink; a failing sink must not kill the device thread."""
        try:
            self._sink(event)
        except Exception:
            log.exception("event sink failed on %s", type(event).__name__)

    def _run_guarded(self) -> None:
        try:
            self._run()
        except Exception:  # pragma: no cover - a bug; the kiosk must keep its screen up
            log.exception("%s stopped by an unexpected error", type(self).__name__)

    @abstractmethod
    def _run(self) -> None:
        """The device loop; returns soon after ``self._stopping`` is set."""

    def _interrupt(self) -> None:  # noqa: B027 - most loops wake on ``_stopping`` alone
        """Wake the device loop from a blocking wait (``stop`` calls it)."""


class CardReader(EventSource):
    """Reports ``CardTapped``, ``CardUnreadable``, ``ReaderConnected/Disconnected``."""


class CodeScanner(EventSource):
    """Reports ``CodeScanned``, ``CodeRejected``, ``ScannerConnected/Disconnected``."""


class Feedback(ABC):
    """Lights and sounds for the customer: ``play("ok")`` and the other ``PATTERNS``."""

    backend = ""

    @abstractmethod
    def play(self, pattern: str) -> None:
        """Start a pattern, cutting short the one playing; returns at once."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing plays; False if ``timeout`` passed first."""
        return True

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Turn everything off and release the pins."""

    def __enter__(self) -> Feedback:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
