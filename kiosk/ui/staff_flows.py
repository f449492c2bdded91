"""Staff at the counter: the PIN, the session (one PIN, one customer) and every task the
running program offers, each through ``CounterService`` (the same calls as `kanta counter`).

A session's card is the card of the screen staff came from (a refused customer's screen
included) or the next card tapped; nothing else changes it, and every task reads it from
the session when it runs. A customer tap, Back/Done or the idle timeout ends the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.domain.rules import Refusal
from kiosk.errors import InvalidInput
from kiosk.services.counter import CardSummary, Choice, CounterAction, CounterResult, mask_card
from kiosk.ui.i18n import money
from kiosk.ui.pin import PinPad
from kiosk.ui.session import StaffSession
from kiosk.ui.shell import Shell
from kiosk.ui.viewmodel import (
    action_view,
    charge_view,
    choice_name,
    refusal_view,
    simple_refusal,
    staff_card_lines,
    used_twice_lines,
)

#: menu tasks the staff screen offers whatever the program (cards, people, the device)
ALWAYS = ("link", "replace", "enroll", "undo", "settings", "team", "status")
#: tasks that need a manager's PIN (a staff member's session asks for one)
MANAGER_TASKS = ("undo", "settings", "team")
#: the amount keypad's tasks and the headline of their result
AMOUNT_TASKS = {"purchase": "res_purchase", "top_up": "res_topped_up", "pay": "res_paid"}


class StaffFlows:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.session: StaffSession | None = None
        #: a task waiting for the session's card to be tapped
        self._pending: Callable[[str], None] | None = None
        #: the manager's tasks (undo, settings, staff, status) and the join form; set by the app
        self.open_admin: Callable[[str], None] = lambda _task: None
        self.open_join: Callable[[str, str], None] = lambda _card, _actor: None
        self.pin = PinPad(shell)
        self.ask_pin = self.pin.ask

    # ---- the menu ---------------------------------------------------------------------------

    def menu_tasks(self) -> list[str]:
        """What the staff menu offers: the running program's actions, then the rest."""
        offers = self.shell.program.offers
        actions = [a.value for a in CounterAction if offers is None or offers.offers(a)]
        return [*actions, *ALWAYS]

    # ---- the session ---------------------------------------------------------------------

    def open(self) -> None:
        """The Staff button. Inside a session (its result screens) it goes back to the menu;
        anywhere else it asks for a PIN and opens a session for this screen's card."""
        sh = self.shell
        if self.session is not None:
            sh.show("staff")
            return
        card = str(sh.screen("result").card) if sh.current == "result" else ""
        self.ask_pin(lambda who: self.start(who, card))

    def start(self, who: Any, card: str, show_menu: bool = True) -> None:
        self.end()
        sh = self.shell
        self.session = StaffSession(who.name, who.role)
        sh.staff_name, sh.staff_role = who.name, who.role
        if card:
            self._bind(card)
        else:  # the next card tapped is this session's customer
            sh.core.card_request = self._bind
        if show_menu:
            sh.show("staff")

    def _bind(self, card: str) -> None:
        session = self.session
        if session is None or not session.bind(card):
            return
        sh = self.shell
        sh.staff_card = mask_card(card)
        sh.staff_member = sh.staff_overdrawn = ""
        self.refresh_card()
        pending, self._pending = self._pending, None
        if pending is not None:
            pending(card)

    def refresh_card(self) -> None:
        """The staff screen's header: whose card, their balances and ready rewards."""
        session, sh = self.session, self.shell
        if session is None or not session.card:
            return
        card, lang = session.card, sh.lang

        def shown(summary: CardSummary | Refusal) -> None:
            if self.session is not session:
                return  # the session ended meanwhile
            if isinstance(summary, Refusal):
                sh.staff_member = sh.tr("staff_new_card") if summary.code == "unknown_card" else \
                    refusal_view(lang, summary).lines[0]
                return
            lines = staff_card_lines(lang, summary, sh.program) + used_twice_lines(lang, summary.conflicts)
            sh.staff_member = "\n".join(lines)
            sh.staff_overdrawn = ", ".join(summary.member.overdrawn)

        sh.core.submit(lambda: sh.core.summary(card), shown, sh.fail)

    def end(self) -> None:
        sh = self.shell
        self.session = None
        self._pending = None
        sh.staff_name = sh.staff_role = ""
        sh.staff_card = sh.staff_member = sh.staff_overdrawn = ""
        sh.core.card_request = None

    def claim(self, card: str) -> None:
        """Claim on a result screen: inside this card's session at once, else after a PIN
        (which opens a session for this card)."""
        sh = self.shell
        view = sh.screen("result").view
        reward = view.reward_id if view is not None else None
        counter = sh.core.counter

        def redeem() -> None:
            actor = self.actor
            self.run(lambda: counter.redeem(card, reward, actor=actor), "res_redeemed")

        if self.session is not None and self.session.card == card:
            redeem()
            return

        def opened(who: Any) -> None:
            self.start(who, card, show_menu=False)
            redeem()

        self.ask_pin(opened, title_key="pin_confirm_title")

    @property
    def actor(self) -> str:
        return self.session.name if self.session is not None else ""

    def with_card(self, then: Callable[[str], None], title_key: str = "wait_tap") -> None:
        """Run a task on the session's card; a session without one waits for its tap."""
        sh, session = self.shell, self.session
        if session is None:
            sh.go_idle()
            return
        if session.card:
            then(session.card)
            return
        self._pending = then
        sh.core.card_request = self._bind
        sh.screen("waitcard").title = sh.tr(title_key)
        sh.show("waitcard")

    def with_new_card(self, then: Callable[[str], None], title_key: str = "wait_tap_new") -> None:
        """A second card (link, replace, a referred member): never the session's card."""
        sh = self.shell
        sh.screen("waitcard").title = sh.tr(title_key)
        sh.core.card_request = then
        sh.show("waitcard")

    def cancel_wait(self) -> None:
        self._pending = None
        self.shell.core.code_request = None
        session, sh = self.session, self.shell
        sh.core.card_request = self._bind if session is not None and not session.card else None
        sh.show("staff")

    # ---- results ------------------------------------------------------------------------------

    def run(self, fn: Callable[[], CounterResult | Any], headline_key: str, category: str = "") -> None:
        """Run a counter call on the dispatcher; show the amount to charge when there is one
        (with ``category``, the name of what was bought, where the program has categories)."""
        sh = self.shell
        session = self.session

        def done(result: Any) -> None:
            outcome = result.outcome if isinstance(result, CounterResult) else result
            charge = result.charge if isinstance(result, CounterResult) else None
            now = sh.core.clock()
            if charge is not None and outcome.refusal is None and headline_key != "res_topped_up":
                view = charge_view(sh.lang, outcome, charge, sh.program, headline_key, now, category)
                sh.screen("charge").show(view)
                sh.show("charge")
            else:
                sh.show_result(action_view(sh.lang, outcome, sh.program, headline_key, now))
            if self.session is session:
                self.refresh_card()

        sh.core.submit(fn, done, sh.fail)

    def confirm(self, title: str, detail: str, then: Callable[[], None], ok_key: str = "btn_confirm") -> None:
        sh = self.shell
        c = sh.screen("confirm")
        c.title, c.detail, c.ok_text = title, detail, sh.tr(ok_key)
        c.on_confirm = then
        sh.show("confirm")

    def choose(
        self, title: str, choices: list[tuple[str, Callable[[], None]]], back_to: str = "staff"
    ) -> None:
        """A chooser: one big button per choice; the touch is the choice (and its confirmation).
        Cancel goes to ``back_to`` (the menu; the amount keypad for a purchase's category)."""
        sh = self.shell
        chooser = sh.screen("chooser")
        chooser.title = title
        chooser.back_to = back_to
        chooser.set_choices(choices)
        sh.show("chooser")

    # ---- the tasks ----------------------------------------------------------------------------

    def action(self, name: str) -> None:
        sh = self.shell
        session = self.session
        if session is None:  # only a PIN opens staff functions
            sh.go_idle()
            return
        if name in MANAGER_TASKS:
            if session.is_manager:
                self.open_admin(name)
                return

            def elevated(who: Any) -> None:  # a manager takes over this same session
                if self.session is session:
                    session.name, session.role = who.name, who.role
                    sh.staff_name, sh.staff_role = who.name, who.role
                    self.open_admin(name)

            self.ask_pin(elevated, need="manager")
            return
        if name not in self.menu_tasks():
            sh.show_result(simple_refusal(sh.lang, "not_offered"))
            return
        task = getattr(self, "task_" + name, None)
        if task is not None:
            task()

    def _amount(self, name: str) -> None:
        sh = self.shell
        amount = sh.screen("amount")
        amount.action = name
        amount.title = sh.tr(f"amount_{name}")
        amount.message = ""
        amount.ids.pad.value = ""
        sh.show("amount")

    def task_purchase(self) -> None:
        self._amount("purchase")

    def task_top_up(self) -> None:
        self._amount("top_up")

    def task_pay(self) -> None:
        self._amount("pay")

    def amount_ok(self) -> None:
        from kiosk.domain.money import parse_amount

        sh = self.shell
        screen = sh.screen("amount")
        try:
            cents = parse_amount(screen.ids.pad.value or "x")
        except InvalidInput:
            cents = 0
        if cents <= 0:
            screen.message = sh.tr("ref_bad_amount")
            return
        counter, actor, task = sh.core.counter, self.actor, screen.action
        key = AMOUNT_TASKS[task]
        if task == "purchase":
            self.with_card(lambda card: self._purchase(card, cents))
        elif task == "pay":
            self.with_card(lambda card: self.run(lambda: counter.pay(card, cents, actor=actor), key))
        else:  # a top-up: the money first, then the credit

            def received(card: str) -> None:
                self.confirm(
                    sh.tr("confirm_received", amount=money(sh.lang, cents, sh.settings.currency)),
                    sh.tr("staff_card", card=mask_card(card)),
                    lambda: self.run(lambda: counter.top_up(card, cents, actor=actor), key),
                    ok_key="btn_received",
                )

            self.with_card(received)

    def _purchase(self, card: str, cents: int) -> None:
        """Record a purchase; where the program has categories, staff first touch what was
        bought (that touch is the confirmation; Cancel goes back to the amount)."""
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor
        offers = sh.program.offers

        def bought(category: Choice | None) -> None:
            kind, name = (category.id, category.name(sh.lang)) if category else (None, "")
            self.run(lambda: counter.purchase(card, cents, category=kind, actor=actor), "res_purchase", name)

        if offers is None or not offers.categories:
            bought(None)
            return
        title = sh.tr("choose_category", amount=money(sh.lang, cents, sh.settings.currency))
        choices = [(c.name(sh.lang), (lambda c=c: bought(c))) for c in offers.categories]
        self.choose(title, choices, back_to="amount")  # type: ignore[arg-type]

    def _with_summary(self, then: Callable[[str, CardSummary], None]) -> None:
        sh = self.shell

        def got_card(card: str) -> None:
            def got(summary: CardSummary | Refusal) -> None:
                if isinstance(summary, Refusal):
                    sh.show_result(refusal_view(sh.lang, summary, card))
                else:
                    then(card, summary)

            sh.core.submit(lambda: sh.core.summary(card), got, sh.fail)

        self.with_card(got_card)

    def _pick(
        self,
        choices: tuple[Choice, ...],
        title_key: str,
        run: Callable[[Choice], None],
        label: Callable[[Choice], str] | None = None,
        detail: str = "",
    ) -> None:
        """One choice: a confirmation; several: a chooser (touching one is the confirmation)."""
        sh = self.shell
        name = label or (lambda c: choice_name(sh.lang, c, sh.program))
        if len(choices) == 1:
            only = choices[0]
            self.confirm(sh.tr(title_key, name=name(only)), detail, lambda: run(only))
            return
        self.choose(
            sh.tr(title_key, name="…"),
            [(name(c), (lambda c=c: run(c))) for c in choices],  # type: ignore[misc]
        )

    def task_redeem(self) -> None:
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor

        def chosen(card: str, summary: CardSummary) -> None:
            if not summary.ready_rewards:
                progress = summary.stamps[0] if summary.stamps else None
                to_go = max(1, progress.need - progress.have) if progress else 1
                sh.show_result(simple_refusal(sh.lang, "not_enough", "", to_go=to_go))
                return
            self._pick(
                summary.ready_rewards,
                "confirm_redeem",
                lambda c: self.run(lambda: counter.redeem(card, c.id, actor=actor), "res_redeemed"),
                detail=sh.tr("staff_card", card=mask_card(card)),
            )

        self._with_summary(chosen)

    def _priced_label(self, choice: Choice) -> str:
        sh = self.shell
        price = choice.price_cents
        name = choice_name(sh.lang, choice, sh.program)
        return f"{name} – {money(sh.lang, price, sh.settings.currency)}" if price else name

    def task_subscribe(self) -> None:
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor
        offers = sh.program.offers
        subs = offers.subscriptions if offers is not None else ()

        def chosen(card: str, summary: CardSummary) -> None:
            def label(c: Choice) -> str:
                until = summary.subscriptions.get(c.id)
                text = self._priced_label(c)
                return sh.tr("renew_until", name=text, date=until[:10]) if until else text

            self._pick(
                subs,
                "confirm_subscribe",
                lambda c: self.run(lambda: counter.subscribe(card, c.id, actor=actor), "res_subscribed"),
                label=label,
                detail=sh.tr("staff_card", card=mask_card(card)),
            )

        self._with_summary(chosen)

    def task_sell_pass(self) -> None:
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor
        offers = sh.program.offers
        passes = offers.passes if offers is not None else ()
        self.with_card(
            lambda card: self._pick(
                passes,
                "confirm_sell_pass",
                lambda c: self.run(lambda: counter.sell_pass(card, c.id, actor=actor), "res_pass_sold"),
                label=self._priced_label,
                detail=sh.tr("staff_card", card=mask_card(card)),
            )
        )

    def task_use_pass(self) -> None:
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor

        def chosen(card: str, summary: CardSummary) -> None:
            usable = summary.usable_passes
            if not usable:
                sh.show_result(simple_refusal(sh.lang, "no_pass"))
                return

            def use(c: Choice) -> None:
                self.run(lambda: counter.use_pass(card, c.id, actor=actor), "res_pass_used")

            if len(usable) == 1:
                use(usable[0])
                return
            self.choose(sh.tr("choose_pass"), [(self._uses_label(c), (lambda c=c: use(c))) for c in usable])  # type: ignore[misc]

        self._with_summary(chosen)

    def _uses_label(self, choice: Choice) -> str:
        name = choice_name(self.shell.lang, choice, self.shell.program)
        return self.shell.tr("pass_uses_left", name=name, n=choice.count) if choice.count else name

    def task_bonus(self) -> None:
        sh, counter, actor = self.shell, self.shell.core.counter, self.actor
        offers = sh.program.offers
        bonuses = offers.bonus_actions if offers is not None else ()
        self.with_card(
            lambda card: self._pick(
                bonuses,
                "confirm_bonus",
                lambda c: self.run(lambda: counter.bonus(card, c.id, actor=actor), "res_bonus"),
                detail=sh.tr("staff_card", card=mask_card(card)),
            )
        )

    def task_coupon(self) -> None:
        """A coupon code typed on the keyboard, or scanned while this screen is open."""
        sh = self.shell
        code = sh.screen("code")
        code.value = ""
        code.message = ""
        code.title = sh.tr("code_title")
        # the scanner's next coupon fills the field and is taken at once
        sh.core.code_request = self.coupon_scanned
        sh.show("code")

    def coupon_scanned(self, text: str) -> None:
        sh = self.shell
        if sh.current != "code":
            return
        sh.screen("code").value = text
        self.coupon_ok()

    def coupon_ok(self) -> None:
        sh = self.shell
        text = str(sh.screen("code").value).strip()
        if not text:
            sh.screen("code").message = sh.tr("code_empty")
            return
        sh.core.code_request = None
        counter, actor = sh.core.counter, self.actor
        self.with_card(lambda card: self.run(lambda: counter.coupon(card, text, actor=actor), "res_coupon"))

    def task_refer(self) -> None:
        counter, actor = self.shell.core.counter, self.actor

        def referrer(card: str) -> None:
            self.with_new_card(
                lambda new: self.run(lambda: counter.refer(card, new, actor=actor), "res_referred"),
                "wait_tap_referred",
            )

        self.with_card(referrer, "wait_tap_referrer")

    def task_link(self) -> None:
        loyalty, actor = self.shell.core.counter.loyalty, self.actor
        self.with_card(
            lambda card: self.with_new_card(
                lambda new: self.run(lambda: loyalty.link_card(card, new, actor=actor), "res_linked")
            )
        )

    def task_replace(self) -> None:
        loyalty, actor = self.shell.core.counter.loyalty, self.actor
        self.with_card(
            lambda card: self.with_new_card(
                lambda new: self.run(lambda: loyalty.replace_card(card, new, actor=actor), "res_replaced")
            )
        )

    def task_enroll(self) -> None:
        actor = self.actor
        self.with_card(lambda card: self.open_join(card, actor))

    def task_status(self) -> None:
        self.open_admin("status")

