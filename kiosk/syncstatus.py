"""The sync worker's live status: what its last cycle saw. This module alone reads and
writes it; the worker (``sync.client``), ``kanta sync status``, ``kanta status`` and the
staff screen all ask it.

The file is ``sync-status.json`` in the run folder (``kiosk.rundir``: RAM on the
appliance, as it changes every cycle), else ``<data>/sync/status.json``. It is news, not
a position: the worker's durable cursors are in ``sync/state.json`` (``sync.state``), so
a lost status only means "never synced" until the next cycle. Keys the worker writes:
``server``, ``kiosk``, ``pushed_seq``, ``pull_cursor``, ``pending``, ``inbox_files``,
``cycles``, ``last_attempt``, ``last_ok``, ``last_error``, ``last_error_at`` (times are
ISO 8601 with an offset), ``last_resend`` (when and which of this kiosk's events the
server said it was missing, resent in the same cycle).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.errors import SyncError
from kiosk.rundir import run_dir
from kiosk.store.disk import write_atomic

RUN_FILE = "sync-status.json"
SYNC_DIR = "sync"
FALLBACK_FILE = "status.json"
#: the times ``summary`` reads: when a cycle last began, succeeded and failed
TIMES = ("last_attempt", "last_ok", "last_error_at")
#: how recent a successful cycle must be for the kiosk to count as online
RECENT_SECONDS = 120.0
#: the largest status file read (the worker writes a few hundred bytes)
MAX_BYTES = 64 * 1024


def _paths(data_dir: Path, env: Mapping[str, str] | None = None) -> list[Path]:
    return [run_dir(data_dir, env) / RUN_FILE, Path(data_dir) / SYNC_DIR / FALLBACK_FILE]


def load_status(data_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the worker last saw ({} if it never wrote, or the file is damaged)."""
    for path in _paths(data_dir, env):
        try:
            with path.open("rb") as f:
                value = json.loads(f.read(MAX_BYTES + 1)[:MAX_BYTES])
        except (OSError, ValueError):
            continue
        if isinstance(value, dict):
            return value
    return {}


def save_status(data_dir: Path, status: Mapping[str, Any], env: Mapping[str, str] | None = None) -> None:
    """Not fsync'ed: the latest news, rewritten every cycle and worthless after a power cut."""
    body = json.dumps(dict(status), sort_keys=True).encode()
    for path in _paths(data_dir, env):
        try:
            write_atomic(path, body, durable=False)
            return
        except OSError:
            continue
    raise SyncError(f"cannot write the sync status in {_paths(data_dir, env)[-1].parent}")


def _instant(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def server_recently_reached(
    data_dir: Path,
    within_seconds: float = RECENT_SECONDS,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
) -> bool:
    """Did the sync worker complete a cycle with the server in the last ``within_seconds``?
    A file read, no network: what the kiosk asks before a redemption worth more than
    ``[sync] redeem_online_above_cents`` or an online-only coupon."""
    last = _instant(load_status(data_dir, env).get("last_ok"))
    if last is None:
        return False
    age = (now or datetime.now(UTC)).timestamp() - last
    return -60 <= age <= within_seconds


def summary(data_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """For `kanta status`: the server, events waiting to be pushed, the last success
    (seconds since the epoch) and the last error; None when the worker never wrote."""
    status = load_status(data_dir, env)
    if not status:
        return None
    pending = status.get("pending")
    times = {key: t for key in TIMES if (t := _instant(status.get(key))) is not None}
    return {
        "server": status.get("server") or None,
        "pending": pending if isinstance(pending, int) and not isinstance(pending, bool) else None,
        "times": times,
        "last_sync_at": times.get("last_ok"),
        "last_error": status.get("last_error") if isinstance(status.get("last_error"), str) else None,
    }
