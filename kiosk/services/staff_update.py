"""A kiosk takes up the staff list its owner manages on the console, at an idle moment.

The sync worker keeps the newest list in ``<data>/sync/staff.json`` (:mod:`sync.staff_list`).
Here, a list newer than the one taken up last replaces the staff in the kiosk's store
(names, roles and PIN hashes as ``kiosk.staff.hash_pin`` made them on the server), in the
store's durable ``staff`` table: the kiosk keeps working with them offline, after a
restart too. A damaged file is logged and changes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.errors import KantaError
from kiosk.staff import ROLES, StaffService
from kiosk.store.downloads import read_staff

log = logging.getLogger(__name__)

_STAFF = "staff"
#: the table record saying which list version the staff came from
_FROM = "owner_list"
_PIN_KEYS = ("salt", "hash", "n", "r", "p")


def _checked(member: Any) -> dict[str, Any]:
    if not isinstance(member, dict) or not isinstance(member.get("name"), str):
        raise KantaError("a staff entry without a name")
    if member.get("role") not in ROLES:
        raise KantaError(f"staff entry {member['name'][:100]!r}: role is not one of {', '.join(ROLES)}")
    pin = {k: member.get(k) for k in _PIN_KEYS}
    texts_ok = all(isinstance(pin[k], str) for k in ("salt", "hash"))
    costs_ok = all(isinstance(v, int) and 0 < v <= 2**20 for v in (pin["n"], pin["r"], pin["p"]))
    if not (texts_ok and costs_ok):
        raise KantaError(f"staff entry {member['name'][:100]!r}: not a PIN hash")
    return {"kind": _STAFF, "name": member["name"][:100], "role": member["role"], **pin, "added_by": "owner"}


def taken_up(staff: StaffService) -> int:
    marks = [d for d in staff.table.all() if d.get("kind") == _FROM]
    return int(marks[0].get("version", 0)) if marks else 0


def load_if_new(staff: StaffService, data_dir: Path) -> int | None:
    """Replace the kiosk's staff with a newer owner's list; returns its version if it did.
    (The caller runs it in one store transaction: the old list or the new, never half.)"""
    try:
        document = read_staff(data_dir)
    except (OSError, ValueError) as exc:
        log.error("the downloaded staff list is unreadable (staff unchanged): %s", exc)
        return None
    try:
        if document is None:
            return None
        version = document.get("version") if isinstance(document, dict) else None
        if not isinstance(version, int) or version <= taken_up(staff):
            return None
        members = [_checked(m) for m in document.get("staff", [])]
    except KantaError as exc:
        log.error("the downloaded staff list was not taken up (staff unchanged): %s", exc)
        return None
    old = [d.doc_id for d in staff.table.all() if d.get("kind") in (_STAFF, _FROM)]
    if old:
        staff.table.remove(doc_ids=old)
    for member in members:
        staff.table.insert(member)
    staff.table.insert({"kind": _FROM, "version": version})
    log.info("staff list %d taken up (%d staff)", version, len(members))
    return version
