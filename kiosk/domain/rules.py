"""The rules interface: what an action earns, or why it is refused.

Given a member's state, an action and ``now``, a rule set returns the event drafts to
append or a refusal a customer or staff member can read. Pure: no I/O, no clock.
``SimpleRules`` is the built-in rule (1 stamp a visit, 1 point per whole currency unit);
the program engine of ``kiosk.domain.program`` implements the same interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from kiosk.config import RulesConfig
from kiosk.domain.events import (
    CREDIT,
    POINTS,
    REWARDS,
    SPEND,
    STAMPS,
    VISITS,
    EventDraft,
    EventKind,
    Posting,
)
from kiosk.domain.member import ENROLLED, ERASED, MemberState


class ActionKind(StrEnum):
    ENROLL = "enroll"
    VISIT = "visit"
    PURCHASE = "purchase"
    REDEEM = "redeem"
    TOPUP = "topup"
    SPEND_CREDIT = "spend_credit"
    BUY_PASS = "buy_pass"
    USE_PASS = "use_pass"
    REFER = "refer"
    SUBSCRIBE = "subscribe"
    COUPON = "coupon"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    card: str | None = None
    amount_cents: int | None = None
    #: reward id, referred card, pass or coupon code
    detail: str | None = None
    actor: str | None = None
    #: idempotency key (a sale's id): the same action id is applied once
    action_id: str | None = None
    #: a purchase's category, where the program has categories
    category: str | None = None
    #: the kiosk reached the shop's server lately (its sync worker's last cycle succeeded
    #: in the last two minutes): an online-only coupon needs it
    server_reached: bool = False


@dataclass(frozen=True)
class Refusal:
    #: stable machine code (the UI translates by it): cooldown, join_required, ...
    code: str
    #: English text for a customer or staff member
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    drafts: tuple[EventDraft, ...] = ()
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def refuse(code: str, message: str, **params: Any) -> Decision:
    return Decision(refusal=Refusal(code, message, params))


class Rules(Protocol):
    @property
    def version(self) -> str:
        """Recorded on every event this rule set produces."""
        ...

    @property
    def require_join(self) -> bool:
        """A card must join (with consent) before it earns anything."""
        ...

    def decide(self, state: MemberState, action: Action, now: datetime) -> Decision: ...


STAMP_CARD_REWARD = "stamp_card"


@dataclass(frozen=True)
class SimpleRules:
    config: RulesConfig = field(default_factory=RulesConfig)
    stamps_for_reward: int = 10
    version: str = "builtin-1"

    @property
    def require_join(self) -> bool:
        return self.config.require_join

    def decide(self, state: MemberState, action: Action, now: datetime) -> Decision:
        if state.status == ERASED:
            return refuse("erased", "This card's member was erased at their request.")
        if self.require_join and state.status != ENROLLED and action.kind is not ActionKind.ENROLL:
            return refuse("join_required", "Please join the program first.")
        handler = getattr(self, f"_on_{action.kind.value}", None)
        if handler is None:
            return refuse("not_offered", f"This shop's program does not offer {action.kind.value}.")
        decision: Decision = handler(state, action, now)
        return decision

    def _draft(
        self, kind: EventKind, state: MemberState, action: Action, *postings: Posting, **data: Any
    ) -> EventDraft:
        return EventDraft(
            kind,
            state.member_id,
            tuple(postings),
            data,
            action.card,
            action.actor,
            program=self.version,
        )

    def _on_enroll(self, state: MemberState, action: Action, now: datetime) -> Decision:
        return Decision()

    def _on_visit(self, state: MemberState, action: Action, now: datetime) -> Decision:
        if state.last_visit_at is not None:
            since = now - datetime.fromisoformat(state.last_visit_at)
            if timedelta(0) <= since < timedelta(seconds=self.config.cooldown_seconds):
                wait = self.config.cooldown_seconds - int(since.total_seconds())
                return refuse(
                    "cooldown",
                    f"Already stamped: this visit counts once (next stamp possible in {wait} s).",
                    seconds=wait,
                )
        stamps = self.config.stamps_per_visit
        return Decision(
            (
                self._draft(
                    EventKind.VISIT_STAMPED,
                    state,
                    action,
                    Posting(VISITS, 1),
                    Posting(STAMPS, stamps),
                ),
            )
        )

    def _amount(self, action: Action) -> int | None:
        if action.amount_cents is None or action.amount_cents <= 0:
            return None
        return action.amount_cents

    def _on_purchase(self, state: MemberState, action: Action, now: datetime) -> Decision:
        amount = self._amount(action)
        if amount is None:
            return refuse("bad_amount", "Enter the purchase amount first.")
        # stated rounding rule: points for whole currency units only, rounding down
        points = (amount // 100) * self.config.points_per_unit
        postings = [Posting(SPEND, amount)]
        if points:
            postings.insert(0, Posting(POINTS, points))
        return Decision(
            (self._draft(EventKind.PURCHASE_RECORDED, state, action, *postings, amount=amount),)
        )

    def _on_redeem(self, state: MemberState, action: Action, now: datetime) -> Decision:
        reward = action.detail or STAMP_CARD_REWARD
        if reward != STAMP_CARD_REWARD:
            return refuse("unknown_reward", f"There is no reward called {reward!r}.")
        have = state.balance(STAMPS)
        if have < self.stamps_for_reward:
            to_go = self.stamps_for_reward - have
            return refuse(
                "not_enough", f"{to_go} stamp{'s' if to_go != 1 else ''} to go.", to_go=to_go
            )
        return Decision(
            (
                self._draft(
                    EventKind.REWARD_REDEEMED,
                    state,
                    action,
                    Posting(STAMPS, -self.stamps_for_reward),
                    Posting(REWARDS, 1),
                    reward=reward,
                ),
            )
        )

    def _on_topup(self, state: MemberState, action: Action, now: datetime) -> Decision:
        amount = self._amount(action)
        if amount is None:
            return refuse("bad_amount", "Enter the amount to top up.")
        return Decision(
            (
                self._draft(
                    EventKind.CREDIT_TOPPED_UP,
                    state,
                    action,
                    Posting(CREDIT, amount),
                    amount=amount,
                ),
            )
        )

    def _on_spend_credit(self, state: MemberState, action: Action, now: datetime) -> Decision:
        amount = self._amount(action)
        if amount is None:
            return refuse("bad_amount", "Enter the amount to pay with credit.")
        if amount > state.balance(CREDIT):
            return refuse(
                "not_enough_credit", "Not enough credit on the card.", credit=state.balance(CREDIT)
            )
        return Decision(
            (
                self._draft(
                    EventKind.CREDIT_SPENT, state, action, Posting(CREDIT, -amount), amount=amount
                ),
            )
        )
