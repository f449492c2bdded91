"""Staff at the counter, how every task runs: the PIN, the session (one PIN, one customer),
whose card it is, waiting for a tap, running a ``CounterService`` call (the same calls as
`kanta counter`) and showing its result, the confirmation and chooser screens, and the
menu's dispatch to the tasks (``kiosk.ui.staff_flows``, what each task asks and calls).

A session's card is the card of the screen staff came from (a refused customer's screen
included) or the next card tapped; nothing else changes it, and every task reads it from
the session when it runs. A customer tap, Back/Done or the idle timeout ends the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.domain.rules import Refusal
from kiosk.services.counter import CardSummary, CounterAction, CounterResult, mask_card
from kiosk.ui.pin import PinPad
from kiosk.ui.session import StaffSession
from kiosk.ui.shell import Shell
from kiosk.ui.viewmodel import (
    action_view,
    charge_view,
    refusal_view,
    simple_refusal,
    staff_card_lines,
    used_twice_lines,
)

#: menu tasks the staff screen offers whatever the program (cards, people, the device)
ALWAYS = ("link", "replace", "enroll", "undo", "settings", "team", "status")
#: tasks that need a manager's PIN (a staff member's session asks for one)
MANAGER_TASKS = ("undo", "settings", "team")


class StaffSessionFlow:
    """The session and the screens every task uses; the tasks are ``task_<name>`` methods
    of the subclass (``StaffFlows``), which ``action`` runs."""

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
