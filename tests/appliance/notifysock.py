"""A stand-in for systemd's notify socket: bind it, hand its address to a process in
``NOTIFY_SOCKET``, and read what the process says."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path


class NotifyListener:
    def __init__(self, abstract: bool = False) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._dir: str | None = None
        if abstract:
            name = f"kanta-test-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            # sun_path is at most 107 bytes: keep it short, not under pytest's tmp_path
            self._dir = tempfile.mkdtemp(prefix="kn-", dir="/tmp")
            path = str(Path(self._dir) / "notify")
            self.sock.bind(path)
            self.address = path
        self.messages: list[tuple[float, str]] = []

    def receive(self, timeout: float) -> list[tuple[float, str]]:
        """Everything that arrives within ``timeout`` seconds (also kept in .messages)."""
        got: list[tuple[float, str]] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            item = (time.monotonic(), data.decode())
            got.append(item)
            self.messages.append(item)
        return got

    def wait_for(self, text: str, timeout: float) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            item = (time.monotonic(), data.decode())
            self.messages.append(item)
            if text in item[1].splitlines():
                return item
        raise AssertionError(f"no {text!r} within {timeout} s; got {[m for _, m in self.messages]}")

    def close(self) -> None:
        self.sock.close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> NotifyListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
