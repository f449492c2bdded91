"""The sync worker's part of owner-managed staff: fetch the shop's staff list when the
server has a new version and keep it beside the store (``<data>/sync/staff.json``, written
atomically through :mod:`kiosk.store.downloads`, its one owner). The kiosk takes it up at
an idle moment (:mod:`kiosk.services.staff_update`); until then, and whenever the server
is out of reach, it works with the staff it last knew."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from kiosk.store import downloads

API = "/api/v1"


class _Requests(Protocol):
    def request(self, method: str, path: str, *, ok_404: bool = False) -> Any: ...


def held_version(data_dir: Path) -> int:
    try:
        return int(downloads.read_staff(data_dir).get("version", 0))
    except (OSError, ValueError, AttributeError):  # none yet (None) or damaged: fetch again
        return 0


def fetch(transport: _Requests, data_dir: Path) -> bool:
    """Download the staff list if the server's is newer; True if a new one was written."""
    reply = transport.request("GET", f"{API}/staff", ok_404=True)
    if not isinstance(reply, dict) or not isinstance(reply.get("staff"), list):
        return False
    version = reply.get("version")
    if not isinstance(version, int) or version <= held_version(data_dir):
        return False
    downloads.write_staff(data_dir, reply)
    return True
