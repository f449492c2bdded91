"""Barcode scanners over evdev: found by ``/dev/input/by-id/`` name, grabbed exclusively.

A scanner is a USB keyboard. Grabbing it (``EVIOCGRAB``) keeps its keystrokes away from
the touchscreen app and the console; the key events are decoded here
(``hardware.keyboard``) and validated (``hardware.codes``). Several scanners may be
plugged at once. A scanner that goes away (``ENODEV``, or its node reading end-of-file)
is closed and reported; the by-id folder is looked at again every ``rescan_s`` seconds,
so a scanner plugged back in is picked up without a restart.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import logging
import os
import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.codes import CodeValidator, scan_event
from hardware.errors import BackendUnavailable
from hardware.events import EventSink, ScannerConnected, ScannerDisconnected
from hardware.interfaces import CodeScanner
from hardware.keyboard import ScanDecoder

log = logging.getLogger(__name__)

BY_ID_DIR = Path("/dev/input/by-id")
EV_KEY = 1


def evdev_available() -> str | None:
    """None when python-evdev loads, else why not."""
    try:
        import evdev  # noqa: F401
    except ImportError as exc:
        return f"python-evdev cannot be loaded ({exc})"
    return None


def find_scanner_paths(patterns: Sequence[str], by_id_dir: Path = BY_ID_DIR) -> list[Path]:
    """Entries of the by-id folder whose name matches one of the glob ``patterns``."""
    try:
        names = sorted(os.listdir(by_id_dir))
    except OSError:
        return []
    return [by_id_dir / n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def _open_input_device(path: str) -> Any:
    from evdev import InputDevice

    return InputDevice(path)


@dataclass
class _OpenScanner:
    path: Path
    device: Any
    decoder: ScanDecoder
    name: str = field(init=False)
    #: the device node the by-id name points to
    node: Path = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.path.name
        self.node = self.path.resolve()


class EvdevScanner(CodeScanner):
    """Every input device whose by-id name matches, each grabbed and decoded."""

    backend = "evdev"

    def __init__(
        self,
        sink: EventSink,
        *,
        validator: CodeValidator,
        match: str | Sequence[str] = "*-event-kbd",
        layout: str = "us",
        timeout_s: float = 0.1,
        by_id_dir: Path = BY_ID_DIR,
        open_device: Callable[[str], Any] | None = None,
        grab: bool = True,
        rescan_s: float = 1.0,
    ) -> None:
        if open_device is None:
            problem = evdev_available()
            if problem is not None:
                raise BackendUnavailable(problem)
            open_device = _open_input_device
        super().__init__(sink)
        self._validator = validator
        self._patterns = [match] if isinstance(match, str) else list(match)
        self._layout = layout
        self._timeout_s = timeout_s
        self._by_id_dir = by_id_dir
        self._open_device = open_device
        self._grab = grab
        self._rescan_s = rescan_s
        self._open: dict[Path, _OpenScanner] = {}
        #: devices that failed to open, so the log says so once, not every second
        self._failing: dict[Path, str] = {}
        self._wake_r, self._wake_w = -1, -1

    def start(self) -> None:
        if self._thread is None:
            self._wake_r, self._wake_w = os.pipe()
        super().start()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        if self._thread is None and self._wake_r >= 0:
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)
            self._wake_r, self._wake_w = -1, -1

    def _interrupt(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        next_rescan = 0.0
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if now >= next_rescan:
                    self._rescan()
                    next_rescan = now + self._rescan_s
                by_fd = {scanner.device.fd: scanner for scanner in self._open.values()}
                wait = max(0.0, next_rescan - time.monotonic())
                readable, _, _ = select.select([self._wake_r, *by_fd], [], [], wait)
                if self._wake_r in readable:
                    os.read(self._wake_r, 64)
                for fd in readable:
                    if fd in by_fd:
                        self._read(by_fd[fd])
        finally:
            for scanner in list(self._open.values()):
                self._close(scanner, reason=None)

    def _rescan(self) -> None:
        present = set(find_scanner_paths(self._patterns, self._by_id_dir))
        # one device may have several by-id names (the kernel's and a udev rule's)
        open_nodes = {scanner.node for scanner in self._open.values()}
        for path in sorted(present - set(self._open)):
            if path.resolve() not in open_nodes:
                self._try_open(path)
                open_nodes.add(path.resolve())
        for path in set(self._failing) - present:
            del self._failing[path]

    def _try_open(self, path: Path) -> None:
        try:
            device = self._open_device(str(path))
        except OSError as exc:
            self._note_failure(path, f"cannot open it: {exc.strerror or exc}")
            return
        if self._grab:
            try:
                device.grab()
            except OSError as exc:
                with contextlib.suppress(OSError):
                    device.close()
                why = "another program holds it" if exc.errno == errno.EBUSY else str(exc)
                self._note_failure(path, f"cannot grab it ({why}); its keys would leak")
                return
        self._failing.pop(path, None)
        scanner = _OpenScanner(path, device, ScanDecoder(self._layout, self._timeout_s))
        self._open[path] = scanner
        log.info("scanner connected: %s", scanner.name)
        self._emit(ScannerConnected(scanner.name))

    def _note_failure(self, path: Path, why: str) -> None:
        if self._failing.get(path) != why:
            log.warning("scanner %s not used: %s", path.name, why)
        self._failing[path] = why

    def _read(self, scanner: _OpenScanner) -> None:
        try:
            events = list(scanner.device.read())
        except BlockingIOError:
            return
        except OSError as exc:
            gone = exc.errno == errno.ENODEV
            self._close(scanner, "unplugged" if gone else f"read failed: {exc.strerror or exc}")
            return
        except Exception as exc:  # a binding surprise: drop this device, keep the others
            log.exception("reading scanner %s failed", scanner.name)
            self._close(scanner, f"read failed: {exc}")
            return
        if not events:
            self._close(scanner, "unplugged")  # end of file: the node is gone
            return
        for event in events:
            if event.type != EV_KEY:
                continue
            text = scanner.decoder.feed(event.code, event.value, event.timestamp())
            if text is not None:
                self._emit(scan_event(self._validator, text, scanner.name))

    def _close(self, scanner: _OpenScanner, reason: str | None) -> None:
        self._open.pop(scanner.path, None)
        if self._grab and reason is None:
            with contextlib.suppress(OSError):
                scanner.device.ungrab()
        with contextlib.suppress(OSError):
            scanner.device.close()
        if reason is not None:
            log.info("scanner disconnected: %s (%s)", scanner.name, reason)
            self._emit(ScannerDisconnected(scanner.name, reason))
