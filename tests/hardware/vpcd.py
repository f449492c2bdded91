"""Test support: a real pcscd with the vsmartcard ``vpcd`` reader driver, and virtual cards.

vpcd is a PC/SC reader driver whose "card" is a TCP client: the card connects to
127.0.0.1:<port>, and every message both ways is a 2-byte big-endian length and a
payload. A 1-byte payload from vpcd is a control code (0 power off, 1 power on, 2 reset,
4 get ATR: answered with the ATR); anything longer is an APDU, answered with the
response APDU. A connected card is a card on the reader; closing the connection takes it
away.

pcscd runs in the foreground with its own reader.conf.d folder so a test can start it
with or without the virtual reader, on a port of our choosing (see ``VPCD_PORT``).
pcscd 1.9 has one fixed socket (``/run/pcscd/pcscd.comm``), so only one pcscd can run:
a pcscd these tests did not start makes them skip rather than be killed, and test runs
side by side take turns (``pcscd_turn``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from kiosk.health import pid_alive

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
#: vpcd's port for the tests. Debian's /etc/reader.conf.d/vpcd uses 35963, but that is
#: inside Linux's ephemeral port range (32768-60999): any client connection on the machine
#: may hold it as its local port, and then vpcd cannot listen ("Address already in use").
#: Below the range nothing takes it by chance. vpcd uses this port and the next (2 slots).
VPCD_PORT = 31963
PCSCD_PID_FILE = Path("/run/pcscd/pcscd.pid")
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
#: where the tests note the pcscd they started, so a crashed run's pcscd can be stopped
OUR_PID_FILE = Path("/tmp/kanta-tests-pcscd.pid")
#: held while a test uses pcscd: test runs side by side take turns instead of clashing
LOCK_FILE = Path("/tmp/kanta-tests-pcscd.lock")
#: a contactless-card ATR as PC/SC readers synthesise it (PC/SC part 3), for a MIFARE card
CONTACTLESS_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
#: vpcd's reader.conf entry (Debian ships the same in /etc/reader.conf.d/vpcd)
READER_CONF = """FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x{port:04X}
LIBPATH      {driver}
CHANNELID    0x{port:04X}
"""
#: the first of the two slots vpcd's driver creates
READER_NAME = "Virtual PCD 00 00"


def why_pcsc_stack_unusable() -> str | None:
    """None when pcscd and vpcd can run here, else the reason to skip."""
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return "pcscd is not installed (apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return f"the vpcd reader driver is not installed ({VPCD_DRIVER}; apt-get install vsmartcard-vpcd)"
    if os.geteuid() != 0 and not os.access(PCSCD_SOCKET.parent, os.W_OK):
        return "pcscd must run as root here (it needs /run/pcscd); run the tests as root"
    try:
        from smartcard import scard  # noqa: F401
    except ImportError as exc:
        return f"pyscard cannot be loaded: {exc}"
    if _systemd_owns_pcscd_socket():
        return ("systemd's pcscd.socket owns /run/pcscd/pcscd.comm (socket activation); stop"
                " it (systemctl stop pcscd.socket pcscd) to run the PC/SC tests")
    foreign = _foreign_pcscd_pid()
    if foreign is not None:
        return (f"a pcscd these tests did not start is running (pid {foreign}); stop it"
                " (systemctl stop pcscd.socket pcscd) to run the PC/SC tests")
    return None


def _systemd_owns_pcscd_socket() -> bool:
    if not Path("/run/systemd/system").is_dir() or shutil.which("systemctl") is None:
        return False
    active = subprocess.run(["systemctl", "is-active", "--quiet", "pcscd.socket"], check=False,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    return active.returncode == 0


def _clear_stale_socket() -> None:
    """A socket file nobody listens on (pcscd killed without a pid file) blocks pcscd."""
    if not PCSCD_SOCKET.exists():
        return
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(PCSCD_SOCKET))
    except ConnectionRefusedError:
        PCSCD_SOCKET.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        probe.close()


@contextlib.contextmanager
def pcscd_turn(timeout: float = 60.0) -> Iterator[bool]:
    """Hold the PC/SC test lock; yields False if another run kept it past ``timeout``."""
    with LOCK_FILE.open("a") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.1)
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _foreign_pcscd_pid() -> int | None:
    pid = _read_pid(PCSCD_PID_FILE)
    if pid is None or not pid_alive(pid):
        return None
    if pid == _read_pid(OUR_PID_FILE):
        return None
    return pid


def _stop_our_stale_pcscd() -> None:
    pid = _read_pid(OUR_PID_FILE)
    if pid is not None and pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: not pid_alive(pid), 5.0)
    OUR_PID_FILE.unlink(missing_ok=True)


def _wait_for(condition: object, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return False


class Pcscd:
    """One pcscd process with a reader.conf.d folder of our own."""

    def __init__(self, workdir: Path, port: int = VPCD_PORT) -> None:
        self.conf_dir = workdir / "reader.conf.d"
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "pcscd.log"
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, with_reader: bool = True) -> None:
        _stop_our_stale_pcscd()
        if _foreign_pcscd_pid() is None:
            _clear_stale_socket()
        conf = self.conf_dir / "vpcd"
        if with_reader:
            conf.write_text(READER_CONF.format(port=self.port, driver=VPCD_DRIVER))
        else:
            conf.unlink(missing_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["pcscd", "--foreground", "--info", "--config", str(self.conf_dir)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        OUR_PID_FILE.write_text(f"{self.process.pid}\n")
        if not _wait_for(self._answers, 10.0):
            self.stop()
            raise RuntimeError(f"pcscd did not come up; see {self.log_path}")
        if with_reader and not _wait_for(self._vpcd_listens, 10.0):
            raise RuntimeError(f"vpcd does not listen on port {self.port}; see {self.log_path}")

    def _answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"pcscd exited; see {self.log_path}")
        from smartcard import scard

        hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return False
        scard.SCardReleaseContext(context)
        return True

    def _vpcd_listens(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                pass
        except OSError:
            return False
        return True

    def stop(self, kill: bool = False) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        OUR_PID_FILE.unlink(missing_ok=True)


class VirtualCard:
    """A contactless card with a UID, put on the vpcd reader by connecting to it."""

    def __init__(self, uid: bytes, port: int = VPCD_PORT, *, vanish_on_read: bool = False,
                 answer_uid: bool = True) -> None:
        self.uid = uid
        self.port = port
        #: the card leaves in the middle of the UID read (its connection closes unanswered)
        self.vanish_on_read = vanish_on_read
        self.answer_uid = answer_uid
        self.uid_reads = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def put_on(self, timeout: float = 5.0) -> VirtualCard:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), daemon=True)
        self._thread.start()
        return self

    def take_off(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                (length,) = struct.unpack(">H", _recv_exact(sock, 2))
                payload = _recv_exact(sock, length)
                if len(payload) == 1:
                    if payload[0] == 4:
                        _send(sock, CONTACTLESS_ATR)
                    continue  # power off / on / reset need no answer
                if payload[:2] == b"\xff\xca":
                    self.uid_reads += 1
                    if self.vanish_on_read:
                        sock.shutdown(socket.SHUT_RDWR)
                        return
                    _send(sock, self.uid + b"\x90\x00" if self.answer_uid else b"\x6a\x81")
                else:
                    _send(sock, b"\x6d\x00")  # instruction not supported
        except (OSError, EOFError, struct.error):
            return


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def wait_reader_state(present: bool, reader: str = READER_NAME, timeout: float = 5.0) -> None:
    """Wait until pcscd itself sees a card on (or no card on) the reader.

    Uses its own PC/SC context, so a test can tell "the stack saw the card leave" apart
    from what the code under test reports.
    """
    from smartcard import scard

    hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        raise RuntimeError("pcscd is not reachable")
    try:
        state = scard.SCARD_STATE_UNAWARE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hr, changes = scard.SCardGetStatusChange(context, 200, [(reader, state)])
            if hr == scard.SCARD_S_SUCCESS:
                state = changes[0][1] & ~scard.SCARD_STATE_CHANGED
                if bool(state & scard.SCARD_STATE_PRESENT) == present:
                    return
        raise AssertionError(f"pcscd did not see the card {'arrive' if present else 'leave'}")
    finally:
        scard.SCardReleaseContext(context)
