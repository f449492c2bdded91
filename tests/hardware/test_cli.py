"""`kanta hw list|watch` and `kanta sim tap|scan`, run as an installer would."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

from hardware.codes import CodeValidator
from hardware.events import CardTapped, CodeRejected, CodeScanned
from hardware.sim import SimCardReader, SimScanner
from kiosk.cli.main import main
from tests.hardware.conftest import Events
from tests.hardware.vpcd import Pcscd, VirtualCard, wait_reader_state

pytestmark = pytest.mark.timeout(90)
REPO = Path(__file__).resolve().parents[2]


def test_sim_tap_and_scan_drive_a_running_kiosk(short_dir: Path, events: Events,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    reader = SimCardReader(events, control_path=short_dir / "sim-reader.sock")
    scanner = SimScanner(events, CodeValidator(r"^[0-9A-Z]{6,24}$"),
                         control_path=short_dir / "sim-scanner.sock")
    with reader, scanner:
        assert main(["--data", str(short_dir), "sim", "tap", "04A1B2C3D4E5F6"]) == 0
        assert events.wait_type(CardTapped) == CardTapped("04A1B2C3D4E5F6", reader.name)
        assert main(["--data", str(short_dir), "sim", "scan", "4006381333931"]) == 0
        assert events.wait_type(CodeScanned) == CodeScanned("4006381333931", scanner.name,
                                                            "ean13")
        assert main(["--data", str(short_dir), "sim", "scan", "4006381333932"]) == 0
        events.wait_type(CodeRejected)  # taken by the kiosk, reported there as junk
        assert main(["--data", str(short_dir), "sim", "tap", "xyz"]) == 65
    assert "tapped 04A1B2C3D4E5F6" in capsys.readouterr().out


def test_sim_without_a_running_kiosk_says_so(short_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(short_dir), "sim", "tap", "04A1B2C3"]) == 1
    assert "no running kiosk listens on" in capsys.readouterr().err


def test_hw_list_reports_each_kind_of_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hw", "list", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"configured", "pcsc", "scanners", "gpio"}
    assert report["scanners"]["match"] == "*-event-kbd"
    assert main(["hw", "list"]) == 0
    out = capsys.readouterr().out
    assert "card readers (PC/SC):" in out and "GPIO pin factory:" in out


class Watch:
    """`kanta hw watch --json` as a child process, its lines read as they come."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli.main", "hw", "watch", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(json.loads(line))

    def expect(self, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if all(line.get(k) == v for k, v in fields.items()):
                return line
        raise AssertionError(f"hw watch printed no line with {fields}")

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=15)
        return self.process.returncode, err


@pytest.mark.slow
def test_hw_watch_shows_taps_and_survives_a_pcscd_restart(pcscd: Pcscd) -> None:
    watch = Watch()
    try:
        watch.expect(event="reader_connected", reader="Virtual PCD 00 00")
        card = VirtualCard(bytes.fromhex("04A1B2C3D4E5F6")).put_on()
        line = watch.expect(event="card_tapped")
        assert line["uid"] == "04A1B2C3D4E5F6" and line["random_uid"] is False
        assert "time" in line
        card.take_off()
        wait_reader_state(present=False)
        pcscd.stop(kill=True)
        watch.expect(event="reader_disconnected", reader="Virtual PCD 00 00")
        pcscd.start()
        watch.expect(event="reader_connected", reader="Virtual PCD 00 00")
        card = VirtualCard(bytes.fromhex("08C0FFEE")).put_on()
        line = watch.expect(event="card_tapped")
        assert line["uid"] == "08C0FFEE" and line["random_uid"] is True
        card.take_off()
    finally:
        status, err = watch.interrupt()
    assert status == 0, err
    assert "Traceback" not in err


def test_hw_watch_describes_every_event_for_people() -> None:
    from hardware.events import (
        CardUnreadable,
        ReaderConnected,
        ReaderDisconnected,
        ScannerConnected,
        ScannerDisconnected,
    )
    from kiosk.cli.hw import _describe

    lines = [_describe(event) for event in (
        CardTapped("04A1B2C3D4E5F6", "R"), CardTapped("08C0FFEE", "R", random_uid=True),
        CardUnreadable("R", "the card does not answer"), ReaderConnected("R"),
        ReaderDisconnected("R", "reader unplugged"), CodeScanned("4006381333931", "S", "ean13"),
        CodeRejected("abc", "S", "junk"), ScannerConnected("S"),
        ScannerDisconnected("S", "unplugged"))]
    assert lines[0] == "tap         04A1B2C3D4E5F6 (7-byte UID) on R"
    assert "random UID: a phone" in lines[1]
    assert all(not line.startswith(("CardTapped", "Code", "Reader", "Scanner")) for line in lines)
