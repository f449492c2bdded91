"""Client parts of the sync benchmark (``bench/sync.py`` merges every part's dict).

- ``drain_50k_s``: a kiosk store holding 50,000 unpushed events (a 30-day outage) is
  pushed by ``SyncClient.push`` to a ``kanta server`` process (SQLite) until nothing is
  left. Includes reading the store's files, batching, gzip and the server's work.
- ``backup_pull_s``: ``kanta backup pull`` of a shop holding 2,000,000 events (4 kiosks,
  50,000 members): pages over loopback HTTP, spooled per kiosk, merged in clock order,
  folded into members.csv, ledger.csv and the sealed zip.
- ``restore_s``: ``kanta backup restore`` of that file into an empty folder: a new kiosk
  store with every event and member, snapshot written.
- ``backup_pull_cpu_s``, ``restore_cpu_s``: the CPU time the client spent on each (all
  its threads and its worker processes; not the server's), for comparing runs on a machine
  that other work shares: wall times then vary, CPU times much less.

The server is populated through its own API (pre-encoded batches), not timed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from kiosk.domain.events import POINTS, SPEND, STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "bench password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drain-events", type=int, default=50_000, help="events queued for the drain run")
    parser.add_argument(
        "--backup-events", type=int, default=2_000_000, help="events in the backup/restore run"
    )
    parser.add_argument("--backup-members", type=int, default=50_000)
    parser.add_argument("--backup-kiosks", type=int, default=4)


def _shop(url: str, kiosks: int) -> list[str]:
    from sync.server import db, store

    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        store.init_shop(engine, "Bench", "owner@bench.example", PASSWORD, scrypt_n=2**10)
        return [store.add_kiosk(engine, "Bench", f"k{i}") for i in range(kiosks)]
    finally:
        engine.dispose()


def drain(args: argparse.Namespace) -> dict[str, Any]:
    from sync.client import SyncClient, Transport
    from sync.state import SyncState, save_state
    from tests.devcluster import ServerProcess
    from tests.sync.client.live import build_store

    folder = Path(tempfile.mkdtemp(prefix="kanta-bench-drain-"))
    try:
        build_store(folder / "kiosk", args.drain_events, members=5000).close()
        url = f"sqlite:///{folder / 'server.db'}"
        token = _shop(url, 1)[0]
        with ServerProcess(url) as server:
            save_state(folder / "kiosk", SyncState(server=server.base_url, token=token))
            client = SyncClient(folder / "kiosk", transport=Transport(server.base_url, token=token))
            started = time.perf_counter()
            stored, _ = client.push()
            elapsed = time.perf_counter() - started
        if stored != args.drain_events:
            raise RuntimeError(f"drain stored {stored} of {args.drain_events}")
        return {"drain_events": stored, "drain_50k_s": round(elapsed, 2)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _populate(base_url: str, tokens: list[str], events: int, members: int) -> None:
    """The shop's history: kiosks taking turns, members shared between them."""
    stampers = [Stamper(kiosk=f"bench-k{i}", boot="bench") for i in range(len(tokens))]
    now = T0
    per_batch = 1000
    with httpx.Client(base_url=base_url, timeout=120) as http:
        made = 0
        turn = 0
        while made < events:
            k = turn % len(tokens)
            turn += 1
            batch = []
            for _ in range(min(per_batch, events - made)):
                m = made % members
                member = f"member-{m:06d}"
                card = f"04{m:012X}"
                if made < members:
                    draft = EventDraft(EventKind.MEMBER_CREATED, member, data={"card": card}, card=card)
                elif made % 7 == 0:
                    draft = EventDraft(
                        EventKind.PURCHASE_RECORDED,
                        member,
                        (Posting(POINTS, 12), Posting(SPEND, 1250)),
                        data={"amount": 1250},
                        card=card,
                    )
                else:
                    draft = EventDraft(
                        EventKind.VISIT_STAMPED, member, (Posting(VISITS, 1), Posting(STAMPS, 1)), card=card
                    )
                now += timedelta(seconds=1)
                stampers[k], event = stampers[k].stamp(draft, now, os.urandom(10))
                batch.append(event.to_dict())
                made += 1
            body = gzip.compress(json.dumps({"events": batch}).encode(), 1)
            r = http.post(
                "/api/v1/events",
                content=body,
                headers={
                    "Authorization": f"Bearer {tokens[k]}",
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                },
            )
            if r.status_code != 200:
                raise RuntimeError(f"populating the server failed: {r.status_code} {r.text[:200]}")


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (a worker process
    is reaped when its work is done; the server process is still running then)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def backup_and_restore(args: argparse.Namespace) -> dict[str, Any]:
    from sync import backup
    from tests.devcluster import ServerProcess

    folder = Path(tempfile.mkdtemp(prefix="kanta-bench-backup-"))
    try:
        url = f"sqlite:///{folder / 'server.db'}"
        tokens = _shop(url, args.backup_kiosks)
        with ServerProcess(url) as server:
            t = time.perf_counter()
            _populate(server.base_url, tokens, args.backup_events, args.backup_members)
            populate_s = time.perf_counter() - t
            t, cpu = time.perf_counter(), _cpu()
            path = backup.pull_from_server(server.base_url, "owner@bench.example", PASSWORD, folder / "out")
            pull_s, pull_cpu = time.perf_counter() - t, _cpu() - cpu
        t = time.perf_counter()
        report = backup.verify(path)
        verify_s = time.perf_counter() - t
        if not report.ok:
            raise RuntimeError(report.summary())
        t, cpu = time.perf_counter(), _cpu()
        result = backup.restore(path, folder / "restored")
        restore_s, restore_cpu = time.perf_counter() - t, _cpu() - cpu
        if result.events != args.backup_events:
            raise RuntimeError(f"restored {result.events} of {args.backup_events} events")
        return {
            "backup_events": args.backup_events,
            "backup_pull_s": round(pull_s, 1),
            "backup_mb": round(path.stat().st_size / 1e6, 1),
            "backup_verify_s": round(verify_s, 1),
            "restore_s": round(restore_s, 1),
            "backup_pull_cpu_s": round(pull_cpu, 1),
            "restore_cpu_s": round(restore_cpu, 1),
            "restored_members": result.members,
            "backup_populate_s": round(populate_s, 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: the parts bench/sync.py runs; each takes the parsed arguments and returns a dict
PARTS: list[Callable[[argparse.Namespace], dict[str, Any]]] = [drain, backup_and_restore]
