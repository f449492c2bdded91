"""Simulated card reader and scanner for the desktop demo and tests.

``tap(uid)`` and ``scan(text)`` produce the same events a real device would. Other
processes drive a running kiosk through a control channel: a Unix stream socket in the
data folder (``sim-reader.sock``, ``sim-scanner.sock``) taking one JSON object a line,
``{"command": "tap", "uid": "04A1B2C3"}`` or ``{"command": "scan", "text": "..."}``, and
answering ``{"ok": true}`` or ``{"ok": false, "error": "..."}``. ``kanta sim tap|scan``
is its client.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import select
import socket
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hardware.codes import CodeValidator, scan_event
from hardware.errors import InvalidCode, SimControlError
from hardware.events import (
    UID_LENGTHS,
    CardTapped,
    CodeRejected,
    CodeScanned,
    EventSink,
    HardwareEvent,
    ReaderConnected,
    ScannerConnected,
    redact_uid,
)
from hardware.interfaces import CardReader, CodeScanner, EventSource
from kiosk.errors import KantaError

log = logging.getLogger(__name__)

READER_SOCKET = "sim-reader.sock"
SCANNER_SOCKET = "sim-scanner.sock"
SIM_READER_NAME = "Kanta simulated reader"
SIM_SCANNER_NAME = "Kanta simulated scanner"
#: the longest command line accepted; a tap or a scan is a few dozen bytes
MAX_COMMAND_BYTES = 4096
#: Linux's limit on a Unix socket path (sun_path), including the final NUL
MAX_SOCKET_PATH = 107


def parse_uid(text: str) -> bytes:
    """A card UID typed by a person: hex, spaces and colons allowed, 4, 7 or 10 bytes."""
    cleaned = text.replace(":", "").replace(" ", "").strip()
    try:
        uid = bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidCode(f"card UID must be hexadecimal, got {text!r}") from None
    if len(uid) not in UID_LENGTHS:
        raise InvalidCode(
            f"card UID must be 4, 7 or 10 bytes (8, 14 or 20 hex digits), got {len(uid)} bytes"
        )
    return uid


class SimControlServer:
    """Accepts JSON commands on a Unix socket and runs the matching handler."""

    def __init__(self, path: Path, handlers: Mapping[str, Callable[[dict[str, Any]], object]]):
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            raise SimControlError(
                f"simulator socket path is too long for a Unix socket: {path}"
                " (use a shorter data folder)"
            )
        self.path = path
        self._handlers = dict(handlers)
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = -1, -1

    def open(self) -> None:
        self._remove_stale_socket()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(os.fspath(self.path))
            listener.listen(8)
        except OSError as exc:
            listener.close()
            raise SimControlError(f"cannot listen on {self.path}: {exc.strerror}") from None
        self._listener = listener
        self._wake_r, self._wake_w = os.pipe()

    def _remove_stale_socket(self) -> None:
        if not self.path.exists():
            return
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(os.fspath(self.path))
        except OSError:
            self.path.unlink(missing_ok=True)  # left behind by a kiosk that died
            return
        finally:
            probe.close()
        raise SimControlError(f"another running kiosk already listens on {self.path}")

    def serve(self, stopping: threading.Event) -> None:
        listener = self._listener
        if listener is None:
            raise SimControlError("the simulator control channel was not opened")
        while not stopping.is_set():
            readable, _, _ = select.select([listener.fileno(), self._wake_r], [], [], 1.0)
            if listener.fileno() not in readable:
                continue
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(2.0)
        try:
            line = _read_line(conn)
            reply = self._run(line)
            conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError as exc:
            log.debug("simulator control connection failed: %s", exc)

    def _run(self, line: bytes) -> dict[str, Any]:
        try:
            command = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"ok": False, "error": "not a JSON command"}
        if not isinstance(command, dict) or not isinstance(command.get("command"), str):
            return {"ok": False, "error": 'expected {"command": ...}'}
        handler = self._handlers.get(command["command"])
        if handler is None:
            return {"ok": False, "error": f"this simulator does not know {command['command']!r}"}
        try:
            handler(command)
        except KantaError as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True}

    def wake(self) -> None:
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            self.path.unlink(missing_ok=True)
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_COMMAND_BYTES:
            raise OSError(errno.EMSGSIZE, "command too long")
    return data.split(b"\n", 1)[0]


def send_sim_command(path: Path, command: Mapping[str, Any], timeout: float = 5.0) -> None:
    """Send one command to a running kiosk's simulator; raises ``SimControlError``."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        try:
            client.connect(os.fspath(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise SimControlError(
                f"no running kiosk listens on {path} (start one with simulated hardware,"
                " KANTA_CARD_READER=sim and KANTA_SCANNER=sim, or kanta demo,"
                " with the same --data folder)"
            ) from None
        client.sendall(json.dumps(dict(command)).encode() + b"\n")
        reply_line = _read_line(client)
    except OSError as exc:
        raise SimControlError(f"the simulator on {path} did not answer: {exc}") from None
    finally:
        client.close()
    try:
        reply = json.loads(reply_line)
    except json.JSONDecodeError:
        raise SimControlError(f"the simulator on {path} answered nonsense") from None
    if not isinstance(reply, dict) or not reply.get("ok"):
        error = reply.get("error") if isinstance(reply, dict) else None
        raise SimControlError(f"the simulator refused: {error or 'no reason given'}")


class _SimulatedSource(EventSource):
    """What the simulated reader and scanner share: start, stop, the control channel."""

    backend = "sim"

    def __init__(self, sink: EventSink, control_path: Path | None, name: str) -> None:
        super().__init__(sink)
        self.control_path = control_path
        self.name = name
        self._control: SimControlServer | None = None
        self._started = False

    def _commands(self) -> dict[str, Callable[[dict[str, Any]], object]]:
        raise NotImplementedError

    def _connected(self) -> HardwareEvent:
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None:
            return
        if self.control_path is not None:
            self._control = SimControlServer(self.control_path, self._commands())
            self._control.open()
        self._started = True
        self._emit(self._connected())
        super().start()

    def _require_running(self) -> None:
        if not self._started:
            raise SimControlError("the simulated device is not running (start() it first)")

    def _run(self) -> None:
        try:
            if self._control is not None:
                self._control.serve(self._stopping)
            else:
                self._stopping.wait()
        finally:
            if self._control is not None:
                self._control.close()
                self._control = None

    def _interrupt(self) -> None:
        self._started = False
        if self._control is not None:
            self._control.wake()


def _text_argument(command: Mapping[str, Any], key: str) -> str:
    value = command.get(key)
    if not isinstance(value, str):
        raise InvalidCode(f'the command needs "{key}" as a text string')
    return value


class SimCardReader(_SimulatedSource, CardReader):
    """A card reader driven by ``tap()`` or by ``kanta sim tap`` through its socket."""

    def __init__(
        self, sink: EventSink, control_path: Path | None = None, name: str = SIM_READER_NAME
    ) -> None:
        super().__init__(sink, control_path, name)

    def _commands(self) -> dict[str, Callable[[dict[str, Any]], object]]:
        return {"tap": lambda command: self.tap(_text_argument(command, "uid"))}

    def _connected(self) -> HardwareEvent:
        return ReaderConnected(self.name)

    def tap(self, uid: str | bytes) -> CardTapped:
        """Put a card on the simulated reader (and take it off again)."""
        self._require_running()
        uid_bytes = parse_uid(uid.hex() if isinstance(uid, bytes) else uid)
        event = CardTapped.from_bytes(uid_bytes, self.name)
        log.debug("simulated tap: %s", redact_uid(event.uid))
        self._emit(event)
        return event


class SimScanner(_SimulatedSource, CodeScanner):
    """A code scanner driven by ``scan()`` or by ``kanta sim scan`` through its socket."""

    def __init__(
        self,
        sink: EventSink,
        validator: CodeValidator,
        control_path: Path | None = None,
        name: str = SIM_SCANNER_NAME,
    ) -> None:
        super().__init__(sink, control_path, name)
        self._validator = validator

    def _commands(self) -> dict[str, Callable[[dict[str, Any]], object]]:
        return {"scan": lambda command: self.scan(_text_argument(command, "text"))}

    def _connected(self) -> HardwareEvent:
        return ScannerConnected(self.name)

    def scan(self, text: str) -> CodeScanned | CodeRejected:
        """Scan a code: reported as scanned or rejected exactly like a real scanner's."""
        self._require_running()
        event = scan_event(self._validator, text, self.name)
        self._emit(event)
        return event
