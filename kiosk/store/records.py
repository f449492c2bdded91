"""Reading the store's record files without its lock: the one reader of them.

The store's committed records are lines of the archived ledger segments
(``ledger/NNNNNN.log``) then of the journal (``journal.log``); see ``storage`` for the
layout. ``read_records`` reads them in order, beside a running writer, and says after
each record where it is (``ScanPos``), so a reader can resume there: the sync worker
pushes from where it stopped, the store itself scans from the start. ``files_status``
gives sizes and the last snapshot for ``kanta status`` from the files alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import StoreCorrupt
from kiosk.store import journal
from kiosk.store.disk import Disk, OsDisk

JOURNAL = "journal.log"
LEDGER = "ledger"
SNAPSHOT = "snapshot.json"


@dataclass
class StoreStats:
    """The store's figures as its writer knows them (``CrashSafeStorage.stats``)."""

    records: int
    journal_bytes: int
    snapshot_bytes: int
    segments: int
    bytes_written: int
    last_snapshot_at: float | None
    torn_tail_cut: bool


def note_newest(newest: dict[str, dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Keep, per kiosk, the event with the highest sequence number seen so far."""
    for event in events:
        kiosk = event.get("kiosk")
        if isinstance(kiosk, str) and event.get("seq", 0) > newest.get(kiosk, {}).get("seq", 0):
            newest[kiosk] = event


@dataclass(frozen=True)
class ScanPos:
    """Where a reader stopped: after record ``n``; ``file``/``offset`` are a hint (ledger
    segment index, or the journal's future index) checked before use."""

    n: int = 0
    file: int = 1
    offset: int = 0
    #: bytes of the record's line (not saved)
    size: int = 0


def record_number(line: bytes) -> int | None:
    """A record line's number without decoding it (lines start ``{"n":N,``)."""
    if not line.startswith(b'{"n":'):
        return None
    end = line.find(b",", 5)
    if end < 0:
        end = line.find(b"}", 5)
    try:
        return int(line[5:end])
    except ValueError:
        return None


def record_files(data_dir: Path, disk: Disk) -> list[Path]:
    """The segments in order, then the journal (which may not exist yet)."""
    folder = Path(data_dir) / LEDGER
    segments = (
        [folder / n for n in disk.listdir(folder) if n.endswith(".log") and n[:1].isdigit()]
        if disk.exists(folder)
        else []
    )
    return [*segments, Path(data_dir) / JOURNAL]


def _hint_ok(disk: Disk, path: Path, pos: ScanPos) -> bool:
    try:
        with disk.open_read(path) as f:
            f.seek(pos.offset)
            line = f.readline()
    except OSError:
        return False
    if not line:
        return path.name == JOURNAL
    return record_number(line) == pos.n + 1


def read_records(
    data_dir: Path,
    after: ScanPos | None = None,
    *,
    disk: Disk | None = None,
    contains: bytes | None = None,
    strict: bool = False,
    journal_tail_cut: bool = False,
) -> Iterator[tuple[ScanPos, list[dict[str, Any]]]]:
    """Committed records after ``after.n``, oldest first, each with the position after it
    (records with no events too: the position moves on).

    Never writes and takes no lock. A line still being written ends the read (it is
    picked up next time); a record seen twice during a snapshot rotation is given once.
    ``contains``: a fast byte pre-filter tried before decoding (records without it are
    skipped). A damaged line ends the read, unless ``strict``: then it raises
    StoreCorrupt, except for the journal's last line while no writer has cut a torn tail
    (``journal_tail_cut`` False).
    """
    disk = disk or OsDisk()
    pos = after or ScanPos()
    files = record_files(data_dir, disk)
    start, offset = 0, 0
    if 1 <= pos.file <= len(files) and pos.offset > 0 and _hint_ok(disk, files[pos.file - 1], pos):
        start, offset = pos.file - 1, pos.offset
    last = pos.n
    for index in range(start, len(files)):
        path = files[index]
        if not disk.exists(path):
            continue
        with disk.open_read(path) as stream:
            if index == start and offset:
                stream.seek(offset)
            at = stream.tell()
            for number, line in enumerate(stream, start=1):
                end = at + len(line)
                if not line.endswith(b"\n"):
                    return  # being written right now, or a torn tail recovery will cut
                known = record_number(line)
                if (known is not None and known <= last) or (contains is not None and contains not in line):
                    at = end
                    continue
                try:
                    n, events, _ = journal.decode_line(line[:-1])
                except journal.BadLine as exc:
                    torn_tail = path.name == JOURNAL and not journal_tail_cut
                    if strict and not torn_tail:
                        raise StoreCorrupt(f"{path} is damaged at line {number}: {exc}") from None
                    return  # a torn tail, or a rotation under our feet: next time
                at = end
                if n <= last:
                    continue
                last = n
                yield ScanPos(n, index + 1, end, len(line)), events


def files_status(data_dir: Path) -> dict[str, Any]:
    """Sizes and the last snapshot from the files alone: cheap, lock-free, and it works
    even when the store is damaged."""
    data_dir = Path(data_dir)
    info: dict[str, Any] = {"exists": (data_dir / SNAPSHOT).exists() or (data_dir / JOURNAL).exists()}

    def size(p: Path) -> int:
        try:
            return p.stat().st_size
        except OSError:
            return 0

    info["snapshot_bytes"] = size(data_dir / SNAPSHOT)
    info["journal_bytes"] = size(data_dir / JOURNAL)
    ledger = data_dir / LEDGER
    segments = sorted(ledger.glob("*.log")) if ledger.is_dir() else []
    info["ledger_segments"] = len(segments)
    info["ledger_bytes"] = sum(size(p) for p in segments)
    info["total_bytes"] = info["snapshot_bytes"] + info["journal_bytes"] + info["ledger_bytes"]
    info["last_snapshot_at"] = None
    try:
        with (data_dir / SNAPSHOT).open("rb") as f:
            header = json.loads(f.readline())
        written = header.get("written")
        info["last_snapshot_at"] = float(written) if isinstance(written, int | float) else None
        info["records_at_snapshot"] = header.get("n")
    except (OSError, ValueError, AttributeError):
        pass
    return info
