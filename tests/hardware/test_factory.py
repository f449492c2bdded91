"""Backends come from the kiosk config, with KANTA_* environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.factory import (
    NullCardReader,
    NullScanner,
    open_card_reader,
    open_feedback,
    open_scanner,
)
from hardware.feedback import SimFeedback
from hardware.scanner import EvdevScanner
from hardware.sim import SimCardReader, SimScanner
from kiosk.config import HardwareConfig, load_config
from kiosk.errors import ConfigError
from tests.hardware.conftest import Events


def test_environment_overrides_choose_the_simulators(tmp_path: Path, events: Events) -> None:
    cfg = load_config(env={"KANTA_CARD_READER": "sim", "KANTA_SCANNER": "sim",
                           "KANTA_FEEDBACK": "sim"}).hardware
    reader = open_card_reader(cfg, events, data_dir=tmp_path)
    scanner = open_scanner(cfg, events, data_dir=tmp_path)
    assert isinstance(reader, SimCardReader) and reader.control_path == tmp_path / "sim-reader.sock"
    assert isinstance(scanner, SimScanner)
    assert scanner.control_path == tmp_path / "sim-scanner.sock"
    assert isinstance(open_feedback(cfg), SimFeedback)


def test_a_bad_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="KANTA_"):
        load_config(env={"KANTA_CARD_READER": "nfcpy"})


def test_none_backends_do_nothing_quietly(events: Events) -> None:
    cfg = HardwareConfig(card_reader="none", scanner="none", feedback="none")
    for device in (open_card_reader(cfg, events), open_scanner(cfg, events)):
        assert isinstance(device, NullCardReader | NullScanner)
        device.start()
        device.stop()
    assert events.settle(0.1) == []


def test_real_backends_are_built_from_the_config(events: Events) -> None:
    cfg = HardwareConfig(scanner_match="usb-Honeywell*", keyboard_layout="nordic")
    scanner = open_scanner(cfg, events)
    assert isinstance(scanner, EvdevScanner)
    pcsc = pytest.importorskip("hardware.pcsc")
    assert isinstance(open_card_reader(cfg, events), pcsc.PcscCardReader)


def test_a_broken_card_number_pattern_is_a_config_error(events: Events) -> None:
    with pytest.raises(ConfigError, match="card_number_pattern"):
        open_scanner(HardwareConfig(scanner="sim", card_number_pattern="(["), events)


def test_a_backend_that_cannot_load_reports_itself_missing(
    events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardware import pcsc, scanner

    monkeypatch.setattr(pcsc, "scard", None)  # as when libpcsclite is missing
    monkeypatch.setattr(scanner, "evdev_available", lambda: "python-evdev cannot be loaded")
    cfg = HardwareConfig()
    reader = open_card_reader(cfg, events)
    codes = open_scanner(cfg, events)
    with reader, codes:
        gone = events.settle(0.2)
    assert [type(e).__name__ for e in gone] == ["ReaderDisconnected", "ScannerDisconnected"]
    assert "PC/SC support missing" in str(gone[0]) and "evdev" in str(gone[1])
