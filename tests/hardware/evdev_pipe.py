"""Test support: a barcode scanner made of a FIFO, read by python-evdev's own C reader.

This machine's kernel has no uinput, so no real input device can be created. A scanner
here is a FIFO in a stand-in ``by-id`` folder. The test writes real ``struct
input_event`` records into it (key down/up, MSC_SCAN, SYN_REPORT, as a USB keyboard
sends them); ``FifoInputDevice`` is an ``evdev.InputDevice`` whose reading is evdev's
(``read()`` → ``_input.device_read_many``, the C code that reads ``/dev/input/event*``).
What is mocked, and why:
- ``__init__`` skips the EVIOCGNAME/EVIOCGID ioctls, which a FIFO cannot answer;
- ``grab()``/``ungrab()`` only record that they were called (EVIOCGRAB needs a real
  input device; the uinput test on a Pi covers it for real).
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path
from typing import ClassVar

from evdev import InputDevice, ecodes

from tests.hardware.test_keyboard import keystrokes

#: struct input_event on 64-bit Linux: struct timeval (two longs), __u16, __u16, __s32
INPUT_EVENT = struct.Struct("llHHi")


class FifoInputDevice(InputDevice):  # type: ignore[misc, type-arg]
    #: paths grabbed, in order, by any instance
    grabs: ClassVar[list[str]] = []

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.name = Path(path).name
        self.phys = self.uniq = ""
        self.grabbed = False

    def grab(self) -> None:
        self.grabbed = True
        FifoInputDevice.grabs.append(str(self.path))

    def ungrab(self) -> None:
        self.grabbed = False


def record(type_: int, code: int, value: int, at: float) -> bytes:
    seconds = int(at)
    return INPUT_EVENT.pack(seconds, round((at - seconds) * 1_000_000), type_, code, value)


class FifoScanner:
    """One plugged "scanner": a FIFO named like a by-id entry, and its writing end."""

    def __init__(self, by_id: Path, name: str = "usb-Kanta_Test_Scanner-event-kbd") -> None:
        self.path = by_id / name
        self._fd = -1

    def plug(self) -> FifoScanner:
        os.mkfifo(self.path)
        # O_RDWR: opening never blocks, and the FIFO keeps a writer until unplug()
        self._fd = os.open(self.path, os.O_RDWR)
        return self

    def unplug(self) -> None:
        self.path.unlink()
        os.close(self._fd)  # the reader sees end-of-file, as for a vanished device
        self._fd = -1

    def type(self, text: str, layout: str = "us", start: float | None = None,
             gap: float = 0.002, end_key: int = ecodes.KEY_ENTER, enter: bool = True) -> float:
        """Type ``text`` as a scanner would; returns the time stamp after the last key."""
        at = time.time() if start is None else start
        keys = keystrokes(text, layout, start=at, gap=gap, end_key=end_key)
        if not enter:
            keys = keys[:-2]
        self.write_keys(keys)
        return keys[-1][2] + gap

    def write_keys(self, keys: list[tuple[int, int, float]]) -> None:
        data = b""
        for code, value, at in keys:
            data += record(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + code, at)
            data += record(ecodes.EV_KEY, code, value, at)
            data += record(ecodes.EV_SYN, ecodes.SYN_REPORT, 0, at)
        os.write(self._fd, data)
