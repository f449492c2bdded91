"""The store's snapshot file, and the rotation that follows writing one.

``snapshot.json`` is one JSON header line (format, the last record ``n`` it holds, the
``segment`` the journal gets when archived, the body's size and SHA-256, when it was
written) and the tables as one JSON body. It is only ever replaced whole, atomically
(``write_atomic``). After a snapshot the journal is renamed into ``ledger/`` as segment
``segment - 1``; a restart between the two finishes that rename here.
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

log = logging.getLogger(__name__)

FORMAT = 1

Tables = dict[str, dict[int, dict[str, Any]]]

_WHAT_TO_DO = (
    "Nothing was changed. The events are intact in ledger/ and journal.log: "
    "run `kanta store rebuild` to rebuild the snapshot from them, or restore a backup."
)


@dataclass
class Snapshot:
    tables: Tables
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


def write_snapshot(disk: Disk, folder: Path, tables: Tables, n: int, segment: int) -> int:
    """Atomically replace the snapshot: temp file, fsync, rename, fsync the folder."""
    body = json.dumps(tables, separators=(",", ":"), ensure_ascii=False).encode()
    header = {
        "format": FORMAT,
        "n": n,
        "segment": segment,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "written": time.time(),
    }
    raw = json.dumps(header).encode() + b"\n" + body
    write_atomic(folder / SNAPSHOT, raw, disk=disk)
    return len(raw)


def read_snapshot(disk: Disk, folder: Path) -> Snapshot:
    """The snapshot in ``folder``, checked whole against its header's size and checksum."""
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
    tables = orjson.loads(body)  # the same JSON, read about three times faster at 50,000 members
    return Snapshot(
        {name: {int(k): v for k, v in docs.items()} for name, docs in tables.items()},
        int(header["n"]),
        int(header["segment"]),
        len(raw),
        header.get("written"),
    )


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
