"""The sync server's API over SQLite and PostgreSQL: push/pull, limits, auth, tenants, flags."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from server_helpers import PASSWORD, KioskEvents, Shop, basic, bearer, make_shop, payload

from kiosk.domain.events import Event
from sync.server import db, store
from sync.server.app import create_app
from sync.server.errors import ApiError

EVENTS = "/api/v1/events"


@pytest.fixture
def shops(db_url: str) -> tuple[Shop, Shop]:
    return make_shop(db_url, "Cafe A"), make_shop(db_url, "Cafe B")


@pytest.fixture
def client(db_url: str, shops: tuple[Shop, Shop]) -> Iterator[TestClient]:
    app = create_app(db_url)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/events", "/api/v1/program", "/api/v1/heartbeat", "/api/v1/flags"):
        assert path in spec["paths"]


def test_migrations_are_recorded_and_rerun_safely(db_url: str, client: TestClient) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.migrate(engine) == (db.SCHEMA_VERSION, db.SCHEMA_VERSION)
        with db.read_tx(engine) as conn:
            assert db.current_version(conn) == db.SCHEMA_VERSION
    finally:
        engine.dispose()


def test_push_then_pull_and_idempotent_replay(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    k1, k2 = KioskEvents("kiosk-1"), KioskEvents("kiosk-2")
    batch1, batch2 = k1.visits(30), k2.visits(20)
    r = client.post(EVENTS, json=payload(batch1), headers=a.kiosk_headers("k1"))
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 30, "duplicates": 0, "cursor": 30}
    r = client.post(EVENTS, json=payload(batch2), headers=a.kiosk_headers("k2"))
    assert r.json() == {"stored": 20, "duplicates": 0, "cursor": 50}
    # a replay, and an overlapping batch: nothing changes, and the server says so
    assert client.post(EVENTS, json=payload(batch1), headers=a.kiosk_headers("k1")).json() == {
        "stored": 0,
        "duplicates": 30,
        "cursor": 50,
    }
    more = k1.visits(5)
    r = client.post(EVENTS, json=payload(batch1[20:] + more), headers=a.kiosk_headers("k1"))
    assert r.json() == {"stored": 5, "duplicates": 10, "cursor": 55}
    # pull in pages, all kiosks' events in cursor order
    seen: list[dict[str, object]] = []
    cursor = 0
    while True:
        page = client.get(EVENTS, params={"after": cursor, "limit": 16}, headers=a.kiosk_headers("k2")).json()
        seen.extend(page["events"])
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert cursor == 55
    assert [e["id"] for e in seen] == [e.id for e in batch1 + batch2 + more]
    assert seen[0] == batch1[0].to_dict()
    empty = client.get(EVENTS, params={"after": 55}, headers=a.kiosk_headers("k1")).json()
    assert empty == {"events": [], "cursor": 55, "more": False}


def test_gzip_push(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    body = gzip.compress(json.dumps(payload(KioskEvents("kiosk-1").visits(10))).encode())
    r = client.post(
        EVENTS,
        content=body,
        headers={**a.kiosk_headers("k1"), "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.json()["stored"] == 10
    bad = client.post(
        EVENTS, content=body[:20], headers={**a.kiosk_headers("k1"), "Content-Encoding": "gzip"}
    )
    assert bad.status_code == 400


def test_limits_413(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    k = KioskEvents("kiosk-1")
    r = client.post(EVENTS, json=payload(k.visits(store.MAX_EVENTS + 1)), headers=a.kiosk_headers("k1"))
    assert r.status_code == 413
    assert r.json() == {"detail": "batch too large", "max_events": 1000, "max_bytes": 4194304}
    huge = b'{"events": [], "pad": "' + b"x" * (store.MAX_BYTES + 10) + b'"}'
    r = client.post(EVENTS, content=huge, headers=a.kiosk_headers("k1"))
    assert r.status_code == 413
    assert r.json()["max_bytes"] == store.MAX_BYTES
    bomb = gzip.compress(b'{"events": [], "pad": "' + b"x" * (store.MAX_BYTES + 10) + b'"}')
    r = client.post(EVENTS, content=bomb, headers={**a.kiosk_headers("k1"), "Content-Encoding": "gzip"})
    assert r.status_code == 413


def test_malformed_event_is_422_naming_the_field(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    events = [e.to_dict() for e in KioskEvents("kiosk-1").visits(5)]
    events[3]["postings"][0] = ["stamps", "one"]  # type: ignore[index]
    r = client.post(EVENTS, json={"events": events}, headers=a.kiosk_headers("k1"))
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "events[3].postings[0]" and body["index"] == 3
    assert "detail" in body
    del events[3]["postings"]
    events[1]["seq"] = 0
    r = client.post(EVENTS, json={"events": events}, headers=a.kiosk_headers("k1"))
    assert r.json()["field"] == "events[1].seq"
    # nothing of a refused batch is stored
    assert client.get(EVENTS, headers=a.kiosk_headers("k1")).json()["events"] == []
    for bad in (b"not json", b"[]", b'{"events": 5}', b'{"events": [5]}'):
        r = client.post(EVENTS, content=bad, headers=a.kiosk_headers("k1"))
        assert r.status_code in (400, 422), bad
        assert "detail" in r.json()


def test_same_id_other_content_is_409(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    k = KioskEvents("kiosk-1")
    first = k.visits(3)
    client.post(EVENTS, json=payload(first), headers=a.kiosk_headers("k1"))
    forged = first[1].to_dict()
    forged["member"] = "m-other"
    from kiosk.domain.events import event_from_dict

    forged["hash"] = event_from_dict(forged, verify_hash=False).computed_hash()
    r = client.post(EVENTS, json={"events": [forged]}, headers=a.kiosk_headers("k1"))
    assert r.status_code == 409
    assert first[1].id in r.json()["detail"]


def test_kiosk_id_is_bound_to_its_token(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    assert (
        client.post(
            EVENTS, json=payload(KioskEvents("kiosk-1").visits(2)), headers=a.kiosk_headers("k1")
        ).status_code
        == 200
    )
    # the same token pushing another kiosk's events
    r = client.post(EVENTS, json=payload(KioskEvents("kiosk-X").visits(2)), headers=a.kiosk_headers("k1"))
    assert r.status_code == 403
    # another token claiming kiosk-1's id
    r = client.post(
        EVENTS,
        json=payload(
            KioskEvents(
                "kiosk-1",
            ).visits(1)
        ),
        headers=a.kiosk_headers("k2"),
    )
    assert r.status_code == 403


def test_wrong_or_revoked_token_is_401(db_url: str, client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    for headers in ({}, bearer("kt_nonsense"), {"Authorization": "Bearer"}, basic(a.owner)):
        assert client.get(EVENTS, headers=headers).status_code == 401
    assert client.get("/api/v1/kiosks", headers=basic(a.owner, "wrong password")).status_code == 401
    assert client.get("/api/v1/kiosks", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert client.get("/api/v1/kiosks", headers=a.kiosk_headers("k1")).status_code == 401
    # revoked from the command line's path
    engine = db.make_engine(db_url)
    store.revoke_kiosk_by_shop_name(engine, a.name, "k1")
    engine.dispose()
    r = client.post(EVENTS, json=payload(KioskEvents("kiosk-1").visits(1)), headers=a.kiosk_headers("k1"))
    assert r.status_code == 401
    assert r.json()["detail"]
    # revoked by the owner over the API
    assert client.post("/api/v1/kiosks/k2/revoke", headers=a.owner_headers).json() == {"revoked": True}
    assert client.get(EVENTS, headers=a.kiosk_headers("k2")).status_code == 401
    kiosks = {k["name"]: k for k in client.get("/api/v1/kiosks", headers=a.owner_headers).json()["kiosks"]}
    assert kiosks["k1"]["revoked"] and kiosks["k2"]["revoked"]
    # re-pairing gives a new token; the old one stays dead
    engine = db.make_engine(db_url)
    new_token = store.add_kiosk(engine, a.name, "k1")
    engine.dispose()
    assert client.get(EVENTS, headers=bearer(new_token)).status_code == 200
    assert client.get(EVENTS, headers=a.kiosk_headers("k1")).status_code == 401


def test_shops_never_see_each_other(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, b = shops
    ka, kb = KioskEvents("kiosk-a"), KioskEvents("kiosk-b")
    batch_a = ka.visits(5)
    client.post(EVENTS, json=payload(batch_a), headers=a.kiosk_headers("k1"))
    client.post(EVENTS, json=payload(kb.visits(3)), headers=b.kiosk_headers("k1"))
    # B's kiosk sees only B's events; its cursor is B's own
    pulled = client.get(EVENTS, headers=b.kiosk_headers("k2")).json()
    assert len(pulled["events"]) == 3 and pulled["cursor"] == 3
    assert {e["kiosk"] for e in pulled["events"]} == {"kiosk-b"}
    # B pushing A's event ids stores them in B only (a copy, not a write into A)
    r = client.post(EVENTS, json=payload(batch_a[:2]), headers=b.kiosk_headers("k2"))
    assert r.status_code in (200, 403)
    assert len(client.get(EVENTS, headers=a.kiosk_headers("k2")).json()["events"]) == 5
    # owners: only their own kiosks, backups, program; another shop's kiosk is 404
    names = [k["name"] for k in client.get("/api/v1/kiosks", headers=b.owner_headers).json()["kiosks"]]
    assert names == ["k1", "k2"]
    assert client.get("/api/v1/kiosks/k1", headers=b.owner_headers).json()["kiosk_id"] == "kiosk-b"
    assert client.get("/api/v1/kiosks/nope", headers=a.owner_headers).status_code == 404
    backup = client.get("/api/v1/backup/events", headers=b.owner_headers).json()
    assert all(e["kiosk"] != "kiosk-a" or e["id"] in {x.id for x in batch_a[:2]} for e in backup["events"])
    a_rules = _program("a-rules", 1)
    assert client.put("/api/v1/program", json={"toml": a_rules}, headers=a.owner_headers).status_code == 200
    assert client.get("/api/v1/program", headers=b.kiosk_headers("k1")).status_code == 404
    assert client.get("/api/v1/program", headers=a.kiosk_headers("k1")).json()["toml"] == a_rules


def _program(ident: str, version: int, reward_at: int = 10) -> str:
    return (
        f'[program]\nid = "{ident}"\nversion = {version}\n\n'
        f'[[stamp_card]]\nid = "coffee"\nname = "Coffee"\nreward = "a coffee"\nreward_at = {reward_at}\n'
    )


def test_program_versions(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    assert client.get("/api/v1/program", headers=a.kiosk_headers("k1")).json() == {"detail": "no program set"}
    v1 = client.put("/api/v1/program", json={"toml": _program("p", 1)}, headers=a.owner_headers).json()
    v2 = client.put("/api/v1/program", json={"toml": _program("p", 2, 8)}, headers=a.owner_headers).json()
    assert v1["version"] != v2["version"]
    got = client.get("/api/v1/program", headers=a.kiosk_headers("k2")).json()
    assert got == {"version": v2["version"], "toml": _program("p", 2, 8)}
    assert client.get("/api/v1/program", headers=a.owner_headers).json() == got
    r = client.put("/api/v1/program", json={"toml": "[stamps\n"}, headers=a.owner_headers)
    assert r.status_code == 422 and r.json()["field"] == "toml"
    assert client.put("/api/v1/program", json={"toml": 5}, headers=a.owner_headers).status_code == 422
    assert (
        client.put("/api/v1/program", json={"toml": "x = 1"}, headers=a.kiosk_headers("k1")).status_code
        == 401
    )


def test_heartbeat_and_kiosk_list(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, _ = shops
    r = client.post(
        "/api/v1/heartbeat",
        json={"pending": 7, "hardware": {"reader": "ok"}, "status": {"version": "0.1"}},
        headers=a.kiosk_headers("k1"),
    )
    assert r.status_code == 200 and "T" in r.json()["server_time"]
    assert (
        client.post("/api/v1/heartbeat", json={"pending": -1}, headers=a.kiosk_headers("k1")).status_code
        == 422
    )
    kiosks = {k["name"]: k for k in client.get("/api/v1/kiosks", headers=a.owner_headers).json()["kiosks"]}
    assert kiosks["k1"]["pending"] == 7 and kiosks["k1"]["last_seen"]
    assert kiosks["k1"]["heartbeat"]["hardware"] == {"reader": "ok"}
    assert kiosks["k2"]["last_seen"] is None and kiosks["k2"]["revoked"] is False


def test_two_kiosks_redeeming_offline_both_keep_events_and_get_flagged(
    client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    a, _ = shops
    k1 = KioskEvents("kiosk-1")
    earned = [k1.stamp_visit("m-7") for _ in range(10)]
    k2 = KioskEvents("kiosk-2", start=k1.now)
    client.post(EVENTS, json=payload(earned), headers=a.kiosk_headers("k1"))
    # both kiosks know the member has 10 stamps; offline, each redeems the reward
    r1, r2 = k1.redeem("m-7"), k2.redeem("m-7")
    assert client.post(EVENTS, json=payload([r1]), headers=a.kiosk_headers("k1")).json()["stored"] == 1
    assert client.post(EVENTS, json=payload([r2]), headers=a.kiosk_headers("k2")).json()["stored"] == 1
    ids = [e["id"] for e in client.get(EVENTS, headers=a.kiosk_headers("k1")).json()["events"]]
    assert r1.id in ids and r2.id in ids
    flags = client.get("/api/v1/flags", headers=a.owner_headers).json()["flags"]
    assert len(flags) == 1
    assert flags[0]["member"] == "m-7" and flags[0]["accounts"] == ["stamps"]
    assert flags[0]["events"] == [max((r1, r2), key=lambda e: e.hlc).id]
    # members who only ever earned are never flagged; a member who earned it back is cleared
    client.post(
        EVENTS, json=payload([k1.stamp_visit("m-7") for _ in range(10)]), headers=a.kiosk_headers("k1")
    )
    assert client.get("/api/v1/flags", headers=a.owner_headers).json() == {"flags": []}


def test_cursor_is_contiguous_and_per_shop(db_url: str, client: TestClient, shops: tuple[Shop, Shop]) -> None:
    a, b = shops
    client.post(EVENTS, json=payload(KioskEvents("ka").visits(4)), headers=a.kiosk_headers("k1"))
    client.post(EVENTS, json=payload(KioskEvents("kb").visits(2)), headers=b.kiosk_headers("k1"))
    client.post(EVENTS, json=payload(KioskEvents("ka2").visits(3)), headers=a.kiosk_headers("k2"))
    engine = db.make_engine(db_url)
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(db.events.c.shop_id, db.events.c.cursor).order_by(db.events.c.cursor)
        ).all()
    engine.dispose()
    by_shop: dict[int, list[int]] = {}
    for shop_id, cursor in rows:
        by_shop.setdefault(shop_id, []).append(cursor)
    assert sorted(len(v) for v in by_shop.values()) == [2, 7]
    for cursors in by_shop.values():
        assert sorted(cursors) == list(range(1, len(cursors) + 1))


def test_owner_password_rules(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.migrate(engine)
    try:
        with pytest.raises(Exception, match="at least"):
            store.init_shop(engine, "S", "o@s.example", "short")
        store.init_shop(engine, "S", "o@s.example", PASSWORD)
        with pytest.raises(Exception, match="already exists"):
            store.init_shop(engine, "S", "o@s.example", PASSWORD)
        with db.read_tx(engine) as conn:
            stored = conn.execute(sa.select(db.owners.c.password_hash)).scalar_one()
            token_hashes = conn.execute(sa.select(db.kiosks.c.token_hash)).all()
        assert PASSWORD not in stored and stored.startswith("scrypt$")
        assert token_hashes == []
        token = store.add_kiosk(engine, "S", "till")
        with db.read_tx(engine) as conn:
            assert conn.execute(sa.select(db.kiosks.c.token_hash)).scalar_one() != token
    finally:
        engine.dispose()


def test_stored_form_is_the_domain_form_and_hash() -> None:
    from kiosk.domain.events import POINTS, EventDraft, EventKind, Posting

    k = KioskEvents("kiosk-ü")
    events = [
        k.stamp(EventDraft(EventKind.MEMBER_CREATED, "m-1", data={"card": "04AB"}, card="04AB")),
        k.stamp(
            EventDraft(
                EventKind.POINTS_EARNED,
                "m-1",
                postings=(Posting(POINTS, 50, "2027-01-01T00:00:00+00:00"),),
                data={"note": "kahvi ☕", "n": [1, 2]},
                actor="staff-Åsa",
            )
        ),
        k.stamp(
            EventDraft(
                EventKind.CORRECTION,
                "m-1",
                postings=(Posting(POINTS, -50),),
                reverses="019de2c4-3638-7cdb-8a1b-86969a31973b",
            )
        ),
    ]
    # values orjson writes otherwise (1e-7: not 1e-07) take the
    # fallback through the domain's own to_dict and computed_hash
    for odd in (1e-7, 0.1):
        events.append(
            k.stamp(
                EventDraft(EventKind.POINTS_EARNED, "m-1", postings=(Posting(POINTS, 1),), data={"x": odd})
            )
        )
    for event in events:
        expected = event.to_dict()
        without_hash = {k: v for k, v in expected.items() if k != "hash"}
        canonical = json.dumps(without_hash, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        stored_text = f'{canonical[:-1]},"hash":"{event.hash}"}}'
        (incoming,) = store.validate_batch([expected])
        assert incoming.body == stored_text
        assert incoming.hash == event.computed_hash()
        # the same event in another JSON form (defaults spelled out) is stored in the domain's form
        spelled_out = {**expected, "data": dict(event.data), "card": event.card, "reverses": event.reverses}
        spelled_out["postings"] = [[p.account, p.delta, p.expires_at] for p in event.postings]
        (incoming,) = store.validate_batch([spelled_out])
        assert incoming.body == stored_text
    tampered = events[1].to_dict()
    tampered["data"] = {"note": "tee"}
    with pytest.raises(ApiError) as err:
        store.validate_batch([events[0].to_dict(), tampered])
    assert err.value.status == 422 and err.value.extra["field"] == "events[1].hash"


def test_an_event_debits_when_a_posting_takes_something_away() -> None:
    """The ``debit`` column (which members the flags fold) comes from the same pass over the
    postings as their bounds: any negative amount, whichever posting it is in."""
    from kiosk.domain.events import POINTS, STAMPS, EventDraft, EventKind, Posting

    k = KioskEvents("kiosk-d")
    cases = {
        (): False,
        (Posting(STAMPS, 1), Posting(POINTS, 5)): False,
        (Posting(POINTS, -5),): True,
        (Posting(STAMPS, 1), Posting(POINTS, -1, "2027-01-01T00:00:00+00:00")): True,
    }
    drafts = [EventDraft(EventKind.CORRECTION, "m-1", postings=p) for p in cases]
    batch = store.validate_batch([k.stamp(d).to_dict() for d in drafts])
    assert [e.debit for e in batch] == list(cases.values())
    assert [e.position for e in batch] == [0, 1, 2, 3]


def test_group_commit_keeps_each_push_separate(db_url: str, shops: tuple[Shop, Shop]) -> None:
    """Concurrent pushes share transactions, but a refused batch never touches another."""
    from concurrent.futures import ThreadPoolExecutor

    a, b = shops
    engine = db.make_engine(db_url)
    try:
        streams = {k: KioskEvents(f"kiosk-{k}") for k in ("a1", "a2", "b1")}
        auth = {
            "a1": store.kiosk_for_token(engine, a.tokens["k1"]),
            "a2": store.kiosk_for_token(engine, a.tokens["k2"]),
            "b1": store.kiosk_for_token(engine, b.tokens["k1"]),
        }
        jobs = []
        for i in range(30):
            k = ("a1", "a2", "b1")[i % 3]
            events = streams[k].visits(20)
            jobs.append((k, events, False))
            jobs.append((k, events, False))  # a replay racing its original
        forged = jobs[0][1][0].to_dict()
        forged["member"] = "someone-else"
        from kiosk.domain.events import event_from_dict

        forged["hash"] = event_from_dict(forged, verify_hash=False).computed_hash()
        jobs.insert(7, ("a1", [event_from_dict(forged)], True))

        def push(job: tuple[str, list[Event], bool]) -> object:
            k, events, _ = job
            kiosk = auth[k]
            assert kiosk is not None
            try:
                return store.push_events(engine, kiosk, store.validate_batch([e.to_dict() for e in events]))
            except ApiError as exc:
                return exc.status

        first = push(jobs[0])  # stored before the forgery races in
        with ThreadPoolExecutor(8) as pool:
            results = [first, *pool.map(push, jobs[1:])]
        refused = [r for r, job in zip(results, jobs, strict=True) if job[2]]
        assert refused == [409]
        ok = [r for r in results if isinstance(r, store.PushResult)]
        assert sum(r.stored for r in ok) == 30 * 20
        assert store.shop_cursor(engine, auth["a1"].shop_id) == 20 * 20  # type: ignore[union-attr]
        assert store.shop_cursor(engine, auth["b1"].shop_id) == 10 * 20  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_awkward_text_round_trips(client: TestClient, shops: tuple[Shop, Shop]) -> None:
    from kiosk.domain.events import EventDraft, EventKind

    a, _ = shops
    k = KioskEvents("kiosk-\\t")
    note = 'tab\there \\back\\ "quoted"\nnew line ☕ end'
    events = [
        k.stamp(EventDraft(EventKind.CONSENT_GIVEN, "m-\\N", data={"wording": note, "scope": "e\\.mail"})),
        *k.visits(3),
    ]
    r = client.post(EVENTS, json=payload(events), headers=a.kiosk_headers("k1"))
    assert r.json()["stored"] == 4
    pulled = client.get(EVENTS, headers=a.kiosk_headers("k2")).json()["events"]
    assert pulled == [e.to_dict() for e in events]
