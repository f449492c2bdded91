"""What the sync worker downloads from the owner for the kiosk, kept beside the store:
the shop's program (``<data>/sync/program.toml``) and staff list (``<data>/sync/staff.json``).

This module owns both files, as :mod:`kiosk.store.inbox` owns the inbox: the sync worker
writes them through it (atomically, so the kiosk reads the old file or the new one, never
half) and the kiosk reads them through it when it takes them up at an idle moment
(:mod:`kiosk.services.program_update`, :mod:`kiosk.services.staff_update`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.store.disk import write_atomic

#: in the data folder, beside the sync worker's state
PROGRAM_FILE = Path("sync") / "program.toml"
STAFF_FILE = Path("sync") / "staff.json"
#: a staff list is names, roles and PIN hashes: far below this for any shop
MAX_STAFF_BYTES = 1 << 20


def program_path(data_dir: Path) -> Path:
    return Path(data_dir) / PROGRAM_FILE


def write_program(data_dir: Path, toml_text: str) -> None:
    write_atomic(program_path(data_dir), toml_text.encode())


def staff_path(data_dir: Path) -> Path:
    return Path(data_dir) / STAFF_FILE


def write_staff(data_dir: Path, document: dict[str, Any]) -> None:
    """The owner's staff list as the server sent it (PIN hashes: readable by the kiosk only)."""
    write_atomic(staff_path(data_dir), json.dumps(document, sort_keys=True).encode(), mode=0o600)


def read_staff(data_dir: Path) -> Any:
    """The downloaded staff list's JSON, or None when there is none yet. A damaged or
    oversized file raises ``ValueError`` (``OSError`` when unreadable), naming what is wrong."""
    path = staff_path(data_dir)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_STAFF_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(raw) > MAX_STAFF_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_STAFF_BYTES} bytes")
    return json.loads(raw)
