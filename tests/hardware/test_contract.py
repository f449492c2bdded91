"""One contract for every backend of an interface: sim and real obey the same rules.

Card readers: the simulator and PC/SC (real pcscd + vpcd, skipped without them).
Scanners: the simulator and evdev (key events through evdev's reader, see evdev_pipe).
Feedback: the simulator, silence, and GPIO on gpiozero's MockFactory.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.codes import CodeValidator
from hardware.errors import SimControlError
from hardware.events import (
    CardTapped,
    CodeRejected,
    CodeScanned,
    HardwareEvent,
    ReaderConnected,
    ScannerConnected,
)
from hardware.factory import open_feedback
from hardware.interfaces import PATTERNS, CardReader, CodeScanner, Feedback
from hardware.patterns import UnknownPattern
from hardware.scanner import EvdevScanner
from hardware.sim import SimCardReader, SimScanner
from kiosk.config import HardwareConfig
from tests.hardware.conftest import Events
from tests.hardware.evdev_pipe import FifoInputDevice, FifoScanner
from tests.hardware.vpcd import VirtualCard, wait_reader_state

pytestmark = pytest.mark.timeout(90)

VALIDATOR = CodeValidator(r"^[0-9A-Z]{6,24}$")


@dataclass
class ReaderRig:
    reader: CardReader
    name: str
    tap: Callable[[bytes], None]


@dataclass
class ScannerRig:
    scanner: CodeScanner
    name: str
    scan: Callable[[str], None]


def _sim_reader(events: Events, request: pytest.FixtureRequest) -> Iterator[ReaderRig]:
    short_dir: Path = request.getfixturevalue("short_dir")
    reader = SimCardReader(events, control_path=short_dir / "r.sock")

    def tap(uid: bytes) -> None:
        # a stopped simulator refuses taps: no event, like an unplugged reader
        with contextlib.suppress(SimControlError):
            reader.tap(uid)

    yield ReaderRig(reader, reader.name, tap)
    reader.stop()


def _pcsc_reader(events: Events, request: pytest.FixtureRequest) -> Iterator[ReaderRig]:
    from hardware.pcsc import PcscCardReader
    from tests.hardware.vpcd import READER_NAME

    request.getfixturevalue("pcscd")  # started, and stopped after the test
    reader = PcscCardReader(events, reconnect_delay_s=0.2)

    def tap(uid: bytes) -> None:
        card = VirtualCard(uid).put_on()
        wait_reader_state(present=True)
        deadline = time.monotonic() + 3.0
        while reader.running and time.monotonic() < deadline and card.uid_reads == 0:
            time.sleep(0.02)  # a real tap lasts until the reader has read the card
        card.take_off()
        wait_reader_state(present=False)

    try:
        yield ReaderRig(reader, READER_NAME, tap)
    finally:
        reader.stop()


def _sim_scanner(events: Events, tmp_path: Path) -> Iterator[ScannerRig]:
    scanner = SimScanner(events, VALIDATOR)

    def scan(text: str) -> None:
        with contextlib.suppress(SimControlError):
            scanner.scan(text)

    yield ScannerRig(scanner, scanner.name, scan)
    scanner.stop()


def _evdev_scanner(events: Events, tmp_path: Path) -> Iterator[ScannerRig]:
    device = FifoScanner(tmp_path, "usb-Contract_Scanner-event-kbd").plug()
    scanner = EvdevScanner(events, validator=VALIDATOR, by_id_dir=tmp_path,
                           open_device=FifoInputDevice, rescan_s=0.1)
    yield ScannerRig(scanner, device.path.name, lambda text: device.type(text) and None)
    scanner.stop()
    device.unplug()


@pytest.fixture(params=["sim", "pcsc"])
def reader_rig(request: pytest.FixtureRequest, events: Events) -> Iterator[ReaderRig]:
    make = {"sim": _sim_reader, "pcsc": _pcsc_reader}[request.param]
    yield from make(events, request)


@pytest.fixture(params=["sim", "evdev"])
def scanner_rig(request: pytest.FixtureRequest, events: Events,
                tmp_path: Path) -> Iterator[ScannerRig]:
    make = {"sim": _sim_scanner, "evdev": _evdev_scanner}[request.param]
    yield from make(events, tmp_path)


def _taps(events: list[HardwareEvent]) -> list[CardTapped]:
    return [e for e in events if isinstance(e, CardTapped)]


# -- card readers --------------------------------------------------------------------------

def test_reader_reports_itself_before_any_tap(reader_rig: ReaderRig, events: Events) -> None:
    reader_rig.reader.start()
    assert events.wait_type(ReaderConnected) == ReaderConnected(reader_rig.name)
    reader_rig.tap(bytes.fromhex("04A1B2C3D4E5F6"))
    events.wait_type(CardTapped)
    assert [type(e) for e in events.seen].index(ReaderConnected) == 0


@pytest.mark.parametrize("uid", ["04A1B2C3", "04A1B2C3D4E5F6", "04A1B2C3D4E5F6071829",
                                 "08C0FFEE"])
def test_reader_reports_each_tap_once_as_upper_hex(reader_rig: ReaderRig, events: Events,
                                                  uid: str) -> None:
    reader_rig.reader.start()
    events.wait_type(ReaderConnected)
    reader_rig.tap(bytes.fromhex(uid))
    events.wait_type(CardTapped)
    assert _taps(events.seen + events.settle(0.5)) == [
        CardTapped(uid, reader_rig.name, random_uid=uid.startswith("08") and len(uid) == 8)]


def test_reader_stops_cleanly_and_then_stays_quiet(reader_rig: ReaderRig,
                                                   events: Events) -> None:
    reader = reader_rig.reader
    reader.start()
    events.wait_type(ReaderConnected)
    reader.stop()
    assert not reader.running
    reader.stop()  # twice is fine
    reader_rig.tap(bytes.fromhex("04A1B2C3"))
    assert _taps(events.settle(0.5)) == []


# -- scanners ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4006381333931", CodeScanned("4006381333931", "", "ean13")),
        ("036000291452", CodeScanned("036000291452", "", "upca")),
        ("KANTA0042", CodeScanned("KANTA0042", "", "card")),
        ("4006381333932", CodeRejected("4006381333932", "", "EAN-13 check digit is wrong")),
        ("abc", CodeRejected("abc", "", "neither a product code nor a card number")),
    ],
)
def test_scanner_validates_the_same_way(scanner_rig: ScannerRig, events: Events, text: str,
                                        expected: CodeScanned | CodeRejected) -> None:
    scanner_rig.scanner.start()
    assert events.wait_type(ScannerConnected) == ScannerConnected(scanner_rig.name)
    scanner_rig.scan(text)
    got = events.wait_for(lambda e: isinstance(e, CodeScanned | CodeRejected))
    from dataclasses import replace

    assert got == replace(expected, device=scanner_rig.name)


def test_scanner_stops_cleanly_and_then_stays_quiet(scanner_rig: ScannerRig,
                                                    events: Events) -> None:
    scanner = scanner_rig.scanner
    scanner.start()
    events.wait_type(ScannerConnected)
    scanner.stop()
    scanner.stop()
    assert not scanner.running
    scanner_rig.scan("4006381333931")
    assert [e for e in events.settle(0.4) if isinstance(e, CodeScanned)] == []


# -- feedback ------------------------------------------------------------------------------

@pytest.fixture(params=["sim", "none", "gpio"])
def feedback(request: pytest.FixtureRequest) -> Iterator[Feedback]:
    pins = MockFactory()
    device = open_feedback(HardwareConfig(feedback=request.param), pin_factory=pins)
    assert device.backend == request.param
    yield device
    device.close()
    pins.reset()


def test_feedback_plays_every_pattern_without_blocking(feedback: Feedback) -> None:
    for pattern in PATTERNS:
        started = time.monotonic()
        feedback.play(pattern)
        assert time.monotonic() - started < 0.05
    assert feedback.wait(5.0)


def test_feedback_refuses_unknown_patterns_and_closes_twice(feedback: Feedback) -> None:
    with pytest.raises(UnknownPattern):
        feedback.play("fanfare")
    feedback.close()
    feedback.close()
