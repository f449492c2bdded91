"""Two server processes on one database, kiosks pushing to both at once (and replaying each
batch to the other), while a reader pulls from both: every event stored once, and the
reader, which only ever moves forward, sees every event exactly once in cursor order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from server_helpers import KioskEvents, Shop, make_shop, payload

from kiosk.domain.events import Event
from sync.server import db
from tests.devcluster import ServerProcess

KIOSKS = tuple(f"k{i}" for i in range(6))
BATCHES = 8
PER_BATCH = 40


def _pusher(shop: Shop, kiosk: str, batches: list[list[Event]], bases: list[str]) -> int:
    stored = 0
    with httpx.Client(timeout=60) as http:
        for i, batch in enumerate(batches):
            for base in (bases[i % 2], bases[(i + 1) % 2]):  # to one server, then replayed to the other
                r = http.post(f"{base}/api/v1/events", json=payload(batch), headers=shop.kiosk_headers(kiosk))
                assert r.status_code == 200, r.text
                stored += r.json()["stored"]
    return stored


def _reader(shop: Shop, bases: list[str], stop: threading.Event, seen: list[tuple[int, str]]) -> None:
    cursor = 0
    turn = 0
    with httpx.Client(timeout=60) as http:
        while True:
            finishing = stop.is_set()
            page = http.get(
                f"{bases[turn % 2]}/api/v1/events",
                params={"after": cursor, "limit": 37},
                headers=shop.kiosk_headers("k0"),
            ).json()
            turn += 1
            assert page["cursor"] >= cursor
            seen.extend((cursor, e["id"]) for e in page["events"])
            cursor = page["cursor"]
            if finishing and not page["events"] and not page["more"]:
                return


@pytest.mark.slow
def test_two_servers_one_database(db_url: str) -> None:
    shop = make_shop(db_url, "Busy Cafe", kiosks=KIOSKS)
    streams = {k: KioskEvents(f"kiosk-{k}") for k in KIOSKS}
    work = {k: [streams[k].visits(PER_BATCH) for _ in range(BATCHES)] for k in KIOSKS}
    total = len(KIOSKS) * BATCHES * PER_BATCH
    with ServerProcess(db_url) as s1, ServerProcess(db_url) as s2:
        bases = [s1.base_url, s2.base_url]
        stop = threading.Event()
        seen: list[tuple[int, str]] = []
        reader = threading.Thread(target=_reader, args=(shop, bases, stop, seen))
        reader.start()
        try:
            with ThreadPoolExecutor(len(KIOSKS)) as pool:
                stored = sum(
                    pool.map(
                        lambda k: _pusher(shop, k, work[k], bases[::-1] if k[-1] in "135" else bases), KIOSKS
                    )
                )
        finally:
            stop.set()
            reader.join(timeout=120)
        assert stored == total
        # both servers answer the same thing
        for base in bases:
            page = httpx.get(
                f"{base}/api/v1/events", params={"after": total - 5}, headers=shop.kiosk_headers("k1")
            )
            assert page.json()["cursor"] == total and len(page.json()["events"]) == 5
    ids = [event_id for _, event_id in seen]
    assert len(ids) == len(set(ids)) == total, "the forward-only reader skipped or repeated events"
    assert set(ids) == {e.id for batches in work.values() for b in batches for e in b}
    engine = db.make_engine(db_url)
    try:
        with db.read_tx(engine) as conn:
            cursors = conn.execute(sa.select(db.events.c.cursor).order_by(db.events.c.cursor)).scalars().all()
    finally:
        engine.dispose()
    assert cursors == list(range(1, total + 1))
