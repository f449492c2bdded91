"""Benchmark the owner's console: the overview's server time at volume, rebuilding the
aggregates from the events, and push throughput with the aggregates following.

    python bench/owner.py --json                  # 50,000 members, 2,000,000 events
    python bench/owner.py --json --events 200000 --members 5000   # a quick run

A shop's history is written straight into the events table (one year up to today, three
kiosks, visits and purchases; bodies in the stored JSON form, built without hashing, since
the aggregates read but never check them), the aggregates are rebuilt from it
(``aggregate_rebuild_s``), then a live ``kanta server`` serves the overview page (default
range: the last 30 days) to a logged-in client: ``overview_p95_ms_<db>`` is the 95th
percentile of its response time. ``push_events_per_s_<db>`` is the sync benchmark's
one-kiosk push (bench/sync_server_parts.py) on the same server code, with its server and
database CPU per event (``push_server_cpu_us_per_event_<db>``). The aggregates are counted
once pushes pause, not inside a push, so the price of keeping them up to date is measured
apart: a kiosk pushes ``--push-events`` more into the filled shop
(``push_filled_events_per_s_<db>``, ``push_filled_cpu_us_per_event_<db>``), then the
server's follower counts them (``aggregate_follow_cpu_us_per_event_<db>``: server and
database CPU per event, from /proc, so the machine's other load does not inflate it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402

from sync.server import aggregates, db, store  # noqa: E402
from tests.devcluster import ServerProcess  # noqa: E402

EMAIL, PASSWORD = "owner@bench.example", "bench password"


def _sync_parts() -> Any:
    spec = importlib.util.spec_from_file_location("sync_server_parts", HERE / "sync_server_parts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sync_server_parts"] = module
    spec.loader.exec_module(module)
    return module


def fill(url: str, members: int, events: int, kiosks: int = 3, batch: int = 20_000) -> None:
    """A shop with ``events`` events of ``members`` members over the last 365 days."""
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        store.init_shop(engine, "Bench", EMAIL, PASSWORD, scrypt_n=2**10)
        with db.read_tx(engine) as conn:
            shop_id = int(db.q(conn, "SELECT id FROM shops WHERE name = 'Bench'").scalar_one())
        start = datetime.now(UTC) - timedelta(days=365)
        step = timedelta(days=365) / events
        seqs = [0] * kiosks
        rows: list[tuple[Any, ...]] = []
        for i in range(events):
            k = i % kiosks
            seqs[k] += 1
            member = f"m{i % members:07d}"
            when = (start + step * i).astimezone().isoformat(timespec="milliseconds")
            if i < members:
                kind, postings = "member_created", []
            elif i % 3 == 0:
                kind, postings = "purchase_recorded", [["points", 12], ["spend", 1250]]
            elif i % 50 == 0:
                kind, postings = "reward_redeemed", [["stamps", -10], ["rewards_redeemed", 1]]
            else:
                kind, postings = "visit_stamped", [["visits", 1], ["stamps", 1]]
            body = {
                "id": f"{i:032x}",
                "kind": kind,
                "member": member,
                "kiosk": f"kiosk-{k}",
                "seq": seqs[k],
                "hlc": f"{int((start + step * i).timestamp() * 1000)}-0-kiosk-{k}",
                "wall": when,
                "boot": "bench",
                "prev": "0" * 32,
                "program": "builtin-1",
                "postings": postings,
                "hash": f"{i:032x}",
            }
            debit = any(p[1] < 0 for p in postings)
            rows.append(
                (shop_id, i + 1, body["id"], body["kiosk"], member, body["hlc"], body["hash"], debit,
                 orjson.dumps(body).decode())
            )
            if len(rows) >= batch or i == events - 1:
                with db.write_tx(engine) as conn:
                    db.insert_events(conn, rows)
                    db.set_shop_cursor(conn, shop_id, i + 1)
                rows = []
        if engine.dialect.name == "postgresql":
            # a server that has kept a year of history has planner statistics (autovacuum
            # keeps them); a table filled in seconds has none until autovacuum's next round,
            # and without them the push's look-up of known event ids scans every event
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                auto.exec_driver_sql("ANALYZE events")
    finally:
        engine.dispose()


def rebuild_seconds(url: str) -> float:
    engine = db.make_engine(url)
    try:
        started = time.perf_counter()
        aggregates.rebuild(engine)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def overview_ms(url: str, requests: int) -> list[float]:
    with ServerProcess(url) as server, httpx.Client(base_url=server.base_url, timeout=120) as http:
        page = http.get("/").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        r = http.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token[1]})
        assert r.status_code == 303, r.text
        http.get("/overview")  # warm: templates, first queries
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            r = http.get("/overview")
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200 and "Members" in r.text
        return times


def push_and_follow(sync_parts: Any, url: str, n_events: int, cluster: Any) -> dict[str, float]:
    """A kiosk pushes ``n_events`` (the sync benchmark's batches of 1,000) into the filled
    shop, whose aggregates are counted; then the server's own follower counts them. The
    follower's CPU (server and database) per event is the aggregates' price, paid once
    pushes pause, beside what the push itself costs."""
    engine = db.make_engine(url)
    try:
        with db.read_tx(engine) as conn:
            shop_id = int(db.q(conn, "SELECT id FROM shops WHERE name = 'Bench'").scalar_one())
        token = store.add_kiosk(engine, "Bench", "pushing-kiosk")
        batches = sync_parts.encoded_batches("pushing-kiosk", max(1, n_events // 1000), 1000)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with ServerProcess(url) as server, httpx.Client(base_url=server.base_url, timeout=120) as http:
            cpu0 = sync_parts._cpu_now(server, cluster)
            started = time.perf_counter()
            for body in batches:
                r = http.post("/api/v1/events", content=body, headers=headers)
                if r.status_code != 200 or r.json()["stored"] != 1000:
                    raise RuntimeError(f"push failed: {r.status_code} {r.text[:200]}")
            pushed_s = time.perf_counter() - started
            cpu1 = sync_parts._cpu_now(server, cluster)
            deadline = time.monotonic() + 600
            while aggregates.behind(engine, shop_id):
                if time.monotonic() > deadline:
                    raise RuntimeError("the server's aggregates did not catch up within 600 s")
                time.sleep(0.05)
            cpu2 = sync_parts._cpu_now(server, cluster)
    finally:
        engine.dispose()
    events = len(batches) * 1000
    return {
        "events_per_s": round(events / pushed_s),
        "push_cpu_us_per_event": round((cpu1 - cpu0) / events * 1e6, 1),
        "follow_cpu_us_per_event": round((cpu2 - cpu1) / events * 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="one JSON line")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=40, help="overview page views timed")
    parser.add_argument("--push-events", type=int, default=50_000)
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    sync_parts = _sync_parts()
    out: dict[str, Any] = {"members": args.members, "events": args.events}
    with sync_parts.databases(args) as makers:
        for name, make_url, cluster in makers:
            url = make_url()
            started = time.perf_counter()
            fill(url, args.members, args.events)
            out[f"fill_s_{name}"] = round(time.perf_counter() - started, 1)
            out[f"aggregate_rebuild_s_{name}"] = round(rebuild_seconds(url), 1)
            times = overview_ms(url, args.requests)
            out[f"overview_p95_ms_{name}"] = round(statistics.quantiles(times, n=20)[-1], 1)
            out[f"overview_p50_ms_{name}"] = round(statistics.median(times), 1)
            push = sync_parts.push_one_kiosk(make_url(), args.push_events, 1, cluster)
            out[f"push_events_per_s_{name}"] = push["events_per_s"]
            out[f"push_server_cpu_us_per_event_{name}"] = push["server_cpu_us_per_event"]
            follow = push_and_follow(sync_parts, url, args.push_events, cluster)
            out[f"push_filled_events_per_s_{name}"] = follow["events_per_s"]
            out[f"push_filled_cpu_us_per_event_{name}"] = follow["push_cpu_us_per_event"]
            out[f"aggregate_follow_cpu_us_per_event_{name}"] = follow["follow_cpu_us_per_event"]
    out["aggregate_rebuild_s"] = max(v for k, v in out.items() if k.startswith("aggregate_rebuild_s_"))
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, sort_keys=True, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
