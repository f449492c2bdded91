"""Hostile input on every endpoint (beside Schemathesis): chain attacks, out-of-range values,
depth, size and encoding. Each is refused with a 4xx naming the event and field, nothing of
it is stored, no request gets a 5xx, and the chains the server holds stay whole."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import KioskEvents, Shop, make_shop

from kiosk.domain.events import GENESIS_HASH, POINTS, Event, EventDraft, EventKind, Posting
from sync.server.app import create_app

EVENTS = "/api/v1/events"


@pytest.fixture
def shop(db_url: str) -> Shop:
    return make_shop(db_url, "Hostile Cafe")


@pytest.fixture
def client(db_url: str, shop: Shop) -> Iterator[TestClient]:
    app = create_app(db_url)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.engine.dispose()


def _all_events(client: TestClient, shop: Shop) -> list[dict[str, Any]]:
    r = client.get(EVENTS, params={"limit": 5000}, headers=shop.kiosk_headers("k2"))
    assert r.status_code == 200
    events: list[dict[str, Any]] = r.json()["events"]
    return events


def _assert_whole_chains(events: list[dict[str, Any]]) -> None:
    """Every kiosk's events, in cursor order, are seq 1, 2, 3... each naming the one before."""
    heads: dict[str, tuple[int, str]] = {}
    for e in events:
        seq, prev = heads.get(e["kiosk"], (0, GENESIS_HASH))
        assert (e["seq"], e["prev"]) == (seq + 1, prev), e
        heads[e["kiosk"]] = (e["seq"], e["hash"])


def _rehash(event: Event, **changes: Any) -> Event:
    changed = replace(event, **changes)
    return replace(changed, hash=changed.computed_hash())


def _push(client: TestClient, shop: Shop, events: list[dict[str, Any]]) -> Any:
    return client.post(EVENTS, json={"events": events}, headers=shop.kiosk_headers("k1"))


# ---- the chain ------------------------------------------------------------------------------


def test_chain_attacks_are_refused_and_nothing_breaks_a_chain(client: TestClient, shop: Shop) -> None:
    k = KioskEvents("kiosk-h1")
    first = k.visits(5)
    assert _push(client, shop, [e.to_dict() for e in first]).json()["stored"] == 5
    nxt = k.visits(1)[0]  # seq 6, the honest next link
    attacks: dict[str, tuple[Event, int, str]] = {
        "forged previous hash": (_rehash(nxt, prev="f" * 32), 409, "events[0].prev"),
        "reused sequence number": (_rehash(nxt, seq=3, prev=first[1].hash), 409, "events[0].seq"),
        "a jump of 5": (_rehash(nxt, seq=11), 409, "events[0].seq"),
        "a rewrite of an earlier event": (
            _rehash(first[2], data={"note": "rewritten"}),
            409,
            "events[0]",
        ),
        "seq 2**64-1": (_rehash(nxt, seq=2**64 - 1), 422, "events[0].seq"),
    }
    for name, (event, status, fld) in attacks.items():
        r = _push(client, shop, [event.to_dict()])
        assert r.status_code == status, (name, r.text)
        body = r.json()
        assert body["field"].startswith(fld), (name, body)
        assert "detail" in body and (status == 422 or body["event"] == event.id), (name, body)
    gap = _push(client, shop, [attacks["a jump of 5"][0].to_dict()]).json()
    assert (gap["missing_from"], gap["missing_to"]) == (6, 10)
    # a replay of what is stored stays a no-op; the honest next link is taken
    replay = _push(client, shop, [e.to_dict() for e in first]).json()
    assert replay == {"stored": 0, "duplicates": 5, "cursor": 5}
    assert _push(client, shop, [nxt.to_dict()]).json()["stored"] == 1
    stored = _all_events(client, shop)
    assert [e["id"] for e in stored] == [e.id for e in [*first, nxt]]
    _assert_whole_chains(stored)


def test_a_batch_is_taken_in_sequence_order_and_a_fork_refuses_the_whole_batch(
    client: TestClient, shop: Shop
) -> None:
    k = KioskEvents("kiosk-h2")
    events = k.visits(6)
    # shuffled inside one batch: still one chain
    assert _push(client, shop, [e.to_dict() for e in reversed(events[:3])]).json()["stored"] == 3
    fork = _rehash(events[4], seq=4, prev=events[2].hash, member="m-other")
    r = _push(client, shop, [events[3].to_dict(), fork.to_dict()])
    assert r.status_code == 409 and r.json()["event"] == fork.id
    assert len(_all_events(client, shop)) == 3
    assert _push(client, shop, [e.to_dict() for e in events[3:]]).json()["stored"] == 3
    _assert_whole_chains(_all_events(client, shop))


# ---- values ---------------------------------------------------------------------------------


def _first(k: KioskEvents, **draft: Any) -> Event:
    return k.stamp(EventDraft(**{"kind": EventKind.POINTS_EARNED, "member": "m-1", **draft}))


BAD_VALUES: dict[str, tuple[Callable[[Event], dict[str, Any]], str]] = {
    "posting of 2**63": (lambda e: _rehash(e, postings=(Posting(POINTS, 2**63),)).to_dict(), "postings[0]"),
    "posting of -2**63": (
        lambda e: _rehash(e, postings=(Posting(POINTS, -(2**63)),)).to_dict(),
        "postings[0]",
    ),
    "NUL in a member id": (lambda e: _rehash(e, member="m\x00").to_dict(), "member"),
    "NUL in data": (lambda e: _rehash(e, data={"note": "a\x00b"}).to_dict(), "data.note"),
    "an id that is no UUID": (lambda e: _rehash(e, id="not-a-uuid").to_dict(), "id"),
    "a UUIDv4 id": (lambda e: _rehash(e, id="0b8f3f0e-6c1a-4d3e-9a55-3f1f2b8e9c01").to_dict(), "id"),
    "a 10 kB kiosk name": (lambda e: _rehash(e, kiosk="k" * 10_000).to_dict(), "kiosk"),
    "data 50 deep": (lambda e: _rehash(e, data=_nested(50)).to_dict(), "data"),
    "a number past 2**53 in data": (lambda e: _rehash(e, data={"n": 2**70}).to_dict(), "data.n"),
    "infinity in data": (lambda e: _rehash(e, data={"n": float("inf")}).to_dict(), "data.n"),
    "a previous hash that is no hash": (lambda e: _rehash(e, prev="x").to_dict(), "prev"),
    "a seq past 2**53": (lambda e: _rehash(e, seq=2**53).to_dict(), "seq"),
    "a reversed event that is no event id": (lambda e: _rehash(e, reverses="last-one").to_dict(), "reverses"),
    "a 300-character card": (lambda e: _rehash(e, card="4" * 300).to_dict(), "card"),
    "a control character in the actor": (lambda e: _rehash(e, actor="staff\x01").to_dict(), "actor"),
}


def _nested(depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(depth):
        out = {"a": out}
    return out


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_values_out_of_bounds_are_refused_naming_the_field(client: TestClient, shop: Shop, name: str) -> None:
    build, fld = BAD_VALUES[name]
    raw = build(_first(KioskEvents("kiosk-h3")))
    body = json.dumps({"events": [raw]}).encode()  # (Infinity as Python's json writes it)
    r = client.post(EVENTS, content=body, headers=shop.kiosk_headers("k1"))
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(f"events[0].{fld}") and r.json()["index"] == 0
    assert _all_events(client, shop) == []


def test_bodies_deep_huge_or_badly_encoded_get_a_4xx(client: TestClient, shop: Shop) -> None:
    deep = b'{"events":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    bomb = gzip.compress(b"[" * (20 * 1024 * 1024))
    cases = [
        (deep, {}),
        (b"\xff\xfe{}", {}),
        (b'{"events": [NaN]}', {}),
        (bomb, {"Content-Encoding": "gzip"}),
        (b"x" * (5 * 1024 * 1024), {}),
        (json.dumps({"events": [{"id": "\ud800"}]}).encode(), {}),
    ]
    for body, headers in cases:
        r = client.post(EVENTS, content=body, headers={**shop.kiosk_headers("k1"), **headers})
        assert 400 <= r.status_code < 500, (body[:40], r.status_code, r.text)
    assert _all_events(client, shop) == []


# ---- heartbeat, program, kiosks: every owner-facing answer stays answerable ------------------


def test_a_deep_or_odd_heartbeat_is_refused_and_the_kiosk_list_still_answers(
    client: TestClient, shop: Shop
) -> None:
    deep: Any = {}
    for _ in range(255):
        deep = {"a": deep}
    bodies = [
        json.dumps({"pending": 1, "status": deep}).encode(),
        b'{"pending": 1, "status": {"x": NaN}}',
        b'{"pending": 1, "status": {"x": 1e999}}',
        json.dumps({"pending": 1, "hardware": {"r": "x" * 100_000}}).encode(),
        json.dumps({"pending": 1, "hardware": {"r": "a\x00b"}}).encode(),
        json.dumps({"pending": 2**70}).encode(),
        json.dumps({"pending": 1, "status": {"\ud800": 1}}).encode(),
        b"[" * 50_000,
    ]
    for body in bodies:
        r = client.post("/api/v1/heartbeat", content=body, headers=shop.kiosk_headers("k1"))
        assert 400 <= r.status_code < 500, (body[:60], r.status_code, r.text)
        assert "detail" in r.json()
    ok = client.post("/api/v1/heartbeat", json={"pending": 3}, headers=shop.kiosk_headers("k1"))
    assert ok.status_code == 200
    r = client.get("/api/v1/kiosks", headers=shop.owner_headers)
    assert r.status_code == 200 and {k["name"]: k["pending"] for k in r.json()["kiosks"]}["k1"] == 3


def test_a_heartbeat_stored_before_the_bounds_does_not_break_the_kiosk_list(
    db_url: str, client: TestClient, shop: Shop
) -> None:
    import sqlalchemy as sa

    from sync.server import db

    deep = "[" * 5000 + "]" * 5000
    engine = db.make_engine(db_url)
    with db.write_tx(engine) as conn:
        conn.execute(sa.update(db.kiosks).where(db.kiosks.c.name == "k1").values(heartbeat=deep))
    engine.dispose()
    r = client.get("/api/v1/kiosks", headers=shop.owner_headers)
    assert r.status_code == 200
    assert "unreadable" in {k["name"]: k for k in r.json()["kiosks"]}["k1"]["heartbeat"]


GOOD_PROGRAM = """
[program]
id = "coffee"
version = 2
[[stamp_card]]
id = "coffee"
name = "Coffee card"
reward = "a free coffee"
reward_at = 10
"""


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        (GOOD_PROGRAM.replace('id = "coffee"\nversion', "id = 'BAD ID'\nversion"), "program.id"),
        (GOOD_PROGRAM.replace("version = 2", "version = -3"), "program.version"),
        ("a = " + "[" * 10_000 + "]" * 10_000, "nested"),
        ("x = {" * 10_000 + "}" * 10_000, "toml"),
        (GOOD_PROGRAM + "[points]\nper_unit = 1e308\n", "points.per_unit"),
        (GOOD_PROGRAM.replace("reward_at = 10", "reward_at = 1180591620717411303424"), "reward_at"),
        ("not toml at all = = =", "not valid TOML"),
        (GOOD_PROGRAM + "[visits]\ncooldown_seconds = -1\n", "visits.cooldown_seconds"),
    ],
)
def test_a_program_a_kiosk_would_refuse_is_refused_with_a_clear_422(
    client: TestClient, shop: Shop, toml: str, names: str
) -> None:
    r = client.put("/api/v1/program", json={"toml": toml}, headers=shop.owner_headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "toml" and names in r.json()["detail"]
    assert client.get("/api/v1/program", headers=shop.owner_headers).status_code == 404


def test_a_program_the_server_takes_is_one_the_kiosk_loader_takes(
    client: TestClient, shop: Shop, tmp_path: Any
) -> None:
    from kiosk.domain.program import load_program

    r = client.put("/api/v1/program", json={"toml": "\ufeff" + GOOD_PROGRAM}, headers=shop.owner_headers)
    assert r.status_code == 200, r.text
    served = client.get("/api/v1/program", headers=shop.kiosk_headers("k1")).json()["toml"]
    path = tmp_path / "program.toml"
    path.write_text(served, encoding="utf-8")
    assert load_program(path) is not None


# ---- logins: throttled, and a flood of wrong passwords does not take the server's memory ----


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_passwords_are_throttled_and_the_owner_gets_in_within_a_minute(
    db_url: str, shop: Shop
) -> None:
    from server_helpers import basic

    from sync.server.throttle import LoginThrottle

    clock = _Clock()
    app = create_app(db_url)
    app.state.login_throttle = LoginThrottle(clock=clock)
    wrong = basic(shop.owner, "not the password")
    try:
        with TestClient(app, client=("192.0.2.7", 5000)) as guesser:
            codes = [guesser.get("/api/v1/kiosks", headers=wrong).status_code for _ in range(12)]
            assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
            r = guesser.get("/api/v1/kiosks", headers=wrong)
            assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
            # while the account is locked even the right password waits (no oracle)...
            with TestClient(app, client=("198.51.100.9", 5000)) as owner:
                locked = owner.get("/api/v1/kiosks", headers=shop.owner_headers)
                assert locked.status_code == 429 and int(locked.headers["Retry-After"]) <= 60
                # ...for at most a minute, however long the guessing went on
                for _ in range(200):
                    guesser.get("/api/v1/kiosks", headers=wrong)
                clock.now += 60
                assert owner.get("/api/v1/kiosks", headers=shop.owner_headers).status_code == 200
            # a guesser who keeps at it waits longer and longer (its address up to 15 minutes),
            # while the account is never locked for more than a minute
            waits = []
            for _ in range(12):
                r = guesser.get("/api/v1/kiosks", headers=wrong)
                if r.status_code == 429:
                    waits.append(int(r.headers["Retry-After"]))
                    clock.now += waits[-1]
            assert waits == sorted(waits) and waits[-1] > 60
            with TestClient(app, client=("198.51.100.9", 5000)) as owner:
                r = owner.get("/api/v1/kiosks", headers=shop.owner_headers)
                assert r.status_code == 200 or int(r.headers["Retry-After"]) <= 60
    finally:
        app.state.engine.dispose()


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_a_concurrent_wrong_password_flood_keeps_the_server_memory_bounded(tmp_path: Any) -> None:
    """200 concurrent wrong passwords over loopback from 40 addresses (127.0.0.x), against a
    real server process with the real scrypt cost: its memory stays bounded (scrypt runs in
    a pool of two), it answers 401/429/503 only, and kiosks are still served."""
    import threading

    import httpx

    from sync.server import db, store
    from tests.devcluster import ServerProcess

    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    store.init_shop(engine, "Flood Cafe", "owner@flood.example", "the real password")  # real cost
    token = store.add_kiosk(engine, "Flood Cafe", "k1")
    engine.dispose()
    statuses: list[int] = []
    lock = threading.Lock()
    with ServerProcess(url) as server:
        base = server.base_url
        with httpx.Client(base_url=base) as http:
            assert http.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        before = _rss_kb(server.proc.pid)
        start = threading.Barrier(40)

        def flood(i: int) -> None:
            transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + i}")
            with httpx.Client(base_url=base, transport=transport, timeout=120) as http:
                start.wait()
                for _ in range(5):
                    r = http.get("/api/v1/kiosks", auth=(f"owner{i}@flood.example", "wrong password"))
                    with lock:
                        statuses.append(r.status_code)

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        peak = before
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_kb(server.proc.pid))
            threads[0].join(0.05)
        for t in threads:
            t.join()
        with httpx.Client(base_url=base) as http:
            assert http.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert len(statuses) == 200 and set(statuses) <= {401, 429, 503}
    # two scrypt checks of 16 MiB at a time, plus the requests' own buffers
    assert peak - before < 150 * 1024, (before, peak)


def test_the_server_database_is_created_private(tmp_path: Any) -> None:
    import stat

    from sync.server import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        db.migrate(engine)
        with db.read_tx(engine) as conn:  # (opens the WAL)
            conn.execute(db.shops.select()).all()
        for name in ("server.db", "server.db-wal", "server.db-shm"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        engine.dispose()


def test_queries_paths_and_headers_out_of_range_never_get_a_5xx(client: TestClient, shop: Shop) -> None:
    kiosk, owner = shop.kiosk_headers("k1"), shop.owner_headers
    odd = ["-1", "2" * 40, "1e3", "NaN", "%00", "%FF%FE", "０", ""]
    requests: list[tuple[str, str, dict[str, str]]] = []
    for value in odd:
        requests += [
            ("GET", f"/api/v1/events?after={value}&limit={value}", kiosk),
            ("GET", f"/api/v1/backup/events?after={value}", owner),
            ("GET", f"/api/v1/kiosks/{value or 'x'}", owner),
            ("POST", f"/api/v1/kiosks/{value or 'x'}/revoke", owner),
        ]
    requests += [
        ("GET", "/api/v1/kiosks/" + "k" * 10_000, owner),
        ("GET", "/api/v1/events", {"Authorization": "Bearer " + "x" * 100_000}),
        ("GET", "/api/v1/kiosks", {"Authorization": "Basic " + "%%%"}),
        ("GET", "/api/v1/kiosks", {"Authorization": "Basic " + "QUFB" * 2000}),
        ("GET", "/api/v1/program", {"Authorization": "Bearer \u00e9\u00e9"}),
        ("GET", "/api/v1/flags", owner),
    ]
    for method, path, headers in requests:
        try:
            r = client.request(method, path, headers=headers)
        except UnicodeEncodeError:
            continue  # (the client itself cannot send this header)
        assert r.status_code < 500, (method, path[:80], r.status_code, r.text[:200])


def test_password_checks_past_the_queue_are_refused_with_503(
    client: TestClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from sync.server import auth

    full = threading.BoundedSemaphore(1)
    full.acquire()  # as if SCRYPT_QUEUE checks were already waiting
    monkeypatch.setattr(auth, "_queued", full)
    r = client.get("/api/v1/kiosks", headers=shop.owner_headers)
    assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1
    monkeypatch.undo()
    assert client.get("/api/v1/kiosks", headers=shop.owner_headers).status_code == 200


def test_events_of_another_kiosk_are_refused_naming_the_field(client: TestClient, shop: Shop) -> None:
    mine, other = KioskEvents("kiosk-h4"), KioskEvents("kiosk-h5")
    mixed = [mine.visits(1)[0].to_dict(), other.visits(1)[0].to_dict()]
    r = _push(client, shop, mixed)
    assert r.status_code == 403 and r.json()["field"] == "events[1].kiosk"
    assert _push(client, shop, mixed[:1]).status_code == 200
    r = _push(client, shop, mixed[1:])  # the token's kiosk is kiosk-h4 now
    assert r.status_code == 403 and r.json()["field"] == "events[0].kiosk"
    assert [e["id"] for e in _all_events(client, shop)] == [mixed[0]["id"]]
