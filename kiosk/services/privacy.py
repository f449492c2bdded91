"""A customer's data requests: join, see everything held, withdraw a consent, erase.

The command line (`kanta member join|export|erase|consent|requests`) and the counter's
screens call these. Contact details are sealed with the member's own key
(kiosk.store.personal); an erasure records ``member_erased`` (which every kiosk and the
server receive with the next sync, and which destroys the key wherever it is) and closes
the account. Every request is noted in the request log, which holds no personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.config import ConsentConfig
from kiosk.domain.events import Event, EventDraft, EventKind
from kiosk.domain.member import ERASED, MemberState
from kiosk.errors import InvalidInput, Refused, UnknownCard
from kiosk.services.lookup import phone_key
from kiosk.services.loyalty import LoyaltyService, Outcome, normalize_card
from kiosk.staff import StaffService
from kiosk.store.personal import RequestLog

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")
#: the consents a customer can give or withdraw, by the names the commands use
SCOPES = {"terms": "program", "marketing": "marketing"}


def check_contact(phone: str | None, email: str | None) -> dict[str, str]:
    """The contact details to keep, checked; a clear message names what is wrong."""
    contact: dict[str, str] = {}
    if phone:
        phone = phone.strip()
        if not _PHONE.match(phone) or len(re.sub(r"\D", "", phone)) < 6:
            raise InvalidInput(f"{phone!r} is not a phone number (digits, spaces, '+', '-')")
        contact["phone"] = phone
    if email:
        email = email.strip()
        if len(email) > 254 or not _EMAIL.match(email):
            raise InvalidInput(f"{email!r} is not an e-mail address")
        contact["email"] = email
    return contact


@dataclass(frozen=True)
class HeldAtCounter:
    """What the "My data" screen shows a customer who tapped their card: the contact
    details masked (the screen faces the shop), the consents, the balances."""

    member_id: str
    contact: dict[str, str]
    #: scope -> (wording version, given at, withdrawn at or None)
    consents: dict[str, tuple[str, str, str | None]]
    balances: dict[str, int]
    events: int


def mask(value: str) -> str:
    """Enough of a phone number or e-mail to recognise it, not to read it off the screen."""
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    return "*" * max(0, len(value) - 2) + value[-2:]


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure would remove, for the owner to confirm."""

    member: MemberState
    contact_fields: tuple[str, ...]
    contact_elsewhere: tuple[str, ...]
    events: int


class PrivacyService:
    def __init__(self, loyalty: LoyaltyService, consent: ConsentConfig) -> None:
        self.loyalty = loyalty
        self.ledger = loyalty.ledger
        self.consent = consent
        self.requests = RequestLog(self.ledger.storage.path, self.ledger.storage.disk)

    # ---- finding the person ----------------------------------------------------------

    def find(self, card: str | None = None, phone: str | None = None) -> list[MemberState]:
        """The person behind a card, or behind a phone number given here: their member,
        then any other member that holds the same card (made for it at another kiosk while
        the two could not sync; the same person). Erased members are not found: their card
        no longer identifies them."""
        if (card is None) == (phone is None):
            raise InvalidInput("give a card or --phone (one of them)")
        if card is not None:
            card = normalize_card(card)
        else:
            assert phone is not None
            card = self._card_for_phone(phone)
        holders = self.ledger.members_holding(card)
        if not holders:
            raise UnknownCard(f"no member has the card {card}")
        active = [m for m in holders if m.status != ERASED and card in m.cards]
        if not active:
            raise Refused("this card's member was erased at their request: nothing is held about them")
        return active

    def _card_for_phone(self, phone: str) -> str:
        key = phone_key(phone)
        if len(phone) > 32 or len(key) < 6:
            raise InvalidInput(f"{phone!r} is not a phone number")
        for member, fields in self.ledger.contacts():
            if phone_key(fields.get("phone", "")) == key and member.cards:
                return member.cards[0]
        raise UnknownCard(
            "no member gave that phone number at this kiosk (contact details are kept "
            "where they were given; use the card, or ask on that kiosk)"
        )

    # ---- joining ---------------------------------------------------------------------

    def join(
        self,
        card: str,
        *,
        consents: set[str],
        phone: str | None = None,
        email: str | None = None,
        language: str = "en",
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Outcome:
        """What the join screen does: the terms (required) and marketing (optional)
        consents in the wording the shop's config gives, and the contact details."""
        unknown = consents - set(SCOPES)
        if unknown:
            raise InvalidInput(f"unknown consent {', '.join(sorted(unknown))} (terms, marketing)")
        if "terms" not in consents:
            raise InvalidInput("joining needs --consent terms (the program terms and data processing)")
        contact = check_contact(phone, email)
        terms = self.consent.wording("terms", language)
        marketing = self.consent.wording("marketing", language) if "marketing" in consents else None
        texts = {"program": terms.text, **({"marketing": marketing.text} if marketing else {})}
        asked = self._now(now)
        outcome = self.loyalty.enroll(
            card,
            terms_wording=terms.version,
            marketing_wording=marketing.version if marketing else None,
            contact=contact or None,
            actor=actor,
            now=now,
            texts=texts,
        )
        if outcome.accepted and outcome.after is not None:
            self.requests.add("join", outcome.after.member_id, self.ledger.kiosk_id, asked, self._now(None))
        return outcome

    # ---- access ----------------------------------------------------------------------

    def export(self, members: list[MemberState], now: datetime | None = None) -> dict[str, Any]:
        """Everything this kiosk holds about a person (``find``): state, contact details,
        consents with their wording, text and times, and every event; other members
        holding the same card follow in full."""
        asked = self._now(now)
        first, *others = (self._member_export(m) for m in members)
        out = {
            **first,
            "other_members_holding_the_card": others,
            "exported_by_kiosk": self.ledger.kiosk_id,
            "exported_at": asked.isoformat(),
        }
        for member in members:
            self.requests.add("export", member.member_id, self.ledger.kiosk_id, asked, self._now(None))
        return out

    def _member_export(self, member: MemberState) -> dict[str, Any]:
        events = list(self.ledger.events(member.member_id))
        return {
            "member": member.member_id,
            "status": member.status,
            "cards": list(member.cards),
            "retired_cards": list(member.retired_cards),
            "balances": dict(sorted(member.balances.items())),
            "expiring": {
                account: [{"amount": lot.amount, "expires_at": lot.expires_at} for lot in lots]
                for account, lots in sorted(member.lots.items())
            },
            "created_at": member.created_at,
            "enrolled_at": member.enrolled_at,
            "last_visit_at": member.last_visit_at,
            "contact": self.ledger.profile(member.member_id) or {},
            "contact_given_at_other_kiosks": self._contact_elsewhere(events),
            "consents": [
                {
                    "scope": e.data.get("scope", "program"),
                    "wording": e.data.get("wording"),
                    "text": e.data.get("text"),
                    "given_at": e.wall,
                    "kiosk": e.kiosk,
                }
                for e in events
                if e.kind is EventKind.CONSENT_GIVEN
            ],
            "consents_withdrawn": [
                {"scope": e.data.get("scope", "program"), "withdrawn_at": e.wall, "kiosk": e.kiosk}
                for e in events
                if e.kind is EventKind.CONSENT_WITHDRAWN
            ],
            "events": [e.to_dict() for e in events],
        }

    # ---- at the counter ("My data") ------------------------------------------------------

    def held_at_counter(self, card: str, note: bool = True) -> HeldAtCounter:
        """What is held about the customer whose card was tapped, for the screen; ``note``:
        log the request (not when the screen only shows it again after a change)."""
        member = self.find(card=card)[0]
        if note:
            asked = self._now(None)
            self.requests.add("view-at-counter", member.member_id, self.ledger.kiosk_id, asked, asked)
        return HeldAtCounter(
            member.member_id,
            {k: mask(v) for k, v in sorted((self.ledger.profile(member.member_id) or {}).items())},
            {s: (c.wording, c.given_at, c.withdrawn_at) for s, c in sorted(member.consents.items())},
            dict(sorted(member.balances.items())),
            member.event_count,
        )

    def erase_at_counter(self, card: str, pin: str, staff: StaffService) -> list[Event]:
        """The customer asks for erasure at the counter; a staff member confirms with
        their PIN (wrong PINs count towards the pad's lock like any other)."""
        members = self.find(card=card)
        who = staff.verify(pin, need="staff")
        return self.erase(members, actor=who.name)

    # ---- consent -----------------------------------------------------------------------

    def withdraw(self, card: str, scope: str, actor: str | None = None) -> list[Event]:
        """Withdraw marketing, or the program terms (which also removes the contact
        details: without that consent nothing personal may be kept)."""
        if scope not in SCOPES:
            raise InvalidInput(f"unknown consent {scope!r} (terms, marketing)")
        card = normalize_card(card)
        event_scope = SCOPES[scope]
        members = [
            m
            for m in self.find(card=card)
            if event_scope in m.consents and m.consents[event_scope].withdrawn_at is None
        ]
        if not members:
            raise Refused(f"this member has no {scope} consent to withdraw")
        asked = self._now(None)
        drafts = [
            EventDraft(
                EventKind.CONSENT_WITHDRAWN,
                m.member_id,
                data={"scope": event_scope},
                card=card,
                actor=actor,
                program=self.loyalty.rules.version,
            )
            for m in members
        ]
        profiles: dict[str, dict[str, str] | None] | None = None
        if scope == "terms":
            profiles = {m.member_id: None for m in members}
        events, _ = self.loyalty.recorder.record(drafts, asked, profiles=profiles)
        for m in members:
            self.requests.add(f"withdraw-{scope}", m.member_id, self.ledger.kiosk_id, asked, self._now(None))
        return events

    # ---- erasure -------------------------------------------------------------------------

    def erase_plan(self, members: list[MemberState]) -> list[ErasurePlan]:
        return [self._erase_plan(m) for m in members]

    def _erase_plan(self, member: MemberState) -> ErasurePlan:
        events = list(self.ledger.events(member.member_id))
        profile = self.ledger.profile(member.member_id) or {}
        elsewhere = tuple(self._contact_elsewhere(events))
        return ErasurePlan(member, tuple(sorted(profile)), elsewhere, len(events))

    def _contact_elsewhere(self, events: list[Event]) -> list[str]:
        """Kiosks where this member gave contact details (kept only there)."""
        return sorted(
            {
                e.kiosk
                for e in events
                if e.kind is EventKind.MEMBER_ENROLLED
                and e.data.get("contact")
                and not self.ledger.is_this_kiosk(e.kiosk)
            }
        )

    def erase(self, members: list[MemberState], actor: str | None = None) -> list[Event]:
        """Erase a person (``find``): contact details destroyed here, and on every kiosk
        with the next sync; the balances closed; the events stay, without the person."""
        asked = self._now(None)
        drafts = [
            EventDraft(
                EventKind.MEMBER_ERASED,
                m.member_id,
                card=None,
                actor=actor,
                program=self.loyalty.rules.version,
            )
            for m in members
        ]
        # the recorded member_erased destroys each member's key (Ledger.record)
        events, _ = self.loyalty.recorder.record(drafts, asked)
        for m in members:
            self.requests.add("erase", m.member_id, self.ledger.kiosk_id, asked, self._now(None))
        return events

    def _now(self, now: datetime | None) -> datetime:
        return now or self.loyalty.clock()
