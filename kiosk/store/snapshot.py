"""The store's snapshot file, and the rotation that follows writing one.

``snapshot.json`` is one JSON header line (format, the last record ``n`` it holds, the
``segment`` the journal gets when archived, the body's size and SHA-256, when it was
written, where each table is in the body) and the tables as one JSON body, each document
on a line of its own, so that a table can be read in part (``kiosk.store.tables``). The
newlines are JSON whitespace: the body decodes as before, and a snapshot without the
``tables`` index (written before) is decoded whole at open, as it always was. It is only
ever replaced whole, atomically (``write_atomic``). After a snapshot the journal is
renamed into ``ledger/`` as segment ``segment - 1``; a restart between the two finishes
that rename here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from kiosk.errors import StoreCorrupt
from kiosk.store import journal
from kiosk.store.disk import Disk, write_atomic
from kiosk.store.records import JOURNAL, LEDGER, SNAPSHOT
from kiosk.store.tables import SnapshotTable, StoreTables, Tables

log = logging.getLogger(__name__)

FORMAT = 1

_WHAT_TO_DO = (
    "Nothing was changed. The events are intact in ledger/ and journal.log: "
    "run `kanta store rebuild` to rebuild the snapshot from them, or restore a backup."
)


@dataclass
class Snapshot:
    tables: StoreTables
    #: the last journal record the tables include
    n: int
    #: the index the current journal gets when it is archived
    segment: int
    #: the file's size in bytes
    size: int
    #: when it was written (seconds since the epoch), if the header says
    written: float | None


def segment_name(index: int) -> str:
    return f"{index:06d}.log"


def _document(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except TypeError:  # what orjson does not write (a key not a string, an int over 64 bits)
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def encode_tables(tables: Tables) -> tuple[bytes, list[list[Any]] | None]:
    """The body, and where each table's JSON object is in it ([name, start, end]); one
    document a line. Tables that are not str -> int -> document (never, from the store)
    are written on one line and without the index, to be decoded whole."""
    if not all(type(name) is str and all(type(k) is int for k in docs) for name, docs in tables.items()):
        return json.dumps(tables, separators=(",", ":"), ensure_ascii=False).encode(), None
    parts, index, at = [b"{"], [], 1
    for i, (name, docs) in enumerate(tables.items()):
        head = (b"," if i else b"") + orjson.dumps(name) + b":"
        text = b"{" + b",".join([b'\n"%d":%b' % (k, _document(doc)) for k, doc in docs.items()]) + b"\n}"
        parts += (head, text)
        index.append([name, at + len(head), at + len(head) + len(text)])
        at += len(head) + len(text)
    parts.append(b"}")
    return b"".join(parts), index


def write_snapshot(disk: Disk, folder: Path, tables: Tables, n: int, segment: int) -> int:
    """Atomically replace the snapshot: temp file, fsync, rename, fsync the folder."""
    body, index = encode_tables(tables)
    header: dict[str, Any] = {
        "format": FORMAT,
        "n": n,
        "segment": segment,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "written": time.time(),
    }
    if index is not None:
        header["tables"] = index
    raw = json.dumps(header).encode() + b"\n" + body
    write_atomic(folder / SNAPSHOT, raw, disk=disk)
    return len(raw)


def _indexed_tables(raw: bytes, base: int, index: Any) -> dict[str, SnapshotTable] | None:
    """The body's tables where the header's index says they are, if the body is laid out
    so there (each table's name, then ``{`` ... ``\\n}``, one after another to the end):
    else None, and the body is decoded whole."""
    if not isinstance(index, list):
        return None
    tables: dict[str, SnapshotTable] = {}
    at = base + 1
    try:
        for i, (name, start, end) in enumerate(index):
            start, end = base + start, base + end
            head = (b"," if i else b"") + orjson.dumps(name) + b":"
            if not (
                type(name) is str
                and raw[at:start] == head
                and raw[start : start + 1] == b"{"
                and raw[end - 2 : end] == b"\n}"
                and name not in tables
            ):
                return None
            tables[name] = SnapshotTable(raw, start, end)
            at = end
    except (TypeError, ValueError):  # not [name, start, end] triples
        return None
    return tables if raw[base : base + 1] == b"{" and raw[at:] == b"}" else None


def read_snapshot(disk: Disk, folder: Path) -> Snapshot:
    """The snapshot in ``folder``, checked whole against its header's size and checksum;
    its tables decoded when first needed, if it is laid out one document a line."""
    p = folder / SNAPSHOT
    if not disk.exists(p):
        raise StoreCorrupt(f"{p} is missing. {_WHAT_TO_DO}")
    raw = disk.read_bytes(p)
    cut = raw.find(b"\n")
    # a view, not a copy: the body is the whole 10 MB at 50,000 members
    header_line, body = raw[: max(cut, 0)], memoryview(raw)[cut + 1 :]
    try:
        header = json.loads(header_line)
        ok = (
            cut >= 0
            and header.get("format") == FORMAT
            and header.get("bytes") == len(body)
            and header.get("sha256") == hashlib.sha256(body).hexdigest()
        )
    except ValueError:
        ok = False
    if not ok:
        raise StoreCorrupt(f"{p} is damaged (empty, cut short or checksum mismatch). {_WHAT_TO_DO}")
    lines = _indexed_tables(raw, cut + 1, header.get("tables"))
    if lines is not None:
        tables = StoreTables({}, lines)
    else:
        docs = orjson.loads(body)  # the same JSON, read about three times faster at 50,000 members
        tables = StoreTables({name: {int(k): v for k, v in d.items()} for name, d in docs.items()})
    return Snapshot(tables, int(header["n"]), int(header["segment"]), len(raw), header.get("written"))


def finish_interrupted_rotation(disk: Disk, folder: Path, segment: int, snapshot_n: int) -> None:
    """A snapshot was written but the journal not yet archived: finish the job."""
    archived = folder / LEDGER / segment_name(segment - 1)
    if segment > 1 and not disk.exists(archived):
        if not disk.exists(folder / JOURNAL):
            raise StoreCorrupt(
                f"ledger segment {archived.name} and {JOURNAL} are both missing: events "
                "were lost from this folder. Nothing was changed. Restore from a backup."
            )
        disk.rename(folder / JOURNAL, archived)
        disk.sync_dir(folder / LEDGER)
        disk.sync_dir(folder)
        log.warning("finished a snapshot rotation interrupted by a restart")
    elif segment > 1 and disk.exists(folder / JOURNAL):
        # The rename reached the ledger folder but the old name survived in this one
        # (the cut came between the two folder syncs): it is the archived segment.
        records = journal.scan(disk.read_bytes(folder / JOURNAL), str(folder / JOURNAL)).records
        if records and records[-1].n <= snapshot_n:
            disk.remove(folder / JOURNAL)
            disk.sync_dir(folder)
            log.warning("removed the old name of a journal already archived as %s", archived.name)
