"""The app as `kanta kiosk` wires it: systemd is told when the first screen is up, and the
watchdog is fed from the main loop only while the kiosk can record."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.app.wiring import build_kiosk, make_app
from kiosk.config import KioskConfig
from kiosk.services.factory import open_service


@pytest.fixture
def sim_config() -> KioskConfig:
    cfg = KioskConfig()
    return replace(cfg, hardware=replace(cfg.hardware, card_reader="sim", scanner="sim", feedback="sim"))


def test_ready_and_watchdog_go_to_systemd(
    tmp_path: Path, sim_config: KioskConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock_path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(sock_path))
    server.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(sock_path))
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    kiosk = build_kiosk(sim_config, tmp_path / "data")
    try:
        app = make_app(kiosk)
        assert app.settings.on_ready is not None and app.settings.on_main_loop_tick is not None
        app.settings.on_ready()
        assert b"READY=1" in server.recv(1024)
        app.settings.on_main_loop_tick()
        assert server.recv(1024) == b"WATCHDOG=1"
        # pings are rate-limited to half the watchdog interval
        app.settings.on_main_loop_tick()
        server.settimeout(0.3)
        with pytest.raises(TimeoutError):
            server.recv(1024)
        # a store that cannot write is shown on screen and by `kanta status`; the main
        # loop still runs, so the pings go on (a restart every 30 s would free no disk)
        kiosk.core.status = replace(kiosk.core.status, store_ok=False)
        time.sleep(1.05)
        app.settings.on_main_loop_tick()
        server.settimeout(2)
        assert server.recv(1024) == b"WATCHDOG=1"
    finally:
        kiosk.close()
        server.close()


def test_the_health_report_is_published_off_the_main_loop(
    tmp_path: Path, sim_config: KioskConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a minute the report asks timedatectl whether the clock is synchronised (a fork
    and a D-Bus call, up to 3 s): the main loop's tick hands the publish to its own thread
    and returns while that question is still open, so no tap waits for it."""
    import kiosk.health
    from kiosk.health import read_health

    asked = threading.Event()
    answer = threading.Event()
    askers: list[str] = []

    def slow_clock_probe() -> bool:
        askers.append(threading.current_thread().name)
        asked.set()
        answer.wait(60)
        return True

    monkeypatch.setattr(kiosk.health, "clock_synced", slow_clock_probe)
    monkeypatch.setenv("KANTA_RUN_DIR", str(tmp_path / "run"))
    built = build_kiosk(sim_config, tmp_path / "data")
    try:
        app = make_app(built)
        assert app.settings.on_main_loop_tick is not None
        app.settings.on_main_loop_tick()  # returns although the probe has not answered
        assert asked.wait(30) and not answer.is_set()
        assert askers == ["kanta-health"]
        assert read_health(tmp_path / "data") is None  # nothing published yet
        answer.set()
        deadline = time.monotonic() + 30
        while read_health(tmp_path / "data") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert read_health(tmp_path / "data") is not None
    finally:
        answer.set()
        built.close()


def test_sim_devices_feed_the_dispatcher(tmp_path: Path, sim_config: KioskConfig) -> None:
    kiosk = build_kiosk(sim_config, tmp_path / "data")
    seen: list[str] = []

    class Listener:
        def on_outcome(self, outcome: object, via: str) -> None:
            seen.append(f"outcome {via}")

        def on_refusal(self, code: str, card: str, message: str) -> None:
            seen.append(f"refusal {code}")

        def on_failure(self, kind: str) -> None:
            seen.append(f"failure {kind}")

        def on_status(self, status: object) -> None:
            seen.append("status")

    kiosk.core.listener = Listener()
    try:
        kiosk.core.start()
        kiosk.start_devices()
        reader: object = kiosk.reader
        scanner: object = kiosk.scanner
        reader.tap("04A1B2C3D4E5F6")  # type: ignore[attr-defined]
        reader.tap("08A1B2C3")  # type: ignore[attr-defined]
        scanner.scan("12345!?")  # type: ignore[attr-defined]
        kiosk.core.drain()
        assert "outcome tap" in seen and "refusal random_uid" in seen and "refusal unknown_code" in seen
        assert kiosk.core.status.reader is True and kiosk.core.status.scanner is True
        assert kiosk.service.member_for_card("04A1B2C3D4E5F6").balance("stamps") == 1
    finally:
        kiosk.close()


def test_status_shows_sync_and_big_rewards_wait_for_the_server(
    tmp_path: Path, sim_config: KioskConfig
) -> None:
    from datetime import timedelta

    from kiosk.syncstatus import save_status
    from sync.state import SyncState, save_state

    data = tmp_path / "data"
    program = Path(__file__).resolve().parents[2] / "config" / "programs" / "stamp_card.toml"
    cfg = replace(
        sim_config,
        rules=replace(sim_config.rules, program=str(program)),  # a massage worth 12.00 at 5 stamps
        sync=replace(sim_config.sync, redeem_online_above_cents=1000),
    )
    kiosk = build_kiosk(cfg, data)
    try:
        assert kiosk.core._refresh_status().last_sync is None  # not paired: "not set up"
        card = "04A1B2C3D4E5F6"
        start = kiosk.service.clock() - timedelta(days=10)
        for day in range(5):
            kiosk.service.tap(card, now=start + timedelta(days=day))
        save_state(data, SyncState(server="https://shop.example", token="t"))
        save_status(data, {"last_ok": "2020-01-01T10:00:00+00:00", "kiosk": kiosk.service.ledger.kiosk_id,
                           "pushed_seq": 3})
        status = kiosk.core._refresh_status()
        assert status.last_sync == "2020-01-01 10:00"
        assert status.waiting == int(kiosk.service.ledger.meta["seq"]) - 3
        # the server was last reached years ago: a reward worth more than 0 cents waits
        refused = kiosk.core.counter.redeem(card, "massage", actor="Owner").outcome
        assert refused.refusal is not None and refused.refusal.code == "needs_online"
        kiosk_id = kiosk.service.ledger.kiosk_id
        save_status(data, {"last_ok": kiosk.service.clock().isoformat(), "kiosk": kiosk_id, "pushed_seq": 3})
        given = kiosk.core.counter.redeem(card, "massage", actor="Owner").outcome
        assert given.events  # reached a moment ago: given
    finally:
        kiosk.close()


def test_idle_maintenance_applies_the_sync_inbox(tmp_path: Path, sim_config: KioskConfig) -> None:
    """Events another kiosk recorded, pulled by the sync worker into the inbox, reach this
    kiosk's store when it is idle: the card then works here too."""
    from datetime import UTC, datetime

    from kiosk.domain.events import STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper
    from kiosk.store import inbox

    stamper = Stamper(kiosk="k-other", boot="b")
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    events = []
    for draft in (
        EventDraft(EventKind.MEMBER_CREATED, "m-remote", data={"card": "04EE0001"}, card="04EE0001"),
        EventDraft(EventKind.VISIT_STAMPED, "m-remote", (Posting(VISITS, 1), Posting(STAMPS, 1))),
    ):
        stamper, event = stamper.stamp(draft, now, bytes(10))
        events.append(event.to_dict())
    data = tmp_path / "data"
    kiosk = build_kiosk(sim_config, data)
    try:
        inbox.write_file(data, 1, events)
        assert kiosk.service.ledger.member_for_card("04EE0001") is None
        kiosk.core._maintenance()
        state = kiosk.service.ledger.member_for_card("04EE0001")
        assert state is not None and state.balance(STAMPS) == 1
        assert inbox.pending_count(data) == 0
    finally:
        kiosk.close()


def test_a_kiosk_builds_the_stores_indexes_before_its_first_tap(
    tmp_path: Path, sim_config: KioskConfig
) -> None:
    """The store's indexes are lazy (a one-off command scans for its one card); a kiosk,
    however it is started, builds them at once, so no customer's tap pays for them."""
    service = open_service(tmp_path / "data", sim_config)
    assert service.ledger.indexes_built is False  # lazy until asked
    kiosk = build_kiosk(sim_config, tmp_path / "data", service=service)
    try:
        assert service.ledger.indexes_built is True
    finally:
        kiosk.close()
