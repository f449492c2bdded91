"""The push route's own path (sync.server.push): it answers like the framework's route, keeps
revocation immediate despite remembering tokens, fails as JSON without event data, and its
group-commit thread comes and goes with the work."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from server_helpers import KioskEvents, Shop, bearer, make_shop, payload

from sync.server import db, eventlog, store
from sync.server.app import create_app

EVENTS = "/api/v1/events"


@pytest.fixture
def shop(db_url: str) -> Shop:
    return make_shop(db_url, "Cafe A")


@pytest.fixture
def apps(db_url: str, shop: Shop) -> Iterator[tuple[TestClient, TestClient]]:
    """Two server processes' apps on one database."""
    first, second = create_app(db_url), create_app(db_url)
    with TestClient(first) as a, TestClient(second) as b:
        yield a, b
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_a_token_revoked_elsewhere_is_refused_at_once(
    apps: tuple[TestClient, TestClient], shop: Shop
) -> None:
    here, elsewhere = apps
    events = KioskEvents("kiosk-1")
    assert (
        here.post(EVENTS, json=payload(events.visits(3)), headers=shop.kiosk_headers("k1")).json()["stored"]
        == 3
    )
    # the owner revokes the kiosk through the other server process
    r = elsewhere.post("/api/v1/kiosks/k1/revoke", headers=shop.owner_headers)
    assert r.json() == {"revoked": True}
    for _ in range(2):  # the first refusal forgets the token; the second asks the database
        r = here.post(EVENTS, json=payload(events.visits(2)), headers=shop.kiosk_headers("k1"))
        assert r.status_code == 401, r.text
        assert "revoked" in r.json()["detail"] or "valid kiosk token" in r.json()["detail"]
    assert here.get(EVENTS, headers=shop.kiosk_headers("k1")).status_code == 401
    # nothing of the refused pushes was stored
    assert here.get(EVENTS, headers=shop.kiosk_headers("k2")).json()["cursor"] == 3


def test_the_framework_route_answers_the_same(db_url: str, shop: Shop) -> None:
    """The declared route (OpenAPI) and the fast path give the same answers."""
    app = create_app(db_url)

    async def through_framework(scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    events = KioskEvents("kiosk-1")
    first, second = events.visits(4), events.visits(4)
    bad = [e.to_dict() for e in events.visits(1)]
    bad[0]["seq"] = "one"
    try:
        answers = []
        with TestClient(app) as fast, TestClient(through_framework) as framework:  # type: ignore[arg-type]
            for client, batch in ((fast, first), (framework, second)):
                headers = shop.kiosk_headers("k1")
                r1 = client.post(EVENTS, json=payload(batch), headers=headers)
                r2 = client.post(EVENTS, json=payload(batch), headers=headers)
                r3 = client.post(EVENTS, json={"events": bad}, headers=headers)
                r4 = client.post(EVENTS, json=payload(batch), headers=bearer("kt_nonsense"))
                r5 = client.post(EVENTS, content=b"{not json", headers=headers)
                answers.append(
                    [
                        (r.status_code, {k: v for k, v in r.json().items() if k != "cursor"})
                        for r in (r1, r2, r3, r4, r5)
                    ]
                )
                assert r4.headers["www-authenticate"] == "Bearer"
        assert answers[0] == answers[1]
        assert [status for status, _ in answers[0]] == [200, 200, 422, 401, 400]
        assert answers[0][2][1]["field"] == "events[0].seq"
    finally:
        app.state.engine.dispose()


def test_an_unexpected_failure_is_a_json_500_without_event_data(
    db_url: str, shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> Future[store.PushResult]:
        raise RuntimeError("database said no about member m-secret-42")

    monkeypatch.setattr(store, "submit_push", broken)
    app = create_app(db_url)
    try:
        with TestClient(app) as client, caplog.at_level(logging.DEBUG):
            r = client.post(
                EVENTS, json=payload(KioskEvents("kiosk-1").visits(2)), headers=shop.kiosk_headers("k1")
            )
        assert r.status_code == 500
        assert r.json() == {"detail": "internal server error"}
        assert "RuntimeError" in caplog.text
        assert "m-secret-42" not in caplog.text
    finally:
        app.state.engine.dispose()


def _commit_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "kanta-group-commit")


def test_the_commit_thread_ends_when_idle_and_returns_with_work(
    db_url: str, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog._GroupCommitter, "IDLE_S", 0.05)
    engine = db.make_engine(db_url)
    try:
        kiosk = store.kiosk_for_token(engine, shop.tokens["k1"])
        assert kiosk is not None
        events = KioskEvents("kiosk-1")
        before = _commit_threads()
        for round_ in range(2):
            batch = store.validate_batch([e.to_dict() for e in events.visits(5)])
            future = store.submit_push(engine, kiosk, batch)
            assert not future.cancel()  # once queued, a push is stored whether or not anyone waits
            assert future.result(timeout=30).stored == 5
            deadline = time.monotonic() + 10
            while _commit_threads() > before and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _commit_threads() == before, f"round {round_}: the commit thread did not end"
        assert store.shop_cursor(engine, kiosk.shop_id) == 10
    finally:
        engine.dispose()
