"""Sealing the contact details an older Kanta kept in the clear, in every file.

Before contact details were sealed with a key per member (kiosk.store.personal), a
member's phone number or e-mail was a plain ``profiles`` document: in the snapshot, in
the journal record that wrote it and so, once the journal was archived, in a ledger
segment kept for ever. Sealing the live document at open (``Ledger._tidy_personal_data``)
leaves those old copies, and an erasure could not reach them.

This migration runs once, when such a store is first opened for writing (the kiosk's start
or any writing ``kanta`` command; ``kanta store migrate`` runs it and says what it did):

1. a snapshot, so ``snapshot.json`` holds only sealed documents and the journal, with its
   old clear records, becomes a segment;
2. every segment holding a clear ``profiles`` document is rewritten (temp file, fsync,
   rename, fsync the folder) with each such document sealed: with the member's own key
   when they still have one, else with a key made for the purpose and thrown away at
   once (noise: what an erasure leaves). Nothing else in the file changes: records that
   hold no clear document keep their bytes, and a rewritten record keeps its number and
   its events, whose hashes (and the chain, and the signed heads) cover the events alone;
3. leftovers kept for inspection (``journal.torn-*``, ``journal.damaged-*``) have each
   clear value overwritten with as many ``*``; stale temp files are removed;
4. every file of the data folder is read for the values found, and any still holding one
   is named (never the value) in the report and the log; then the store notes that its
   contact details are sealed (``meta.contacts``), so later opens skip all this.

A cut at any point leaves a store that opens and verifies: each file is replaced whole or
not at all, the live state was sealed before any of this began, and the note comes last,
so the next open simply does the remaining files again (sealed ones are left as they are).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kiosk.store import journal
from kiosk.store.disk import Disk, write_atomic
from kiosk.store.personal import MemberKeys
from kiosk.store.storage import JOURNAL, LEDGER, SNAPSHOT, CrashSafeStorage

log = logging.getLogger(__name__)

#: the value of ``meta.contacts`` once no file holds contact details in the clear
SEALED = "sealed"
#: what a store keeps for inspection that may hold old records' bytes
_KEPT_FOR_INSPECTION = ("journal.torn-", "journal.damaged-")
#: shorter strings are not looked for in other files (a value of a few characters would
#: match unrelated bytes); a phone number has at least 6 digits
_MIN_SEARCHED = 6
#: files beside the store's own read for clear values at most this large (each value is
#: looked for on its own: a shop's thousands of values over a big file would take minutes)
_MAX_SWEPT = 16 << 20


@dataclass
class MigrationReport:
    """What the migration did; no personal data in it."""

    documents_sealed: int = 0
    segments_rewritten: int = 0
    segments_checked: int = 0
    leftovers_redacted: list[str] = field(default_factory=list)
    temp_files_removed: list[str] = field(default_factory=list)
    #: files (relative to the data folder) that still hold a value in the clear
    still_in_clear: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"contact details sealed in the kept history: {self.documents_sealed} document(s) in "
            f"{self.segments_rewritten} of {self.segments_checked} ledger segment(s) rewritten; "
            "snapshot rewritten"
        ]
        if self.leftovers_redacted:
            lines.append("overwritten in files kept for inspection: " + ", ".join(self.leftovers_redacted))
        if self.temp_files_removed:
            lines.append("stale temp files removed: " + ", ".join(self.temp_files_removed))
        if self.still_in_clear:
            lines.append(
                "STILL IN THE CLEAR in: " + ", ".join(self.still_in_clear) + " (not a store file; "
                "remove or move it out of the data folder)"
            )
        return "\n".join(lines)


def is_clear(doc: Any) -> bool:
    """A ``profiles`` document an older version wrote: fields, not a sealed box."""
    return isinstance(doc, dict) and "sealed" not in doc


def _clear_values(doc: Mapping[str, Any], into: set[bytes]) -> None:
    for value in doc.values():
        text = str(value)
        if len(text) >= _MIN_SEARCHED:
            into.add(text.encode("utf-8"))
            into.add(json.dumps(text)[1:-1].encode("ascii"))  # as an ASCII-only writer put it


def migrate(
    storage: CrashSafeStorage,
    keys: MemberKeys,
    member_of: Callable[[int], str | None],
    profiles_table: str,
) -> MigrationReport:
    """Seal every clear contact document in every file of the store (see the module).

    ``member_of(doc_id)``: the member id a profiles document belongs to (they share the
    members' document ids), or None. The live ``profiles`` table must be sealed already."""
    disk, folder = storage.disk, storage.path
    report = MigrationReport()
    # first every clear value, from the files the old version wrote (the snapshot on disk
    # is still its own), so the leftovers can be cleaned before anything else: a cut
    # later on finds fewer clear values but has no leftovers left to clean
    values: set[bytes] = set()
    snapshot = orjson.loads(disk.read_bytes(folder / SNAPSHOT).partition(b"\n")[2] or b"{}")
    for doc in snapshot.get(profiles_table, {}).values():
        if is_clear(doc):
            _clear_values(doc, values)
    for path in [*storage.segments(), folder / JOURNAL]:
        if disk.exists(path):
            for *_, ops in _clear_records(disk.read_bytes(path), profiles_table):
                for table, _, doc in ops:
                    if table == profiles_table and is_clear(doc):
                        _clear_values(doc, values)
    _tidy_leftovers(disk, folder, values, profiles_table, report)
    storage.snapshot()  # the snapshot sealed; the journal becomes a segment
    record_files = {SNAPSHOT, JOURNAL}
    for path in storage.segments():
        report.segments_checked += 1
        record_files.add(f"{LEDGER}/{path.name}")
        sealed = _seal_segment(disk, path, keys, member_of, profiles_table)
        if sealed:
            report.documents_sealed += sealed
            report.segments_rewritten += 1
    # the record files were rewritten from their parsed records above; every other file
    # is read for the values themselves
    for name in _files(disk, folder):
        if name not in record_files and _holds_any(disk, folder / name, values):
            report.still_in_clear.append(name)
            log.warning("%s still holds contact details in the clear (not a store file)", name)
    log.info("%s", report.summary())
    return report


def _clear_records(data: bytes, profiles_table: str) -> Iterator[tuple[int, int, int, list[Any], list[Any]]]:
    """The records of a record file that hold a clear profiles document: (start, end of
    the line, number, events, operations). Only lines naming the table are decoded, so a
    segment of taps alone costs a byte search, not a JSON parse per record."""
    marker = b'["%s",' % profiles_table.encode()
    at = data.find(marker)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        if end < 0:
            return  # a last line cut short was never a record
        try:
            n, events, ops = journal.decode_line(data[start:end])
        except journal.BadLine:
            n, ops = 0, []  # damage is `kanta store verify`'s to report, not ours to touch
        if any(op[0] == profiles_table and is_clear(op[2]) for op in ops):
            yield start, end + 1, n, events, ops
        at = data.find(marker, end)


def _seal_segment(
    disk: Disk,
    path: Path,
    keys: MemberKeys,
    member_of: Callable[[int], str | None],
    profiles_table: str,
) -> int:
    """Rewrite one segment with its clear documents sealed; how many there were. Every
    other byte of the file stays as it was."""
    data = disk.read_bytes(path)
    out: list[bytes] = []
    done = 0
    count = 0
    for start, end, n, events, ops in _clear_records(data, profiles_table):
        new_ops: list[list[Any]] = []
        for table, doc_id, doc in ops:
            if table == profiles_table and is_clear(doc):
                fields = {str(k): str(v) for k, v in doc.items()}
                doc = keys.seal_for_history(member_of(int(doc_id)), fields)
                count += 1
            new_ops.append([table, doc_id, doc])
        out += [data[done:start], journal.encode(n, events, new_ops)]
        done = end
    if count:
        write_atomic(path, b"".join(out) + data[done:], disk=disk)
    return count


def _tidy_leftovers(
    disk: Disk, folder: Path, values: set[bytes], profiles_table: str, report: MigrationReport
) -> None:
    for name in _files(disk, folder):
        path = folder / name
        if name.endswith(".tmp") and (path.parent == folder or path.parent.name == LEDGER):
            # a whole-file write cut short (the store's own: snapshot, segments, keys); we
            # hold the store's lock, so none is being written now
            disk.remove(path)
            report.temp_files_removed.append(name)
        elif path.name.startswith(_KEPT_FOR_INSPECTION):
            data = disk.read_bytes(path)
            redacted = _redacted(data, values, profiles_table)
            if redacted != data:
                write_atomic(path, redacted, disk=disk)
                report.leftovers_redacted.append(name)
    if report.temp_files_removed:
        disk.sync_dir(folder)
        disk.sync_dir(folder / LEDGER)


def _redacted(data: bytes, values: set[bytes], profiles_table: str) -> bytes:
    """A leftover's bytes with each clear value, and each string in a profiles document
    (a torn one may hold a value written nowhere else), overwritten with as many ``*``:
    the same length, so offsets noted about the damage still hold."""
    for value in sorted(values, key=len, reverse=True):
        data = data.replace(value, b"*" * len(value))
    out = bytearray(data)
    for match in re.finditer(rb'\["%s",\s*\d+,\s*\{' % re.escape(profiles_table.encode()), data):
        end = data.find(b"}", match.end())
        end = len(data) if end < 0 else end
        for string in re.finditer(rb'":\s*"((?:[^"\\]|\\.)*)', data[match.end() : end]):
            start = match.end() + string.start(1)
            out[start : start + len(string[1])] = b"*" * len(string[1])
    return bytes(out)


def _files(disk: Disk, folder: Path, under: str = "") -> Iterator[str]:
    """Every file in the data folder (relative names), its subfolders' too."""
    for name in disk.listdir(folder / under if under else folder):
        rel = f"{under}/{name}" if under else name
        try:
            yield from _files(disk, folder, rel)
        except (NotADirectoryError, FileNotFoundError):  # a file, not a folder
            yield rel


def _holds_any(disk: Disk, path: Path, values: set[bytes]) -> bool:
    try:
        if disk.size(path) > _MAX_SWEPT:
            log.warning("%s is larger than %d MB: not read for contact details", path, _MAX_SWEPT >> 20)
            return False
        data = disk.read_bytes(path)
    except FileNotFoundError:  # the sync worker's temp file, renamed meanwhile
        return False
    return any(v in data for v in values)
