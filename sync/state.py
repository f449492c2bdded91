"""The sync worker's own state, beside the kiosk's store: ``<data>/sync/state.json``.

The worker never writes the kiosk's store (the kiosk process holds its lock); it keeps
where it is here: the server, the kiosk token, the CA bundle, how far it has pushed and
pulled. Written atomically (``kiosk.store.disk.write_atomic``: temp file, fsync, rename,
fsync the folder), so a kill at any point leaves either the old state or the new one.
What the worker last saw (its live status) is ``kiosk.syncstatus``'s.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.errors import SyncError
from kiosk.store.disk import write_atomic

SYNC_DIR = "sync"
STATE_FILE = "state.json"


def sync_dir(data_dir: Path) -> Path:
    return Path(data_dir) / SYNC_DIR


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
    write_atomic(sync_dir(data_dir) / STATE_FILE, body, mode=0o600)  # it holds the token


def update_state(data_dir: Path, **changes: Any) -> SyncState:
    state = replace(load_state(data_dir), **changes)
    save_state(data_dir, state)
    return state
