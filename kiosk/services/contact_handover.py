"""Keeping contact details the owner imported on the console, on the kiosk the owner chose.

The sync worker brings them sealed to this kiosk's key (sync.contact_handover); opened,
each is kept exactly as if the customer had joined here: the consent recorded (the
shop's terms wording, with what the shop's member list said about the consent), the
member enrolled, and the details sealed with the member's own key outside the events
(kiosk.store.personal), so that an erasure destroys them like any other. No enrolment
bonus: the member joined before Kanta, and their opening balance came with the import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.config import ConsentConfig
from kiosk.domain.events import EventDraft, EventKind
from kiosk.domain.member import ENROLLED, ERASED
from kiosk.errors import InvalidInput
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.privacy import check_contact
from kiosk.store.personal import RequestLog

#: the request log's name for a join the shop recorded before Kanta and imported
REQUEST = "join-imported"


@dataclass(frozen=True)
class Imported:
    """One member's imported details, as opened from their box."""

    member: str
    card: str
    phone: str
    email: str
    #: what the shop's list said: "yes" or the date the member agreed
    consent: str


@dataclass(frozen=True)
class Kept:
    """What became of one: kept, not yet (the member's events have not reached this kiosk:
    try again after the next import), or refused with a reason that names no value."""

    kept: bool
    reason: str = ""

    @property
    def wait(self) -> bool:
        return not self.kept and not self.reason


def keep(
    service: LoyaltyService, consent: ConsentConfig, item: Imported, now: datetime, language: str = "en"
) -> Kept:
    ledger = service.ledger
    state = ledger.member(item.member)
    if state is None:
        return Kept(False)
    if state.status == ERASED:
        return Kept(False, "the member was erased before the details arrived: nothing was kept")
    if state.status == ENROLLED:
        return Kept(False, "the member had joined at a kiosk already: the details given there stay")
    if item.card not in state.cards:
        return Kept(False, "the member's card changed since the import: nothing was kept")
    try:
        contact = check_contact(item.phone or None, item.email or None)
    except InvalidInput:
        return Kept(False, "the phone number or e-mail is not one this kiosk keeps")
    if not contact or not item.consent:
        return Kept(False, "no contact details with consent in the box")
    terms = consent.wording("terms", language)

    def draft(kind: EventKind, **data: object) -> EventDraft:
        return EventDraft(kind, item.member, data=data, card=item.card, program=service.rules.version)

    drafts = [
        draft(
            EventKind.CONSENT_GIVEN,
            scope="program",
            wording=terms.version,
            text=terms.text,
            recorded_by_shop=item.consent[:40],
        ),
        draft(EventKind.MEMBER_ENROLLED, contact=sorted(contact), imported=True),
    ]
    service.recorder.record(drafts, now, states={item.member: state}, profiles={item.member: contact})
    RequestLog(ledger.storage.path, ledger.storage.disk).add(REQUEST, item.member, ledger.kiosk_id, now, now)
    return Kept(True)
