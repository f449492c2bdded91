"""Pulled events waiting for the kiosk process: ``<data>/sync/inbox/NNNNNNNN.jsonl``.

The store owns the inbox (what is in it, the store will apply): the sync worker writes
each pulled page as one file, atomically, before it advances its pull cursor; the kiosk
process (which holds the store) applies and removes them when idle. A kill between the
two steps only means the page is pulled again and found to be duplicates. Files are
applied in number order, which is the server's cursor order.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kiosk.domain.events import Event, event_from_dict
from kiosk.errors import EventFormatError, SyncError
from kiosk.store.disk import write_atomic

#: in the data folder, beside the sync worker's state
INBOX = Path("sync") / "inbox"
SUFFIX = ".jsonl"


class InboxError(SyncError):
    """An inbox file is unreadable; it was moved aside."""


def inbox_dir(data_dir: Path) -> Path:
    return Path(data_dir) / INBOX


def write_file(data_dir: Path, number: int, events: Iterable[dict[str, Any]]) -> Path:
    lines = [json.dumps(e, separators=(",", ":"), ensure_ascii=False) for e in events]
    path = inbox_dir(data_dir) / f"{number:08d}{SUFFIX}"
    write_atomic(path, ("\n".join(lines) + "\n").encode() if lines else b"")
    return path


def pending_files(data_dir: Path) -> list[Path]:
    folder = inbox_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and p.stem.isdigit())


def pending_count(data_dir: Path) -> int:
    return len(pending_files(data_dir))


def read_file(path: Path) -> list[Event]:
    events: list[Event] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _quarantine(path, f"cannot read it ({exc})")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(event_from_dict(json.loads(line)))
        except (ValueError, EventFormatError) as exc:
            _quarantine(path, f"line {number}: {exc}")
    return events


def _quarantine(path: Path, why: str) -> None:
    aside = path.with_name(path.name + ".bad")
    with contextlib.suppress(OSError):
        path.rename(aside)
    raise InboxError(
        f"inbox file {path.name} is damaged ({why}); moved aside as {aside.name}. Its events "
        "will come again: run `kanta sync status` and `kanta sync once --repull`."
    )


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
