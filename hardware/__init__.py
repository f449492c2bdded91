"""Hardware behind small interfaces: card readers, code scanners, feedback devices.

Backends: PC/SC readers (``hardware.pcsc``), evdev barcode scanners
(``hardware.scanner``), gpiozero LEDs and buzzer (``hardware.feedback``), and simulated
devices (``hardware.sim``). ``hardware.factory`` picks them from the kiosk config; the
events they report are in ``hardware.events``.
"""

from hardware.events import (
    CardTapped,
    CardUnreadable,
    CodeRejected,
    CodeScanned,
    EventSink,
    HardwareEvent,
    ReaderConnected,
    ReaderDisconnected,
    ScannerConnected,
    ScannerDisconnected,
)
from hardware.factory import open_card_reader, open_feedback, open_scanner
from hardware.interfaces import PATTERNS, CardReader, CodeScanner, Feedback

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
