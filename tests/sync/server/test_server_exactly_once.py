"""Exactly-once effect: every batch pushed 3 times, a third of the responses dropped, and the
server killed inside and just after commits and at random. At the end every event is stored
once, cursors are 1..N with no gap, and the totals are those of the events pushed."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from server_helpers import KioskEvents, Shop, make_shop, payload

from kiosk.domain.events import STAMPS, Event
from sync.server import db
from sync.server.devcluster import ServerProcess, free_port

KIOSKS = ("k1", "k2", "k3")
BATCHES = 8
PER_BATCH = 50
#: one server per round: a crash inside the Nth storing commit, just after it, a SIGKILL from
#: outside at a random moment, ...; then a clean server answers what is left
CRASHES = ("before-commit:2", "after-commit:2", "kill", "before-commit:3")


def _push(http: httpx.Client, shop: Shop, kiosk: str, batch: list[Event], drop: bool) -> bool:
    """True when the push was answered (or deliberately not listened to); False if the server died."""
    timeout = httpx.Timeout(10.0, read=0.002) if drop else httpx.Timeout(30.0)
    try:
        r = http.post(
            "/api/v1/events", json=payload(batch), headers=shop.kiosk_headers(kiosk), timeout=timeout
        )
    except httpx.ReadTimeout:
        return drop  # the response was dropped; the server may or may not have stored the batch
    except httpx.TransportError:
        return False
    assert r.status_code == 200, r.text
    return True


@pytest.mark.slow
def test_replays_dropped_responses_and_crashes_store_every_event_once(db_url: str) -> None:
    shop = make_shop(db_url, "Crash Cafe", kiosks=KIOSKS)
    streams = {k: KioskEvents(f"kiosk-{k}") for k in KIOSKS}
    rng = random.Random(6)
    batches: list[tuple[str, list[Event]]] = []
    todo: list[tuple[str, list[Event], bool]] = []
    port = free_port()
    crashed = 0
    for spec in CRASHES:
        # fresh events every round, so each crash point (the Nth commit that stores
        # something new) is reached; what earlier rounds left undone is retried with them
        fresh = [(k, streams[k].visits(PER_BATCH, members=40)) for k in KIOSKS for _ in range(BATCHES)]
        batches += fresh
        todo += [(k, batch, rng.random() < 1 / 3) for k, batch in fresh for _ in range(3)]
        rng.shuffle(todo)
        server = ServerProcess(
            db_url, port=port, env={"KANTA_SERVER_TEST_CRASH": spec} if spec != "kill" else {}
        )
        killer = None
        if spec == "kill":
            killer = threading.Timer(rng.uniform(0.02, 0.15), server.kill)
            killer.start()
        try:
            with ThreadPoolExecutor(len(KIOSKS)) as pool, httpx.Client(base_url=server.base_url) as http:
                done = list(pool.map(lambda item, h=http: _push(h, shop, *item), todo))
        finally:
            if killer is not None:
                killer.cancel()
            crashed += server.proc.poll() is not None
            server.stop()
        todo = [item for item, ok in zip(todo, done, strict=True) if not ok]
    everything = [e for _, batch in batches for e in batch]
    # the three crashes inside and after commits always happen; the outside kill is timed
    assert crashed >= 3, "the fault injection did not take effect"
    # a clean server: the whole history once more, then again: nothing new either time
    with ServerProcess(db_url, port=port) as server, httpx.Client(base_url=server.base_url) as http:
        assert all(_push(http, shop, k, batch, False) for k, batch, _ in todo)
        for round_ in range(2):
            stored = 0
            for k, batch in batches:
                r = http.post("/api/v1/events", json=payload(batch), headers=shop.kiosk_headers(k))
                assert r.status_code == 200
                body = r.json()
                assert body["duplicates"] + body["stored"] == PER_BATCH and body["cursor"] == len(everything)
                stored += body["stored"]
            if round_ == 1:
                assert stored == 0
        pulled: list[dict[str, object]] = []
        cursor = 0
        while True:
            page = http.get(
                "/api/v1/events", params={"after": cursor, "limit": 500}, headers=shop.kiosk_headers("k1")
            )
            pulled += page.json()["events"]
            cursor = page.json()["cursor"]
            if not page.json()["more"]:
                break
    assert cursor == len(everything)
    assert sorted(e["id"] for e in pulled) == sorted(e.id for e in everything)  # type: ignore[type-var]
    by_id = {e.id: e.to_dict() for e in everything}
    assert all(by_id[str(e["id"])] == e for e in pulled)
    engine = db.make_engine(db_url)
    try:
        with db.read_tx(engine) as conn:
            cursors = conn.execute(sa.select(db.events.c.cursor).order_by(db.events.c.cursor)).scalars().all()
            shop_cursor = conn.execute(sa.select(db.shops.c.cursor)).scalar_one()
    finally:
        engine.dispose()
    assert cursors == list(range(1, len(everything) + 1)) and shop_cursor == len(everything)
    # server totals: every stamp once
    total = sum(p[1] for e in pulled for p in e["postings"] if p[0] == STAMPS)  # type: ignore[attr-defined]
    assert total == len(everything)
