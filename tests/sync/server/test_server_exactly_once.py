"""Exactly-once effect: every kiosk pushes its batches in order, each up to 3 times with a
third of the responses dropped (a gap the server names is sent again, as the sync client
does), and the server is killed inside and just after commits and at random. At the end every event is stored
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
from tests.devcluster import ServerProcess, free_port

KIOSKS = ("k1", "k2", "k3")
BATCHES = 8
PER_BATCH = 50
#: one server per round: a crash inside the Nth storing commit, just after it, a SIGKILL from
#: outside at a random moment, ...; then a clean server answers what is left
CRASHES = ("before-commit:2", "after-commit:2", "kill", "before-commit:3")


def _push(http: httpx.Client, shop: Shop, kiosk: str, batch: list[Event], drop: bool) -> int | None:
    """Push one batch as the kiosk does: None when answered (or deliberately not listened
    to); the sequence number to resend from when the server named a gap; -1 if it died."""
    timeout = httpx.Timeout(10.0, read=0.002) if drop else httpx.Timeout(30.0)
    try:
        r = http.post(
            "/api/v1/events", json=payload(batch), headers=shop.kiosk_headers(kiosk), timeout=timeout
        )
    except httpx.ReadTimeout:
        return None if drop else -1  # dropped: the server may or may not have stored the batch
    except httpx.TransportError:
        return -1
    if r.status_code == 409 and "missing_from" in r.json():
        return int(r.json()["missing_from"])
    assert r.status_code == 200, r.text
    return None


def _kiosk_round(
    http: httpx.Client, shop: Shop, kiosk: str, batches: list[list[Event]], start: int, rng: random.Random
) -> int:
    """One kiosk's sync: its batches in order from ``start``, each sent up to three times with
    some responses dropped; a gap the server names sends from there again. Returns the batch to
    start from next time (len(batches) when all were answered)."""
    index = start
    while index < len(batches):
        outcome: int | None = None
        for _ in range(rng.randint(1, 3)):
            outcome = _push(http, shop, kiosk, batches[index], rng.random() < 1 / 3)
            if outcome is not None:
                break
        if outcome == -1:
            return index
        if outcome is not None:  # a gap: resend from the batch holding the missing event
            index = next(i for i, b in enumerate(batches) if b[-1].seq >= outcome)
            continue
        index += 1
    # a last, listened-to push of the final batch confirms the dropped responses' batches landed
    if batches and _push(http, shop, kiosk, batches[-1], False) is not None:
        return _kiosk_round(http, shop, kiosk, batches, 0, rng)
    return index


@pytest.mark.slow
def test_replays_dropped_responses_and_crashes_store_every_event_once(db_url: str) -> None:
    shop = make_shop(db_url, "Crash Cafe", kiosks=KIOSKS)
    streams = {k: KioskEvents(f"kiosk-{k}") for k in KIOSKS}
    rng = random.Random(6)
    batches: dict[str, list[list[Event]]] = {k: [] for k in KIOSKS}
    resume = dict.fromkeys(KIOSKS, 0)
    port = free_port()
    crashed = 0
    for spec in CRASHES:
        # fresh events every round, so each crash point (the Nth commit that stores
        # something new) is reached; what earlier rounds left undone is retried with them
        for k in KIOSKS:
            batches[k] += [streams[k].visits(PER_BATCH, members=40) for _ in range(BATCHES)]
        server = ServerProcess(
            db_url, port=port, env={"KANTA_SERVER_TEST_CRASH": spec} if spec != "kill" else {}
        )
        killer = None
        if spec == "kill":
            killer = threading.Timer(rng.uniform(0.02, 0.15), server.kill)
            killer.start()
        jobs = [(k, batches[k], resume[k], random.Random(rng.random())) for k in KIOSKS]
        try:
            with ThreadPoolExecutor(len(KIOSKS)) as pool, httpx.Client(base_url=server.base_url) as http:
                ends = pool.map(lambda job, h=http: _kiosk_round(h, shop, *job), jobs)
                resume = dict(zip(KIOSKS, ends, strict=True))
        finally:
            if killer is not None:
                killer.cancel()
            crashed += server.proc.poll() is not None
            server.stop()
    flat = [(k, batch) for k in KIOSKS for batch in batches[k]]
    everything = [e for _, batch in flat for e in batch]
    # the three crashes inside and after commits always happen; the outside kill is timed
    assert crashed >= 3, "the fault injection did not take effect"
    # a clean server: the whole history once more, then again: nothing new either time
    with ServerProcess(db_url, port=port) as server, httpx.Client(base_url=server.base_url) as http:
        for k in KIOSKS:
            assert _kiosk_round(http, shop, k, batches[k], resume[k], rng) == len(batches[k])
        for round_ in range(2):
            stored = 0
            for k, batch in flat:
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
