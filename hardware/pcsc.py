"""Card reader over PC/SC (pcscd) with pyscard's low-level ``scard`` API.

Why not pyscard's ``CardMonitor``: its observer thread keeps one PC/SC context for life,
so after pcscd restarts it reports nothing until the kiosk restarts. This watcher owns
its context: one loop waits in ``SCardGetStatusChange`` (readers plus the PnP
notification pseudo-reader, so a plugged reader is seen at once) and, on any sign that
the service went away, releases the context, reports the readers as disconnected and
establishes a fresh one when pcscd is back.

A tap is a card arriving on a reader: the reader's state turns PRESENT, or its event
counter (upper 16 bits of the state, bumped by pcscd on every insertion and removal)
jumped by two or more while we were busy, meaning the card left and came back. A card
held on the reader stays PRESENT and counts once, also across a pcscd restart: the UID
read before the restart is remembered per reader, and the same card seen again within
``held_grace_s`` of reconnecting is the same card still lying there, not a new tap.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from hardware.errors import BackendUnavailable
from hardware.events import (
    UID_LENGTHS,
    CardTapped,
    CardUnreadable,
    EventSink,
    ReaderConnected,
    ReaderDisconnected,
    redact_uid,
)
from hardware.interfaces import CardReader

try:
    from smartcard import scard
except ImportError as exc:  # pragma: no cover - pyscard is a dependency; libpcsclite may not be
    scard = None
    _IMPORT_ERROR: ImportError | None = exc
else:
    _IMPORT_ERROR = None

log = logging.getLogger(__name__)

#: PC/SC "get data" for the card's UID (PC/SC part 3, supplemental: pseudo-APDU)
GET_UID_APDU = [0xFF, 0xCA, 0x00, 0x00, 0x00]
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
SW_OK = (0x90, 0x00)


def _code(hr: int) -> int:
    """PC/SC return codes as unsigned 32-bit numbers, however SWIG hands them over."""
    return hr & 0xFFFFFFFF


class _ServiceLost(Exception):
    """The context is no good any more (pcscd stopped or restarted)."""


@dataclass
class _ReaderSlot:
    present: bool = False
    #: pcscd's event counter last seen; -1 before the first look
    counter: int = -1
    #: a card was seen on this reader since the context was (re)established
    seen_card: bool = False


def pcsc_available() -> str | None:
    """None when pyscard and libpcsclite load, else why not."""
    if scard is None:
        return f"pyscard cannot be loaded ({_IMPORT_ERROR})"
    return None


def list_pcsc_readers() -> list[str]:
    """The names of the readers pcscd knows now; raises ``BackendUnavailable``."""
    if scard is None:
        raise BackendUnavailable(f"PC/SC support missing: {pcsc_available()}")
    hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _code(hr) != scard.SCARD_S_SUCCESS:
        raise BackendUnavailable(f"PC/SC service not reachable: {scard.SCardGetErrorMessage(hr)}"
                                 " (is pcscd installed and running?)")
    try:
        hr, readers = scard.SCardListReaders(context, [])
        if _code(hr) == _code(scard.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if _code(hr) != scard.SCARD_S_SUCCESS:
            raise BackendUnavailable(f"PC/SC: {scard.SCardGetErrorMessage(hr)}")
        return list(readers)
    finally:
        scard.SCardReleaseContext(context)


class PcscCardReader(CardReader):
    """Watches every PC/SC reader; reports taps, unreadable cards and reader changes."""

    backend = "pcsc"

    def __init__(
        self,
        sink: EventSink,
        *,
        wait_timeout_s: float = 1.0,
        reconnect_delay_s: float = 0.5,
        held_grace_s: float = 3.0,
    ) -> None:
        if scard is None:
            raise BackendUnavailable(f"PC/SC support missing: {pcsc_available()}")
        super().__init__(sink)
        self._wait_timeout_ms = int(wait_timeout_s * 1000)
        self._reconnect_delay_s = reconnect_delay_s
        self._held_grace_s = held_grace_s
        self._held_until = 0.0
        self._context_lock = threading.Lock()
        self._context: int | None = None
        #: readers reported connected, and what we last saw on each
        self._slots: dict[str, _ReaderSlot] = {}
        self._states: dict[str, int] = {}
        #: UID of the card lying on each reader (survives a context change)
        self._held: dict[str, str] = {}

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        outage_logged = False
        while not self._stopping.is_set():
            hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if _code(hr) != scard.SCARD_S_SUCCESS:
                if not outage_logged:
                    log.warning("PC/SC service not reachable (%s); retrying",
                                scard.SCardGetErrorMessage(hr))
                    outage_logged = True
                self._stopping.wait(self._reconnect_delay_s)
                continue
            if outage_logged:
                log.info("PC/SC service reachable again")
                outage_logged = False
            with self._context_lock:
                self._context = context
            try:
                self._watch(context)
            except _ServiceLost as exc:
                log.warning("PC/SC service lost (%s); reconnecting", exc)
                outage_logged = True
            except Exception:
                # a driver or binding surprise must not leave the kiosk without a reader
                log.exception("unexpected error while watching card readers; reconnecting")
            finally:
                with self._context_lock:
                    self._context = None
                scard.SCardReleaseContext(context)
                self._forget_readers("PC/SC service stopped", keep_held=True)
            self._stopping.wait(self._reconnect_delay_s)

    def _interrupt(self) -> None:
        with self._context_lock:
            if self._context is not None:
                scard.SCardCancel(self._context)

    def _watch(self, context: int) -> None:
        self._states.clear()
        # after a reconnect a reader may report "empty" before it rediscovers the card
        # lying on it; until then the card read before the outage is still "held"
        self._held_until = time.monotonic() + self._held_grace_s
        pnp_state = scard.SCARD_STATE_UNAWARE
        while not self._stopping.is_set():
            readers = self._list_readers(context)
            self._sync_readers(readers)
            wanted = [(name, self._states.get(name, scard.SCARD_STATE_UNAWARE)) for name in readers]
            wanted.append((PNP_NOTIFICATION, pnp_state))
            hr, changes = scard.SCardGetStatusChange(context, self._wait_timeout_ms, wanted)
            code = _code(hr)
            if code in (_code(scard.SCARD_E_TIMEOUT), _code(scard.SCARD_E_CANCELLED),
                        _code(scard.SCARD_E_UNKNOWN_READER)):
                continue  # nothing new, stop() woke us, or a reader left while we listed
            if code != scard.SCARD_S_SUCCESS:
                raise _ServiceLost(scard.SCardGetErrorMessage(hr))
            for name, event_state, _atr in changes:
                settled = event_state & ~scard.SCARD_STATE_CHANGED
                if name == PNP_NOTIFICATION:
                    pnp_state = settled
                    continue
                self._states[name] = settled
                if name in self._slots or name in readers:
                    self._on_state(context, name, event_state)

    def _list_readers(self, context: int) -> list[str]:
        hr, readers = scard.SCardListReaders(context, [])
        code = _code(hr)
        if code == _code(scard.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if code != scard.SCARD_S_SUCCESS:
            raise _ServiceLost(scard.SCardGetErrorMessage(hr))
        return list(readers)

    def _sync_readers(self, readers: list[str]) -> None:
        for name in readers:
            if name not in self._slots:
                # filled in by the first state change; UNAWARE asks pcscd for it at once
                self._slots[name] = _ReaderSlot()
                log.info("card reader connected: %s", name)
                self._emit(ReaderConnected(name))
        for name in [n for n in self._slots if n not in readers]:
            del self._slots[name]
            self._states.pop(name, None)
            self._held.pop(name, None)
            log.info("card reader disconnected: %s", name)
            self._emit(ReaderDisconnected(name, "reader unplugged"))

    def _forget_readers(self, reason: str, keep_held: bool) -> None:
        for name in list(self._slots):
            del self._slots[name]
            self._emit(ReaderDisconnected(name, reason))
        self._states.clear()
        if not keep_held:
            self._held.clear()

    # -- one reader's state change --------------------------------------------------------

    def _on_state(self, context: int, reader: str, event_state: int) -> None:
        slot = self._slots.get(reader)
        if slot is None:
            return
        present = bool(event_state & scard.SCARD_STATE_PRESENT)
        counter = (event_state >> 16) & 0xFFFF
        first_look = slot.counter < 0
        came_back = not first_look and ((counter - slot.counter) & 0xFFFF) >= 2
        arrived = present and (not slot.present or came_back)
        slot.present, slot.counter = present, counter
        may_be_held = not slot.seen_card and time.monotonic() < self._held_until
        if not present:
            if not may_be_held:
                self._held.pop(reader, None)
            return
        if not arrived:
            return
        slot.seen_card = True
        uid, problem = self._read_uid(context, reader)
        if uid is None:
            self._held.pop(reader, None)
            log.info("card on %s unreadable: %s", reader, problem)
            self._emit(CardUnreadable(reader, problem))
            return
        uid_hex = uid.hex().upper()
        if may_be_held and self._held.get(reader) == uid_hex:
            log.debug("card %s still on %s after reconnecting; not a new tap",
                      redact_uid(uid_hex), reader)
            return
        self._held[reader] = uid_hex
        event = CardTapped.from_bytes(uid, reader)
        log.info("tap: %s", event)
        self._emit(event)

    def _read_uid(self, context: int, reader: str) -> tuple[bytes | None, str]:
        hr, card, protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if _code(hr) != scard.SCARD_S_SUCCESS:
            return None, _why(hr)
        try:
            hr, response = scard.SCardTransmit(card, protocol, GET_UID_APDU)
            if _code(hr) != scard.SCARD_S_SUCCESS:
                return None, _why(hr)
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        if len(response) < 2 or tuple(response[-2:]) != SW_OK:
            status = bytes(response[-2:]).hex().upper() or "none"
            return None, f"the card did not give its UID (status {status})"
        uid = bytes(response[:-2])
        if len(uid) not in UID_LENGTHS:
            return None, f"the card gave a {len(uid)}-byte UID (expected 4, 7 or 10)"
        return uid, ""


def _why(hr: int) -> str:
    code = _code(hr)
    if code in (_code(scard.SCARD_W_REMOVED_CARD), _code(scard.SCARD_E_NO_SMARTCARD),
                _code(scard.SCARD_W_RESET_CARD), _code(scard.SCARD_E_NOT_TRANSACTED)):
        return "the card was taken away before it could be read"
    if code in (_code(scard.SCARD_W_UNRESPONSIVE_CARD), _code(scard.SCARD_W_UNPOWERED_CARD)):
        return "the card does not answer"
    return f"PC/SC error: {scard.SCardGetErrorMessage(hr)}"
