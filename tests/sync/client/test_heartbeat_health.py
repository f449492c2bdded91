"""The heartbeat carries the kiosk's real health (the checks of `kanta status`: reader,
scanner, disk, clock, cards to merge; each a level, a code with values for the owner's
console to say in the owner's language, and `kanta status`'s English words for a server
older than the codes) and its software version, and the owner reads them back from the
server's kiosk list. The kiosk app's health file is written as the running app writes it
(``kiosk.health.write_health``, this test process standing in for the app); a nearly full
disk is the disk check's own input (``disk_usage``), since a real one cannot be filled here."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk import __version__
from kiosk.health import HEARTBEAT_DETAIL_CHARS, HealthReport, collect_status, write_health
from sync.client import SyncClient
from tests.conftest import FakeClock
from tests.sync.client.live import LiveServer, kiosk_service, pair
from tests.sync.server.server_helpers import PASSWORD


def _kiosks(server: LiveServer, owner: str) -> dict[str, dict[str, Any]]:
    r = requests.get(f"{server.base_url}/api/v1/kiosks", auth=(owner, PASSWORD), timeout=30)
    r.raise_for_status()
    return {k["name"]: k for k in r.json()["kiosks"]}


def test_the_heartbeat_carries_the_kiosks_health_and_version(
    server: LiveServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = server.new_shop()
    good, bad = tmp_path / "good", tmp_path / "bad"
    for folder, token in ((good, shop.tokens["k1"]), (bad, shop.tokens["k2"])):
        service = kiosk_service(folder, clock)
        service.tap("04D00001")
        service.ledger.close()
        pair(folder, server, token)

    # each kiosk publishes into its own run folder, as each appliance has its own
    monkeypatch.setenv("KANTA_RUN_DIR", str(good / "run"))
    write_health(
        good, HealthReport(card_reader="pcsc", reader_connected=True, scanner="evdev", scanner_connected=True)
    )
    SyncClient(good).cycle()

    monkeypatch.setenv("KANTA_RUN_DIR", str(bad / "run"))
    write_health(bad, HealthReport(card_reader="pcsc", reader_connected=False, scanner="none"))
    real = shutil.disk_usage(bad)
    nearly_full = real._replace(free=50 * 1000 * 1000, used=real.total - 50 * 1000 * 1000)
    SyncClient(bad, health=partial(collect_status, disk_usage=lambda _: nearly_full)).cycle()

    kiosks = _kiosks(server, shop.owner)
    hw = kiosks["k1"]["heartbeat"]["hardware"]
    connected = {
        "level": "ok",
        "detail": "connected (pcsc)",
        "code": "connected",
        "params": {"backend": "pcsc"},
    }
    assert hw["reader"] == connected
    assert hw["scanner"] == {**connected, "detail": "connected (evdev)", "params": {"backend": "evdev"}}
    assert (
        hw["disk"]["level"] == "ok"
        and "free of" in hw["disk"]["detail"]
        and hw["disk"]["code"] == "disk_free"
    )
    assert set(hw["disk"]["params"]) == {"free", "total"} and hw["disk"]["params"]["free"] > 0
    assert hw["clock"]["level"] in ("ok", "warn", "unknown")  # this machine's own clock
    assert kiosks["k1"]["heartbeat"]["status"]["version"] == __version__
    assert kiosks["k1"]["heartbeat"]["status"]["attention"] is False

    hw = kiosks["k2"]["heartbeat"]["hardware"]
    assert hw["reader"] == {
        "level": "fail",
        "detail": "not connected (pcsc): check the USB cable",
        "code": "not_connected",
        "params": {"backend": "pcsc"},
    }
    assert hw["scanner"] == {
        "level": "ok",
        "detail": "not configured",
        "code": "not_configured",
        "params": {},
    }
    assert hw["disk"]["level"] == "fail" and hw["disk"]["code"] == "disk_nearly_full"
    assert hw["disk"]["params"] == {"free": 50 * 1000 * 1000, "total": real.total}
    assert hw["disk"]["detail"].startswith("50.0 MB free of ") and hw["disk"]["detail"].endswith(
        "nearly full"
    )
    assert kiosks["k2"]["heartbeat"]["status"]["attention"] is True


def test_a_kiosk_whose_app_is_not_running_says_so(
    server: LiveServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = server.new_shop()
    folder = tmp_path / "k"
    service = kiosk_service(folder, clock)
    service.tap("04D00002")
    service.ledger.close()
    pair(folder, server, shop.tokens["k1"])
    monkeypatch.setenv("KANTA_RUN_DIR", str(folder / "run"))  # no health file: no app
    SyncClient(folder).cycle()
    hw = _kiosks(server, shop.owner)["k1"]["heartbeat"]["hardware"]
    assert hw["reader"] == {
        "level": "unknown",
        "detail": "unknown while the app is not running",
        "code": "app_not_running",
        "params": {},
    }
    assert set(hw) == {"reader", "scanner", "disk", "clock"}, "no cards to merge: no such check"
    assert all(len(c["detail"]) <= HEARTBEAT_DETAIL_CHARS for c in hw.values())
