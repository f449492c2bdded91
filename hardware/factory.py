"""Choosing backends from the kiosk config (``[hardware]``, with KANTA_* overrides).

No module-level singletons: each call builds new objects, and the caller owns and stops
them. The kiosk passes ``queue.Queue.put`` as the sink; tests pass a list's ``append``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hardware.codes import CodeValidator
from hardware.events import EventSink
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

        return PcscCardReader(sink)
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

        return EvdevScanner(
            sink,
            validator=validator,
            match=cfg.scanner_match,
            layout=cfg.keyboard_layout,
            timeout_s=cfg.scan_timeout_ms / 1000,
        )
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
