"""The kiosk's side of the contact hand-over (the server's: sync.server.contact_handover).

The owner imported members with phone numbers or e-mails and chose this kiosk to keep
them. This kiosk has an X25519 key of its own (``contact-handover.key`` beside the store's
other keys, mode 0600; never synced or backed up); the server seals each member's details
to its public key, so only this kiosk can read them.

Each sync cycle (``exchange``): report what the store's writer did with earlier boxes,
publish the public key, take the queued boxes into ``sync/contact-handover.json`` (still
sealed). Whoever writes the store (the kiosk app at an idle moment, or ``kanta sync once``
when no kiosk holds the store) opens them and keeps each one as a join here would
(``apply_pending``, kiosk.services.contact_handover); a member whose events have not
reached this kiosk yet waits for a later import. The outcomes (box ids and, for those not
kept, why; never a value) go to ``sync/contact-handover-results.json`` until the server
has them.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.config import ConsentConfig, KioskConfig
from kiosk.errors import InvalidInput, StoreLocked, SyncError
from kiosk.services.contact_handover import Imported, keep
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.disk import write_atomic
from sync import handover_box
from sync.state import sync_dir
from sync.transport import Transport

log = logging.getLogger(__name__)

API = "/api/v1"
KEY_FILE = "contact-handover.key"
PENDING_FILE = "contact-handover.json"
RESULTS_FILE = "contact-handover-results.json"
#: boxes held here at most
MAX_PENDING = 5000
#: boxes the server hands over in one answer (its MAX_TAKE)
TAKE = 500
#: outcomes one report carries (the server's bound)
REPORT = 500
#: boxes kept in one durable record
BATCH = 50
#: boxes the kiosk app keeps at one idle moment (~50 ms of store writes)
IDLE_BATCH = 50
_MAX_MEMBER = 200


def private_key(data_dir: Path, *, create: bool = True) -> X25519PrivateKey | None:
    """This kiosk's hand-over key, made the first time (None if not made and not ``create``)."""
    path = Path(data_dir) / KEY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        key = X25519PrivateKey.generate()
        write_atomic(path, key.private_bytes_raw(), mode=0o600)
        return key
    if len(raw) != 32:
        raise SyncError(
            f"{path} is damaged (not a 32-byte key): move it aside; the next sync makes a new one"
        )
    return X25519PrivateKey.from_private_bytes(raw)


def _read(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return default
    except ValueError:
        log.error("%s is damaged: moved aside", path.name)
        os.replace(path, path.with_suffix(".damaged"))
        return default


def _write(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value).encode(), mode=0o600)


def pending(data_dir: Path) -> list[dict[str, Any]]:
    held = _read(sync_dir(data_dir) / PENDING_FILE, [])
    return held if isinstance(held, list) else []


def _results(data_dir: Path) -> dict[str, Any]:
    held = _read(sync_dir(data_dir) / RESULTS_FILE, {})
    if not isinstance(held, dict):
        return {"handed_over": [], "failed": []}
    return {"handed_over": list(held.get("handed_over", [])), "failed": list(held.get("failed", []))}


def _told(results: dict[str, Any]) -> set[int]:
    """The boxes kept or refused here and not yet reported."""
    return set(results["handed_over"]) | {f["id"] for f in results["failed"]}


def _box(raw: Any) -> dict[str, Any] | None:
    """A box from the server's answer, or None for one this version does not understand."""
    if not isinstance(raw, dict):
        return None
    box_id, member, sealed = raw.get("id"), raw.get("member"), raw.get("sealed")
    if not isinstance(box_id, int) or isinstance(box_id, bool) or box_id < 1:
        return None
    if not isinstance(member, str) or not 0 < len(member) <= _MAX_MEMBER:
        return None
    if not isinstance(sealed, str) or len(sealed) > 2 * handover_box.MAX_BOX:
        return None
    return {"id": box_id, "member": member, "sealed": sealed}


def report(transport: Transport, data_dir: Path) -> int:
    """Tell the server what became of the boxes kept or refused since; how many."""
    path = sync_dir(data_dir) / RESULTS_FILE
    results = _results(data_dir)
    told = 0
    while results["handed_over"] or results["failed"]:
        # as many as the server takes in one report; the rest stays noted until told
        part = {"handed_over": results["handed_over"][:REPORT], "failed": results["failed"][:REPORT]}
        if transport.request("POST", f"{API}/contact-handover", body=part, ok_404=True) is None:
            return told  # a server without the hand-over
        results = {"handed_over": results["handed_over"][REPORT:], "failed": results["failed"][REPORT:]}
        told += len(part["handed_over"]) + len(part["failed"])
        _write(path, results)
    path.unlink(missing_ok=True)
    return told


def exchange(transport: Transport, data_dir: Path, key_sent: str | None) -> str | None:
    """One cycle's part: report, publish the key (if not yet: returns the key now sent),
    take the queued boxes. A failure is said in the log and tried again next cycle."""
    try:
        report(transport, data_dir)
        key = private_key(data_dir)
        assert key is not None  # made when missing
        public = handover_box.public_key_of(key)
        if public != key_sent:
            if (
                transport.request("PUT", f"{API}/contact-key", body={"public_key": public}, ok_404=True)
                is None
            ):
                return key_sent  # a server without the hand-over
            key_sent = public
        _take(transport, data_dir)
    except SyncError as exc:
        log.warning("sync: imported contact details not exchanged (%s); trying again next cycle", exc)
    return key_sent


def _take(transport: Transport, data_dir: Path) -> None:
    """The boxes queued for this kiosk, page by page, up to MAX_PENDING: the server's list
    is the one kept here (a box it no longer holds, kept, refused or dropped with an
    erasure, leaves this kiosk too), less those kept or refused and not yet reported."""
    taken: dict[int, dict[str, Any]] = {}
    after = 0
    while len(taken) < MAX_PENDING:
        reply = transport.request("GET", f"{API}/contact-handover", params={"after": after}, ok_404=True)
        page = reply.get("boxes") if isinstance(reply, dict) else None
        if not isinstance(page, list) or not page:
            break
        boxes = [b for b in map(_box, page) if b is not None]
        for box in boxes:
            taken[box["id"]] = box
        if not boxes or len(page) < TAKE:
            break
        after = max(b["id"] for b in boxes)
    told = _told(_results(data_dir))
    held = sorted((b for i, b in taken.items() if i not in told), key=lambda b: int(b["id"]))
    if held != pending(data_dir):
        _write(sync_dir(data_dir) / PENDING_FILE, held[:MAX_PENDING])


def _opened(key: X25519PrivateKey, box: dict[str, Any]) -> Imported:
    member = str(box["member"])
    context = f"kanta-contact|{member}|{handover_box.public_key_of(key)}".encode()
    try:
        fields = json.loads(handover_box.open_box(key, str(box["sealed"]), context))
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise InvalidInput("the box holds no contact details")
    text = {k: str(fields.get(k, ""))[:300] for k in ("card", "phone", "email", "consent")}
    return Imported(member, text["card"], text["phone"], text["email"], text["consent"])


def apply_pending(
    data_dir: Path,
    service: LoyaltyService,
    consent: ConsentConfig,
    language: str = "en",
    limit: int | None = None,
) -> int:
    """Keep the boxes waiting here (by the store's writer), ``limit`` of them at most (the
    kiosk app's idle moment takes a few, so a customer's tap never waits long), in one
    record per BATCH; returns how many were kept."""
    boxes = pending(data_dir)
    if not boxes:
        return 0
    key = private_key(data_dir, create=False)
    results = _results(data_dir)
    told = _told(results)
    boxes = [b for b in boxes if b["id"] not in told]
    now_boxes, later = (boxes, []) if limit is None else (boxes[:limit], boxes[limit:])
    waiting, kept = [], 0
    for start in range(0, len(now_boxes), BATCH):
        opened: list[tuple[dict[str, Any], Imported]] = []
        for box in now_boxes[start : start + BATCH]:
            try:
                if key is None:
                    raise InvalidInput("this kiosk has no hand-over key (its data folder was replaced)")
                opened.append((box, _opened(key, box)))
            except InvalidInput as exc:  # a fixed text the console translates, no value
                results["failed"].append({"id": box["id"], "reason": str(exc)[:300]})
        outcomes = keep(service, consent, [item for _, item in opened], service.clock(), language)
        for (box, _), outcome in zip(opened, outcomes, strict=True):
            if outcome.kept:
                results["handed_over"].append(box["id"])
                kept += 1
            elif outcome.wait:
                waiting.append(box)
            else:
                results["failed"].append({"id": box["id"], "reason": outcome.reason})
        # the outcomes first: a stop between the two leaves boxes told and skipped next time
        _write(sync_dir(data_dir) / RESULTS_FILE, results)
    _write(sync_dir(data_dir) / PENDING_FILE, waiting + later)
    if kept:
        log.info("imported contact details kept for %d member(s)", kept)
    return kept


def apply_if_free(data_dir: Path, config: KioskConfig) -> int:
    """``apply_pending`` when no kiosk holds the store (``kanta sync once``)."""
    if not pending(data_dir):
        return 0
    from kiosk.services.factory import open_service

    try:
        service = open_service(data_dir, config, create=False)
    except StoreLocked:
        return 0  # the kiosk is running: it keeps them itself when idle
    try:
        return apply_pending(data_dir, service, config.consent, config.shop.language)
    finally:
        service.ledger.close()
