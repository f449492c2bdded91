"""Hardware behind small interfaces: card readers, code scanners, feedback devices.

Backends: PC/SC readers (``hardware.pcsc``), evdev barcode scanners
(``hardware.scanner``), gpiozero LEDs and buzzer (``hardware.feedback``), and simulated
devices (``hardware.sim``). ``hardware.factory`` picks them from the kiosk config; the
events they report are in ``hardware.events``.
"""

from importlib import import_module
from typing import Any

#: where each name of the package lives; imported on first use, so that a command that
#: needs only ``hardware.codes`` does not load pyscard, evdev and gpiozero backends
_HOMES = {
    "CardTapped": "hardware.events",
    "CardUnreadable": "hardware.events",
    "CodeRejected": "hardware.events",
    "CodeScanned": "hardware.events",
    "EventSink": "hardware.events",
    "HardwareEvent": "hardware.events",
    "ReaderConnected": "hardware.events",
    "ReaderDisconnected": "hardware.events",
    "ScannerConnected": "hardware.events",
    "ScannerDisconnected": "hardware.events",
    "open_card_reader": "hardware.factory",
    "open_feedback": "hardware.factory",
    "open_scanner": "hardware.factory",
    "PATTERNS": "hardware.interfaces",
    "CardReader": "hardware.interfaces",
    "CodeScanner": "hardware.interfaces",
    "Feedback": "hardware.interfaces",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hardware' has no attribute {name!r}")
    return getattr(import_module(home), name)


__all__ = [
    "PATTERNS",
    "CardReader",
    "CardTapped",
    "CardUnreadable",
    "CodeRejected",
    "CodeScanned",
    "CodeScanner",
    "EventSink",
    "Feedback",
    "HardwareEvent",
    "ReaderConnected",
    "ReaderDisconnected",
    "ScannerConnected",
    "ScannerDisconnected",
    "open_card_reader",
    "open_feedback",
    "open_scanner",
]
