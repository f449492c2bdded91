"""What the sync worker does with the kiosk's own data folder and process, beside the
server: the store's ids, importing the inbox when no kiosk holds the store, the signed
chain head to send, stopping on a signal, and the redemption gate the kiosk asks."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.errors import KantaError, StoreLocked, SyncError
from kiosk.store import inbox
from kiosk.syncstatus import server_recently_reached


def read_store_uuid(data_dir: Path) -> str:
    try:
        return str(json.loads((data_dir / "store.id").read_bytes())["store"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SyncError(f"no Kanta store in {data_dir} (start the kiosk once, or restore a backup)") from None


def store_kiosk_id(data_dir: Path) -> str:
    """This store's kiosk id, read-only (works beside the running kiosk)."""
    from kiosk.store.ledger import Ledger

    with Ledger.open(data_dir, readonly=True) as ledger:
        kiosk = ledger.meta.get("kiosk")
    if not kiosk:
        raise SyncError(f"the store in {data_dir} has no kiosk id yet: start the kiosk once")
    return str(kiosk)


def import_inbox_if_free(data_dir: Path) -> int:
    """Import the inbox if no kiosk holds the store; returns the events applied."""
    from kiosk.services.replication import inbox_import
    from kiosk.store.ledger import Ledger

    if not inbox.pending_files(data_dir):
        return 0
    try:
        ledger = Ledger.open(data_dir, create=False)
    except StoreLocked:
        return 0  # the kiosk is running: it imports the inbox itself when idle
    with ledger:
        return inbox_import(ledger, data_dir).applied


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set ``stop`` (a clean end between cycles).

    Not from the handler itself: it runs on the main thread between any two bytecodes,
    possibly inside ``stop.wait()`` while that holds the Event's lock, which is not
    reentrant, so ``stop.set()`` there would wait for ever. The handler only notes the
    signal; a small thread passes it on.
    """
    requested: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        requested.append(signum)

    def relay() -> None:
        while not requested and not stop.is_set():
            time.sleep(0.1)
        stop.set()

    threading.Thread(target=relay, name="kanta-stop-relay", daemon=True).start()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def head_body(data_dir: Path, *, pushed: bool) -> dict[str, Any] | None:
    """What POST /heads carries: the kiosk's public key, and its newest signed head once
    some of its events are on the server; None before the store has made its key."""
    from kiosk.store.disk import OsDisk
    from kiosk.store.signing import ChainSigner, newest_head

    disk = OsDisk()
    try:
        public_key = ChainSigner(data_dir, disk, readonly=True).public_key
        head = newest_head(data_dir, disk) if pushed else None
    except KantaError:
        return None  # a damaged key file: `kanta store verify` says so
    if public_key is None:
        return None
    heads = [] if head is None or head.public_key != public_key else [head]
    return {
        "public_key": public_key,
        "heads": [{"seq": h.seq, "hash": h.hash, "signature": h.signature} for h in heads],
    }


def redemption_allowed(
    data_dir: Path,
    value_cents: int,
    online_above_cents: int | None,
    *,
    within_seconds: float = 120.0,
    now: datetime | None = None,
) -> bool:
    """False when a redemption is worth more than the configured limit and the server has
    not been reached recently (the staff screen then says so)."""
    if online_above_cents is None or value_cents <= online_above_cents:
        return True
    return server_recently_reached(data_dir, within_seconds, now)
