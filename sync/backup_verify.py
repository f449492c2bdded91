"""``kanta backup verify``: every part against its checksum and the manifest, and (deep)
every event's hash and each kiosk's chain; a report that names the damaged part."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.domain.events import GENESIS_HASH, event_from_dict
from kiosk.errors import EventFormatError
from sync.backup_format import BOM, EVENTS, FORMAT, MANIFEST, MEMBERS, PARTS, BackupError
from sync.backup_guard import size_mismatch
from sync.backup_seal import seal_problems
from sync.progress import Progress

if TYPE_CHECKING:
    from kiosk.store.signing import SignedHead


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
        for part, problem in seal_problems(path, zf):
            report.problem(part, problem)
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
            overrun = size_mismatch(zf, name, info)
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
