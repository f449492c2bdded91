"""The sync worker's part of owner-managed staff: fetch the shop's staff list when the
server has a new version and keep it beside the store (``<data>/sync/staff.json``, written
atomically). The kiosk takes it up at an idle moment (:mod:`kiosk.services.staff_update`);
until then, and whenever the server is out of reach, it works with the staff it last knew."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from kiosk.store.disk import write_atomic
from sync.state import sync_dir

STAFF_FILE = "staff.json"
API = "/api/v1"


class _Requests(Protocol):
    def request(self, method: str, path: str, *, ok_404: bool = False) -> Any: ...


def staff_path(data_dir: Path) -> Path:
    return sync_dir(data_dir) / STAFF_FILE


def held_version(data_dir: Path) -> int:
    try:
        return int(json.loads(staff_path(data_dir).read_bytes()).get("version", 0))
    except (OSError, ValueError, AttributeError):
        return 0


def fetch(transport: _Requests, data_dir: Path) -> bool:
    """Download the staff list if the server's is newer; True if a new one was written."""
    reply = transport.request("GET", f"{API}/staff", ok_404=True)
    if not isinstance(reply, dict) or not isinstance(reply.get("staff"), list):
        return False
    version = reply.get("version")
    if not isinstance(version, int) or version <= held_version(data_dir):
        return False
    write_atomic(staff_path(data_dir), json.dumps(reply, sort_keys=True).encode(), mode=0o600)
    return True
