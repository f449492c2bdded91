"""Screen classes: thin. The layout is in ``kv/<screen>.kv``; the logic in the app."""

from __future__ import annotations

from typing import Any

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.screenmanager import Screen

from kiosk.ui.viewmodel import ResultView
from kiosk.ui.widgets import TONE_RGBA


class KioskScreen(Screen):  # type: ignore[misc]
    #: customer screens go back to idle after ui.idle_timeout_seconds, staff ones later
    staff_only = False


class IdleScreen(KioskScreen):
    program_text = StringProperty("")


class ResultScreen(KioskScreen):
    tone = StringProperty("ok")
    band_rgba = ListProperty([0, 0, 0, 1])
    headline = StringProperty("")
    body = StringProperty("")
    card = StringProperty("")
    stamps_have = NumericProperty(0)
    stamps_target = NumericProperty(0)
    reward_ready = BooleanProperty(False)
    offer_join = BooleanProperty(False)
    view = ObjectProperty(None, allownone=True)

    def show(self, view: ResultView) -> None:
        self.view = view
        self.tone = view.tone
        self.band_rgba = list(TONE_RGBA.get(view.tone, TONE_RGBA["ok"]))
        self.headline = view.headline
        self.body = "\n".join(view.lines)
        self.card = view.card
        self.stamps_target = 0 if view.refused else view.stamps_target
        self.stamps_have = view.stamps_have
        self.reward_ready = view.reward_ready and not view.refused
        self.offer_join = view.offer_join


class JoinScreen(KioskScreen):
    card = StringProperty("")
    actor = StringProperty("")
    consent = BooleanProperty(False)
    marketing = BooleanProperty(False)
    message = StringProperty("")

    def reset(self, card: str, actor: str = "") -> None:
        self.card, self.actor = card, actor
        self.consent = self.marketing = False
        self.message = ""


class ContactScreen(KioskScreen):
    value = StringProperty("")
    message = StringProperty("")
    shift = BooleanProperty(False)

    def key(self, k: str) -> None:
        if k == "back":
            self.value = self.value[:-1]
        elif k == "shift":
            self.shift = not self.shift
        elif len(self.value) < 60:
            self.value += k.upper() if self.shift else k
        self.message = ""


class LookupScreen(KioskScreen):
    message = StringProperty("")


class PinScreen(KioskScreen):
    title = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    #: what to do with a verified staff member: set by the app
    on_verified: Any = None
    need = StringProperty("staff")


class StaffScreen(KioskScreen):
    staff_only = True


class AmountScreen(KioskScreen):
    staff_only = True
    title = StringProperty("")
    message = StringProperty("")
    action = StringProperty("purchase")


class WaitCardScreen(KioskScreen):
    staff_only = True
    title = StringProperty("")


class ConfirmScreen(KioskScreen):
    staff_only = True
    title = StringProperty("")
    detail = StringProperty("")
    on_confirm: Any = None


class UndoScreen(KioskScreen):
    staff_only = True
    entries = ListProperty([])
    selected = StringProperty("")
    selected_text = StringProperty("")
    message = StringProperty("")


class StatusScreen(KioskScreen):
    staff_only = True
    rows = ListProperty([])


SCREENS: dict[str, type[KioskScreen]] = {
    "idle": IdleScreen,
    "result": ResultScreen,
    "join": JoinScreen,
    "contact": ContactScreen,
    "lookup": LookupScreen,
    "pin": PinScreen,
    "staff": StaffScreen,
    "amount": AmountScreen,
    "waitcard": WaitCardScreen,
    "confirm": ConfirmScreen,
    "undo": UndoScreen,
    "status": StatusScreen,
}
