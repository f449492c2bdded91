"""The simulated devices and their control channel (``kanta sim tap|scan``)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hardware.codes import CodeValidator
from hardware.errors import InvalidCode, SimControlError
from hardware.events import CardTapped, CodeRejected, CodeScanned, ReaderConnected
from hardware.sim import (
    SIM_READER_NAME,
    SimCardReader,
    SimScanner,
    parse_uid,
    send_sim_command,
)
from tests.hardware.conftest import Events

VALIDATOR = CodeValidator(r"^[0-9A-Z]{6,24}$")


@pytest.mark.parametrize("text", ["04A1B2C3", "04:a1:b2:c3:d4:e5:f6", "04 A1 B2 C3 D4 E5 F6 07 08 09"])
def test_uids_people_type_are_understood(text: str) -> None:
    assert len(parse_uid(text)) in (4, 7, 10)


@pytest.mark.parametrize("text", ["", "04A1B2", "hello", "04A1B2C3D4"])
def test_bad_uids_are_refused(text: str) -> None:
    with pytest.raises(InvalidCode):
        parse_uid(text)


def test_control_channel_drives_a_running_reader(short_dir: Path, events: Events) -> None:
    path = short_dir / "sim-reader.sock"
    with SimCardReader(events, control_path=path):
        assert events.wait_type(ReaderConnected) == ReaderConnected(SIM_READER_NAME)
        send_sim_command(path, {"command": "tap", "uid": "08A1B2C3"})
        tap = events.wait_type(CardTapped)
        assert tap == CardTapped("08A1B2C3", SIM_READER_NAME, random_uid=True)
        with pytest.raises(SimControlError, match="must be 4, 7 or 10 bytes"):
            send_sim_command(path, {"command": "tap", "uid": "0102"})
        with pytest.raises(SimControlError, match="does not know 'scan'"):
            send_sim_command(path, {"command": "scan", "text": "x"})
        raw = socket.socket(socket.AF_UNIX)
        raw.connect(str(path))
        raw.sendall(b"\xff\xfe garbage\n")
        assert b'"ok": false' in raw.recv(200)
        raw.close()
    assert not path.exists()
    with pytest.raises(SimControlError, match="no running kiosk listens on"):
        send_sim_command(path, {"command": "tap", "uid": "04A1B2C3"})


def test_control_channel_drives_a_running_scanner(short_dir: Path, events: Events) -> None:
    path = short_dir / "sim-scanner.sock"
    with SimScanner(events, VALIDATOR, control_path=path) as scanner:
        send_sim_command(path, {"command": "scan", "text": "4006381333931"})
        assert events.wait_type(CodeScanned) == CodeScanned(
            "4006381333931", scanner.name, "ean13")  # type: ignore[attr-defined]
        send_sim_command(path, {"command": "scan", "text": "4006381333932"})
        rejected = events.wait_type(CodeRejected)
        assert isinstance(rejected, CodeRejected) and "check digit" in rejected.reason


def test_a_stale_socket_is_replaced_but_a_live_one_is_not(short_dir: Path, events: Events) -> None:
    path = short_dir / "sim-reader.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: a kiosk that died
    with SimCardReader(events, control_path=path):
        second = SimCardReader(events, control_path=path)
        with pytest.raises(SimControlError, match="already listens"):
            second.start()


def test_a_socket_path_too_long_is_a_clear_error(tmp_path: Path, events: Events) -> None:
    with pytest.raises(SimControlError, match="too long"):
        SimCardReader(events, control_path=tmp_path / ("x" * 120)).start()


def test_a_stopped_simulator_cannot_be_tapped(events: Events) -> None:
    reader = SimCardReader(events)
    with pytest.raises(SimControlError, match="not running"):
        reader.tap("04A1B2C3")
    reader.start()
    reader.stop()
    with pytest.raises(SimControlError, match="not running"):
        reader.tap("04A1B2C3")


def test_a_logged_tap_never_shows_the_uid() -> None:
    from hardware.events import event_to_json

    tap = CardTapped.from_bytes(bytes.fromhex("04A1B2C3D4E5F6"), "reader")
    assert "04A1B2C3D4E5F6" not in repr(tap) and "04A1B2C3D4E5F6" not in str(tap)
    assert "card:" in repr(tap)
    assert event_to_json(tap)["uid"] == "04A1B2C3D4E5F6"  # hw watch asks for it in full
