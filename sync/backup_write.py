"""Writing a backup file: :class:`BackupWriter` collects events and writes the zip;
``create_from_store`` makes one from a kiosk's own store (see :mod:`sync.backup`)."""

from __future__ import annotations

import csv
import hashlib
import heapq
import json
import multiprocessing
import os
import shutil
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from kiosk.domain.member import MemberState, apply
from sync.backup_format import (
    BOM,
    EVENTS,
    FORMAT,
    LEDGER,
    LEDGER_COLUMNS,
    MANIFEST,
    MEMBER_COLUMNS,
    MEMBERS,
    BackupError,
    account_column,
    bulk_gc,
    csv_delimiter,
    fsync_path,
    ledger_row,
    loads_json,
    member_row,
    trusted_event,
)
from sync.backup_guard import private_mode
from sync.backup_seal import seal
from sync.progress import Progress


class _HashingWriter:
    """Writes to a zip member in large chunks, counting and hashing what goes through.

    The hashing, deflating and writing run in a thread: hashlib and zlib let go of the
    GIL for large buffers, so they proceed beside the caller's Python work. Use as a
    context manager; ``sha`` and ``size`` are final once it is left without an error.
    """

    CHUNK = 1 << 20
    IN_FLIGHT = 2

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha = hashlib.sha256()
        self.size = 0
        self._parts: list[bytes] = []
        self._pending = 0
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._in_flight: deque[Future[None]] = deque()

    def __enter__(self) -> _HashingWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is None:
                self.flush()
                while self._in_flight:
                    self._in_flight.popleft().result()
        finally:
            self._thread.shutdown(wait=True, cancel_futures=True)

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._pending += len(data)
        if self._pending >= self.CHUNK:
            self.flush()

    def _put(self, chunk: bytes) -> None:
        self.sha.update(chunk)
        self.target.write(chunk)

    def flush(self) -> None:
        if self._parts:
            chunk = b"".join(self._parts)
            self._parts, self._pending = [], 0
            self.size += len(chunk)
            # one thread, so chunks go in order; a few in flight bound the memory
            self._in_flight.append(self._thread.submit(self._put, chunk))
            while len(self._in_flight) > self.IN_FLIGHT:
                self._in_flight.popleft().result()


@dataclass
class _Chain:
    first: int
    last: int
    head: str
    count: int


class BackupWriter:
    """Collects events (each kiosk's in its sequence order, kiosks interleaved any way),
    then writes the backup file.

    Events are spooled to one temp file per kiosk (a handful); ``finish`` merges them in
    clock order, which needs no sort in memory because each kiosk's clock only rises.
    """

    def __init__(self, *, source: str, delimiter: str = ";", extra: dict[str, Any] | None = None) -> None:
        self.source = source
        self.delimiter = csv_delimiter(delimiter)
        self.extra = extra or {}
        self._tmp = Path(tempfile.mkdtemp(prefix="kanta-backup-"))
        self._spools: dict[str, IO[bytes]] = {}
        self._last_seq: dict[str, int] = {}
        self.accounts: set[str] = set()
        self.count = 0

    def add(self, raw: dict[str, Any]) -> None:
        self.add_many((raw,))

    def add_many(self, raws: Iterable[dict[str, Any]]) -> None:
        """Add events (a page of them, say): what each kiosk gets is written at once."""
        last_seq, accounts = self._last_seq, self.accounts
        out: dict[str, list[bytes]] = {}
        try:
            for raw in raws:
                kiosk = raw.get("kiosk")
                seq = raw.get("seq")
                hlc = raw.get("hlc")
                if not isinstance(kiosk, str) or not isinstance(seq, int) or not isinstance(hlc, str):
                    raise BackupError(f"not an event: {str(raw)[:80]}")
                if seq <= last_seq.get(kiosk, 0):
                    continue  # already have it
                for p in raw.get("postings", ()):
                    accounts.add(p[0])
                # orjson writes what json.dumps(separators=(",", ":"), ensure_ascii=False)
                # does for JSON's own types, at a twentieth of the cost; these bytes become
                # events.jsonl
                try:
                    text = orjson.dumps(raw)
                except (orjson.JSONEncodeError, TypeError) as exc:
                    raise BackupError(f"not an event ({exc}): {str(raw)[:80]}") from None
                last_seq[kiosk] = seq
                lines = out.get(kiosk)
                if lines is None:
                    lines = out[kiosk] = []
                lines.append(b"%s\t%s\n" % (hlc.encode(), text))
        finally:
            # what was taken is spooled even if a later event was refused
            for kiosk, lines in out.items():
                self._spool(kiosk).write(b"".join(lines))
                self.count += len(lines)

    def _spool(self, kiosk: str) -> IO[bytes]:
        spool = self._spools.get(kiosk)
        if spool is None:
            name = self._tmp / f"k{len(self._spools):04d}.spool"
            spool = self._spools[kiosk] = name.open("wb")
        return spool

    def _closed_spools(self) -> list[Path]:
        for spool in self._spools.values():
            spool.close()
        return [Path(spool.name) for spool in self._spools.values()]

    def finish(self, dest_dir: Path, *, progress: Progress | None = None, name: str | None = None) -> Path:
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        final = dest_dir / (name or f"kanta-backup-{stamp}.zip")
        n = 1
        while final.exists():  # never overwrite an earlier backup
            n += 1
            final = final.with_name(f"kanta-backup-{stamp}-{n}.zip")
        tmp_zip = final.with_name(final.name + ".part")
        accounts = sorted(self.accounts)
        states: dict[str, MemberState] = {}
        chains: dict[str, _Chain] = {}
        parts: dict[str, dict[str, Any]] = {}
        first_hlc = last_hlc = ""
        d = self.delimiter
        try:
            spools = self._closed_spools()
            ledger_tmp = self._tmp / LEDGER
            with (
                zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
                _worker() as worker,
            ):
                # a worker process reads the same spools, writes ledger.csv and folds a
                # third of the members; this one writes events.jsonl and folds the rest
                worker_job = worker.submit(_ledger_and_fold, spools, ledger_tmp, accounts, d)
                with zf.open(EVENTS, "w", force_zip64=True) as ev_raw, _HashingWriter(ev_raw) as ev:
                    rows = 0
                    for line in _merge_spools(spools):
                        ev.write(line)
                        raw = loads_json(line)
                        kiosk, seq, head = raw["kiosk"], raw["seq"], raw.get("hash", "")
                        c = chains.get(kiosk)
                        if c is None:
                            chains[kiosk] = _Chain(seq, seq, head, 1)
                        else:
                            c.last, c.head, c.count = seq, head, c.count + 1
                        if not _folded_by_worker(raw):
                            _fold(states, raw)
                        first_hlc = first_hlc or raw["hlc"]
                        last_hlc = raw["hlc"]
                        rows += 1
                        if progress is not None:
                            progress.advance()
                parts[EVENTS] = {"sha256": ev.sha.hexdigest(), "bytes": ev.size, "rows": rows}
                ledger_rows, their_states = worker_job.result()
                if ledger_rows != rows:
                    raise BackupError("ledger.csv and events.jsonl differ in rows: the spool files changed")
                states.update(their_states)
                members_tmp = self._tmp / MEMBERS
                with members_tmp.open("w", encoding="utf-8", newline="") as mf:
                    mf.write(BOM)
                    mw = csv.writer(mf, delimiter=d)
                    member_accounts = sorted({a for s in states.values() for a in s.balances})
                    mw.writerow([*MEMBER_COLUMNS, *map(account_column, member_accounts)])
                    for member_id in sorted(states):
                        mw.writerow(member_row(states[member_id], member_accounts))
                parts[LEDGER] = _copy_part(zf, ledger_tmp, LEDGER, rows)
                parts[MEMBERS] = _copy_part(zf, members_tmp, MEMBERS, len(states))
                manifest = {
                    "kanta_backup": FORMAT,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "source": self.source,
                    "csv_delimiter": "tab" if d == "\t" else d,
                    "counts": {
                        "events": rows,
                        "members": len(states),
                        "kiosks": len(chains),
                        "overdrawn_members": sum(1 for s in states.values() if s.overdrawn),
                    },
                    "parts": parts,
                    "chains": {
                        k: {"first_seq": c.first, "last_seq": c.last, "events": c.count, "head": c.head}
                        for k, c in sorted(chains.items())
                    },
                    "clock": {"first": first_hlc, "last": last_hlc},
                    **self.extra,
                }
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
            seal(tmp_zip)
            os.chmod(tmp_zip, private_mode(tmp_zip.parent))
            fsync_path(tmp_zip)
            os.replace(tmp_zip, final)
            fsync_path(final.parent)
        except BaseException:
            tmp_zip.unlink(missing_ok=True)
            raise
        finally:
            self.close()
        if progress is not None:
            progress.finish()
        return final

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _merge_spools(spools: list[Path]) -> Iterator[bytes]:
    """Every event's JSON line (with its newline), in clock order: each spool is one
    kiosk's events in sequence order, so its clock only rises, and a merge needs no sort."""
    files = [path.open("rb") for path in spools]
    try:
        for line in heapq.merge(*files):
            yield line[line.index(b"\t") + 1 :]
    finally:
        for f in files:
            f.close()


def _folded_by_worker(raw: dict[str, Any]) -> bool:
    """Which members the worker folds: a third, by their id's hash (the same in a forked
    process or a thread), as it also writes ledger.csv: the two sides then take about as
    long. A member's events all go to one side, in clock order."""
    return hash(raw.get("member")) % 3 == 0


def _fold(states: dict[str, MemberState], raw: dict[str, Any]) -> None:
    event = trusted_event(raw)
    state = states.get(event.member) or MemberState(event.member)
    states[event.member] = apply(state, event)


def _ledger_and_fold(
    spools: list[Path], out: Path, accounts: list[str], delimiter: str
) -> tuple[int, dict[str, MemberState]]:
    """ledger.csv, one row per event in clock order, and the states of the members
    ``_folded_by_worker`` gives this side; the number of rows and those states. Runs in
    a worker process beside ``finish``, merging the same spools the same way."""
    states: dict[str, MemberState] = {}
    with bulk_gc(), out.open("w", encoding="utf-8", newline="") as lf:
        lf.write(BOM)
        lw = csv.writer(lf, delimiter=delimiter)
        lw.writerow([*LEDGER_COLUMNS, *map(account_column, accounts)])
        rows = 0
        try:
            for line in _merge_spools(spools):
                raw = loads_json(line)
                lw.writerow(ledger_row(raw, accounts))
                if _folded_by_worker(raw):
                    _fold(states, raw)
                rows += 1
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise BackupError(f"a malformed event ({exc!r}) in the spool files") from None
    return rows, states


def _worker() -> Executor:
    """A process for work beside this one (forked: nothing to import, starts at once);
    where there is no fork, a thread: the same results, one core."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=1)


def _copy_part(zf: zipfile.ZipFile, path: Path, name: str, rows: int) -> dict[str, Any]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as src, zf.open(name, "w", force_zip64=True) as dst:
        while chunk := src.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return {"sha256": sha.hexdigest(), "bytes": size, "rows": rows}


# ---- making one ----------------------------------------------------------------------------


def create_from_store(
    data_dir: Path, dest_dir: Path, *, delimiter: str = ";", progress: Progress | None = None
) -> Path:
    """A backup of a kiosk's own store, read-only (works beside the running kiosk)."""
    from kiosk.store.disk import OsDisk
    from kiosk.store.ledger import Ledger
    from kiosk.store.signing import signed_heads

    with Ledger.open(data_dir, readonly=True) as ledger:
        # the kiosk's signed chain heads, so `backup verify` catches a rewritten history
        heads, _ = signed_heads(data_dir, OsDisk())
        key = ledger.signer.public_key
        signed = {
            "signed_heads": [asdict(h) for h in heads],
            "kiosk_keys": {ledger.kiosk_id: key} if key else {},
        }
        writer = BackupWriter(source=f"kiosk {ledger.kiosk_id}", delimiter=delimiter, extra=signed)
        try:
            for _, raw_events in ledger.storage.records():
                writer.add_many(raw_events)
        except BaseException:
            writer.close()
            raise
    if progress is not None:
        progress.total = writer.count
    with bulk_gc():
        return writer.finish(dest_dir, progress=progress)
