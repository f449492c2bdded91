"""The evdev scanner backend end to end: key events through evdev's C reader.

See ``evdev_pipe.py`` for how a scanner is made without uinput and what is mocked.
``test_uinput_scanner_is_grabbed_and_decoded`` uses a real uinput device where
``/dev/uinput`` exists (a Raspberry Pi) and skips elsewhere.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from evdev import ecodes

from hardware.codes import CodeValidator
from hardware.events import (
    CodeRejected,
    CodeScanned,
    HardwareEvent,
    ScannerConnected,
    ScannerDisconnected,
)
from hardware.scanner import EvdevScanner, find_scanner_paths
from tests.hardware.conftest import Events
from tests.hardware.evdev_pipe import FifoInputDevice, FifoScanner

pytestmark = pytest.mark.timeout(60)

NAME = "usb-Kanta_Test_Scanner-event-kbd"
VALIDATOR = CodeValidator(r"^[0-9A-Z]{6,24}$")


@pytest.fixture
def by_id(tmp_path: Path) -> Path:
    folder = tmp_path / "by-id"
    folder.mkdir()
    return folder


def make_scanner(events: Events, by_id: Path, open_device: Callable[[str], Any] = FifoInputDevice,
                 **options: Any) -> EvdevScanner:
    return EvdevScanner(events, validator=VALIDATOR, by_id_dir=by_id, open_device=open_device,
                        rescan_s=0.1, **options)


@pytest.fixture
def scanner_factory(events: Events, by_id: Path) -> Iterator[Callable[..., EvdevScanner]]:
    made: list[EvdevScanner] = []

    def make(**options: Any) -> EvdevScanner:
        scanner = make_scanner(events, by_id, **options)
        scanner.start()
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop()


def scanned(event: HardwareEvent) -> bool:
    return isinstance(event, CodeScanned | CodeRejected)


def test_a_plugged_scanner_is_grabbed_and_its_codes_decoded(
    by_id: Path, events: Events, scanner_factory: Callable[..., EvdevScanner]
) -> None:
    device = FifoScanner(by_id, NAME).plug()
    FifoInputDevice.grabs.clear()
    scanner_factory()
    assert events.wait_type(ScannerConnected) == ScannerConnected(NAME)
    assert FifoInputDevice.grabs == [str(by_id / NAME)]  # grabbed before any key is read
    device.type("4006381333931")
    assert events.wait_for(scanned) == CodeScanned("4006381333931", NAME, "ean13")
    device.type("KANTA0042", end_key=ecodes.KEY_TAB)
    assert events.wait_for(scanned) == CodeScanned("KANTA0042", NAME, "card")
    device.type("036000291452")
    assert events.wait_for(scanned) == CodeScanned("036000291452", NAME, "upca")
    device.unplug()


def test_junk_is_reported_not_crashed_on(
    by_id: Path, events: Events, scanner_factory: Callable[..., EvdevScanner]
) -> None:
    device = FifoScanner(by_id, NAME).plug()
    scanner_factory()
    device.type("4006381333932")
    rejected = events.wait_for(scanned)
    assert isinstance(rejected, CodeRejected) and "check digit" in rejected.reason
    device.write_keys([(240, 1, time.time()), (ecodes.KEY_ENTER, 1, time.time())])
    rejected = events.wait_for(scanned)
    assert isinstance(rejected, CodeRejected) and "does not know" in rejected.reason
    device.type("4006381333931")  # and the next good code still works
    assert events.wait_for(scanned) == CodeScanned("4006381333931", NAME, "ean13")
    device.unplug()


def test_nordic_layout_from_config(by_id: Path, events: Events,
                                   scanner_factory: Callable[..., EvdevScanner]) -> None:
    device = FifoScanner(by_id, NAME).plug()
    scanner_factory(layout="nordic", match="*Scanner*")
    device.type("KANTA-0042", layout="nordic")
    rejected = events.wait_for(scanned)  # "-" is not in the card pattern, but decoded right
    assert isinstance(rejected, CodeRejected) and rejected.raw == "KANTA-0042"
    device.unplug()


def test_a_pause_discards_the_half_code(by_id: Path, events: Events,
                                        scanner_factory: Callable[..., EvdevScanner]) -> None:
    device = FifoScanner(by_id, NAME).plug()
    scanner_factory(timeout_s=0.1)
    at = device.type("400638", enter=False)
    device.type("4006381333931", start=at + 0.5)
    assert events.wait_for(scanned) == CodeScanned("4006381333931", NAME, "ean13")
    assert events.settle(0.3) == []
    device.unplug()


def test_unplugged_and_plugged_back(by_id: Path, events: Events,
                                    scanner_factory: Callable[..., EvdevScanner]) -> None:
    device = FifoScanner(by_id, NAME).plug()
    scanner = scanner_factory()
    events.wait_type(ScannerConnected)
    device.unplug()
    assert events.wait_type(ScannerDisconnected) == ScannerDisconnected(NAME, "unplugged")
    assert scanner.running
    device.plug()
    assert events.wait_type(ScannerConnected) == ScannerConnected(NAME)
    device.type("KANTA0042")
    assert events.wait_for(scanned) == CodeScanned("KANTA0042", NAME, "card")
    device.unplug()


def test_enodev_closes_the_device(by_id: Path, events: Events) -> None:
    # Only a real evdev node that was unplugged returns ENODEV from read(); a FIFO cannot,
    # so this one test's device raises it from read() as the kernel would.
    class VanishingDevice(FifoInputDevice):
        def read(self) -> Iterator[Any]:
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))

    device = FifoScanner(by_id, NAME).plug()
    scanner = make_scanner(events, by_id, open_device=VanishingDevice)
    with scanner:
        events.wait_type(ScannerConnected)
        device.type("1")
        assert events.wait_type(ScannerDisconnected) == ScannerDisconnected(NAME, "unplugged")
    device.unplug()


def test_a_device_another_program_grabbed_is_not_used(
    by_id: Path, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    class GrabbedElsewhere(FifoInputDevice):
        def grab(self) -> None:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    device = FifoScanner(by_id, NAME).plug()
    with caplog.at_level(logging.WARNING), make_scanner(events, by_id,
                                                        open_device=GrabbedElsewhere):
        device.type("4006381333931")
        assert events.settle(0.5) == []
    assert caplog.text.count("another program holds it") == 1  # said once, not every rescan
    device.unplug()


def test_two_scanners_and_non_matching_devices(
    by_id: Path, events: Events, scanner_factory: Callable[..., EvdevScanner]
) -> None:
    first = FifoScanner(by_id, "usb-Honeywell_1900-event-kbd").plug()
    second = FifoScanner(by_id, "usb-Zebra_DS2208-event-kbd").plug()
    mouse = FifoScanner(by_id, "usb-Touch_Screen-event-mouse").plug()
    assert [p.name for p in find_scanner_paths(["*-event-kbd"], by_id)] == [
        "usb-Honeywell_1900-event-kbd", "usb-Zebra_DS2208-event-kbd"]
    scanner_factory()
    first.type("12345678")
    second.type("87654321")
    got = {events.wait_for(scanned), events.wait_for(scanned)}
    assert got == {CodeScanned("12345678", "usb-Honeywell_1900-event-kbd", "card"),
                   CodeScanned("87654321", "usb-Zebra_DS2208-event-kbd", "card")}
    for device in (first, second, mouse):
        device.unplug()


def test_stop_releases_everything(by_id: Path, events: Events) -> None:
    device = FifoScanner(by_id, NAME).plug()
    scanner = make_scanner(events, by_id)
    scanner.start()
    events.wait_type(ScannerConnected)
    scanner.stop()
    scanner.stop()
    assert not scanner.running
    device.type("4006381333931")
    assert events.settle(0.3) == []
    device.unplug()


@pytest.mark.skipif(not os.access("/dev/uinput", os.W_OK),
                    reason="no writable /dev/uinput here (the kernel lacks uinput or we lack"
                           " permission); this test runs on a Raspberry Pi")
def test_uinput_scanner_is_grabbed_and_decoded(by_id: Path, events: Events) -> None:
    from evdev import InputDevice, UInput

    keys = [ecodes.KEY_ENTER, ecodes.KEY_LEFTSHIFT, *range(ecodes.KEY_1, ecodes.KEY_0 + 1),
            *range(ecodes.KEY_Q, ecodes.KEY_P + 1)]
    with UInput({ecodes.EV_KEY: keys}, name="Kanta test scanner") as keyboard:
        time.sleep(0.3)  # udev creates the node
        os.symlink(keyboard.device.path, by_id / NAME)
        bystander = InputDevice(keyboard.device.path)
        scanner = make_scanner(events, by_id, open_device=InputDevice)
        with scanner:
            events.wait_type(ScannerConnected)
            for code in (5, 11, 11, 7, 4, 9, 2, 4, 4, 4, 10, 4, 2):  # 4006381333931
                keyboard.write(ecodes.EV_KEY, code, 1)
                keyboard.write(ecodes.EV_KEY, code, 0)
                keyboard.syn()
            keyboard.write(ecodes.EV_KEY, ecodes.KEY_ENTER, 1)
            keyboard.write(ecodes.EV_KEY, ecodes.KEY_ENTER, 0)
            keyboard.syn()
            assert events.wait_for(scanned) == CodeScanned("4006381333931", NAME, "ean13")
        with pytest.raises(BlockingIOError):
            list(bystander.read())  # the grab kept every key from other readers
        bystander.close()


def test_one_device_under_two_names_is_opened_once(
    by_id: Path, events: Events, scanner_factory: Callable[..., EvdevScanner]
) -> None:
    device = FifoScanner(by_id, "usb-Honeywell_1900-event-kbd").plug()
    (by_id / "kanta-scanner-event-kbd").symlink_to(device.path)  # as the udev rule adds
    scanner_factory()
    events.wait_type(ScannerConnected)
    device.type("12345678")
    assert events.wait_for(scanned) == CodeScanned("12345678", "kanta-scanner-event-kbd", "card")
    assert [e for e in events.settle(0.4) if isinstance(e, ScannerConnected)] == []
    (by_id / "kanta-scanner-event-kbd").unlink()
    device.unplug()
