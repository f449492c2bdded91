"""Backups: one zip file with a manifest, the events, and CSV a spreadsheet opens.

Parts of ``kanta-backup-<when>.zip``:

* ``manifest.json``: format, when and from where, counts, the SHA-256 and size of every
  other part, each kiosk's hash-chain head (first/last sequence number, event count, hash
  of its last event), the CSV delimiter.
* ``events.jsonl``: every event, one JSON object a line, in hybrid-clock order (so each
  kiosk's events are in sequence order and a restore folds every member in the same
  order the kiosks do).
* ``members.csv``: one row per member, the state the events fold to.
* ``ledger.csv``: one row per event, with a column per account.

CSV files are UTF-8 with a byte-order mark (so Excel reads the text right), CRLF line
ends, and a configurable delimiter (``;`` for Finnish-locale Excel). Text cells that a
spreadsheet would take for a formula get a leading apostrophe.

``pull`` makes one from the server (owner login), ``create`` from a kiosk's own store
(no server: a USB stick); ``verify`` checks every part and says which one is damaged
and how; ``restore`` makes a replacement kiosk (a new kiosk id) with the shop's state.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import heapq
import io
import json
import multiprocessing
import os
import shutil
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from kiosk.config import StoreConfig
from kiosk.domain.events import GENESIS_HASH, Event, event_from_dict, event_from_trusted_dict, in_to_dict_form
from kiosk.domain.member import MemberState, apply
from kiosk.errors import EventFormatError, KantaError
from sync.backup_guard import (
    RESTORING,
    clean_killed_restores,
    mark_restoring,
    private_mode,
    unmark_restoring,
)
from sync.backup_guard import (
    size_mismatch as _size_mismatch,
)
from sync.progress import Progress

if TYPE_CHECKING:
    from kiosk.services.replication import ImportResult
    from kiosk.store.signing import SignedHead

FORMAT = 1
MANIFEST = "manifest.json"
EVENTS = "events.jsonl"
MEMBERS = "members.csv"
LEDGER = "ledger.csv"
PARTS = (EVENTS, MEMBERS, LEDGER)
BOM = "\ufeff"
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
#: text cells starting with these are formulas to a spreadsheet
_FORMULA_CHARS = frozenset("=+-@\t\r")

MEMBER_COLUMNS = (
    "member",
    "status",
    "cards",
    "retired_cards",
    "created_at",
    "enrolled_at",
    "last_visit_at",
    "events",
    "overdrawn",
)
LEDGER_COLUMNS = (
    "id",
    "wall",
    "hlc",
    "kiosk",
    "seq",
    "kind",
    "member",
    "card",
    "actor",
    "reverses",
    "program",
    "data",
)


#: JSON lines are parsed with orjson: a third of json.loads's cost (its errors are ValueErrors)
_loads = orjson.loads


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Millions of small objects are made and mostly kept: the collector's full passes
    over them cost as much as the work. What exists before is frozen out of its sight,
    and it runs rarely; the caller's settings come back afterwards."""
    threshold = gc.get_threshold()
    # a process owner that froze its own objects keeps them frozen: then only the thresholds
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if ours:
            gc.unfreeze()


class BackupError(KantaError):
    """A backup cannot be written, read or restored."""


def csv_delimiter(name: str) -> str:
    try:
        return DELIMITERS[name]
    except KeyError:
        raise BackupError(f"CSV delimiter {name!r}: use ',', ';' or 'tab'") from None


def _cell(value: str) -> str:
    """Text for a CSV cell: one line, and never taken for a formula."""
    if not value:
        return value
    if "\n" in value or "\r" in value:
        value = value.replace("\r", " ").replace("\n", " ")
    if value[0] in _FORMULA_CHARS:
        return "'" + value
    return value


def trusted_event(raw: dict[str, Any]) -> Event:
    """An event from a part whose SHA-256 matched (it was validated when the backup was
    made): built without re-validating, which costs more than everything else here."""
    try:
        return event_from_trusted_dict(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"a malformed event ({exc!r}): run `kanta backup verify` on the file") from None


# ---- writing ---------------------------------------------------------------------------


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
                        raw = _loads(line)
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
                    mw.writerow([*MEMBER_COLUMNS, *member_accounts])
                    for member_id in sorted(states):
                        mw.writerow(_member_row(states[member_id], member_accounts))
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
            _seal(tmp_zip)
            os.chmod(tmp_zip, private_mode(tmp_zip.parent))
            _fsync(tmp_zip)
            os.replace(tmp_zip, final)
            _fsync(final.parent)
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
        lw.writerow([*LEDGER_COLUMNS, *accounts])
        rows = 0
        try:
            for line in _merge_spools(spools):
                raw = _loads(line)
                lw.writerow(_ledger_row(raw, accounts))
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


def _ledger_row(raw: dict[str, Any], accounts: list[str]) -> list[Any]:
    """The row of an event in its JSON form (the fields ``trusted_event`` takes as they are)."""
    deltas: dict[str, int] = {}
    for p in raw.get("postings", ()):
        deltas[p[0]] = deltas.get(p[0], 0) + p[1]
    data = raw.get("data")
    return [
        raw["id"],
        raw["wall"],
        raw["hlc"],
        _cell(raw["kiosk"]),
        raw["seq"],
        raw["kind"],
        _cell(raw["member"]),
        _cell(raw.get("card") or ""),
        _cell(raw.get("actor") or ""),
        raw.get("reverses") or "",
        _cell(raw["program"]),
        _cell(json.dumps(dict(data), ensure_ascii=False, sort_keys=True) if data else ""),
        *[deltas.get(a, "") for a in accounts],
    ]


def _member_row(state: MemberState, accounts: list[str]) -> list[Any]:
    return [
        _cell(state.member_id),
        state.status,
        _cell(" ".join(state.cards)),
        _cell(" ".join(state.retired_cards)),
        state.created_at or "",
        state.enrolled_at or "",
        state.last_visit_at or "",
        state.event_count,
        " ".join(state.overdrawn),
        *(state.balances.get(a, 0) for a in accounts),
    ]


def _fsync(path: Path) -> None:
    """fsync a file or a folder."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


SEAL = "kanta-seal-1 "


def _regions(path: Path) -> tuple[dict[str, tuple[int, int]], int]:
    """Byte ranges of each part's header and data in the file, and the directory's start."""
    with zipfile.ZipFile(path) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        start_dir = zf.start_dir
    regions: dict[str, tuple[int, int]] = {}
    for i, info in enumerate(infos):
        end = infos[i + 1].header_offset if i + 1 < len(infos) else start_dir
        regions[info.filename] = (info.header_offset, end)
    return regions, start_dir


def _region_hashes(
    path: Path, regions: dict[str, tuple[int, int]], dir_range: tuple[int, int]
) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open("rb") as f:
        for name, (start, end) in [*regions.items(), ("(zip directory)", dir_range)]:
            f.seek(start)
            sha = hashlib.sha256()
            left = end - start
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                sha.update(chunk)
                left -= len(chunk)
            out[name] = sha.hexdigest()
    return out


def _seal(path: Path) -> None:
    """Checksum every byte of the file, zip headers too, per part, in the zip's comment:
    a flipped byte anywhere is then found and blamed on the part it hit."""
    regions, start_dir = _regions(path)
    size = path.stat().st_size
    # the end record's last two bytes are the comment's length: everything before is sealed
    hashes = _region_hashes(path, regions, (start_dir, size - 2))
    comment = (SEAL + json.dumps(hashes, sort_keys=True, separators=(",", ":"))).encode()
    with path.open("r+b") as f:
        f.seek(size - 2)
        f.write(len(comment).to_bytes(2, "little") + comment)


def _check_seal(path: Path, zf: zipfile.ZipFile, report: VerifyReport) -> None:
    comment = zf.comment
    if not comment.startswith(SEAL.encode()):
        report.problem(
            None, "the file's seal (checksums of every byte, in the zip comment) is missing or damaged"
        )
        return
    try:
        sealed = json.loads(comment[len(SEAL) :])
    except ValueError:
        report.problem(None, "the file's seal (in the zip comment) is damaged, or the file was cut short")
        return
    total = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, total - len(comment) - 2))
        declared = int.from_bytes(f.read(2), "little")
    if declared != len(comment):
        report.problem(None, "the zip's end record is damaged (its comment length is wrong)")
        return
    size = total - len(comment)
    try:
        regions, start_dir = _regions(path)
        if not all(0 <= a <= b <= size for a, b in [*regions.values(), (start_dir, size - 2)]):
            raise ValueError("offsets outside the file")
        actual = _region_hashes(path, regions, (start_dir, size - 2))
    except Exception as exc:
        report.problem(None, f"the zip's table of contents is damaged ({exc})")
        return
    for name, digest in actual.items():
        if sealed.get(name) != digest:
            report.problem(name, "its bytes in the file (zip header or compressed data) were changed")
    for name in set(sealed) - set(actual):
        report.problem(name, "missing from the file")


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


def pull_from_server(
    server: str,
    email: str,
    password: str,
    dest_dir: Path,
    *,
    delimiter: str = ";",
    ca_bundle: str = "",
    progress: Progress | None = None,
    page_size: int = 5000,
) -> Path:
    """A backup of the whole shop from its server (owner login)."""
    import requests

    from sync.client import Transport, is_loopback

    transport = Transport(server, basic=(email, password), ca_bundle=ca_bundle)
    writer = BackupWriter(source=transport.base_url, delimiter=delimiter)
    cursor = 0
    path = "/api/v1/backup/events"
    # compressing megabytes of JSON costs the server more than sending them costs the
    # loopback; over a network it pays
    loopback = is_loopback(urlsplit(transport.base_url).hostname or "")
    headers = {"Accept-Encoding": "identity"} if loopback else {}

    def fetch(after: int) -> dict[str, Any]:
        params = {"after": after, "limit": page_size}
        page: Any = None
        try:
            response = transport.session.get(
                transport.base_url + path, params=params, headers=headers, timeout=transport.timeout
            )
            if response.status_code == 200:
                page = _loads(response.content)  # a third of the cost of response.json()
        except (requests.RequestException, ValueError):
            page = None
        if page is None:
            # anything but a plain answer: the transport's retries and its error messages
            page = transport.request("GET", path, params=params)
        if not isinstance(page, dict) or not isinstance(page.get("events"), list):
            raise BackupError("the server's answer is not an event page")
        return page

    # the next page is fetched while this one is spooled: the server works meanwhile
    missing: list[tuple[int, int, int]] = []
    with ThreadPoolExecutor(max_workers=1) as pool, bulk_gc():
        try:
            pending = pool.submit(fetch, cursor)
            while True:
                page = pending.result()
                after, cursor = cursor, int(page.get("cursor", cursor))
                if cursor - after != len(page["events"]):  # the shop's cursors have no gaps
                    missing.append((after + 1, cursor, cursor - after - len(page["events"])))
                more = bool(page.get("more")) and bool(page["events"])
                if more:
                    pending = pool.submit(fetch, cursor)
                writer.add_many(page["events"])
                if progress is not None:
                    progress.advance(len(page["events"]))
                if not more:
                    break
        except BaseException:
            writer.close()
            raise
    if missing:
        writer.close()
        ranges = ", ".join(f"{n} of the events {a}..{b}" for a, b, n in missing[:5])
        raise BackupError(
            f"the server's cursor is {cursor} but {writer.count} events arrived ({ranges} missing by "
            "its cursors): the backup would not be whole, so none was written. Try again; if it "
            "repeats, the server's database needs a look."
        )
    writer.extra["server_cursor"] = cursor
    # the kiosks' registered keys and the signed heads the server kept (sync.server.heads)
    try:
        signed = transport.request("GET", "/api/v1/backup/heads", ok_404=True)
    except BaseException:
        writer.close()
        raise
    if isinstance(signed, dict):
        writer.extra.update({k: signed.get(k) for k in ("kiosk_keys", "signed_heads")})
    if progress is not None:
        progress.finish()
        progress = Progress("writing backup", writer.count, progress.stream)
    with bulk_gc():
        return writer.finish(dest_dir, progress=progress)


# ---- checking one ----------------------------------------------------------------------------


@dataclass
class VerifyReport:
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    damaged_parts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, part: str | None, text: str) -> None:
        if part and part not in self.damaged_parts:
            self.damaged_parts.append(part)
        if len(self.problems) < 50:
            self.problems.append(f"{part}: {text}" if part else text)

    def summary(self) -> str:
        counts = self.manifest.get("counts", {})
        head = f"{self.path.name}: " + (
            f"{counts.get('events', '?')} events, {counts.get('members', '?')} members, "
            f"{counts.get('kiosks', '?')} kiosk(s), made {self.manifest.get('created', '?')} "
            f"from {self.manifest.get('source', '?')}"
        )
        if self.ok:
            chains = self.manifest.get("chains", {})
            kiosks = "".join(
                f"\n  kiosk {k}: {c.get('events', '?')} events, up to number {c.get('last_seq', '?')}"
                for k, c in sorted(chains.items())
                if isinstance(c, dict)
            )
            return (
                head + kiosks + "\nOK: every part matches its SHA-256 and every kiosk's hash chain is whole"
            )
        return (
            head
            + f"\nDAMAGED: {', '.join(self.damaged_parts) or 'the file'}\n"
            + "\n".join(f"PROBLEM: {p}" for p in self.problems)
        )


#: the longest line a part may hold (an event is a few hundred bytes; the server takes at most
#: 4 MiB in one push): a longer one is damage, found without holding it in memory
MAX_LINE = 8 * 1024 * 1024


def _read_part(zf: zipfile.ZipFile, name: str, report: VerifyReport) -> Iterator[bytes]:
    """The part's lines (each with its newline, the last maybe without); damage (CRC, deflate
    errors, a line longer than MAX_LINE) is reported against the part."""
    rest = b""
    for chunk in _read_part_chunks(zf, name, report):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
        if len(rest) > MAX_LINE:
            report.problem(name, f"holds a line longer than {MAX_LINE} bytes: damaged")
            return
    if rest:
        yield rest


def _read_part_chunks(zf: zipfile.ZipFile, name: str, report: VerifyReport) -> Iterator[bytes]:
    """The part in chunks of a megabyte; damage is reported as by ``_read_part``."""
    try:
        with zf.open(name) as f:
            while chunk := f.read(1 << 20):
                yield chunk
    except Exception as exc:  # a damaged zip raises many kinds of error: all mean damage here
        report.problem(name, f"cannot be read: the part is damaged ({exc})")


def verify(path: Path, *, deep: bool = True, progress: Progress | None = None) -> VerifyReport:
    """Check a backup. ``deep`` also checks every event's hash and each kiosk's chain."""
    path = Path(path)
    report = VerifyReport(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except Exception as exc:  # BadZipFile, OSError, NotImplementedError, ...
        report.problem(None, f"the file is not a readable zip ({exc}): damaged or cut short")
        return report
    with zf:
        names = set(zf.namelist())
        _check_seal(path, zf, report)
        if MANIFEST not in names:
            report.problem(
                MANIFEST, "missing: this is not a Kanta backup, or its table of contents is damaged"
            )
            return report
        try:
            manifest = json.loads(zf.read(MANIFEST))
            if not isinstance(manifest, dict) or manifest.get("kanta_backup") != FORMAT:
                raise ValueError("not a Kanta backup manifest of format 1")
        except Exception as exc:  # damaged compressed data or text
            report.problem(MANIFEST, f"damaged ({exc})")
            return report
        report.manifest = manifest
        parts = manifest.get("parts", {})
        for name in PARTS:
            if name not in names:
                report.problem(name, "missing from the file")
                continue
            info = parts.get(name)
            if not isinstance(info, dict):
                report.problem(MANIFEST, f"has no checksum for {name}")
                continue
            overrun = _size_mismatch(zf, name, info)
            if overrun is not None:  # refused before reading: time and memory follow the stated sizes
                report.problem(name, overrun)
                continue
            sha = hashlib.sha256()
            size = 0
            lines = 0
            read_ok = True
            checker = _EventChecker(report, manifest) if deep and name == EVENTS else None
            first = b""
            if checker is None:
                # checksums only: large chunks, hashed and inflated without the GIL (a
                # restore runs this beside its own work), lines counted in C
                last = b"\n"
                for chunk in _read_part_chunks(zf, name, report):
                    first = first or chunk
                    sha.update(chunk)
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
                if last != b"\n":
                    lines += 1  # a last line without its newline
            else:
                stated_rows = info.get("rows")
                for line in _read_part(zf, name, report):
                    if not lines:
                        first = line
                    sha.update(line)
                    size += len(line)
                    lines += 1
                    if isinstance(stated_rows, int) and lines > stated_rows:
                        report.problem(name, f"holds more than the {stated_rows} rows the manifest says")
                        break
                    if len(report.problems) >= 50:
                        report.problem(name, "too many problems: the check stopped here")
                        break
                    checker.line(lines, line)
                    if progress is not None:
                        progress.advance()
            if name in report.damaged_parts:
                read_ok = False
            if not read_ok:
                continue
            if size != info.get("bytes") or sha.hexdigest() != info.get("sha256"):
                report.problem(
                    name,
                    f"SHA-256 does not match the manifest ({size} bytes, expected {info.get('bytes')}): "
                    "the part was changed or damaged",
                )
                continue
            rows = lines if name == EVENTS else lines - 1
            if rows != info.get("rows"):
                report.problem(name, f"holds {rows} rows, the manifest says {info.get('rows')}")
            if name != EVENTS and not first.startswith(BOM.encode()):
                report.problem(name, "has no UTF-8 byte-order mark")
            if checker is not None:
                checker.finish()
        counts = manifest.get("counts", {})
        if parts.get(MEMBERS, {}).get("rows") != counts.get("members"):
            report.problem(MANIFEST, "members count differs from members.csv's row count")
        if parts.get(EVENTS, {}).get("rows") != counts.get("events"):
            report.problem(MANIFEST, "events count differs from events.jsonl's line count")
    if progress is not None:
        progress.finish()
    return report


class _EventChecker:
    def __init__(self, report: VerifyReport, manifest: dict[str, Any]) -> None:
        self.report = report
        self.manifest = manifest
        self.chains: dict[str, tuple[int, str, int, int]] = {}  # kiosk -> (last seq, head, count, first)
        self.last_hlc = ""
        self.ids: set[str] = set()
        self.heads = _signed_heads(manifest, report)
        self.signed = {(h.kiosk, h.seq) for h in self.heads}
        self.hashes: dict[tuple[str, int], str] = {}

    def line(self, number: int, line: bytes) -> None:
        where = f"line {number}"
        try:
            event = event_from_dict(json.loads(line))
        except (ValueError, UnicodeDecodeError, EventFormatError) as exc:
            self.report.problem(EVENTS, f"{where}: not a valid event ({exc})")
            return
        if event.id in self.ids:
            self.report.problem(EVENTS, f"{where}: event {event.id} appears twice")
        self.ids.add(event.id)
        if (event.kiosk, event.seq) in self.signed:
            self.hashes[event.kiosk, event.seq] = event.hash
        if event.hlc < self.last_hlc:
            self.report.problem(EVENTS, f"{where}: out of clock order")
        self.last_hlc = max(self.last_hlc, event.hlc)
        prev = self.chains.get(event.kiosk)
        if prev is None:
            if event.seq == 1 and event.prev != GENESIS_HASH:
                self.report.problem(EVENTS, f"{where}: kiosk {event.kiosk} event 1 does not start a chain")
            self.chains[event.kiosk] = (event.seq, event.hash, 1, event.seq)
            return
        seq, head, count, first = prev
        if event.seq != seq + 1:
            self.report.problem(
                EVENTS, f"{where}: kiosk {event.kiosk} jumps from event {seq} to {event.seq} (events missing)"
            )
        elif event.prev != head:
            self.report.problem(
                EVENTS,
                f"{where}: kiosk {event.kiosk} event {event.seq} does not chain to event {seq} "
                "(history edited or removed)",
            )
        self.chains[event.kiosk] = (event.seq, event.hash, count + 1, first)

    def finish(self) -> None:
        from kiosk.store.signing import check_heads

        keys = self.manifest.get("kiosk_keys")
        trusted = {str(k): str(v) for k, v in keys.items()} if isinstance(keys, dict) else {}
        for problem in check_heads(self.heads, self.hashes, trusted):
            self.report.problem(EVENTS, problem)
        expected = self.manifest.get("chains", {})
        for kiosk, (seq, head, count, first) in self.chains.items():
            want = expected.get(kiosk)
            if not isinstance(want, dict):
                self.report.problem(MANIFEST, f"has no chain head for kiosk {kiosk}")
                continue
            if (want.get("last_seq"), want.get("head"), want.get("events"), want.get("first_seq")) != (
                seq,
                head,
                count,
                first,
            ):
                self.report.problem(
                    EVENTS, f"kiosk {kiosk}'s chain ends at event {seq} ({head[:12]}…), the manifest differs"
                )
        for kiosk in set(expected) - set(self.chains):
            self.report.problem(EVENTS, f"no events of kiosk {kiosk}, which the manifest lists")


def _signed_heads(manifest: dict[str, Any], report: VerifyReport) -> list[SignedHead]:
    """The signed chain heads a kiosk's backup carries (kiosk.store.signing)."""
    from kiosk.store.signing import SIGNED_HEAD_FIELDS, SignedHead

    raw = manifest.get("signed_heads", [])
    heads: list[SignedHead] = []
    for i, doc in enumerate((raw if isinstance(raw, list) else [None])[:100_000]):
        fields: list[Any] = [doc.get(k) if isinstance(doc, dict) else None for k in SIGNED_HEAD_FIELDS]
        if isinstance(fields[1], int) and all(isinstance(f, str) for j, f in enumerate(fields) if j != 1):
            heads.append(SignedHead(*fields))
        else:
            report.problem(MANIFEST, f"signed head {i + 1} is not one")
    return heads


# ---- restoring one ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    kiosk: str
    events: int
    members: int
    overdrawn: int
    #: the kiosk whose merges the new one took over, if known
    replaces: str | None = None


def restore(
    path: Path,
    data_dir: Path,
    *,
    replaces: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 20_000,
) -> RestoreResult:
    """Make a replacement kiosk in an empty ``data_dir`` from a backup: a new kiosk id (so
    sequence numbers never collide with the old kiosk's), every event, every member.

    The new kiosk takes over the old one's duty of merging the members it made for a card
    another kiosk had made a member for first (kiosk.domain.merge): the old kiosk is
    ``replaces``, or the kiosk a kiosk's own backup (``create``) came from.

    The whole file is checked (``verify``, checksums only) in a thread while the store is
    built in a temp folder beside the target; the folder is renamed into place only if
    the check passed, so a damaged backup changes nothing."""
    path, data_dir = Path(path), Path(data_dir)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(
            f"{data_dir} is not empty: restore into an empty folder (a new kiosk), then point "
            "the kiosk at it with --data or KANTA_DATA"
        )
    manifest = _readable_manifest(path)
    # a damaged manifest is left to the check, which says what is wrong with it
    replaces = _replaced_kiosk(manifest, replaces) if manifest is not None else None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_killed_restores(data_dir)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # every check verify makes (each event's hash, each kiosk's chain): a restore
        # refuses whatever verify refuses
        checking = pool.submit(verify, path, deep=True)

        def refusal() -> BackupError | None:
            report = checking.result()
            if report.ok:
                return None
            return BackupError("the backup is damaged; nothing was restored.\n" + report.summary())

        def stop_if_damaged() -> None:
            """Called now and then while building: a damaged file stops it at once."""
            if checking.done() and (damage := refusal()) is not None:
                raise damage

        # built beside the target and renamed into place when complete and checked: an
        # interrupted restore leaves no half-made kiosk where the kiosk would start
        work = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}{RESTORING}", dir=data_dir.parent))
        try:
            mark_restoring(work)
            try:
                result, kiosk, members = _restore_into(
                    path, work, manifest, replaces, progress, batch_size, stop_if_damaged
                )
            except Exception:
                # a damaged part can fail the build first: the check says what is wrong
                damage = refusal()
                if damage is not None:
                    raise damage from None
                raise
            damage = refusal()
            if damage is not None:
                raise damage
            if data_dir.exists():
                data_dir.rmdir()  # empty, checked above
            unmark_restoring(work)
            os.rename(work, data_dir)
            _fsync(data_dir.parent)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            unmark_restoring(work)
            raise
    if progress is not None:
        progress.finish()
    return RestoreResult(kiosk, result.applied, members, len(result.overdrawn), replaces)


def _restore_into(
    path: Path,
    work: Path,
    manifest: dict[str, Any] | None,
    replaces: str | None,
    progress: Progress | None,
    batch_size: int,
    check: Callable[[], None],
) -> tuple[ImportResult, str, int]:
    """Fill the store in ``work`` from the backup; returns (import result, kiosk id, members)."""
    from kiosk.services.replication import import_restored_events
    from kiosk.store.ledger import Ledger

    if manifest is None:
        raise BackupError(f"{MANIFEST} is not a Kanta backup manifest")
    with zipfile.ZipFile(path) as zf:
        overrun = _size_mismatch(zf, EVENTS, manifest.get("parts", {}).get(EVENTS))
        if overrun is not None:
            raise BackupError(f"{EVENTS}: {overrun}")
        if progress is not None:
            progress.total = int(manifest.get("counts", {}).get("events", 0))
        ledger = Ledger.open(work, config=StoreConfig(snapshot_min_journal_bytes=1 << 62))
        try:
            with zf.open(EVENTS) as f, bulk_gc():
                items = _restore_items(f, progress, check)
                result = import_restored_events(ledger, items, batch_size=batch_size)
            ledger.record(
                [],
                [],
                meta={
                    "restored_from": {
                        "source": manifest.get("source"),
                        "created": manifest.get("created"),
                        "server_cursor": manifest.get("server_cursor"),
                    },
                    "replaces": [replaces] if replaces else [],
                },
            )
            ledger.storage.snapshot()
            return result, ledger.kiosk_id, ledger.member_count()
        finally:
            ledger.close()


def _readable_manifest(path: Path) -> dict[str, Any] | None:
    """The backup's manifest, or None when it cannot be read (``verify`` says why)."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except Exception:  # a damaged zip raises many kinds (zlib.error too): verify says which
        return None
    return manifest if isinstance(manifest, dict) else None


def _replaced_kiosk(manifest: dict[str, Any], replaces: str | None) -> str | None:
    """The kiosk a restore replaces: the one named, which must have events in the backup,
    or the kiosk whose own backup this is."""
    chains = manifest.get("chains")
    kiosks: list[str] = sorted(chains) if isinstance(chains, dict) else []
    if replaces is not None:
        if replaces not in kiosks:
            named = ", ".join(kiosks) or "none"
            raise BackupError(
                f"kiosk {replaces} has no events in this backup, so it cannot be the one "
                f"replaced (the kiosks in it: {named})"
            )
        return replaces
    source = str(manifest.get("source", ""))
    if source.startswith("kiosk ") and source[6:] in kiosks:
        return source[6:]
    return None


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a zip member, read in large chunks (its own readline is slow)."""
    rest = b""
    while chunk := stream.read(1 << 20):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


#: the keys of ``Event.to_dict()``: always there, and there only when set
def _restore_items(
    stream: IO[bytes], progress: Progress | None, check: Callable[[], None]
) -> Iterator[tuple[Event, bytes]]:
    """Each event with the JSON text the store keeps for it: the backup's own line when it
    is in ``to_dict()`` form (every line a kiosk or server wrote is), else re-encoded.
    ``check`` is called every few thousand lines."""
    for number, line in enumerate(_lines(stream)):
        if not number & 0x1FFF:
            check()
        try:
            raw = _loads(line)
        except ValueError:
            raw = None
        if type(raw) is not dict:
            raise BackupError("events.jsonl holds a line that is not an event")
        event = trusted_event(raw)
        yield event, (line if in_to_dict_form(raw) else orjson.dumps(event.to_dict()))
        if progress is not None:
            progress.advance()


def read_members_csv(path: Path) -> list[dict[str, str]]:
    """The members part as dictionaries (tests, tools)."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        text = zf.read(MEMBERS).decode("utf-8-sig")
    delimiter = csv_delimiter(manifest.get("csv_delimiter", ";"))
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
