"""Server parts of the sync benchmark (``bench/sync.py`` merges every part's dict).

- ``push_events_per_s``: one kiosk pushing batches of 1,000 events back to back over
  loopback HTTP to a ``kanta server`` process (SQLite file; PostgreSQL where installed).
- ``concurrent_kiosks_p99_ms``: 20 kiosks pushing batches of 100 at once (each kiosk one
  request in flight at a time, on its own keep-alive connection), the 99th percentile of
  request latency. The kiosks are one asyncio process with a minimal HTTP/1.1 client
  (``KioskConnection``) sharing the machine's two cores with the server; its CPU per event
  is reported beside the server's.

Events come from real stampers (ids, hashes, chains), pre-encoded so the figures measure
the server. Databases are durable: SQLite with ``synchronous=FULL``, PostgreSQL with fsync.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from kiosk.domain.events import STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper
from sync.server import db, store
from tests.devcluster import PgCluster, PgUnavailable, ServerProcess

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--push-events", type=int, default=50_000, help="events pushed by the one-kiosk run")
    parser.add_argument("--kiosks", type=int, default=20, help="kiosks in the concurrent run")
    parser.add_argument(
        "--rounds", type=int, default=15, help="batches of 100 per kiosk in the concurrent run"
    )
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    parser.add_argument("--server-workers", type=int, default=1, help="server processes (uvicorn workers)")


def encoded_batches(kiosk_id: str, batches: int, size: int) -> list[bytes]:
    stamper = Stamper(kiosk=kiosk_id, boot="bench")
    now = T0
    out = []
    n = 0
    for _ in range(batches):
        events = []
        for _ in range(size):
            now += timedelta(milliseconds=250)
            n += 1
            draft = EventDraft(
                EventKind.VISIT_STAMPED, f"m-{n % 5000}", postings=(Posting(STAMPS, 1), Posting(VISITS, 1))
            )
            stamper, event = stamper.stamp(draft, now, os.urandom(10))
            events.append(event.to_dict())
        out.append(json.dumps({"events": events}).encode())
    return out


@contextmanager
def databases(
    args: argparse.Namespace,
) -> Iterator[list[tuple[str, Callable[[], str], PgCluster | None]]]:
    """(name, make-a-fresh-database-URL) for SQLite and, where it can run, PostgreSQL."""
    folder = Path(tempfile.mkdtemp(prefix="kanta-bench-"))
    counter = iter(range(1_000_000))
    makers: list[tuple[str, Callable[[], str], PgCluster | None]] = [
        ("sqlite", lambda: f"sqlite:///{folder / f'server{next(counter)}.db'}", None)
    ]
    cluster = None
    if not args.no_postgresql:
        try:
            cluster = PgCluster.start(fsync=True)
            makers.append(("postgresql", cluster.create_database, cluster))
        except PgUnavailable as exc:
            print(f"bench: PostgreSQL skipped: {exc}", file=sys.stderr)
    try:
        yield makers
    finally:
        if cluster is not None:
            cluster.stop()
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


def _shop(url: str, kiosks: int) -> list[str]:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        store.init_shop(engine, "Bench", "owner@bench.example", "bench password", scrypt_n=2**10)
        return [store.add_kiosk(engine, "Bench", f"k{i}") for i in range(kiosks)]
    finally:
        engine.dispose()


def _proc_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) of a process from /proc; with its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """CPU seconds of a process and its live children (a PostgreSQL cluster's backends)."""
    total = _proc_cpu(root, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == root:
            total += _proc_cpu(int(stat.parent.name))
    return total


def _cpu_now(server: ServerProcess, pg: PgCluster | None) -> float:
    cpu = _tree_cpu(server.proc.pid)  # with --server-workers, the workers are its children
    if pg is not None:
        pid_file = pg.datadir / "postmaster.pid"
        cpu += _tree_cpu(int(pid_file.read_text().split()[0]))
    return cpu


def push_one_kiosk(
    url: str, n_events: int, workers: int = 1, pg: PgCluster | None = None
) -> dict[str, float]:
    token = _shop(url, 1)[0]
    batches = encoded_batches("bench-kiosk", max(1, n_events // 1000), 1000)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with (
        ServerProcess(url, workers=workers) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as http,
    ):
        # warm up: connection, first queries (not counted, not stored: a replay-free tiny batch)
        warm = encoded_batches("warm-up", 1, 10)[0]
        http.post("/api/v1/events", content=warm, headers=_token_headers(url, "warm"))
        cpu0 = _cpu_now(server, pg)
        started = time.perf_counter()
        for body in batches:
            r = http.post("/api/v1/events", content=body, headers=headers)
            if r.status_code != 200 or r.json()["stored"] != 1000:
                raise RuntimeError(f"push failed: {r.status_code} {r.text[:200]}")
        elapsed = time.perf_counter() - started
        cpu = _cpu_now(server, pg) - cpu0
    events = len(batches) * 1000
    return {
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed),
        # server (and database) CPU per event: what the wall clock would give on idle cores
        "server_cpu_us_per_event": round(cpu / events * 1e6, 1),
    }


def _token_headers(url: str, name: str) -> dict[str, str]:
    engine = db.make_engine(url)
    try:
        token = store.add_kiosk(engine, "Bench", name)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


class KioskConnection:
    """One simulated kiosk's keep-alive HTTP/1.1 connection: a minimal client.

    Twenty kiosks are twenty machines in a shop; here they are one process on the server's
    own two cores, so the client must cost little: httpx took about as much CPU per request
    as the server, and its share showed up as server latency.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str) -> None:
        self.reader, self.writer = reader, writer
        self.head = f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"

    @classmethod
    async def open(cls, base_url: str, token: str) -> KioskConnection:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, token)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def concurrent_kiosks(
    url: str, kiosks: int, rounds: int, workers: int = 1, pg: PgCluster | None = None
) -> dict[str, float]:
    tokens = _shop(url, kiosks)
    bodies = [encoded_batches(f"kiosk-{i}", rounds, 100) for i in range(kiosks)]
    latencies: list[float] = []

    async def kiosk(conn: KioskConnection, batches: list[bytes], start: asyncio.Event) -> None:
        await start.wait()
        for body in batches:
            t = time.perf_counter()
            status, answer = await conn.post("/api/v1/events", body)
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200 or json.loads(answer)["stored"] != 100:
                raise RuntimeError(f"push failed: {status} {answer[:200]!r}")

    async def run(base_url: str) -> tuple[float, float]:
        conns = [await KioskConnection.open(base_url, t) for t in tokens]
        try:
            # steady state: every kiosk connected and known to the server (an empty push each)
            for conn in conns:
                status, answer = await conn.post("/api/v1/events", b'{"events":[]}')
                if status != 200:
                    raise RuntimeError(f"warm-up push failed: {status} {answer[:200]!r}")
            start = asyncio.Event()
            tasks = [
                asyncio.create_task(kiosk(conn, b, start)) for conn, b in zip(conns, bodies, strict=True)
            ]
            t0, cpu0 = time.perf_counter(), time.process_time()
            start.set()
            await asyncio.gather(*tasks)
            return time.perf_counter() - t0, time.process_time() - cpu0
        finally:
            for conn in conns:
                conn.close()

    gc.collect()
    gc.freeze()  # the pre-encoded batches: not the collector's business while measuring
    with ServerProcess(url, workers=workers) as server:
        cpu0 = _cpu_now(server, pg)
        elapsed, client_cpu = asyncio.run(run(server.base_url))
        cpu = _cpu_now(server, pg) - cpu0
    gc.unfreeze()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    events = kiosks * rounds * 100
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(latencies[-1], 1),
        "events_per_s": round(events / elapsed),
        "server_cpu_us_per_event": round(cpu / events * 1e6, 1),
        "client_cpu_us_per_event": round(client_cpu / events * 1e6, 1),
    }


def server_part(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"server_workers": args.server_workers}
    with databases(args) as makers:
        for name, make_url, cluster in makers:
            push = push_one_kiosk(make_url(), args.push_events, args.server_workers, cluster)
            out[f"push_server_cpu_us_per_event_{name}"] = push["server_cpu_us_per_event"]
            conc = concurrent_kiosks(make_url(), args.kiosks, args.rounds, args.server_workers, cluster)
            out[f"concurrent_server_cpu_us_per_event_{name}"] = conc["server_cpu_us_per_event"]
            out[f"concurrent_client_cpu_us_per_event_{name}"] = conc["client_cpu_us_per_event"]
            out[f"concurrent_kiosks_max_ms_{name}"] = conc["max_ms"]
            out[f"push_events_per_s_{name}"] = push["events_per_s"]
            out[f"concurrent_kiosks_p99_ms_{name}"] = conc["p99_ms"]
            out[f"concurrent_kiosks_p50_ms_{name}"] = conc["p50_ms"]
            out[f"concurrent_kiosks_events_per_s_{name}"] = conc["events_per_s"]
    # the headline figures: SQLite, the default
    out["push_events_per_s"] = out["push_events_per_s_sqlite"]
    out["concurrent_kiosks_p99_ms"] = out["concurrent_kiosks_p99_ms_sqlite"]
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    return out


#: the parts bench/sync.py runs; each takes the parsed arguments and returns a dict
PARTS: list[Callable[[argparse.Namespace], dict[str, Any]]] = [server_part]
