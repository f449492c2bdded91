"""The kiosk's Kivy app: the window, navigation, timeouts, banners and what the core tells.

It sees the core only through its port (``kiosk.ui.port.CorePort``): it submits commands
to the core's dispatcher thread and receives outcomes on Kivy's clock through the ``on_*``
listener methods. What happens on the screens lives in the flows: ``customer``
(card at home, joining), ``staff_flows`` (the PIN, the session, the counter's tasks) and
``staff_admin`` (undo, settings, staff, status). No store, no device: those are wired in
``kiosk.app.wiring``. The core alone plays sounds and lights.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.errors import InvalidInput, KantaError, StoreError, UnknownCard
from kiosk.services.loyalty import Outcome
from kiosk.ui import i18n
from kiosk.ui.customer import CustomerFlows
from kiosk.ui.look import Look, load_kv
from kiosk.ui.mydata import MYDATA_SCREENS, MyDataFlows
from kiosk.ui.port import CorePort, DeviceStatus
from kiosk.ui.screens import SCREENS, KioskScreen, ResultScreen
from kiosk.ui.shell import UiSettings, parse_colour
from kiosk.ui.staff_admin import StaffAdmin
from kiosk.ui.staff_flows import StaffFlows
from kiosk.ui.viewmodel import (
    ProgramInfo,
    ResultView,
    error_view,
    refusal_view,
    simple_refusal,
    tap_view,
)

__all__ = ["KioskApp", "UiSettings"]

log = logging.getLogger(__name__)

KV_FILES = ("widgets", "root", *SCREENS, "mydata", "storefailure")
#: screens where a customer reads or types, and the least time they get without a touch
INPUT_SCREENS = ("join", "contact", "lookup", "pin", *MYDATA_SCREENS)
INPUT_TIMEOUT_SECONDS = 60.0
#: the customers' screens, which show the shop's top bar with the one Staff button
BAR_SCREENS = ("idle", "result", "found", "lookup", "join")
#: screens with the on-screen keyboard
KEYBOARD_SCREENS = ("contact", "code", "team")
#: the staff menu's tasks drawn in grey (they are about the kiosk, not the customer)
ADMIN_TASKS = ("undo", "settings", "team", "status")


class Root(BoxLayout):  # type: ignore[misc]
    pass


class KioskApp(Look, App):  # type: ignore[misc]
    shop_name = StringProperty("")
    #: the shop's logo (a PNG path, "" for none); its colour is Look.accent_rgba
    logo = StringProperty("")
    #: the top bar with the shop and the one Staff button: on the customers' screens
    customer_bar = BooleanProperty(True)
    banner_text = StringProperty("")
    demo_text = StringProperty("")
    staff_name = StringProperty("")
    staff_role = StringProperty("")
    #: the session's card, masked ("••••E5F6"), and its member's balances and rewards
    staff_card = StringProperty("")
    staff_member = StringProperty("")
    #: accounts of the session card's member below zero (two kiosks redeemed offline)
    staff_overdrawn = StringProperty("")

    def __init__(self, core: CorePort, settings: UiSettings, program: ProgramInfo, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.core = core
        self.settings = settings
        self.program = program
        self.lang = settings.language
        self.shop_name = settings.shop_name
        self.logo = settings.logo
        if settings.accent:
            self.accent_rgba = list(parse_colour(settings.accent))
        self.title = f"Kanta – {settings.shop_name}"
        self.status: DeviceStatus | None = None
        self.store_failed = False
        self.last_activity = time.monotonic()
        self.customer = CustomerFlows(self)
        self.mydata = MyDataFlows(self)
        self.staff = StaffFlows(self)
        self.admin = StaffAdmin(self, lambda: self.staff.actor)
        self.staff.open_admin = self.admin.open
        self.staff.open_join = self.customer.open_join
        self._last_maintenance = time.monotonic()
        self.ready_at: float | None = None
        self.started_at = time.perf_counter()
        #: benchmark hook: called when a result is put on screen (the next flip shows it)
        self.on_result_drawn: Callable[[], None] | None = None
        self.sm: ScreenManager | None = None

    def _apply_layout(self, *_: Any) -> None:
        self.apply_sizes(self.settings.layout)

    # ---- building ------------------------------------------------------------------------

    def build(self) -> Root:
        self._apply_layout()
        load_kv(*KV_FILES)
        root = Root()
        sm = ScreenManager(transition=NoTransition())
        for name, cls in {**SCREENS, **MYDATA_SCREENS}.items():
            sm.add_widget(cls(name=name))
        root.ids.holder.add_widget(sm)
        self.sm = sm
        for keyboard in KEYBOARD_SCREENS:
            self.screen(keyboard).build_keys(self.portrait)
        self.bind(portrait=self._build_keys, lang=self._build_menu)
        self._build_menu()
        self._update_idle_text()
        self.demo_text = i18n.tr(self.lang, "demo_help") if self.settings.demo_help else ""
        Window.bind(on_touch_down=self._touched, on_key_down=self._key)
        Window.bind(on_resize=lambda *_: self._apply_layout())
        self.core.listener = self
        self.core.submit(self.core.staff.settings, self.apply_settings)
        Clock.schedule_interval(self._tick, 1.0)
        return root

    def _build_keys(self, _app: Any, portrait: bool) -> None:
        for keyboard in KEYBOARD_SCREENS:
            self.screen(keyboard).build_keys(portrait)

    def _build_menu(self, *_: Any) -> None:
        self.screen("staff").build_menu(
            self.staff.menu_tasks(), lambda task: self.tr("st_" + task), self.staff.action, ADMIN_TASKS
        )

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

    def screen(self, name: str) -> Any:
        assert self.sm is not None
        return self.sm.get_screen(name)

    @property
    def current(self) -> str:
        return self.sm.current if self.sm is not None else ""

    def show(self, name: str) -> None:
        assert self.sm is not None
        self.last_activity = time.monotonic()
        self.customer_bar = name in BAR_SCREENS
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
        self.staff.end()
        self.lang = self.settings.language
        self.set_lang(self.lang)
        self.show("idle")

    def show_result(self, view: ResultView) -> None:
        screen: ResultScreen = self.screen("result")
        screen.show(view)
        self.show("result")
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
            self.go_idle()
            return True
        return False

    def _tick(self, _dt: float) -> None:
        now = time.monotonic()
        current = self.current
        if current != "idle":
            screen: KioskScreen = self.screen(current)
            if screen.staff_only or (self.staff.session is not None and current in INPUT_SCREENS):
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
        if self.staff.session is not None and now - self.last_activity > self.settings.staff_timeout_seconds:
            self.go_idle()
        if self.settings.on_main_loop_tick and not self.store_failed:
            try:
                self.settings.on_main_loop_tick()
            except Exception:
                log.exception("main loop tick hook failed")

    # ---- listener: called by the core, on Kivy's clock -------------------------------------

    def on_outcome(self, outcome: Outcome, via: str) -> None:
        self.staff.end()  # a customer's tap (or a visit found by phone) ends any staff session
        self.store_failed = False
        self._update_banner()
        if outcome.refusal is not None and outcome.refusal.code == "join_required":
            self.show_result(refusal_view(self.lang, outcome.refusal, outcome.card, offer_join=True))
            return
        self.show_result(tap_view(self.lang, outcome, self.program, self.core.clock()))

    def on_refusal(self, code: str, card: str, message: str) -> None:
        self.staff.end()
        view = simple_refusal(self.lang, code, message)
        self.show_result(replace(view, card=card))

    def on_failure(self, kind: str) -> None:
        self.staff.end()
        if kind == "store":
            self.store_failed = True
            self._update_banner()
        self.show_result(error_view(self.lang, kind == "store"))

    def on_status(self, status: DeviceStatus) -> None:
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

    # ---- failures of commands ----------------------------------------------------------------

    def fail(self, exc: BaseException) -> None:
        """A command failed on the dispatcher: say what is wrong, never a traceback."""
        if isinstance(exc, StoreError):
            self.on_failure("store")
        elif isinstance(exc, UnknownCard):
            self.show_result(simple_refusal(self.lang, "unknown_card"))
        elif isinstance(exc, InvalidInput):
            self.show_result(simple_refusal(self.lang, "bad_input", str(exc)))
        elif isinstance(exc, KantaError):  # says what is wrong (in English, for staff)
            self.show_result(simple_refusal(self.lang, "other", str(exc)))
        else:  # a bug: never show its text; the log has it
            self.on_failure("generic")

    # ---- settings kept in the store ------------------------------------------------------------

    def apply_settings(self, values: dict[str, Any]) -> None:
        """Settings a manager saved on the kiosk win over the config file's defaults."""
        if values.get("language") in i18n.LANGS:
            self.settings.language = values["language"]
        if values.get("idle_timeout_seconds"):
            self.settings.idle_timeout_seconds = float(values["idle_timeout_seconds"])
        if self.current in ("", "idle"):
            self.set_lang(self.settings.language)
