"""What hardware backends report: small frozen events, delivered to one sink.

Backends never call the services themselves. Each backend is given an ``EventSink`` (for
the kiosk, ``queue.Queue.put``) and calls it from its own thread, outside any lock; one
dispatcher consumes the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

#: the length in bytes of the UIDs ISO 14443-3 defines: single, double and triple size
UID_LENGTHS = (4, 7, 10)
#: first byte of a random (per-session) 4-byte UID, as phones and some cards present
RANDOM_UID_PREFIX = 0x08


def is_random_uid(uid: bytes) -> bool:
    """True for an ISO 14443-3 random UID: 4 bytes starting 0x08 (new on every tap)."""
    return len(uid) == 4 and uid[0] == RANDOM_UID_PREFIX


#: the key of the card labels in logs: random per process until the program sets the
#: installation's salt (kiosk.logs), so a label is never a plain hash of a UID, which for a
#: 4-byte UID anyone could undo by trying all 2**32 values
_label_key = [os.urandom(32)]


def set_label_key(key: bytes) -> None:
    _label_key[0] = key


def card_label(card: str, key: bytes) -> str:
    """``card:`` and 8 hex digits of HMAC-SHA256(key, the card id in one spelling)."""
    norm = card.strip().replace(":", "").replace(" ", "").upper()
    return "card:" + hmac.new(key, norm.encode(), hashlib.sha256).hexdigest()[:8]


def redact_uid(uid_hex: str) -> str:
    """A short, stable, non-reversible label for logs: card UIDs never go to a log in full."""
    return card_label(uid_hex, _label_key[0])


@dataclass(frozen=True, repr=False)
class CardTapped:
    """A card (or phone) was put on a reader; a card held on the reader counts once.

    Its ``repr`` and ``str`` show a hash of the UID, never the UID, so logging an event
    cannot leak a card number.
    """

    #: the UID in upper-case hex, e.g. "04A1B2C3D4E5F6"
    uid: str
    reader: str
    #: the UID is random per tap (a phone): it cannot identify anybody
    random_uid: bool = False

    @classmethod
    def from_bytes(cls, uid: bytes, reader: str) -> CardTapped:
        return cls(uid=uid.hex().upper(), reader=reader, random_uid=is_random_uid(uid))

    @property
    def uid_bytes(self) -> bytes:
        return bytes.fromhex(self.uid)

    def __repr__(self) -> str:
        return (f"CardTapped(uid={redact_uid(self.uid)}, reader={self.reader!r},"
                f" random_uid={self.random_uid})")

    def __str__(self) -> str:
        kind = "random UID (phone)" if self.random_uid else f"{len(self.uid) // 2}-byte UID"
        return f"card {redact_uid(self.uid)} ({kind}) on {self.reader}"


@dataclass(frozen=True)
class CardUnreadable:
    """Something was on the reader but no UID could be read (removed mid-read, odd card)."""

    reader: str
    reason: str


@dataclass(frozen=True)
class ReaderConnected:
    reader: str


@dataclass(frozen=True)
class ReaderDisconnected:
    reader: str
    reason: str = ""


@dataclass(frozen=True)
class CodeScanned:
    """A complete, valid code from a scanner."""

    text: str
    device: str
    #: "ean13", "upca", "card" (matches the configured card-number pattern) or "code"
    #: (another printed code: a coupon or gift code, when the validator passes those)
    kind: str


@dataclass(frozen=True)
class CodeRejected:
    """A scanner produced something that is not a valid code; reported, never raised."""

    raw: str
    device: str
    reason: str


@dataclass(frozen=True)
class ScannerConnected:
    device: str


@dataclass(frozen=True)
class ScannerDisconnected:
    device: str
    reason: str = ""


HardwareEvent = (
    CardTapped
    | CardUnreadable
    | ReaderConnected
    | ReaderDisconnected
    | CodeScanned
    | CodeRejected
    | ScannerConnected
    | ScannerDisconnected
)

#: where a backend delivers its events; called from the backend's thread
EventSink = Callable[[HardwareEvent], None]

_EVENT_NAMES: dict[type[Any], str] = {
    CardTapped: "card_tapped",
    CardUnreadable: "card_unreadable",
    ReaderConnected: "reader_connected",
    ReaderDisconnected: "reader_disconnected",
    CodeScanned: "code_scanned",
    CodeRejected: "code_rejected",
    ScannerConnected: "scanner_connected",
    ScannerDisconnected: "scanner_disconnected",
}


def event_name(event: HardwareEvent) -> str:
    return _EVENT_NAMES[type(event)]


def event_to_json(event: HardwareEvent) -> dict[str, Any]:
    """The event as a JSON-ready dict, ``{"event": "card_tapped", "uid": "04A1...", ...}``.

    The UID appears in full: this is for an installer's diagnostics, not for logs.
    """
    return {"event": event_name(event), **asdict(event)}
