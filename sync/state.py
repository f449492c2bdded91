"""The sync worker's own state, beside the kiosk's store: ``<data>/sync/state.json``.

The worker never writes the kiosk's store (the kiosk process holds its lock); it keeps
where it is here: the server, the kiosk token, the CA bundle, how far it has pushed and
pulled. Written atomically (temp file, fsync, rename, fsync the folder), so a kill at
any point leaves either the old state or the new one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.errors import SyncError

SYNC_DIR = "sync"
STATE_FILE = "state.json"
STATUS_FILE = "status.json"


def sync_dir(data_dir: Path) -> Path:
    return Path(data_dir) / SYNC_DIR


def atomic_write(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename over, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


@dataclass(frozen=True)
class SyncState:
    server: str = ""
    token: str = ""
    #: a PEM bundle of extra CAs to trust (a shop's own server certificate), or ""
    ca_bundle: str = ""
    #: highest sequence number of this kiosk the server has acknowledged
    pushed_seq: int = 0
    #: the server's cursor after the last pulled page
    pull_cursor: int = 0
    #: the kiosk id the pushed_seq belongs to (a restored kiosk starts again)
    kiosk: str = ""
    #: next inbox file number
    inbox_next: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def paired(self) -> bool:
        return bool(self.server and self.token)


def load_state(data_dir: Path) -> SyncState:
    path = sync_dir(data_dir) / STATE_FILE
    try:
        raw = json.loads(path.read_bytes())
    except FileNotFoundError:
        return SyncState()
    except (OSError, ValueError) as exc:
        raise SyncError(
            f"{path} is damaged ({exc}); pair the kiosk again with `kanta sync pair` "
            "(nothing is lost: the server ignores events it already has)"
        ) from None
    if not isinstance(raw, dict):
        raise SyncError(f"{path} is damaged; pair the kiosk again with `kanta sync pair`")
    known = {k: v for k, v in raw.items() if k in SyncState.__dataclass_fields__}
    try:
        return SyncState(**known)
    except TypeError as exc:  # pragma: no cover - only a hand-edited file
        raise SyncError(f"{path} is damaged ({exc})") from None


def save_state(data_dir: Path, state: SyncState) -> None:
    body = json.dumps(asdict(state), indent=1, sort_keys=True).encode()
    atomic_write(sync_dir(data_dir) / STATE_FILE, body)


def update_state(data_dir: Path, **changes: Any) -> SyncState:
    state = replace(load_state(data_dir), **changes)
    save_state(data_dir, state)
    return state


def _status_paths(data_dir: Path) -> list[Path]:
    """Where the worker's live status goes: the run folder (RAM on the appliance: it changes
    every cycle and must not wear the SD card), else the sync folder."""
    from kiosk.health import run_dir

    return [run_dir(data_dir) / "sync-status.json", sync_dir(data_dir) / STATUS_FILE]


def load_status(data_dir: Path) -> dict[str, Any]:
    """What the worker last saw (for `kanta sync status` and the staff screen)."""
    for path in _status_paths(data_dir):
        try:
            value = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(value, dict):
            return value
    return {}


def save_status(data_dir: Path, status: dict[str, Any]) -> None:
    """Not fsync'ed: it is the latest news, rewritten every cycle, and worthless after a
    power cut (the durable position is in state.json)."""
    body = json.dumps(status, sort_keys=True).encode()
    for path in _status_paths(data_dir):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(body)
            os.replace(tmp, path)
            return
        except OSError:
            continue
    raise SyncError(f"cannot write the sync status in {_status_paths(data_dir)[-1].parent}")
