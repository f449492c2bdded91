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
from kiosk.domain.member import ENROLLED, ERASED, MemberState
from kiosk.errors import InvalidInput
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.privacy import check_contact


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
    service: LoyaltyService,
    consent: ConsentConfig,
    items: list[Imported],
    now: datetime,
    language: str = "en",
) -> list[Kept]:
    """What became of each of ``items`` (in order); those kept are recorded as one durable
    record (one write for many members: this runs when no customer waits, and briefly)."""
    ledger = service.ledger
    terms = consent.wording("terms", language)
    outcomes: list[Kept] = []
    drafts: list[EventDraft] = []
    states: dict[str, MemberState] = {}
    profiles: dict[str, dict[str, str] | None] = {}
    for item in items:
        state = ledger.member(item.member)
        if state is None:
            outcomes.append(Kept(False))  # not here yet: waits for a later import
            continue
        try:
            contact = check_contact(item.phone or None, item.email or None)
        except InvalidInput:
            contact = {}
        refused = _refusal(state, item, states)
        if refused is None and (not contact or not item.consent):
            refused = "the box holds no phone number or e-mail this kiosk keeps, with consent"
        if refused is not None:
            outcomes.append(Kept(False, refused))
            continue

        def draft(kind: EventKind, item: Imported = item, **data: object) -> EventDraft:
            return EventDraft(kind, item.member, data=data, card=item.card, program=service.rules.version)

        drafts.append(
            draft(
                EventKind.CONSENT_GIVEN,
                scope="program",
                wording=terms.version,
                text=terms.text,
                recorded_by_shop=item.consent[:40],
            )
        )
        drafts.append(draft(EventKind.MEMBER_ENROLLED, contact=sorted(contact), imported=True))
        states[item.member] = state
        profiles[item.member] = contact
        outcomes.append(Kept(True))
    if drafts:
        service.recorder.record(drafts, now, states=states, profiles=profiles)
    return outcomes


def _refusal(state: MemberState, item: Imported, batch: dict[str, MemberState]) -> str | None:
    """Why a member's details cannot be kept here (a reason naming no value), or None."""
    if state.status == ERASED:
        return "the member was erased before the details arrived: nothing was kept"
    if state.status == ENROLLED or item.member in batch:
        return "the member had joined at a kiosk already: the details given there stay"
    if item.card not in state.cards:
        return "the member's card changed since the import: nothing was kept"
    return None
