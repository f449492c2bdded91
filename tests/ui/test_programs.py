"""Every program in config/programs at the counter, by touch: the staff menu offers exactly
what the program has, and each of its tasks runs start to finish on the session's card
(a purchase shows the amount to charge; a subscription is sold and renewed; a coupon is
taken once and refused the second time; a referral takes the referrer's, then the new
card). A real Kivy window on Xvfb over a real store; the core runs inline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from hardware.codes import scan_event
from hardware.factory import code_validator
from kiosk.config import HardwareConfig
from kiosk.domain.events import EventKind
from kiosk.domain.program import load_program
from kiosk.services.counter import CounterAction
from tests.ui.touch import TouchTest

PROGRAMS = Path(__file__).resolve().parents[2] / "config" / "programs"
MEMBER, NEWCOMER = "04AB12CD34EF56", "04FEED00000001"
#: the menu's words for each counter action (English screens)
LABELS = {
    "purchase": "Purchase",
    "redeem": "Redeem reward",
    "top_up": "Top up credit",
    "pay": "Pay with credit",
    "subscribe": "Subscription",
    "sell_pass": "Sell a pass",
    "use_pass": "Use a pass",
    "coupon": "Coupon",
    "refer": "Referral",
    "bonus": "Bonus",
}
#: the order the tasks run in: what makes the next one possible first
ORDER = ("purchase", "top_up", "pay", "subscribe", "sell_pass", "use_pass", "bonus", "coupon",
         "redeem", "refer")


class CounterPrograms(TouchTest):
    def start_program(self, name: str) -> Any:
        app = self.start(seed_demo=False, rules=load_program(PROGRAMS / f"{name}.toml"))
        service = self.core.service
        # a member with some history: visits on earlier days, a big purchase
        start = self.clock() - timedelta(days=40)
        for day in range(12):
            service.tap(MEMBER, now=start + timedelta(days=day * 3))
        self.core.counter.purchase(MEMBER, 60000, actor="setup")
        program = self.core.counter.program
        assert program is not None
        for card in program.spec.stamp_cards:  # stamps that only a category's purchases give
            for _ in range(card.reward_at if card.categories else 0):
                self.core.counter.purchase(MEMBER, 60000, category=card.categories[0], actor="setup")
        self.clock.advance(hours=1)
        self.tap(MEMBER)
        self.touch(self.button("result", "Staff"))
        self.type_pin("3941")
        assert app.current == "staff" and app.staff.session.card == MEMBER
        return app

    def keys(self, screen: str, text: str) -> None:
        keys = {w.text: w for w in self.app.screen(screen).ids.keyboard.children}
        for ch in text:
            if ch.isupper() != self.app.screen(screen).shift and ch.isalpha():
                self.touch(keys["ABC"])
                keys = {w.text: w for w in self.app.screen(screen).ids.keyboard.children}
            self.touch(keys[ch])

    def pad(self, screen: str, digits: str) -> None:
        pad = self.app.screen(screen).ids.pad
        for key in digits:
            self.touch(next(w for w in pad.children if getattr(w, "text", None) == key))

    def back_to_menu(self) -> None:
        app = self.app
        if app.current == "charge":
            self.touch(self.button("charge", "Menu"))
        elif app.current == "result":
            self.touch(self.button("result", "Staff"))  # inside the session: no PIN
        assert app.current == "staff", app.current

    def events(self, kind: EventKind) -> list[Any]:
        state = self.core.service.member_for_card(MEMBER)
        return [e for e in self.core.service.ledger.events(state.member_id) if e.kind is kind]

    def recorded(self, headline: str) -> None:
        app = self.app
        screen = app.screen(app.current)
        shown = getattr(screen, "headline", "")
        assert app.current in ("result", "charge") and shown == headline, (
            app.current, shown, getattr(screen, "body", ""))

    # ---- one task each ------------------------------------------------------------------------

    def do_purchase(self) -> None:
        self.touches = 0
        self.touch(self.button("staff", "Purchase"))
        self.pad("amount", "20")
        self.touch(self.app.screen("amount").ids.ok)
        if self.core.counter.offers().categories:  # what was bought: the first category
            self.touch(self.app.screen("chooser").ids.choices.children[-1])
        self.recorded("Purchase recorded")
        assert self.touches <= 5  # the README's count: Purchase, the digits, OK (, the category)
        charge = self.app.screen("charge")
        assert charge.amount.startswith("€") and "Amount: €20.00" in charge.breakdown

    def do_top_up(self) -> None:
        self.touch(self.button("staff", "Top up credit"))
        self.pad("amount", "50")
        self.touch(self.app.screen("amount").ids.ok)
        assert self.app.screen("confirm").title == "Did you receive €50.00?"
        self.touch(self.button("confirm", "Money received"))
        self.recorded("Credit topped up")

    def do_pay(self) -> None:
        self.touch(self.button("staff", "Pay with credit"))
        self.pad("amount", "5")
        self.touch(self.app.screen("amount").ids.ok)
        self.recorded("Paid with credit")

    def do_subscribe(self) -> None:
        for kind in (EventKind.SUBSCRIPTION_STARTED, EventKind.SUBSCRIPTION_RENEWED):
            self.touch(self.button("staff", "Subscription"))
            assert self.app.current == "confirm"
            if kind is EventKind.SUBSCRIPTION_RENEWED:
                assert "renew" in self.app.screen("confirm").title
            self.touch(self.button("confirm", "Confirm"))
            self.recorded("Subscription sold")
            assert len(self.events(kind)) == 1
            self.back_to_menu()

    def do_sell_pass(self) -> None:
        self.touch(self.button("staff", "Sell a pass"))
        self.touch(self.button("confirm", "Confirm"))
        self.recorded("Pass sold")
        assert self.app.screen("charge").amount.startswith("€")

    def do_use_pass(self) -> None:
        self.clock.advance(hours=2)  # the session's own tap was this visit: a later one
        self.touch(self.button("staff", "Use a pass"))
        self.recorded("Pass used")
        assert self.events(EventKind.PASS_USED)

    def do_bonus(self) -> None:
        self.touch(self.button("staff", "Bonus"))
        assert self.app.current == "chooser"
        choices = self.app.screen("chooser").ids.choices.children
        self.touch(choices[-1])  # the first one listed
        self.recorded("Bonus given")

    def do_coupon(self) -> None:
        spec = self.core.counter.program.spec  # type: ignore[union-attr]
        code = next(iter(sorted(c for coupon in spec.coupons for c in coupon.codes)))
        for attempt in range(2):
            self.touch(self.button("staff", "Coupon"))
            self.keys("code", code)
            self.touch(self.app.screen("code").ids.ok)
            if attempt == 0:
                self.recorded("Coupon taken")
                self.back_to_menu()
            else:  # each code redeems once in the whole shop
                self.recorded("Not recorded")
        assert len(self.events(EventKind.COUPON_REDEEMED)) == 1

    def do_redeem(self) -> None:
        before = len(self.events(EventKind.REWARD_REDEEMED))
        self.touches = 0
        self.touch(self.button("staff", "Redeem reward"))
        if self.app.current == "chooser":
            self.touch(self.app.screen("chooser").ids.choices.children[-1])
        else:
            assert "{" not in self.app.screen("confirm").title  # every name filled in
            self.touch(self.button("confirm", "Confirm"))
        self.recorded("Reward claimed – enjoy!")
        assert self.touches <= 3  # Redeem, then the reward (chooser) or Confirm
        assert len(self.events(EventKind.REWARD_REDEEMED)) == before + 1

    def do_refer(self) -> None:
        self.touch(self.button("staff", "Referral"))
        assert self.app.current == "waitcard"
        assert self.app.screen("waitcard").title == "Now tap the NEW member's card"
        self.tap(NEWCOMER)
        self.recorded("Referral recorded")

    # ---- the program --------------------------------------------------------------------------

    def run_program(self, name: str) -> None:
        app = self.start_program(name)
        offers = self.core.counter.offers()
        menu = self.texts("staff")
        for action in CounterAction:
            assert (LABELS[action.value] in menu) == offers.offers(action), (name, action)
        for task in ORDER:
            if offers.offers(CounterAction(task)):
                step: Callable[[], None] = getattr(self, "do_" + task)
                step()
                self.back_to_menu()
        assert app.staff.session is not None and app.staff.session.card == MEMBER


def _program_test(name: str) -> Callable[[CounterPrograms], None]:
    def test(self: CounterPrograms) -> None:
        self.run_program(name)

    test.__name__ = f"test_every_task_of_{name}"
    return test


for _path in sorted(PROGRAMS.glob("*.toml")):
    setattr(CounterPrograms, f"test_every_task_of_{_path.stem}", _program_test(_path.stem))


class ScannedCodes(TouchTest):
    def test_a_product_ean_and_an_unknown_code_are_refused_and_create_nothing(self) -> None:
        app = self.start(seed_demo=False)
        validator = code_validator(HardwareConfig())  # what the scanner checks first
        for code in ("6410405078926", "ZZ-NOT-OURS-42"):
            self.core.sink(scan_event(validator, code, "sim scanner"))
            self.advance_frames(1)
            assert app.current == "result" and app.screen("result").headline == "Not recorded", code
            assert self.core.feedback.played[-1] == "refused"
        assert self.core.service.ledger.member_count() == 0
