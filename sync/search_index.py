"""The sync worker's part of the phone / e-mail search on the owner's console: send the
server digests of this kiosk's members' contact details, made with the shop's index key
(kiosk.services.blind_index; the server's side and why it holds the key:
sync.server.blind_index), never the details.

Sent whole (``PUT /api/v1/member-search`` replaces this kiosk's entries) whenever the
members' keys changed (``member-keys.json``: a member gave details, withdrew the terms, was
erased here or at another kiosk): so an erasure takes the member's entries off the server
with the next sync after this kiosk destroyed their key. Each member's digests are kept in
``<data>/sync/search-index.json`` (digests only, by member id) so that only members whose
details changed cost a scrypt; an erased member leaves that file at the same time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any, Protocol

from kiosk.errors import SyncError
from kiosk.services.blind_index import digest
from kiosk.store.disk import write_atomic
from kiosk.store.ledger import Ledger
from kiosk.store.personal import KEYS_FILE
from sync.state import sync_dir

log = logging.getLogger(__name__)

API = "/api/v1"
STATE_FILE = "search-index.json"
_KEY = re.compile(r"^[0-9a-f]{64}$")


class _Requests(Protocol):
    base_url: str

    def request(self, method: str, path: str, *, body: Any = None, ok_404: bool = False) -> Any: ...


def send(transport: _Requests, data_dir: Path) -> int | None:
    """Send this kiosk's entries if its members' contact details changed since the last
    time; how many were sent, or None when nothing needed sending (or the server is an
    older version without the index)."""
    keys = Path(data_dir) / KEYS_FILE
    changed = hashlib.sha256(keys.read_bytes() if keys.exists() else b"").hexdigest()
    held = _load(data_dir)
    if held.get("server") == transport.base_url and held.get("keys") == changed:
        return None
    try:
        reply = transport.request("GET", f"{API}/search-key", ok_404=True)
    except SyncError as exc:
        log.warning("the shop's search key could not be fetched: %s", exc)
        return None
    if reply is None:
        return None
    key = reply.get("key") if isinstance(reply, dict) else None
    if not isinstance(key, str) or not _KEY.match(key):
        return None  # not an answer this version understands: try again next cycle
    key_id = hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16]
    cached: dict[str, list[Any]] = held.get("entries", {}) if held.get("key_id") == key_id else {}
    entries: dict[str, list[Any]] = {}
    try:
        ledger = Ledger.open(data_dir, readonly=True)
    except Exception:  # no store yet: nothing to send
        return None
    with ledger:
        for member, fingerprint in ledger.contact_fingerprints().items():
            old = cached.get(member)
            if isinstance(old, list) and len(old) == 3 and old[0] == fingerprint:
                entries[member] = old
                continue
            fields = ledger.profile(member) or {}
            entries[member] = [
                fingerprint,
                digest("phone", fields.get("phone", ""), bytes.fromhex(key)),
                digest("email", fields.get("email", ""), bytes.fromhex(key)),
            ]
    body = {
        "entries": [
            {"member": m, **({"phone": p} if p else {}), **({"email": e} if e else {})}
            for m, (_, p, e) in sorted(entries.items())
        ]
    }
    state = {"server": transport.base_url, "keys": None, "key_id": key_id, "entries": entries}
    _save(data_dir, state)  # the digests made so far are kept even if the server refuses
    try:
        transport.request("PUT", f"{API}/member-search", body=body)
    except SyncError as exc:
        # the search is the console's convenience: it must not stop events from syncing
        log.warning("the phone / e-mail search entries were not sent: %s", exc)
        return None
    _save(data_dir, {**state, "keys": changed})
    return len(entries)


def _save(data_dir: Path, state: dict[str, Any]) -> None:
    write_atomic(sync_dir(data_dir) / STATE_FILE, json.dumps(state).encode(), mode=0o600)


def _load(data_dir: Path) -> dict[str, Any]:
    try:
        held = json.loads((sync_dir(data_dir) / STATE_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return held if isinstance(held, dict) else {}
