"""The kiosk's Kivy app: screens, the staff session, timeouts, banners.

It sees one service-level object, the ``core`` (``kiosk.app.core.KioskCore``): it submits
commands to the core's dispatcher thread and receives outcomes on Kivy's clock through the
``on_*`` listener methods. No store, no device: those are wired in ``kiosk.app.wiring``.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.ui import i18n
from kiosk.ui.screens import SCREENS, KioskScreen, ResultScreen
from kiosk.ui.session import StaffSession, mask_card
from kiosk.ui.viewmodel import (
    ProgramInfo,
    ResultView,
    action_view,
    error_view,
    refusal_view,
    reward_name,
    simple_refusal,
    summarize,
    summary_lines,
    tap_view,
    welcome_view,
)

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent / "kv"
KV_FILES = ("widgets", "root", *SCREENS)
TERMS_WORDING = "kanta-terms-v1"
MARKETING_WORDING = "kanta-marketing-v1"
#: screens where a customer reads or types, and the least time they get without a touch
INPUT_SCREENS = ("join", "contact", "lookup", "pin")
INPUT_TIMEOUT_SECONDS = 60.0
_loaded = False


@dataclass
class UiSettings:
    shop_name: str = "Kanta"
    currency: str = "EUR"
    language: str = "fi"
    idle_timeout_seconds: float = 20.0
    staff_timeout_seconds: float = 90.0
    #: landscape | portrait | auto (from the window's shape)
    layout: str = "auto"
    maintenance_interval_seconds: float = 30.0
    demo_help: bool = False
    #: key -> action, for the desktop demo (simulate a tap, a scan, an unplug)
    demo_keys: dict[str, Callable[[], None]] = field(default_factory=dict)
    on_ready: Callable[[], None] | None = None
    #: called about once a second while the app is healthy (systemd watchdog)
    on_main_loop_tick: Callable[[], None] | None = None


def load_kv() -> None:
    global _loaded
    if _loaded:
        return
    for name in KV_FILES:
        Builder.load_file(str(KV_DIR / f"{name}.kv"))
    _loaded = True


class Root(BoxLayout):  # type: ignore[misc]
    pass


class KioskApp(App):  # type: ignore[misc]
    lang = StringProperty("fi")
    portrait = BooleanProperty(False)
    px_mm = NumericProperty(5.2)
    target = NumericProperty(60)
    fs_huge = NumericProperty(56)
    fs_title = NumericProperty(34)
    fs_body = NumericProperty(24)
    fs_small = NumericProperty(18)
    fs_button = NumericProperty(24)
    fs_key = NumericProperty(30)
    shop_name = StringProperty("")
    banner_text = StringProperty("")
    demo_text = StringProperty("")
    staff_name = StringProperty("")
    staff_role = StringProperty("")
    #: the session's card, masked ("••••E5F6"), and its member's balances and rewards
    staff_card = StringProperty("")
    staff_member = StringProperty("")
    #: accounts of the session card's member below zero (two kiosks redeemed offline)
    staff_overdrawn = StringProperty("")

    def __init__(self, core: Any, settings: UiSettings, program: ProgramInfo, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.core = core
        self.settings = settings
        self.program = program
        self.lang = settings.language
        self.shop_name = settings.shop_name
        self.title = f"Kanta – {settings.shop_name}"
        self.status: Any = None
        self.store_failed = False
        self.last_activity = time.monotonic()
        #: the open staff session (one PIN, one customer), None when no staff is at the screen
        self.session: StaffSession | None = None
        #: a staff task waiting for the session's card to be tapped
        self._pending: Callable[[str], None] | None = None
        self._last_maintenance = time.monotonic()
        self.ready_at: float | None = None
        self.started_at = time.perf_counter()
        #: benchmark hook: called when a result is put on screen (the next flip shows it)
        self.on_result_drawn: Callable[[], None] | None = None
        self.sm: ScreenManager | None = None

    # ---- sizes ---------------------------------------------------------------------------

    def mm(self, x: float) -> float:
        return float(x * self.px_mm)

    def _apply_layout(self, *_: Any) -> None:
        w, h = Window.size
        mode = self.settings.layout
        self.portrait = h > w if mode == "auto" else mode == "portrait"
        # both Raspberry Pi 7" touchscreens are about 155 mm along the long side
        self.px_mm = max(w, h) / 155.0
        self.target = self.mm(11)  # at least 9 mm, wet fingers included
        # type sizes in millimetres on the glass: the same look on both displays
        self.fs_huge = self.mm(11)
        self.fs_title = self.mm(6.5)
        self.fs_body = self.mm(4.6)
        self.fs_small = self.mm(3.5)
        self.fs_button = self.mm(4.4)
        self.fs_key = self.mm(6)

    # ---- building ------------------------------------------------------------------------

    def build(self) -> Root:
        self._apply_layout()
        load_kv()
        root = Root()
        sm = ScreenManager(transition=NoTransition())
        for name, cls in SCREENS.items():
            sm.add_widget(cls(name=name))
        root.ids.holder.add_widget(sm)
        self.sm = sm
        self.screen("contact").build_keys(self.portrait)
        self.bind(portrait=lambda _a, portrait: self.screen("contact").build_keys(portrait))
        self._update_idle_text()
        self.demo_text = i18n.tr(self.lang, "demo_help") if self.settings.demo_help else ""
        Window.bind(on_touch_down=self._touched, on_key_down=self._key)
        Window.bind(on_resize=lambda *_: self._apply_layout())
        self.core.listener = self
        staff = self.core.staff
        self.core.submit(staff.settings, self.apply_settings)
        Clock.schedule_interval(self._tick, 1.0)
        return root

    def on_start(self) -> None:
        Clock.schedule_once(self._first_frame, 0)

    def _first_frame(self, _dt: float) -> None:
        self.ready_at = time.perf_counter()
        # everything loaded so far (the store's members, the screens) lives as long as
        # the app: keep it out of the garbage collector's full passes, which otherwise
        # walk every member document and stall a tap by tens of milliseconds
        gc.collect()
        gc.freeze()
        if self.settings.on_ready:
            try:
                self.settings.on_ready()
            except Exception:
                log.exception("on_ready hook failed")

    # ---- helpers -------------------------------------------------------------------------

    def tr(self, key: str, lang: str | None = None, **params: Any) -> str:
        return i18n.tr(lang or self.lang, key, **params)

    def screen(self, name: str) -> Any:
        assert self.sm is not None
        return self.sm.get_screen(name)

    @property
    def current(self) -> str:
        return self.sm.current if self.sm is not None else ""

    def show(self, name: str) -> None:
        assert self.sm is not None
        self.last_activity = time.monotonic()
        self.sm.current = name

    def set_lang(self, lang: str) -> None:
        if lang in i18n.LANGS:
            self.lang = lang
            self._update_idle_text()
            if self.settings.demo_help:
                self.demo_text = i18n.tr(lang, "demo_help")
            self._update_banner()

    def _update_idle_text(self) -> None:
        p = self.program
        parts = []
        if p.stamps_target:
            parts.append(i18n.tr(self.lang, "idle_program", target=p.stamps_target))
        if p.points_per_unit:
            parts.append(i18n.tr(self.lang, "idle_points", per_unit=p.points_per_unit))
        if self.sm is not None:
            self.screen("idle").program_text = "\n".join(parts)

    def go_idle(self) -> None:
        """Back to the attract screen; a staff session ends here (Back, Done, timeouts)."""
        self.end_staff()
        self.lang = self.settings.language
        self.set_lang(self.lang)
        self.show("idle")

    def show_result(self, view: ResultView) -> None:
        screen: ResultScreen = self.screen("result")
        screen.show(view)
        self.show("result")
        try:
            self.core.feedback.play(view.sound)
        except Exception:
            log.exception("feedback failed")
        if self.on_result_drawn is not None:
            self.on_result_drawn()  # the next frame flipped is the one showing this result

    def _touched(self, *_: Any) -> None:
        self.last_activity = time.monotonic()

    def _key(self, _window: Any, key: int, _scancode: int, codepoint: str | None, *_: Any) -> bool:
        action = self.settings.demo_keys.get((codepoint or "").lower())
        if action is not None:
            action()
            return True
        if key == 27 and self.current != "idle":  # Esc: back to idle rather than quitting
            self.end_staff()
            self.go_idle()
            return True
        return False

    def _tick(self, _dt: float) -> None:
        now = time.monotonic()
        current = self.current
        if current != "idle":
            screen: KioskScreen = self.screen(current)
            if screen.staff_only or (self.staff_name and current in INPUT_SCREENS):
                limit = self.settings.staff_timeout_seconds
            elif current in INPUT_SCREENS:  # reading the terms, typing: more time than a glance
                limit = max(self.settings.idle_timeout_seconds, INPUT_TIMEOUT_SECONDS)
            else:
                limit = self.settings.idle_timeout_seconds
            if now - self.last_activity > limit:
                self.go_idle()
        elif now - self._last_maintenance > self.settings.maintenance_interval_seconds:
            self._last_maintenance = now
            self.core.maintenance()
        if self.session is not None and now - self.last_activity > self.settings.staff_timeout_seconds:
            self.go_idle()
        if self.settings.on_main_loop_tick and not self.store_failed:
            try:
                self.settings.on_main_loop_tick()
            except Exception:
                log.exception("main loop tick hook failed")

    # ---- listener: called by the core, on Kivy's clock -------------------------------------

    def on_outcome(self, outcome: Any, via: str) -> None:
        self.end_staff()  # a customer's tap (or phone lookup) ends any staff session
        self.store_failed = False
        self._update_banner()
        if outcome.refusal is not None and outcome.refusal.code == "join_required":
            self.show_result(refusal_view(self.lang, outcome.refusal, outcome.card, offer_join=True))
            return
        self.show_result(tap_view(self.lang, outcome, self.program, self.core.service.clock()))

    def on_refusal(self, code: str, card: str, message: str) -> None:
        self.end_staff()
        view = simple_refusal(self.lang, code, message)
        self.show_result(replace(view, card=card))

    def on_failure(self, kind: str) -> None:
        self.end_staff()
        if kind == "store":
            self.store_failed = True
            self._update_banner()
        self.show_result(error_view(self.lang, kind == "store"))

    def on_status(self, status: Any) -> None:
        self.status = status
        self.store_failed = not status.store_ok
        self._update_banner()

    def _update_banner(self) -> None:
        s = self.status
        lines = []
        if self.store_failed or (s is not None and not s.store_ok):
            lines.append(self.tr("banner_store"))
        if s is not None:
            if s.reader is False:
                lines.append(self.tr("banner_reader"))
            if s.scanner is False:
                lines.append(self.tr("banner_scanner"))
            if not s.clock_ok:
                lines.append(self.tr("banner_clock"))
        self.banner_text = "\n".join(lines)

    # ---- customer flows ---------------------------------------------------------------------

    def open_lookup(self) -> None:
        screen = self.screen("lookup")
        screen.ids.pad.value = ""
        screen.message = ""
        self.show("lookup")

    def lookup(self, phone: str) -> None:
        core = self.core

        def find() -> Any:
            card = core.card_for_phone(phone)
            if card is None:
                return None
            return core.customer_tap(card, via="phone") or False

        def done(result: Any) -> None:
            if result is None:
                self.screen("lookup").message = self.tr("ref_no_phone")
                core.feedback.play("refused")

        core.submit(find, done, self._fail)

    def open_join(self, card: str, actor: str = "") -> None:
        if not card:
            self.show_result(simple_refusal(self.lang, "other", self.tr("join_tap_first")))
            return
        self.screen("join").reset(card, actor)
        self.show("join")

    def join_next(self) -> None:
        join = self.screen("join")
        if not join.consent:
            join.message = self.tr("join_need_consent")
            return
        contact = self.screen("contact")
        contact.value = ""
        contact.message = ""
        self.show("contact")

    def join_finish(self, with_contact: bool) -> None:
        join = self.screen("join")
        contact_screen = self.screen("contact")
        contact: dict[str, str] | None = None
        if with_contact and contact_screen.value.strip():
            value = contact_screen.value.strip()
            digits = "".join(ch for ch in value if ch.isdigit())
            if "@" in value and "." in value.split("@")[-1] and " " not in value:
                contact = {"email": value}
            elif len(digits) >= 6 and all(ch.isdigit() or ch in "+ -" for ch in value):
                contact = {"phone": value}
            else:
                contact_screen.message = self.tr("join_contact_bad")
                return
        card, actor = join.card, join.actor or self.staff_name or None
        marketing = MARKETING_WORDING if join.marketing else None

        def enroll() -> Any:
            return self.core.enroll(
                card, terms=TERMS_WORDING, marketing=marketing, contact=contact, actor=actor
            )

        self.core.submit(
            enroll, lambda o: self.show_result(welcome_view(self.lang, o, self.program)), self._fail
        )

    def _fail(self, exc: BaseException) -> None:
        from kiosk.errors import KantaError, StoreError, UnknownCard

        if isinstance(exc, StoreError):
            self.on_failure("store")
        elif isinstance(exc, UnknownCard):
            self.show_result(simple_refusal(self.lang, "unknown_card"))
        elif isinstance(exc, KantaError):  # says what is wrong (in English, for staff)
            self.show_result(simple_refusal(self.lang, "other", str(exc)))
        else:  # a bug: never show its text; the log has it
            self.on_failure("generic")

    # ---- staff: PIN and session -------------------------------------------------------------

    def ask_pin(self, then: Callable[[Any], None], need: str = "staff", title_key: str = "pin_title") -> None:
        pin = self.screen("pin")
        pin.ids.pad.value = ""
        pin.title = self.tr(title_key)
        pin.need = need
        pin.on_verified = then
        pin.message = ""
        staff = self.core.staff

        def state() -> tuple[int, bool]:  # the store is read on the dispatcher thread only
            return staff.locked_for(), bool(staff.members())

        def shown(result: tuple[int, bool]) -> None:
            locked, any_staff = result
            if not any_staff:
                pin.message = self.tr("pin_no_staff")
            elif locked:
                pin.message = self.tr("pin_locked", seconds=locked)

        self.core.submit(state, shown)
        self.show("pin")

    def submit_pin(self) -> None:
        pin = self.screen("pin")
        value = pin.ids.pad.value
        pin.ids.pad.value = ""
        if pin.busy:
            return
        pin.busy = True
        staff, need = self.core.staff, pin.need

        def done(who: Any) -> None:
            pin.busy = False
            pin.message = ""
            then = pin.on_verified
            pin.on_verified = None
            if then is not None:
                then(who)

        def fail(exc: BaseException) -> None:
            from kiosk.staff import NotAllowed, PinLocked, WrongPin

            pin.busy = False
            if isinstance(exc, PinLocked):
                pin.message = self.tr("pin_locked", seconds=exc.seconds)
            elif isinstance(exc, WrongPin):
                pin.message = self.tr("pin_wrong", left=exc.tries_left)
            elif isinstance(exc, NotAllowed):
                pin.message = self.tr("pin_no_right", role=exc.needed)
            else:
                self._fail(exc)
                return
            self.core.feedback.play("refused")

        self.core.submit(lambda: staff.verify(value, need=need), done, fail)

    def _screen_card(self) -> str:
        """The card of the screen staff came from: a result screen's card, refused or not."""
        if self.current == "result":
            return str(self.screen("result").card)
        return ""

    def open_staff(self) -> None:
        """The Staff button. Inside a session (its result screens) it goes back to the menu;
        anywhere else it asks for a PIN and opens a session for this screen's card."""
        if self.session is not None:
            self.show("staff")
            return
        card = self._screen_card()
        self.ask_pin(lambda who: self.start_session(who, card))

    def start_session(self, who: Any, card: str, show_menu: bool = True) -> None:
        self.end_staff()
        self.session = StaffSession(who.name, who.role)
        self.staff_name, self.staff_role = who.name, who.role
        if card:
            self._bind_card(card)
        else:  # the next card tapped is this session's customer
            self.core.card_request = self._bind_card
        if show_menu:
            self.show("staff")

    def _bind_card(self, card: str) -> None:
        session = self.session
        if session is None or not session.bind(card):
            return
        self.staff_card = mask_card(card)
        self.staff_member = self.staff_overdrawn = ""
        lang, svc = self.lang, self.core.service

        def shown(state: Any) -> None:
            if self.session is not session:
                return  # the session ended meanwhile
            summary = summarize(self.program, state, svc.clock())
            self.staff_member = "\n".join(summary_lines(lang, summary, summary, self.program))
            self.staff_overdrawn = ", ".join(state.overdrawn)

        def unknown(_exc: BaseException) -> None:
            if self.session is session:
                self.staff_member = self.tr("staff_new_card")

        self.core.submit(lambda: svc.member_for_card(card), shown, unknown)
        pending, self._pending = self._pending, None
        if pending is not None:
            pending(card)

    def end_staff(self) -> None:
        self.session = None
        self._pending = None
        self.staff_name = self.staff_role = ""
        self.staff_card = self.staff_member = self.staff_overdrawn = ""
        self.core.card_request = None

    def logout(self) -> None:
        self.go_idle()

    def claim_reward(self, card: str) -> None:
        """Claim on a result screen: inside this card's session at once, else after a PIN
        (which opens a session for this card)."""
        view = self.screen("result").view
        reward = view.reward_id if view is not None else None

        def redeem() -> None:
            session = self.session
            assert session is not None
            actor = session.name
            self.run_action(lambda: self.core.redeem(card, reward, actor), "res_redeemed")

        if self.session is not None and self.session.card == card:
            redeem()
            return

        def opened(who: Any) -> None:
            self.start_session(who, card, show_menu=False)
            redeem()

        self.ask_pin(opened, title_key="pin_confirm_title")

    def run_action(self, fn: Callable[[], Any], headline_key: str) -> None:
        def done(outcome: Any) -> None:
            self.show_result(action_view(self.lang, outcome, self.program, headline_key))

        self.core.submit(fn, done, self._fail)

    def with_card(self, then: Callable[[str], None], title_key: str = "wait_tap") -> None:
        """Run a staff task on the session's card; a session without one waits for its tap."""
        session = self.session
        if session is None:
            self.go_idle()
            return
        if session.card:
            then(session.card)
            return
        self._pending = then
        self.core.card_request = self._bind_card
        self.screen("waitcard").title = self.tr(title_key)
        self.show("waitcard")

    def with_new_card(self, then: Callable[[str], None]) -> None:
        """A second card for the session's customer (link, replace): it is not the session's."""
        self.screen("waitcard").title = self.tr("wait_tap_new")
        self.core.card_request = then
        self.show("waitcard")

    def cancel_wait(self) -> None:
        self._pending = None
        session = self.session
        self.core.card_request = self._bind_card if session is not None and not session.card else None
        self.show("staff")

    def staff_action(self, name: str) -> None:
        if self.session is None:  # only a PIN opens staff functions
            self.go_idle()
            return
        svc = self.core.service
        actor = self.session.name
        from kiosk.domain.rules import Action, ActionKind

        if name in ("purchase", "topup", "spend"):
            amount = self.screen("amount")
            amount.action = name
            amount.title = self.tr(f"amount_{name}")
            amount.message = ""
            amount.ids.pad.value = ""
            self.show("amount")
        elif name == "redeem":

            def confirm(card: str) -> None:
                def got(state: Any) -> None:
                    summary = summarize(self.program, state, svc.clock())
                    if not summary.rewards_ready:
                        to_go = max(1, summary.stamps_target - summary.stamps_have)
                        self.show_result(simple_refusal(self.lang, "not_enough", "", to_go=to_go))
                        return
                    reward = summary.rewards_ready[0]
                    c = self.screen("confirm")
                    c.title = self.tr("confirm_redeem", reward=reward_name(self.lang, reward))
                    c.detail = self.tr("staff_card", card=mask_card(card))
                    c.on_confirm = lambda: self.run_action(
                        lambda: self.core.redeem(card, reward[0], actor), "res_redeemed"
                    )
                    self.show("confirm")

                self.core.submit(lambda: svc.member_for_card(card), got, self._fail)

            self.with_card(confirm)
        elif name in ("sell_pass", "use_pass"):
            kind = ActionKind.BUY_PASS if name == "sell_pass" else ActionKind.USE_PASS
            self.with_card(
                lambda card: self.run_action(
                    lambda: svc.act(card, Action(kind, card=card, actor=actor)), "res_pass"
                )
            )
        elif name in ("undo", "settings"):
            then = self.open_undo if name == "undo" else self.open_settings
            session = self.session
            if session is not None and not session.is_manager:

                def elevated(who: Any) -> None:  # a manager takes over this same session
                    if self.session is session:
                        session.name, session.role = who.name, who.role
                        self.staff_name, self.staff_role = who.name, who.role
                        then()

                self.ask_pin(elevated, need="manager")
                return
            then()
        elif name in ("link", "replace"):

            def second(card: str) -> None:
                def new(new_card: str) -> None:
                    if name == "link":
                        self.run_action(lambda: svc.link_card(card, new_card, actor=actor), "res_linked")
                    else:
                        self.run_action(lambda: svc.replace_card(card, new_card, actor=actor), "res_replaced")

                self.with_new_card(new)

            self.with_card(second)
        elif name == "enroll":
            self.with_card(lambda card: self.open_join(card, actor))
        elif name == "status":
            self.core.refresh_status(self.open_status)

    def amount_ok(self) -> None:
        from kiosk.domain.money import parse_amount
        from kiosk.domain.rules import Action, ActionKind
        from kiosk.errors import InvalidInput

        screen = self.screen("amount")
        try:
            cents = parse_amount(screen.ids.pad.value or "x")
        except InvalidInput:
            screen.message = self.tr("ref_bad_amount")
            return
        if cents <= 0:
            screen.message = self.tr("ref_bad_amount")
            return
        svc, actor, action = self.core.service, self.staff_name, screen.action
        key = {"purchase": "res_purchase", "topup": "res_topped_up", "spend": "res_recorded"}[action]

        def apply(card: str) -> None:
            if action == "purchase":
                self.run_action(lambda: svc.purchase(card, cents, actor=actor), key)
            elif action == "topup":
                self.run_action(lambda: svc.topup(card, cents, actor=actor), key)
            else:
                spend = Action(ActionKind.SPEND_CREDIT, card=card, amount_cents=cents, actor=actor)
                self.run_action(lambda: svc.act(card, spend), key)

        self.with_card(apply)

    def open_undo(self) -> None:
        screen = self.screen("undo")
        screen.entries = [
            {
                "id": e.event_id,
                "text": f"{e.wall[11:16]}  {self.tr('kind_' + e.kind)}: {self._changes(e.postings)}"
                f"  (…{e.card[-4:]}"
                + (f", {e.actor})" if e.actor else ")"),
            }
            for e in self.core.recent_entries()[:6]
        ]
        screen.selected = ""
        screen.selected_text = ""
        screen.message = "" if screen.entries else self.tr("undo_none")
        self.show("undo")

    def _changes(self, postings: tuple[tuple[str, int], ...]) -> str:
        """Balance changes for people: "+1 stamps, +12 points", credit as money."""
        from kiosk.domain.money import format_amount

        parts = []
        for account, delta in postings:
            if account == "credit":
                parts.append(("+" if delta > 0 else "") + format_amount(delta, self.settings.currency))
            elif account in ("stamps", "points"):
                parts.append(f"{delta:+d} {self.tr('what_' + account)}")
        return ", ".join(parts) or "-"

    def undo_select(self, event_id: str, text: str) -> None:
        screen = self.screen("undo")
        screen.selected, screen.selected_text = event_id, text

    def undo_with(self, reason_key: str) -> None:
        screen = self.screen("undo")
        if not screen.selected:
            screen.message = self.tr("undo_pick")
            return
        event_id, actor = screen.selected, self.staff_name
        reason = i18n.tr("en", reason_key)
        core = self.core

        def undo() -> Any:
            outcome = core.service.undo(event_id, reason, actor=actor)
            core.recent = type(core.recent)((e for e in core.recent if e.event_id != event_id), maxlen=30)
            return outcome

        self.run_action(undo, "res_undone")

    def open_settings(self) -> None:
        screen = self.screen("settings")
        screen.language = self.settings.language
        screen.timeout = int(self.settings.idle_timeout_seconds)
        screen.message = ""
        self.show("settings")

    def save_settings(self, language: str, timeout: int) -> None:
        staff, actor = self.core.staff, self.staff_name
        values = {"language": language, "idle_timeout_seconds": int(timeout)}

        def done(saved: dict[str, Any]) -> None:
            self.apply_settings(saved)
            self.screen("settings").message = self.tr("settings_saved")

        self.core.submit(lambda: staff.save_settings(values, actor=actor), done, self._fail)

    def apply_settings(self, values: dict[str, Any]) -> None:
        """Settings a manager saved on the kiosk win over the config file's defaults."""
        if values.get("language") in i18n.LANGS:
            self.settings.language = values["language"]
        if values.get("idle_timeout_seconds"):
            self.settings.idle_timeout_seconds = float(values["idle_timeout_seconds"])
        if self.current in ("", "idle"):
            self.set_lang(self.settings.language)

    def open_status(self, status: Any) -> None:
        t = self.tr

        def dev(v: bool | None, name: str) -> str:
            if v is None:
                return t("not_configured")
            return (t("ok_connected") if v else t("bad_unplugged")) + (f" ({name})" if name else "")

        rows = [
            (t("status_reader"), dev(status.reader, status.reader_name)),
            (t("status_scanner"), dev(status.scanner, status.scanner_name)),
            (t("status_storage"), t("ok_storage") if status.store_ok else t("bad_storage")),
            (t("status_clock"), t("ok_clock") if status.clock_ok else t("bad_clock")),
            (t("status_sync"), status.last_sync or t("not_configured")),
            (t("status_waiting"), "-" if status.waiting is None else str(status.waiting)),
            (t("status_members"), str(status.members)),
        ]
        self.screen("status").rows = [f"{a}: {b}" for a, b in rows]
        self.show("status")
