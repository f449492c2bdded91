"""What the counter's calls return: the actions a program may offer, the choices for a
chooser, whose card it is and what they hold, the amount to charge, a scanned code's
outcome. Plain frozen values, shown by the staff screens and the `kanta counter` commands
(``kiosk.services.counter`` computes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hardware.codes import Classified
from kiosk.domain.member import Conflict, MemberState
from kiosk.domain.programs.names import Names
from kiosk.domain.rules import Refusal
from kiosk.services.loyalty import Outcome


class CounterAction(StrEnum):
    """The staff actions a program may offer at the counter."""

    PURCHASE = "purchase"
    REDEEM = "redeem"
    TOP_UP = "top_up"
    PAY = "pay"
    SUBSCRIBE = "subscribe"
    SELL_PASS = "sell_pass"
    USE_PASS = "use_pass"
    COUPON = "coupon"
    REFER = "refer"
    BONUS = "bonus"


def mask_card(card: str) -> str:
    """A card shown without its whole id: the last four characters, "••••E5F6"."""
    text = card.strip().upper()
    return "••••" + text[-4:]


@dataclass(frozen=True)
class Choice:
    """One thing a chooser offers: a reward, a pass, a subscription or a bonus action."""

    id: str
    names: Names
    #: what it costs at the till (passes, subscriptions), in cents
    price_cents: int | None = None
    #: how many the member has (ready rewards; uses left on a visit card)
    count: int | None = None

    def name(self, language: str) -> str:
        return self.names.name(language)


@dataclass(frozen=True)
class Offers:
    """What the running program offers at the counter, and the choices it has."""

    actions: frozenset[CounterAction]
    rewards: tuple[Choice, ...] = ()
    passes: tuple[Choice, ...] = ()
    subscriptions: tuple[Choice, ...] = ()
    bonus_actions: tuple[Choice, ...] = ()
    #: purchase categories, where the program has them
    categories: tuple[Choice, ...] = ()

    def offers(self, action: CounterAction) -> bool:
        return action in self.actions


@dataclass(frozen=True)
class StampProgress:
    id: str
    names: Names
    have: int
    need: int


@dataclass(frozen=True)
class CardSummary:
    """Whose card it is and what they hold, for the staff screen's header."""

    card: str
    label: str
    member: MemberState
    stamps: tuple[StampProgress, ...]
    points: int
    credit_cents: int
    ready_rewards: tuple[Choice, ...]
    usable_passes: tuple[Choice, ...]
    subscriptions: Mapping[str, str]
    tier: str | None = None
    #: single-use things two kiosks both allowed offline, for this card's member
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class Charge:
    """What the customer pays at the till for this action (cents)."""

    amount_cents: int
    discount_cents: int
    charge_cents: int
    #: where the discount comes from ("member discount", "Gold tier", "referred voucher")
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class CounterResult:
    outcome: Outcome
    charge: Charge | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome.accepted

    @property
    def refusal(self) -> Refusal | None:
        return self.outcome.refusal


@dataclass(frozen=True)
class ScanResult:
    """A scanned code at the counter: what it is, and what came of it.

    A member card is tapped (``outcome``: the visit, or why not); a gift code shows its
    member (``summary``), a coupon waits for the card it goes on; anything else is
    ``refusal`` (garbled_code, product_code, unknown_code, unknown_gift) and nothing was
    recorded."""

    code: Classified
    outcome: Outcome | None = None
    summary: CardSummary | None = None
    refusal: Refusal | None = None
