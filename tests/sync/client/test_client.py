"""The sync client against the real server: push, pull, import, exactly-once, outages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.errors import SyncError
from kiosk.services.replication import idle_sync_import
from kiosk.syncstatus import load_status
from sync import client as sync_client
from sync.client import SyncClient, Transport, backoff_delay, check_server_url
from sync.state import load_state
from tests.conftest import FakeClock
from tests.sync.client.live import (
    FaultyAdapter,
    LiveServer,
    build_store,
    free_port,
    kiosk_service,
    pair,
    two_paired_kiosks,
)


def _client(data: Path, adapter: FaultyAdapter | None = None, **kw: Any) -> SyncClient:
    state = load_state(data)
    session = requests.Session()
    if adapter is not None:
        session.mount("http://", adapter)
    transport = Transport(state.server, token=state.token, session=session, sleep=lambda s: None, **kw)
    return SyncClient(data, transport=transport, batch_size=kw.pop("batch_size", 1000))


def _server_ids(server: LiveServer, shop: Any) -> list[str]:
    return [e["id"] for e in server.all_events(shop)]


# ---- rules of the wire ----------------------------------------------------------------


def test_plain_http_only_to_loopback() -> None:
    for ok in ("https://kanta.example", "http://127.0.0.1:8080", "http://[::1]:8080/", "http://localhost"):
        assert check_server_url(ok) == ok.rstrip("/")
    for bad in ("http://kanta.example", "http://192.168.1.10:8080", "ftp://x", "kanta.example"):
        with pytest.raises(SyncError):
            check_server_url(bad)


def test_tls_is_always_verified() -> None:
    t = Transport("https://kanta.example", token="x")
    assert t.session.verify is True
    with pytest.raises(SyncError, match="CA bundle"):
        Transport("https://kanta.example", token="x", ca_bundle="/nonexistent.pem")


def test_backoff_is_exponential_with_full_jitter() -> None:
    assert backoff_delay(0, rand=1.0) == 1.0
    assert backoff_delay(3, rand=1.0) == 8.0
    assert backoff_delay(30, rand=1.0) == 300.0  # capped
    assert backoff_delay(5, rand=0.25) == 8.0
    assert backoff_delay(5, rand=0.0) == 0.0


def test_retry_after_is_honoured(server: LiveServer, tmp_path: Path) -> None:
    """A 429 cannot be provoked from the real server on demand: injected on the client side."""

    class Busy(FaultyAdapter):
        def send(self, request: requests.PreparedRequest, *a: Any, **kw: Any) -> requests.Response:
            self.calls += 1
            if self.calls <= 2:
                r = requests.Response()
                r.status_code = 429 if self.calls == 1 else 503
                r.headers["Retry-After"] = "7" if self.calls == 1 else "2"
                r._content = b'{"detail": "slow down"}'
                r.request = request
                return r
            return super().send(request, *a, **kw)

    slept: list[float] = []
    session = requests.Session()
    session.mount("http://", Busy())
    t = Transport(server.base_url, session=session, sleep=slept.append)
    assert t.request("GET", "/healthz") == {"ok": True}
    assert slept == [7.0, 2.0]


# ---- push and pull --------------------------------------------------------------------


def test_two_kiosks_meet_through_the_server(server: LiveServer, tmp_path: Path, clock: FakeClock) -> None:
    _, a, b = two_paired_kiosks(server, tmp_path, clock)
    for i in range(20):
        a.tap(f"04A0{i % 5:04d}")
        clock.advance(seconds=1)
    ra = _client(tmp_path / "a").cycle()
    assert ra.pushed == 25 and ra.pulled == 0
    rb = _client(tmp_path / "b").cycle()
    assert rb.pulled == 25 and rb.inbox_files == 1
    # the kiosk process imports the inbox when idle
    imported = idle_sync_import(b.ledger, b.recorder, tmp_path / "b")
    assert imported.applied == 25
    assert b.ledger.member_for_card("04A00001") == a.ledger.member_for_card("04A00001")
    b.tap("04A00001")
    _client(tmp_path / "b").cycle()
    _client(tmp_path / "a").cycle()
    idle_sync_import(a.ledger, a.recorder, tmp_path / "a")
    assert a.ledger.member_for_card("04A00001").balance("stamps") == 5  # type: ignore[union-attr]
    status = load_status(tmp_path / "a")
    assert status["last_ok"] and "last_error" not in status
    a.ledger.close()
    b.ledger.close()


def test_exactly_once_with_replays_and_lost_replies(
    server: LiveServer, tmp_path: Path, clock: FakeClock
) -> None:
    """Every batch reaches the server 3 times and every other reply is lost."""
    shop = server.new_shop()
    a = kiosk_service(tmp_path / "a", clock)
    pair(tmp_path / "a", server, shop.tokens["k1"])
    for i in range(450):
        a.tap(f"04B0{i % 37:04d}")
        clock.advance(seconds=1)
    adapter = FaultyAdapter(replay=3, drop=lambda n: n % 2 == 0)
    c = _client(tmp_path / "a", adapter, attempts=10)
    c.batch_size = 40
    result = c.cycle()
    assert adapter.dropped > 5
    ids = _server_ids(server, shop)
    assert len(ids) == len(set(ids)) == 450 + 37
    assert result.pushed + result.push_duplicates >= 450 + 37
    assert load_state(tmp_path / "a").pushed_seq == a.ledger.meta["seq"]
    # and again from scratch: the server's totals do not move
    pair(tmp_path / "a", server, shop.tokens["k1"])
    again = _client(tmp_path / "a", FaultyAdapter(replay=3)).cycle()
    assert again.pushed == 0 and again.push_duplicates == 450 + 37
    assert sorted(_server_ids(server, shop)) == sorted(ids)
    a.ledger.close()


def test_thirty_day_outage_drains(tmp_path: Path) -> None:
    """50,000 events queued while the server was away for 30 days all go when it returns."""
    build_store(tmp_path / "k", 50_000).close()
    port = free_port()
    from tests.sync.client.live import LiveServer as Live

    live = Live(tmp_path / "server.db", port=port)
    shop = live.new_shop()
    pair(tmp_path / "k", live, shop.tokens["k1"])
    down = _client(tmp_path / "k", attempts=2)
    with pytest.raises(sync_client.ServerUnavailable):
        down.cycle()
    assert load_state(tmp_path / "k").pushed_seq == 0
    assert "cannot reach" in load_status(tmp_path / "k")["last_error"]
    assert load_status(tmp_path / "k")["pending"] == 50_000
    live.start()
    try:
        started = time.perf_counter()
        result = _client(tmp_path / "k").cycle()
        took = time.perf_counter() - started
        assert result.pushed == 50_000
        ids = _server_ids(live, shop)
        assert len(ids) == len(set(ids)) == 50_000
        assert load_state(tmp_path / "k").pushed_seq == 50_000
        print(f"drained 50,000 events in {took:.2f} s")
        # nothing left: the next cycle reads only what is new
        assert _client(tmp_path / "k").cycle().pushed == 0
    finally:
        live.stop()


def test_push_resumes_from_where_it_stopped(server: LiveServer, tmp_path: Path, clock: FakeClock) -> None:
    shop = server.new_shop()
    a = kiosk_service(tmp_path / "a", clock)
    pair(tmp_path / "a", server, shop.tokens["k1"])
    for i in range(30):
        a.tap(f"04C0{i % 3:04d}")
        clock.advance(seconds=1)
    assert _client(tmp_path / "a").cycle().pushed == 33
    a.ledger.storage.snapshot()  # the journal becomes a ledger segment under the reader
    for _ in range(5):
        a.tap("04C00001")
        clock.advance(seconds=1)
    state = load_state(tmp_path / "a")
    assert state.extra["scan"]["n"] > 0
    assert _client(tmp_path / "a").cycle().pushed == 5
    assert len(_server_ids(server, shop)) == 38
    a.ledger.close()


def test_revoked_or_wrong_token_says_pair_again(server: LiveServer, tmp_path: Path, clock: FakeClock) -> None:
    a = kiosk_service(tmp_path / "a", clock)
    a.tap("04D00001")
    pair(tmp_path / "a", server, "not-a-token")
    with pytest.raises(sync_client.AuthRejected, match="pair the kiosk again"):
        _client(tmp_path / "a").cycle()
    a.ledger.close()


def test_not_paired(tmp_path: Path, clock: FakeClock) -> None:
    a = kiosk_service(tmp_path / "a", clock)
    with pytest.raises(SyncError, match="not paired"):
        SyncClient(tmp_path / "a")
    a.ledger.close()


def test_redemption_gate(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from kiosk.syncstatus import save_status

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert sync_client.redemption_allowed(tmp_path, 10_000, None)
    assert sync_client.redemption_allowed(tmp_path, 500, 1000)
    assert not sync_client.redemption_allowed(tmp_path, 5000, 1000, now=now)
    save_status(tmp_path, {"last_ok": (now - timedelta(seconds=30)).isoformat()})
    assert sync_client.redemption_allowed(tmp_path, 5000, 1000, now=now)
    save_status(tmp_path, {"last_ok": (now - timedelta(minutes=30)).isoformat()})
    assert not sync_client.redemption_allowed(tmp_path, 5000, 1000, now=now)
