"""What the owner changed on the console, taken up by the kiosk at an idle moment (one call
from the kiosk core's maintenance): a newly published program, a new staff list, and the
merges the owner asked for.

The staff list and the merges come in one document the sync worker downloads
(``sync/staff.json``, :mod:`sync.staff_list`; the server's ``GET /api/v1/staff``). A
document whose ``staff_version`` is 0 carries no staff list of the owner's (only merges):
the kiosk keeps its own staff then. A merge is made here only if this kiosk made the other
members holding the card (``LoyaltyService.merge_plan`` refuses it elsewhere), exactly as
``kanta member merge CARD`` here would: so it is recorded once across the kiosks, and once
made, one member holds the card and the request asks for nothing more.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.errors import KantaError
from kiosk.services import program_update, staff_update
from kiosk.services.loyalty import LoyaltyService
from kiosk.staff import StaffService
from kiosk.store.downloads import read_staff

log = logging.getLogger(__name__)

#: who the merge events name as having done it
OWNER_CONSOLE = "owner (console)"
MAX_MERGES = 200


def take_up(service: LoyaltyService, staff: StaffService) -> None:
    program_update.load_if_new(service)
    storage = service.ledger.storage
    document = _document(service)
    if document is None or document.get("staff_version", document.get("version")):
        with storage.transaction():
            staff_update.load_if_new(staff, storage.path)
    if document is not None:
        merge_requested(service, document.get("merges"))


def _document(service: LoyaltyService) -> dict[str, Any] | None:
    try:
        document = read_staff(service.ledger.storage.path)
    except (OSError, ValueError):
        return None  # staff_update logs what is wrong with it
    return document if isinstance(document, dict) else None


def merge_requested(service: LoyaltyService, requests: object) -> int:
    """Make the merges asked for that are this kiosk's to make; returns how many it made."""
    if not isinstance(requests, list):
        return 0
    made = 0
    for request in requests[:MAX_MERGES]:
        card = request.get("card") if isinstance(request, dict) else None
        if not isinstance(card, str) or not 4 <= len(card) <= 64:
            continue
        try:
            holders = service.ledger.members_holding(card)
            if len(holders) < 2 or not all(service.ledger.is_this_kiosk(m.created_by) for m in holders[1:]):
                continue  # merged already, not known here yet, or another kiosk's to make
            service.merge_card(card, actor=OWNER_CONSOLE)
        except KantaError as exc:  # refused by the merge plan: said why, the card not logged
            log.warning("a merge the owner asked for was not made here: %s", type(exc).__name__)
            continue
        made += 1
    if made:
        log.info("merged %d card(s) the owner asked for", made)
    return made
