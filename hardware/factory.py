"""Choosing backends from the kiosk config (``[hardware]``, with KANTA_* overrides).

No module-level singletons: each call builds new objects, and the caller owns and stops
them. The kiosk passes ``queue.Queue.put`` as the sink; tests pass a list's ``append``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hardware.codes import CodeValidator
from hardware.errors import BackendUnavailable
from hardware.events import (
    EventSink,
    HardwareEvent,
    ReaderDisconnected,
    ScannerDisconnected,
)
from hardware.feedback import NullFeedback, SimFeedback, open_gpio_feedback
from hardware.interfaces import CardReader, CodeScanner, EventSource, Feedback
from hardware.sim import READER_SOCKET, SCANNER_SOCKET, SimCardReader, SimScanner
from kiosk.config import HardwareConfig
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)


class _Idle(EventSource):
    backend = "none"

    def _run(self) -> None:
        self._stopping.wait()


class NullCardReader(_Idle, CardReader):
    """``card_reader = "none"``: a kiosk without a card reader."""


class NullScanner(_Idle, CodeScanner):
    """``scanner = "none"``: a kiosk without a barcode scanner."""


class _Unavailable(_Idle):
    """A configured backend that cannot load here: says why once, then stays quiet.

    The kiosk keeps running (its status shows the device missing) instead of failing to
    start over, say, a missing libpcsclite.
    """

    def __init__(self, sink: EventSink, device: str, problem: BackendUnavailable) -> None:
        super().__init__(sink)
        self.device = device
        self.problem = str(problem)

    def start(self) -> None:
        if self._thread is None:
            log.error("%s unavailable: %s", self.device, self.problem)
            self._emit(self._gone_event())
        super().start()

    def _gone_event(self) -> HardwareEvent:
        raise NotImplementedError


class UnavailableCardReader(_Unavailable, CardReader):
    def _gone_event(self) -> HardwareEvent:
        return ReaderDisconnected(self.device, self.problem)


class UnavailableScanner(_Unavailable, CodeScanner):
    def _gone_event(self) -> HardwareEvent:
        return ScannerDisconnected(self.device, self.problem)


def sim_reader_socket(data_dir: Path) -> Path:
    return data_dir / READER_SOCKET


def sim_scanner_socket(data_dir: Path) -> Path:
    return data_dir / SCANNER_SOCKET


def code_validator(cfg: HardwareConfig) -> CodeValidator:
    try:
        return CodeValidator(cfg.card_number_pattern)
    except Exception as exc:
        raise ConfigError(f"hardware.card_number_pattern: {exc}") from None


def open_card_reader(
    cfg: HardwareConfig, sink: EventSink, *, data_dir: Path | None = None
) -> CardReader:
    """The configured card reader, not yet started.

    With ``sim``, ``data_dir`` (when given) holds the control socket ``kanta sim tap``
    talks to.
    """
    if cfg.card_reader == "pcsc":
        from hardware.pcsc import PcscCardReader

        try:
            return PcscCardReader(sink)
        except BackendUnavailable as exc:
            return UnavailableCardReader(sink, "PC/SC card reader", exc)
    if cfg.card_reader == "sim":
        return SimCardReader(sink, sim_reader_socket(data_dir) if data_dir else None)
    if cfg.card_reader == "none":
        return NullCardReader(sink)
    raise ConfigError(f"hardware.card_reader: unknown backend {cfg.card_reader!r}")


def open_scanner(
    cfg: HardwareConfig, sink: EventSink, *, data_dir: Path | None = None
) -> CodeScanner:
    """The configured code scanner, not yet started (``sim``: see ``open_card_reader``)."""
    validator = code_validator(cfg)
    if cfg.scanner == "evdev":
        from hardware.scanner import EvdevScanner

        try:
            return EvdevScanner(
                sink,
                validator=validator,
                match=cfg.scanner_match,
                layout=cfg.keyboard_layout,
                timeout_s=cfg.scan_timeout_ms / 1000,
            )
        except BackendUnavailable as exc:
            return UnavailableScanner(sink, "evdev scanner", exc)
    if cfg.scanner == "sim":
        return SimScanner(sink, validator, sim_scanner_socket(data_dir) if data_dir else None)
    if cfg.scanner == "none":
        return NullScanner(sink)
    raise ConfigError(f"hardware.scanner: unknown backend {cfg.scanner!r}")


def open_feedback(cfg: HardwareConfig, pin_factory: Any = None) -> Feedback:
    """The configured feedback; ``gpio`` falls back to silence where there is no GPIO."""
    if cfg.feedback == "gpio":
        return open_gpio_feedback(cfg.gpio, pin_factory=pin_factory)
    if cfg.feedback == "sim":
        return SimFeedback()
    if cfg.feedback == "none":
        return NullFeedback()
    raise ConfigError(f"hardware.feedback: unknown backend {cfg.feedback!r}")
