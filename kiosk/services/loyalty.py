"""Use cases at the counter: tap, purchase, redeem, top up, undo, enroll, cards, erase.

Each call looks the member up through the store's indexes, asks the rules, and appends
the result as one durable record. It returns only when the record is on disk, so what the
screen then shows is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kiosk.domain.events import Event, EventDraft, EventKind
from kiosk.domain.ids import uuid7
from kiosk.domain.member import ENROLLED, ERASED, Conflict, MemberState
from kiosk.domain.merge import can_merge, joined_merge_drafts, merge_drafts
from kiosk.domain.programs.accounts import COUPON_MARKER, coupon_member_id
from kiosk.domain.rules import Action, ActionKind, Refusal, Rules
from kiosk.errors import InvalidInput, Refused, UnknownCard
from kiosk.services.recorder import Recorder
from kiosk.store.ledger import Ledger
from kiosk.syncstatus import server_recently_reached

_CARD = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{3,63}$")

#: events a manager may undo (others are corrected by their own use case)
UNDOABLE = frozenset(
    {
        EventKind.VISIT_STAMPED,
        EventKind.PURCHASE_RECORDED,
        EventKind.POINTS_EARNED,
        EventKind.REWARD_REDEEMED,
        EventKind.CREDIT_TOPPED_UP,
        EventKind.CREDIT_SPENT,
        EventKind.PASS_SOLD,
        EventKind.PASS_USED,
    }
)


def normalize_card(card: str) -> str:
    """Card UIDs arrive as hex in any case, codes as printed; keep one spelling."""
    text = card.strip().replace(":", "").replace(" ", "")
    if not _CARD.match(text):
        raise InvalidInput(f"{card!r} is not a card number: use 4 to 64 letters, digits, '-' or '_'")
    return text.upper()


@dataclass(frozen=True)
class Outcome:
    """What happened, for the screen: the state before and after, and the new events."""

    card: str
    before: MemberState | None
    after: MemberState | None
    events: tuple[Event, ...] = ()
    refusal: Refusal | None = None
    new_member: bool = False

    @property
    def accepted(self) -> bool:
        return self.refusal is None


class LoyaltyService:
    def __init__(
        self,
        ledger: Ledger,
        rules: Rules,
        clock: Callable[[], datetime],
        recorder: Recorder | None = None,
        server_reached: Callable[[], bool] | None = None,
    ) -> None:
        self.ledger = ledger
        self.rules = rules
        self.clock = clock
        self.recorder = recorder or Recorder(ledger)
        #: whether the sync worker reached the server lately (its status file beside the
        #: store): an online-only coupon is refused without it
        self.server_reached = server_reached or (
            lambda: server_recently_reached(ledger.storage.path)
        )

    # ---- lookups -----------------------------------------------------------------------

    def member_for_card(self, card: str) -> MemberState:
        card = normalize_card(card)
        state = self.ledger.member_for_card(card)
        if state is None:
            raise UnknownCard(f"no member has the card {card}")
        return state

    def _active_member(self, card: str) -> MemberState:
        state = self.member_for_card(card)
        if card not in state.cards:
            if state.status == ERASED:
                raise Refused("this card's member was erased at their request")
            raise Refused("this card was replaced by a new one; please use the new card")
        return state

    def _new_member(self, card: str, now: datetime, actor: str | None) -> tuple[MemberState, EventDraft]:
        """An anonymous member for a card seen for the first time: no personal data."""
        member_id = str(uuid7(int(now.timestamp() * 1000), self.recorder.rand(10)))
        created = EventDraft(
            EventKind.MEMBER_CREATED,
            member_id,
            data={"card": card},
            card=card,
            actor=actor,
            program=self.rules.version,
        )
        return MemberState(member_id), created

    # ---- the tap -----------------------------------------------------------------------

    def tap(self, card: str, now: datetime | None = None) -> Outcome:
        """A card (or scanned code) at the counter: stamp the visit.

        An unknown card becomes an anonymous member with no personal data, unless the
        program requires joining before earning; then nothing is recorded and the
        outcome asks the customer to join.
        """
        card = normalize_card(card)
        now = now or self.clock()
        state = self.ledger.member_for_card(card)
        if state is not None and card not in state.cards:
            code = "erased" if state.status == ERASED else "card_replaced"
            text = (
                "This card's member was erased at their request."
                if code == "erased"
                else "This card was replaced by a new one; please use the new card."
            )
            return Outcome(card, state, state, refusal=Refusal(code, text))
        drafts: list[EventDraft] = []
        new_member = state is None
        if state is None:
            if self.rules.require_join:
                return Outcome(
                    card,
                    None,
                    None,
                    refusal=Refusal("join_required", "Welcome! Please join to start collecting."),
                    new_member=True,
                )
            state, created = self._new_member(card, now, actor=None)
            drafts.append(created)
        decision = self.rules.decide(state, Action(ActionKind.VISIT, card=card), now)
        if not decision.accepted and not new_member:
            return Outcome(card, state, state, refusal=decision.refusal)
        drafts.extend(decision.drafts)
        events, states = self.recorder.record(drafts, now, states={state.member_id: state})
        return Outcome(
            card,
            None if new_member else state,
            states[state.member_id],
            tuple(events),
            refusal=decision.refusal,
            new_member=new_member,
        )

    # ---- staff actions ---------------------------------------------------------------------

    def act(self, card: str, action: Action, now: datetime | None = None) -> Outcome:
        """Purchase, redeem, top up, spend credit... whatever the rules decide."""
        card = normalize_card(card)
        now = now or self.clock()
        state = self._active_member(card)
        if action.kind is ActionKind.COUPON:
            action = replace(action, server_reached=self.server_reached())
        other, other_drafts = self._counterpart(card, action, now)
        if other is None:
            decision = self.rules.decide(state, action, now)
        else:
            decide_with_other: Any = self.rules.decide
            decision = decide_with_other(state, action, now, other=other)
        if not decision.accepted:
            return Outcome(card, state, state, refusal=decision.refusal)
        known = {other.member_id: other} if other is not None else None
        events, states = self.recorder.record([*other_drafts, *decision.drafts], now, states=known)
        return Outcome(card, state, states.get(state.member_id, state), tuple(events))

    def _counterpart(
        self, card: str, action: Action, now: datetime
    ) -> tuple[MemberState | None, list[EventDraft]]:
        """A second record some actions need: the referred new member, or a single-use
        coupon code's shop-wide record (so it redeems only once across all cards)."""
        counterpart = getattr(self.rules, "counterpart", None)
        wanted = counterpart(action) if counterpart is not None else None
        if wanted is None:
            return None, []
        what, key = wanted
        if what == "member":
            return self.ledger.member(key) or MemberState(key), []
        other_card = normalize_card(key)
        other = self.ledger.member_for_card(other_card)
        if other is not None:
            return other, []
        if self.rules.require_join or other_card == card:
            return None, []
        created, draft = self._new_member(other_card, now, action.actor)
        return created, [draft]

    def purchase(self, card: str, amount_cents: int, actor: str | None = None) -> Outcome:
        return self.act(card, Action(ActionKind.PURCHASE, card=card, amount_cents=amount_cents, actor=actor))

    def redeem(self, card: str, reward: str | None = None, actor: str | None = None) -> Outcome:
        return self.act(card, Action(ActionKind.REDEEM, card=card, detail=reward, actor=actor))

    def topup(self, card: str, amount_cents: int, actor: str | None = None) -> Outcome:
        return self.act(card, Action(ActionKind.TOPUP, card=card, amount_cents=amount_cents, actor=actor))

    def undo(
        self, event_id: str, reason: str, actor: str | None = None, now: datetime | None = None
    ) -> Outcome:
        """Reverse an entry with a correction event that points at it; the original stays."""
        now = now or self.clock()
        if not reason.strip():
            raise InvalidInput("an undo needs a reason (for the owner's records)")
        original = self.ledger.find_event(event_id)
        if original is None:
            raise InvalidInput(f"no entry {event_id} in this kiosk's ledger")
        if original.kind not in UNDOABLE:
            raise Refused(f"a {original.kind.value.replace('_', ' ')} entry cannot be undone")
        state = self.ledger.member(original.member)
        assert state is not None
        if original.id in state.reversed:
            raise Refused("that entry was already undone")
        draft = EventDraft(
            EventKind.CORRECTION,
            original.member,
            tuple(p.negated() for p in original.postings),
            {"reason": reason.strip(), "undoes": original.kind.value},
            card=original.card,
            actor=actor,
            reverses=original.id,
            program=original.program,
        )
        events, states = self.recorder.record([draft], now)
        return Outcome(original.card or "", state, states[state.member_id], tuple(events))

    def enroll(
        self,
        card: str,
        *,
        terms_wording: str,
        marketing_wording: str | None = None,
        contact: dict[str, str] | None = None,
        actor: str | None = None,
        now: datetime | None = None,
        texts: dict[str, str] | None = None,
    ) -> Outcome:
        """Join with consent: the program terms and data processing are required;
        marketing is a separate, optional consent. ``texts`` (scope -> the text shown) is
        kept with each consent beside its wording version. Contact details are sealed with
        the member's own key outside the events (kiosk.store.personal), so that an erasure
        can really remove them."""
        card = normalize_card(card)
        now = now or self.clock()
        if not terms_wording:
            raise InvalidInput("joining needs consent to the program terms and data processing")
        state = self.ledger.member_for_card(card)
        drafts: list[EventDraft] = []
        new_member = state is None
        if state is None:
            state, created = self._new_member(card, now, actor=actor)
            drafts.append(created)
        elif card not in state.cards:
            raise Refused("this card was replaced or erased; use the member's current card")
        if state.status == ENROLLED:
            return Outcome(
                card,
                state,
                state,
                refusal=Refusal("already_member", "This card is already a member."),
            )
        mid = state.member_id

        def draft(kind: EventKind, **data: Any) -> EventDraft:
            return EventDraft(kind, mid, data=data, card=card, actor=actor, program=self.rules.version)

        def consent(scope: str, wording: str) -> EventDraft:
            text = (texts or {}).get(scope)
            if text:
                return draft(EventKind.CONSENT_GIVEN, scope=scope, wording=wording, text=text)
            return draft(EventKind.CONSENT_GIVEN, scope=scope, wording=wording)

        drafts.append(consent("program", terms_wording))
        if marketing_wording:
            drafts.append(consent("marketing", marketing_wording))
        drafts.append(
            draft(EventKind.MEMBER_ENROLLED, contact=sorted(contact))
            if contact
            else draft(EventKind.MEMBER_ENROLLED)
        )
        bonus = self.rules.decide(state, Action(ActionKind.ENROLL, card=card, actor=actor), now)
        drafts.extend(bonus.drafts)
        events, states = self.recorder.record(
            drafts, now, states={mid: state}, profiles={mid: dict(contact)} if contact else None
        )
        return Outcome(card, None if new_member else state, states[mid], tuple(events), new_member=new_member)

    def link_card(self, card: str, new_card: str, actor: str | None = None) -> Outcome:
        """Give a member a second card (a key fob beside the card, say)."""
        return self._card_change(card, new_card, EventKind.CARD_LINKED, actor)

    def replace_card(self, old_card: str, new_card: str, actor: str | None = None) -> Outcome:
        """Move a member to a new card; the old one stops working, the balance stays."""
        return self._card_change(old_card, new_card, EventKind.CARD_REPLACED, actor)

    def _card_change(self, card: str, new_card: str, kind: EventKind, actor: str | None) -> Outcome:
        card, new_card = normalize_card(card), normalize_card(new_card)
        now = self.clock()
        state = self._active_member(card)
        if self.ledger.member_for_card(new_card) is not None:
            raise Refused(f"the card {new_card} already belongs to a member")
        data = {"card": new_card} if kind is EventKind.CARD_LINKED else {"old": card, "new": new_card}
        draft = EventDraft(
            kind, state.member_id, data=data, card=card, actor=actor, program=self.rules.version
        )
        events, states = self.recorder.record([draft], now)
        return Outcome(new_card, state, states[state.member_id], tuple(events))

    def merge_duplicate_cards(self, now: datetime | None = None) -> int:
        """Fold the members this kiosk made for cards another kiosk had made a member for
        first (both offline) into those; returns how many were merged. Run when idle."""
        now = now or self.clock()
        merged = 0
        for winner, loser in self.ledger.members_to_merge():
            if not self.ledger.is_this_kiosk(loser.created_by) or not can_merge(loser, winner):
                continue  # the kiosk that made it merges it: once, wherever the card is tapped
            drafts = merge_drafts(loser, winner, self.rules.version)
            self.recorder.record(list(drafts), now)
            merged += 1
        return merged

    def merge_card(self, card: str, actor: str | None = None, now: datetime | None = None) -> Outcome:
        """The owner's merge of the other members holding ``card`` (made for it at another
        kiosk while the two could not sync) into the member the card belongs to, members
        who joined included: see ``kiosk.domain.merge.joined_merge_drafts``."""
        card = normalize_card(card)
        now = now or self.clock()
        first, *others = self.merge_plan(card)
        events: list[Event] = []
        winner = first
        for loser in others:
            # only a member who joined has contact details; they go where the membership goes
            profile = self.ledger.profile(loser.member_id) or {}
            profiles: dict[str, dict[str, str] | None] = {loser.member_id: None} if profile else {}
            moving = profile if winner.status != ENROLLED else {}
            if moving:
                profiles[winner.member_id] = {str(k): str(v) for k, v in moving.items()}
            if loser.status == ENROLLED:
                drafts = joined_merge_drafts(
                    loser, winner, self.rules.version, contact=sorted(moving), actor=actor
                )
            else:
                drafts = list(merge_drafts(loser, winner, self.rules.version, actor))
            recorded, states = self.recorder.record(drafts, now, profiles=profiles or None)
            events.extend(recorded)
            winner = states[winner.member_id]
        return Outcome(card, first, winner, tuple(events))

    def conflicts(self, card: str) -> tuple[Conflict, ...]:
        """The double uses the staff should see for this card's member: single-use things
        (a reward, a pass's last visit, a coupon code, a referral, a week's free item) that
        two kiosks both allowed while they could not sync. A coupon code is used by
        whoever scans it, so its conflicts live on the code's record and are shown to the
        members on either side."""
        state = self.member_for_card(card)
        found = list(state.open_conflicts)
        for account in sorted(state.balances):
            if not account.startswith(COUPON_MARKER):
                continue
            record = self.ledger.member(coupon_member_id(account[len(COUPON_MARKER) :]))
            if record is None:
                continue
            found += [
                c
                for c in record.open_conflicts
                if state.member_id in (c.member, c.earlier.member if c.earlier else None)
            ]
        return tuple(found)

    def cards_for_the_owner(self) -> int:
        """Cards held by two members that no kiosk merges on its own (one of them joined)."""
        return sum(
            1
            for card in self.ledger.shared_cards()
            if any(m.status == ENROLLED for m in self.ledger.members_holding(card)[1:])
        )

    def merge_plan(self, card: str) -> list[MemberState]:
        """What ``merge_card`` would merge: the card's member, then the others holding it;
        refused unless all of those were made here, and their contact details are here.

        Only the kiosk that made a member merges it, so that it moves once; contact details
        are kept only where they were given, and the merge erases the emptied member."""
        card = normalize_card(card)
        holders = self.ledger.members_holding(card)
        if not holders:
            raise UnknownCard(f"no member has the card {card}")
        if len(holders) == 1:
            raise Refused(f"only one member holds the card {card}: there is nothing to merge")
        for other in holders[1:]:
            if not self.ledger.is_this_kiosk(other.created_by):
                raise Refused(
                    f"member {other.member_id} was made for the card {card} at kiosk "
                    f"{other.created_by}: run the merge on that kiosk (one kiosk moves a "
                    "member, so that it moves once)"
                )
            self._contact_is_here(other)
        return holders

    def _contact_is_here(self, member: MemberState) -> None:
        """Refuse to merge a joined member whose contact details were given at another
        kiosk: the merge erases the member, and with it those details everywhere. (Those
        given at a kiosk this one replaced went with it: backups hold none.)"""
        if member.status != ENROLLED or self.ledger.profile(member.member_id) is not None:
            return
        for event in self.ledger.events(member.member_id):
            if (
                event.kind is EventKind.MEMBER_ENROLLED
                and event.data.get("contact")
                and not self.ledger.is_this_kiosk(event.kiosk)
            ):
                raise Refused(
                    f"member {member.member_id} joined at kiosk {event.kiosk} with contact "
                    "details, which are kept only there; merging here would erase them"
                )

    def erase(self, card: str, actor: str | None = None) -> Outcome:
        """A customer's erasure request: personal data removed, balances closed."""
        card = normalize_card(card)
        now = self.clock()
        state = self._active_member(card)
        draft = EventDraft(
            EventKind.MEMBER_ERASED,
            state.member_id,
            card=None,
            actor=actor,
            program=self.rules.version,
        )
        events, states = self.recorder.record([draft], now, profiles={state.member_id: None})
        return Outcome(card, state, states[state.member_id], tuple(events))
