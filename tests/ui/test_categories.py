"""Purchase categories at the counter, by touch: with a program that has `[[category]]`
(config/programs/categories.toml, a stamp card counting coffee only) staff touch what was
bought after the amount; a coffee stamps the card, a pastry does not; the names are the
program file's, in the screen's language. A real Kivy window on Xvfb over a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.domain.events import EventKind
from kiosk.domain.program import load_program
from tests.ui.touch import TouchTest

PROGRAM = Path(__file__).resolve().parents[2] / "config" / "programs" / "categories.toml"
CARD = "04C0FFEE000001"


class PurchaseCategories(TouchTest):
    def open_session(self, lang: str = "en") -> Any:
        app = self.start(lang, seed_demo=False, rules=load_program(PROGRAM))
        self.tap(CARD)  # a new member: the tap itself stamps nothing (stamps come with coffee)
        self.touch(self.button("result", {"en": "Staff", "fi": "Henkilökunta"}[lang]))
        self.type_pin("3941")
        assert app.current == "staff" and app.staff.session.card == CARD
        return app

    def cups(self) -> int:
        state = self.core.service.member_for_card(CARD)
        return int(state.balance("stamps:cup"))

    def purchases(self) -> list[Any]:
        state = self.core.service.member_for_card(CARD)
        ledger = self.core.service.ledger
        return [e for e in ledger.events(state.member_id) if e.kind is EventKind.PURCHASE_RECORDED]

    def amount(self, digits: str) -> None:
        self.touch(self.button("staff", self.app.tr("st_purchase")))
        pad = self.app.screen("amount").ids.pad
        for key in digits:
            self.touch(next(w for w in pad.children if getattr(w, "text", None) == key))
        self.touch(self.app.screen("amount").ids.ok)

    def test_a_coffee_stamps_the_card_and_a_pastry_does_not(self) -> None:
        app = self.open_session()
        assert self.cups() == 0
        self.touches = 0
        self.amount("5")
        assert app.current == "chooser", app.current  # nothing recorded before the category
        assert self.purchases() == []
        chooser = app.screen("chooser")
        assert chooser.title == "What was bought? €5.00"
        shown = [w.text for w in reversed(chooser.ids.choices.children)]
        assert shown == ["Coffee", "Pastry", "Coffee beans"]
        self.touch(self.button("chooser", "Coffee"))
        assert self.touches <= 5  # the README's count: Purchase, the digit, OK, the category
        charge = app.screen("charge")
        assert app.current == "charge" and charge.headline == "Purchase recorded"
        assert charge.amount == "€5.00" and "Category: Coffee" in charge.breakdown
        assert self.cups() == 1
        assert "Coffee card: 1/8" in app.staff_member  # the header follows the card

        self.touch(self.button("charge", "Menu"))
        self.amount("5")
        self.touch(self.button("chooser", "Pastry"))
        assert app.current == "charge" and "Category: Pastry" in app.screen("charge").breakdown
        assert self.cups() == 1  # a pastry is not coffee: no stamp
        self.touch(self.button("charge", "Menu"))
        self.amount("12")
        self.touch(self.button("chooser", "Coffee beans"))
        assert self.cups() == 1  # nor are beans
        assert [e.data.get("category") for e in self.purchases()] == ["coffee", "pastry", "beans"]

    def test_cancel_on_the_category_goes_back_to_the_amount_and_records_nothing(self) -> None:
        app = self.open_session()
        self.amount("12")
        self.touch(self.button("chooser", "Cancel"))
        assert app.current == "amount" and app.screen("amount").ids.pad.value == "12"
        assert self.purchases() == [] and self.cups() == 0
        self.touch(app.screen("amount").ids.ok)
        self.touch(self.button("chooser", "Coffee beans"))
        assert [e.data.get("category") for e in self.purchases()] == ["beans"]
        assert self.cups() == 0

    def test_the_categories_are_named_in_the_screens_language(self) -> None:
        app = self.open_session("fi")
        self.amount("3")
        chooser = app.screen("chooser")
        assert chooser.title == "Mitä ostettiin? 3,00\u00a0€"
        shown = [w.text for w in reversed(chooser.ids.choices.children)]
        assert shown == ["Kahvi", "Leivonnainen", "Kahvipavut"]
        self.touch(self.button("chooser", "Kahvi"))
        assert "Tuoteryhmä: Kahvi" in app.screen("charge").breakdown and self.cups() == 1

    def test_a_program_without_categories_asks_for_none(self) -> None:
        app = self.start(seed_demo=False, rules=load_program(PROGRAM.with_name("stamp_card.toml")))
        self.tap(CARD)
        self.touch(self.button("result", "Staff"))
        self.type_pin("3941")
        self.amount("5")
        assert app.current == "charge" and "Category" not in app.screen("charge").breakdown
