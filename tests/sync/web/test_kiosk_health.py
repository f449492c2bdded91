"""The Kiosks page shows each kiosk's reader, scanner, disk and clock health and its software
version as its sync worker's heartbeat reports them: a sound kiosk and a broken one (reader
unplugged, disk nearly full) side by side, through a real browser and a live server.

Each kiosk's app health file is written as the running app writes it (this test process
stands in for the app); the nearly full disk is the disk check's own input (``disk_usage``):
a real file system cannot be filled here."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.health import HealthReport, collect_status, write_health
from sync.client import SyncClient
from tests.sync.web.browser import Browser, LiveShop
from tests.sync.web.kiosk import RunningKiosk


def test_the_kiosks_page_shows_each_kiosks_health_and_version(
    live_sqlite: LiveShop, browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = live_sqlite
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    good = RunningKiosk(tmp_path / "good", live.base_url, live.kiosk_tokens["k1"])
    bad = RunningKiosk(tmp_path / "bad", live.base_url, live.kiosk_tokens["k2"])
    try:
        good.tap("04E00001")
        bad.tap("04E00002")
        # each appliance has its own run folder
        monkeypatch.setenv("KANTA_RUN_DIR", str(good.folder / "run"))
        write_health(
            good.folder,
            HealthReport(card_reader="pcsc", reader_connected=True, scanner="evdev", scanner_connected=True),
        )
        good.sync()
        monkeypatch.setenv("KANTA_RUN_DIR", str(bad.folder / "run"))
        write_health(bad.folder, HealthReport(card_reader="pcsc", reader_connected=False, scanner="none"))
        real = shutil.disk_usage(bad.folder)
        nearly_full = real._replace(free=50 * 1000 * 1000, used=real.total - 50 * 1000 * 1000)
        SyncClient(bad.folder, health=partial(collect_status, disk_usage=lambda _: nearly_full)).cycle()
    finally:
        good.close()
        bad.close()

    browser.login(live.base_url)
    browser.go("/kiosks")
    sound = browser.find("#kiosk-k1").text
    assert "reader: ok — connected (pcsc)" in sound and "scanner: ok — connected (evdev)" in sound
    assert "disk: ok —" in sound and "clock: " in sound and __version__ in sound
    broken = browser.find("#kiosk-k2").text
    assert "reader: FAIL — not connected (pcsc): check the USB cable" in broken
    assert "disk: FAIL — 50.0 MB free of" in broken and "nearly full" in broken
    assert "scanner: ok — not configured" in broken and __version__ in broken
    browser.screenshot("kiosks-health")
