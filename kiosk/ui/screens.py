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

from kiosk.ui.viewmodel import ChargeView, ResultView
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


#: the on-screen keyboard: QWERTY rows of 10 keys in landscape; in portrait (88 mm wide)
#: rows of 8, alphabetical, so that every key stays wider than 9 mm
KEYBOARDS = {
    False: (
        "1 2 3 4 5 6 7 8 9 0",
        "q w e r t y u i o p",
        "a s d f g h j k l @",
        "z x c v b n m . - _",
        "+ ä ö å .com .fi .se # shift back",
    ),
    True: (
        "1 2 3 4 5 6 7 8",
        "9 0 @ . - _ + #",
        "a b c d e f g h",
        "i j k l m n o p",
        "q r s t u v w x",
        "y z å ä ö .com .fi back",
    ),
}


class KeyboardScreen(KioskScreen):
    """A screen with the on-screen keyboard (``ids.keyboard``) typing into ``value``."""

    value = StringProperty("")
    message = StringProperty("")
    shift = BooleanProperty(False)
    columns = NumericProperty(10)
    key_rows = NumericProperty(5)
    max_length = 60

    def build_keys(self, portrait: bool) -> None:
        from kivy.factory import Factory

        grid = self.ids.keyboard
        grid.clear_widgets()
        rows = KEYBOARDS[portrait]
        self.columns = len(rows[0].split())
        self.key_rows = len(rows)
        for row in rows:
            for key in row.split():
                button = Factory.KbKey()
                button.text = {"back": "<-", "shift": "ABC"}.get(key, key)
                button.bind(on_release=lambda _b, k=key: self.key(k))
                grid.add_widget(button)

    def key(self, k: str) -> None:
        if k == "back":
            self.value = self.value[:-1]
        elif k == "shift":
            self.shift = not self.shift
            for button in self.ids.keyboard.children:
                if len(button.text) == 1 and button.text.isalpha():
                    button.text = button.text.upper() if self.shift else button.text.lower()
        elif len(self.value) < self.max_length:
            self.value += k.upper() if self.shift else k
        self.message = ""


class ContactScreen(KeyboardScreen):
    pass


class CodeScreen(KeyboardScreen):
    """A coupon code: typed here, or scanned while this screen is open."""

    staff_only = True
    title = StringProperty("")
    max_length = 64


class FoundScreen(KioskScreen):
    """A member found by phone number: who and what they hold; nothing recorded yet."""

    card = StringProperty("")
    title = StringProperty("")
    body = StringProperty("")


class ChargeScreen(KioskScreen):
    """The amount to charge at the till, large, with the breakdown."""

    staff_only = True
    headline = StringProperty("")
    title = StringProperty("")
    amount = StringProperty("")
    breakdown = StringProperty("")
    body = StringProperty("")
    card = StringProperty("")
    reward_ready = BooleanProperty(False)

    def show(self, view: ChargeView) -> None:
        self.headline, self.title, self.amount = view.headline, view.title, view.amount
        self.breakdown = "\n".join(view.breakdown)
        self.body = "\n".join(view.lines)
        self.card = view.card
        self.reward_ready = view.reward_ready


class ChooserScreen(KioskScreen):
    """One big button per choice (rewards, passes, subscriptions, bonuses, categories)."""

    staff_only = True
    title = StringProperty("")
    #: where Cancel goes: the menu, or the amount keypad for a purchase's category
    back_to = StringProperty("staff")

    def set_choices(self, choices: list[tuple[str, Any]]) -> None:
        from kivy.factory import Factory

        box = self.ids.choices
        box.clear_widgets()
        for text, then in choices:
            button = Factory.BigButton()
            button.text = text
            button.bind(on_release=lambda _b, then=then: then())
            box.add_widget(button)


class TeamScreen(KeyboardScreen):
    """The staff list: add or change (name, role, PIN) and remove; for a manager."""

    staff_only = True
    members = ListProperty([])
    role = StringProperty("staff")
    pin = StringProperty("")
    #: which field the keyboard types into: "name" or "pin"
    field = StringProperty("name")
    max_length = 30

    def on_members(self, _instance: Any, members: list[dict[str, str]]) -> None:
        from kivy.factory import Factory

        rows = self.ids.rows
        rows.clear_widgets()
        for member in members:
            row = Factory.TeamRow()
            row.text, row.name = member["text"], member["name"]
            rows.add_widget(row)

    def reset_form(self) -> None:
        self.value = self.pin = ""
        self.role = "staff"
        self.field = "name"

    def key(self, k: str) -> None:
        if self.field == "pin":
            if k == "back":
                self.pin = self.pin[:-1]
            elif k.isdigit() and len(self.pin) < 8:
                self.pin += k
            self.message = ""
            return
        super().key(k)


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

    def build_menu(self, tasks: list[str], label: Any, run: Any, admin: tuple[str, ...]) -> None:
        """One button per task the running program offers; the manager's tasks in grey."""
        from kivy.factory import Factory

        menu = self.ids.menu
        menu.clear_widgets()
        for task in tasks:
            button = Factory.AdminButton() if task in admin else Factory.StaffButton()
            button.text = label(task)
            button.bind(on_release=lambda _b, task=task: run(task))
            menu.add_widget(button)


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
    ok_text = StringProperty("")
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


class SettingsScreen(KioskScreen):
    staff_only = True
    language = StringProperty("fi")
    timeout = NumericProperty(20)
    message = StringProperty("")


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
    "charge": ChargeScreen,
    "chooser": ChooserScreen,
    "code": CodeScreen,
    "found": FoundScreen,
    "team": TeamScreen,
    "undo": UndoScreen,
    "status": StatusScreen,
    "settings": SettingsScreen,
}
