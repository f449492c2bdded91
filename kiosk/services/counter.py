"""The counter: every staff action at the till, through one door.

The touchscreen's staff screens and the `kanta counter` commands both call this service,
so a sale recorded from a till's script and one recorded by touch are the same call. It
sits over ``LoyaltyService`` and adds what the counter needs around the engine:

* what the running program offers (a screen offers only those actions), and the choices
  for choosers: the member's ready rewards, the passes they can use, the subscriptions;
* the amount to charge of a purchase (amount, discount, charge, and why the discount);
* every refusal as a ``Refusal`` code (an unknown, replaced or erased card included), so
  the caller translates one thing; bad input (a garbled card, a negative amount) is still
  ``InvalidInput``;
* a masked card label ("••••E5F6") for showing whose card it is without the whole id;
* what a scanned code is (member card, coupon, gift code; a product's barcode is refused
  and creates nothing), and the member for a phone number, rate-limited per number.

The values it returns (``CardSummary``, ``Offers``, ``CounterResult``, ...) are defined in
``counter_results`` and named here too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from hardware.codes import CARD, COUPON, GARBLED, GIFT, Classified, CodeKinds, classify_code
from kiosk.domain.events import CREDIT, POINTS, STAMPS, EventKind
from kiosk.domain.member import ERASED, MemberState
from kiosk.domain.programs.accounts import live, pass_account
from kiosk.domain.programs.names import Names
from kiosk.domain.rules import STAMP_CARD_REWARD, Action, ActionKind, Refusal, SimpleRules
from kiosk.errors import InvalidInput
from kiosk.services.counter_results import (
    CardSummary,
    Charge,
    Choice,
    CounterAction,
    CounterResult,
    Offers,
    ScanResult,
    StampProgress,
    mask_card,
)
from kiosk.services.lookup import PhoneLimiter, card_for_phone, checked_phone_key
from kiosk.services.loyalty import LoyaltyService, Outcome, normalize_card

if TYPE_CHECKING:  # the engine is loaded with a program (kiosk.domain.program), not here
    from kiosk.domain.programs.engine import ProgramRules
    from kiosk.domain.programs.spec import ProgramSpec, TimePass, VisitCard

#: the service, and the values it returns (in ``counter_results``), which the screens and
#: the commands import from here
__all__ = [
    "DEFAULT_CARD_PATTERN",
    "MAX_AMOUNT_CENTS",
    "CardSummary",
    "Charge",
    "Choice",
    "CounterAction",
    "CounterResult",
    "CounterService",
    "Offers",
    "ScanResult",
    "StampProgress",
    "mask_card",
]

#: the kiosk config's default printed card number ([hardware] card_number_pattern)
DEFAULT_CARD_PATTERN = r"^[0-9A-Z]{6,24}$"
#: the largest amount one counter action takes (cents): a typo of extra zeros is refused
MAX_AMOUNT_CENTS = 10_000_000


def _refused(
    card: str, state: MemberState | None, code: str, message: str, **params: object
) -> CounterResult:
    return CounterResult(Outcome(card, state, state, refusal=Refusal(code, message, params)))


def _passes(spec: ProgramSpec) -> list[VisitCard | TimePass]:
    return [*spec.visit_cards, *spec.time_passes]


def _amount(cents: int, what: str) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int) or not 0 < cents <= MAX_AMOUNT_CENTS:
        raise InvalidInput(f"the {what} must be more than 0 and at most {MAX_AMOUNT_CENTS // 100} units")
    return cents


class CounterService:
    def __init__(
        self,
        loyalty: LoyaltyService,
        *,
        redeem_gate: Callable[[str | None], bool] | None = None,
        card_pattern: str = DEFAULT_CARD_PATTERN,
        phone_limiter: PhoneLimiter | None = None,
    ) -> None:
        self.loyalty = loyalty
        #: False for a reward the shop lets a kiosk give only while it reaches the server
        self.redeem_gate = redeem_gate
        self.card_pattern = card_pattern
        self.phone_limiter = phone_limiter or PhoneLimiter()

    # ---- codes and phone numbers --------------------------------------------------------------

    def code_kinds(self) -> CodeKinds:
        """The shop's codes: the kiosk's card number pattern, the program's prefixes and coupons."""
        program = self.program
        if program is None:
            return CodeKinds(self.card_pattern)
        spec = program.spec
        return CodeKinds(
            self.card_pattern,
            card_prefixes=spec.codes.card_prefixes,
            gift_prefixes=spec.codes.gift_prefixes,
            coupon_codes=frozenset(code for c in spec.coupons for code in c.codes),
            coupon_prefixes=tuple(c.prefix for c in spec.coupons if c.prefix),
        )

    def classify(self, text: str) -> Classified:
        return classify_code(self.code_kinds(), text)

    def scan(self, text: str, now: datetime | None = None) -> ScanResult:
        """A code from the scanner (or typed) at the counter, handled as the kiosk does."""
        code = self.classify(text)
        if code.kind is None:
            refusal = Refusal(code.refusal or GARBLED, code.reason, {"code": code.code})
            return ScanResult(code, refusal=refusal)
        if code.kind == CARD:
            return ScanResult(code, outcome=self.loyalty.tap(code.code, now))
        if code.kind == GIFT:
            found = self.summary(code.code, now)
            if isinstance(found, Refusal):
                refusal = Refusal(
                    "unknown_gift", "This gift code has not been sold yet.", {"code": code.code}
                )
                return ScanResult(code, refusal=refusal)
            return ScanResult(code, summary=found)
        assert code.kind == COUPON
        return ScanResult(code)

    def find_phone(self, phone: str, now: datetime | None = None) -> CardSummary | Refusal:
        """The member with this phone number and what they hold; stamps nothing.

        Each number may be looked up a few times in ten minutes (``PhoneLimiter``)."""
        key = checked_phone_key(phone)
        now = now or self.loyalty.clock()
        wait = self.phone_limiter.wait(key, now)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            return Refusal(
                "phone_rate_limited",
                f"This number was looked up too often; try again in {minutes} min, or bring the card.",
                {"seconds": wait},
            )
        card = card_for_phone(self.loyalty.ledger, key)
        if card is None:
            return Refusal("unknown_phone", "No member has this phone number.")
        return self.summary(card, now)

    # ---- what the program offers ------------------------------------------------------------

    @property
    def program(self) -> ProgramRules | None:
        rules = self.loyalty.rules
        if isinstance(rules, SimpleRules):
            return None  # without importing the engine: a command under the built-in rule
        from kiosk.domain.programs.engine import ProgramRules

        return rules if isinstance(rules, ProgramRules) else None

    def offers(self) -> Offers:
        program = self.program
        if program is None:
            stamps = (
                self.loyalty.rules.stamps_for_reward if isinstance(self.loyalty.rules, SimpleRules) else 10
            )
            reward = Choice(STAMP_CARD_REWARD, Names(f"reward of the stamp card ({stamps} stamps)"))
            basic = {CounterAction.PURCHASE, CounterAction.REDEEM, CounterAction.TOP_UP, CounterAction.PAY}
            return Offers(frozenset(basic), rewards=(reward,))
        spec = program.spec
        rewards = [Choice(c.id, c.reward_names) for c in spec.stamp_cards]
        if spec.points is not None:
            rewards += [Choice(r.id, r.names) for r in spec.points.rewards]
        rewards += [Choice(s.id, s.free_item_names) for s in spec.subscriptions if s.free_per_week]
        passes = [Choice(p.id, p.names, p.price) for p in _passes(spec)]
        subs = [Choice(s.id, s.names, s.price) for s in spec.subscriptions]
        bonuses = [Choice(b.id, b.names) for b in spec.bonus_actions]
        credit = (
            spec.credit is not None
            or spec.cashback is not None
            or any(c.credit for c in spec.coupons)
            or (spec.welcome is not None and spec.welcome.credit > 0)
        )
        actions = {CounterAction.PURCHASE}
        wanted = {
            CounterAction.REDEEM: bool(rewards),
            CounterAction.TOP_UP: spec.credit is not None or spec.cashback is not None,
            CounterAction.PAY: credit,
            CounterAction.SUBSCRIBE: bool(subs),
            CounterAction.SELL_PASS: bool(passes),
            CounterAction.USE_PASS: bool(passes),
            CounterAction.COUPON: bool(spec.coupons),
            CounterAction.REFER: spec.referral is not None,
            CounterAction.BONUS: bool(bonuses),
        }
        actions |= {a for a, on in wanted.items() if on}
        categories = tuple(Choice(c.id, c.names) for c in spec.categories)
        return Offers(
            frozenset(actions), tuple(rewards), tuple(passes), tuple(subs), tuple(bonuses), categories
        )

    # ---- whose card ---------------------------------------------------------------------------

    def _card_refusal(self, card: str) -> tuple[MemberState | None, Refusal | None]:
        state = self.loyalty.ledger.member_for_card(card)
        if state is None:
            return None, Refusal("unknown_card", "This card is not a member yet: tap it at the reader first.")
        if card not in state.cards:
            if state.status == ERASED:
                return state, Refusal("erased", "This card's member was erased at their request.")
            return state, Refusal(
                "card_replaced", "This card was replaced by a new one; please use the new card."
            )
        return state, None

    def summary(self, card: str, now: datetime | None = None) -> CardSummary | Refusal:
        """The member on this card and what they hold, or why there is none."""
        card = normalize_card(card)
        now = now or self.loyalty.clock()
        state, refusal = self._card_refusal(card)
        if refusal is not None or state is None:
            assert refusal is not None
            return refusal
        program = self.program
        if program is None:
            need = self.loyalty.rules.stamps_for_reward if isinstance(self.loyalty.rules, SimpleRules) else 10
            have = state.balance(STAMPS)
            progress = StampProgress(STAMP_CARD_REWARD, Names("stamp card"), have, need)
            ready = self.offers().rewards if have >= need else ()
            ready = tuple(Choice(r.id, r.names, count=have // need) for r in ready)
            return CardSummary(
                card,
                mask_card(card),
                state,
                (progress,),
                state.balance(POINTS),
                state.balance(CREDIT),
                ready,
                (),
                {},
                conflicts=self.loyalty.conflicts(card),
            )
        from kiosk.domain.programs.view import member_view  # with a program only

        view = member_view(program, state, now)
        spec = program.spec
        progress_list = tuple(
            StampProgress(c.id, c.names, view.stamps.get(c.id, 0), c.reward_at) for c in spec.stamp_cards
        )
        names = {r.id: r.names for r in self.offers().rewards}
        ready_list = [
            Choice(r.reward, names.get(r.reward, Names(r.name)), count=r.count) for r in view.rewards_ready
        ]
        for sub in spec.subscriptions:
            if sub.free_per_week and sub.id in view.subscriptions:
                ready_list.append(Choice(sub.id, sub.free_item_names, count=1))
        usable = tuple(
            Choice(p.id, p.names, p.price, count=live(state, pass_account(p.id), now))
            for p in _passes(spec)
            if p.id in view.passes
        )
        return CardSummary(
            card,
            mask_card(card),
            state,
            progress_list,
            view.points,
            view.credit,
            tuple(ready_list),
            usable,
            dict(view.subscriptions),
            view.tier,
            self.loyalty.conflicts(card),
        )

    # ---- the actions --------------------------------------------------------------------------

    def _act(
        self, action: CounterAction, card: str, engine_action: Action, now: datetime | None
    ) -> CounterResult:
        card = normalize_card(card)
        state, refusal = self._card_refusal(card)
        if refusal is not None:
            return CounterResult(Outcome(card, state, state, refusal=refusal))
        if not self.offers().offers(action):
            return _refused(
                card, state, "not_offered", "This shop's program does not offer this.", action=str(action)
            )
        return CounterResult(self.loyalty.act(card, engine_action, now))

    def purchase(
        self,
        card: str,
        amount_cents: int,
        *,
        category: str | None = None,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> CounterResult:
        """A purchase (of a category, where the program has them): discounts applied; the
        result says what to charge at the till."""
        amount = _amount(amount_cents, "purchase amount")
        card = normalize_card(card)
        action = Action(ActionKind.PURCHASE, card=card, amount_cents=amount, actor=actor, category=category)
        result = self._act(CounterAction.PURCHASE, card, action, now)
        if not result.accepted:
            return result
        for event in result.outcome.events:
            if event.kind is EventKind.PURCHASE_RECORDED:
                paid = int(event.data.get("paid", amount))
                discount = int(event.data.get("discount", amount - paid))
                reasons = tuple(str(r) for r in event.data.get("discount_from", ()))
                return CounterResult(result.outcome, Charge(amount, discount, paid, reasons))
        return CounterResult(result.outcome, Charge(amount, 0, amount))

    def redeem(
        self, card: str, reward: str | None = None, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """Redeem the chosen reward (or the only one there is)."""
        card = normalize_card(card)
        if self.redeem_gate is not None and not self.redeem_gate(reward):
            state = self.loyalty.ledger.member_for_card(card)
            return _refused(
                card,
                state,
                "needs_online",
                "This reward needs a connection to the shop's server; none in the last minutes.",
            )
        action = Action(ActionKind.REDEEM, card=card, detail=reward, actor=actor)
        return self._act(CounterAction.REDEEM, card, action, now)

    def top_up(
        self, card: str, amount_cents: int, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """Prepaid credit: the customer pays ``amount_cents``; a bonus may be added."""
        amount = _amount(amount_cents, "top-up amount")
        card = normalize_card(card)
        action = Action(ActionKind.TOPUP, card=card, amount_cents=amount, actor=actor)
        result = self._act(CounterAction.TOP_UP, card, action, now)
        return CounterResult(result.outcome, Charge(amount, 0, amount)) if result.accepted else result

    def pay(
        self, card: str, amount_cents: int, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """Pay ``amount_cents`` from the card's credit."""
        amount = _amount(amount_cents, "amount to pay with credit")
        card = normalize_card(card)
        action = Action(ActionKind.SPEND_CREDIT, card=card, amount_cents=amount, actor=actor)
        return self._act(CounterAction.PAY, card, action, now)

    def subscribe(
        self,
        card: str,
        subscription: str | None = None,
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> CounterResult:
        """Sell, or renew from its end, a subscription; the result says what to charge."""
        card = normalize_card(card)
        action = Action(ActionKind.SUBSCRIBE, card=card, detail=subscription, actor=actor)
        return self._priced(self._act(CounterAction.SUBSCRIBE, card, action, now))

    def sell_pass(
        self, card: str, pass_id: str | None = None, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        card = normalize_card(card)
        action = Action(ActionKind.BUY_PASS, card=card, detail=pass_id, actor=actor)
        return self._priced(self._act(CounterAction.SELL_PASS, card, action, now))

    def use_pass(
        self, card: str, pass_id: str | None = None, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """A visit on a pass: the chosen one, or the only one the card holds."""
        card = normalize_card(card)
        action = Action(ActionKind.USE_PASS, card=card, detail=pass_id, actor=actor)
        return self._act(CounterAction.USE_PASS, card, action, now)

    def coupon(
        self, card: str, code: str, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """A printed coupon code for this card; each code redeems once in the whole shop."""
        card = normalize_card(card)
        text = code.strip()
        if not text or len(text) > 64 or not text.isprintable():
            raise InvalidInput(f"{code[:70]!r} is not a coupon code: 1 to 64 printable characters")
        program = self.program
        if program is not None and any(b.id == text.lower() for b in program.spec.bonus_actions):
            # a bonus action is awarded by staff on purpose (`bonus`), never by a typed code
            state = self.loyalty.ledger.member_for_card(card)
            return _refused(
                card, state, "unknown_coupon", "This coupon code is not valid here.", coupon_code=text
            )
        action = Action(ActionKind.COUPON, card=card, detail=text, actor=actor)
        return self._act(CounterAction.COUPON, card, action, now)

    def refer(
        self, card: str, new_card: str, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """The member on ``card`` referred the new member on ``new_card``."""
        card, new_card = normalize_card(card), normalize_card(new_card)
        action = Action(ActionKind.REFER, card=card, detail=new_card, actor=actor)
        return self._act(CounterAction.REFER, card, action, now)

    def bonus(
        self, card: str, bonus_id: str, *, actor: str | None = None, now: datetime | None = None
    ) -> CounterResult:
        """A bonus action the program defines (a social post, a birthday), confirmed by staff."""
        card = normalize_card(card)
        program = self.program
        known = [b.id for b in program.spec.bonus_actions] if program is not None else []
        if known and bonus_id.strip().lower() not in known:
            state = self.loyalty.ledger.member_for_card(card)
            return _refused(
                card, state, "unknown_bonus", f"There is no bonus called {bonus_id!r}.", bonuses=known
            )
        action = Action(ActionKind.COUPON, card=card, detail=bonus_id.strip().lower(), actor=actor)
        return self._act(CounterAction.BONUS, card, action, now)

    @staticmethod
    def _priced(result: CounterResult) -> CounterResult:
        if not result.accepted:
            return result
        for event in result.outcome.events:
            if event.kind in (
                EventKind.PASS_SOLD,
                EventKind.SUBSCRIPTION_STARTED,
                EventKind.SUBSCRIPTION_RENEWED,
            ):
                price = int(event.data.get("price", 0))
                return CounterResult(result.outcome, Charge(price, 0, price))
        return result
