"""Staff at the counter: every task of the staff menu, each offered only where the running
program has it (purchase, top-up and pay on the amount keypad, rewards, subscriptions,
passes, bonus actions, coupons, referrals; cards and joining), each through
``CounterService``. How a task runs (the PIN, the session and its card, the result
screens) is ``kiosk.ui.staff_session_flow``.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.domain.rules import Refusal
from kiosk.errors import InvalidInput
from kiosk.services.counter import CardSummary, Choice, mask_card
from kiosk.ui.i18n import money
from kiosk.ui.staff_session_flow import ALWAYS as ALWAYS  # the menu's tasks, for the translation test
from kiosk.ui.staff_session_flow import StaffSessionFlow
from kiosk.ui.viewmodel import choice_name, refusal_view, simple_refusal

#: the amount keypad's tasks and the headline of their result
AMOUNT_TASKS = {"purchase": "res_purchase", "top_up": "res_topped_up", "pay": "res_paid"}


class StaffFlows(StaffSessionFlow):
    """The staff menu's tasks (``task_<name>``) and the keypad and code screens' OK."""

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

