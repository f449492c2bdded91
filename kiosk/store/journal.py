"""The journal's record format: one checksummed line per acknowledged change.

    <JSON>\t<crc32 of the JSON, 8 hex digits>\n

The JSON is ``{"n": record number, "ev": [event, ...], "ops": [[table, doc_id, doc|null]]}``.
JSON escapes control characters, so the last tab always separates the checksum.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from kiosk.errors import StoreCorrupt


@dataclass(frozen=True)
class Record:
    n: int
    events: list[dict[str, Any]]
    ops: list[list[Any]]
    offset: int  # byte offset of the line in its file
    end: int  # byte offset just past its newline


def encode(n: int, events: list[dict[str, Any]], ops: list[list[Any]]) -> bytes:
    body: dict[str, Any] = {"n": n}
    if events:
        body["ev"] = events
    if ops:
        body["ops"] = ops
    return _sealed(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def encode_encoded(n: int, event_lines: Sequence[bytes], ops: list[list[Any]]) -> bytes:
    """``encode`` for events already in JSON (a restore's millions): the same record,
    without decoding and re-encoding them."""
    parts = [b'{"n":%d' % n]
    if event_lines:
        parts += [b',"ev":[', b",".join(event_lines), b"]"]
    if ops:
        # whole-number keys written as text, as json.dumps writes them
        parts += [b',"ops":', orjson.dumps(ops, option=orjson.OPT_NON_STR_KEYS)]
    parts.append(b"}")
    return _sealed(b"".join(parts))


def _sealed(payload: bytes) -> bytes:
    return payload + b"\t" + b"%08x" % zlib.crc32(payload) + b"\n"


class BadLine(Exception):
    pass


def decode_line(line: bytes) -> tuple[int, list[dict[str, Any]], list[list[Any]]]:
    """Decode one line without its newline; raise BadLine if it is not a whole, valid record."""
    payload, sep, crc = line.rpartition(b"\t")
    if not sep or len(crc) != 8:
        raise BadLine("no checksum")
    # compared as the exact bytes written: int(crc, 16) would also take "A" for "a", or a
    # space or "+" for a leading "0", and so accept a line whose checksum was damaged
    if crc != b"%08x" % zlib.crc32(payload):
        raise BadLine("checksum mismatch")
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadLine("not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("n"), int):
        raise BadLine("not a journal record")
    return body["n"], body.get("ev", []), body.get("ops", [])


def _complete(line: bytes) -> bool:
    """Whether a damaged line was written whole: it has content and reached its newline.

    A record's line goes to the file in one write, fsync'ed before the change is
    acknowledged; a power cut can leave part of it (no newline) or blocks never written
    (NUL bytes), never a whole line of other bytes. So a whole line that fails its checksum
    is damage to an acknowledged record, not a torn write, even when it is the last one.
    """
    return line.strip(b"\0") != b""


@dataclass(frozen=True)
class ScanResult:
    records: list[Record]
    #: byte offset where valid data ends (the file should be cut here)
    good_end: int
    #: the unreadable tail, if any: (offset, reason)
    torn: tuple[int, str] | None


def scan(data: bytes, name: str, *, stop_at_damage: bool = False) -> ScanResult:
    """Read every record; a damaged *last* line is a torn write, anything worse is refused.

    Damage followed by any further record means acknowledged data was hurt, and recovery
    must not guess: it raises StoreCorrupt naming the file, the byte offset and what to do.
    """
    records: list[Record] = []
    pos = 0
    size = len(data)
    while pos < size:
        nl = data.find(b"\n", pos)
        if nl < 0:
            # no newline: the write was cut before its end, so it was never acknowledged
            # (fsync comes after the whole line), even if what is there happens to decode
            return ScanResult(records, pos, (pos, "record has no end of line"))
        line_end = nl
        line = data[pos:line_end]
        try:
            n, events, ops = decode_line(line)
        except BadLine as exc:
            rest = data[line_end + 1 :]
            if stop_at_damage or (not rest.strip(b"\0\n") and not _complete(line)):
                return ScanResult(records, pos, (pos, str(exc)))
            if not rest.strip(b"\0\n"):
                raise StoreCorrupt(
                    f"{name} is damaged at byte {pos}: its last record (record {len(records) + 1}: "
                    f"{exc}) was written whole (it ends its line), so this is not an interrupted "
                    "write but an acknowledged change that was hurt. Nothing was changed. Restore "
                    "the data folder from a backup, or run `kanta store repair` to keep every "
                    "record before it and move it aside for inspection."
                ) from None
            raise StoreCorrupt(
                f"{name} is damaged at byte {pos} (record {len(records) + 1}: {exc}) and "
                "records follow the damage, so this is not an interrupted write. Nothing was "
                "changed. Restore the data folder from a backup, or run `kanta store repair` "
                "to keep every record before the damage and move the rest aside."
            ) from None
        if records and n != records[-1].n + 1:
            if stop_at_damage:
                return ScanResult(records, pos, (pos, "record numbers jump"))
            raise StoreCorrupt(
                f"{name}: record numbers jump from {records[-1].n} to {n} at byte {pos}; "
                "records are missing. Nothing was changed. Restore the data folder from a "
                "backup, or run `kanta store repair` to keep the records before the gap."
            )
        records.append(Record(n, events, ops, pos, line_end + 1))
        pos = line_end + 1
    return ScanResult(records, pos, None)


def file_damage(path: Path) -> str | None:
    """What is wrong with a journal file, read-only and beside a running kiosk (for
    ``kanta status``): the StoreCorrupt message, or None when it opens (a torn tail included,
    which the next open cuts). A line still being written ends without a newline, so it
    reads as torn, never as damage."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    try:
        scan(data, str(path))
    except StoreCorrupt as exc:
        return str(exc)
    return None
