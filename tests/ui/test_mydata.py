"""A customer's data at the touchscreen, by touch in a real Kivy window on Xvfb: the join
screen shows and records the shop's consent wording ([consent]), and "My data" shows what
is held, withdraws the offers consent and erases (a staff PIN confirms; a wrong one
changes nothing)."""

from __future__ import annotations

from kiosk.config import ConsentConfig
from kiosk.domain.events import EventKind
from kiosk.domain.member import ERASED
from tests.ui.touch import TouchTest

SHOP_CONSENT = ConsentConfig(
    terms_version="kahvila-terms-2026-12",
    terms_en="I accept Kahvila Kanta's club rules.",
    terms_fi="Hyväksyn Kahvila Kannan kerhon säännöt.",
    marketing_version="kahvila-offers-3",
    marketing_en="Kahvila Kanta may send me offers.",
)
CARD = "04AA00000000C1"
PHONE = "+358 40 765 4321"
EMAIL = "eeva.esimerkki@example.fi"


class MyDataFlows(TouchTest):
    def test_joining_shows_and_records_the_shops_consent_wording(self) -> None:
        app = self.start(consent=SHOP_CONSENT)
        self.tap(CARD)
        self.touch(self.button("result", "Join the club"))
        join = app.screen("join")
        assert join.ids.consent.text == "I accept Kahvila Kanta's club rules. (required)"
        assert join.ids.marketing.text == "Kahvila Kanta may send me offers. (optional)"
        self.touch(join.ids.consent.children[-1])  # the tick boxes
        self.touch(join.ids.marketing.children[-1])
        self.touch(self.button("join", "Next"))
        self.touch(self.button("contact", "Skip"))
        assert app.current == "result" and app.screen("result").headline == "Welcome to the club!"
        state = self.core.service.member_for_card(CARD)
        assert state.consents["program"].wording == "kahvila-terms-2026-12"
        assert state.consents["marketing"].wording == "kahvila-offers-3"
        given = {
            e.data["scope"]: e.data.get("text")
            for e in self.core.service.ledger.events(state.member_id)
            if e.kind is EventKind.CONSENT_GIVEN
        }
        assert given == {
            "program": "I accept Kahvila Kanta's club rules.",
            "marketing": "Kahvila Kanta may send me offers.",
        }

    def test_join_screen_words_the_consent_in_the_screens_language(self) -> None:
        app = self.start(lang="fi", consent=SHOP_CONSENT)
        app.customer.open_join(CARD)
        self.advance_frames(1)
        assert app.screen("join").ids.consent.text == "Hyväksyn Kahvila Kannan kerhon säännöt. (pakollinen)"

    def _joined_member(self) -> str:
        self.core.privacy.join(CARD, consents={"terms", "marketing"}, phone=PHONE, email=EMAIL)
        return self.core.service.member_for_card(CARD).member_id

    def _type_pin(self, pin: str) -> None:
        screen = self.app.screen("mydata_pin")
        for digit in pin:
            self.touch(next(w for w in screen.ids.pad.children if getattr(w, "text", None) == digit))
        self.touch(screen.ids.ok)

    def test_my_data_view_withdraw_and_erase_with_a_staff_pin(self) -> None:
        app = self.start(consent=SHOP_CONSENT)
        member = self._joined_member()
        self.clock.advance(hours=1)
        self.tap(CARD)  # a visit: something to hold besides the join
        app.go_idle()
        self.touch(app.screen("idle").ids.mydata)
        assert app.current == "mydata" and "Tap your card" in self.texts("mydata")
        self.tap(CARD)
        screen = app.screen("mydata")
        assert screen.step == "shown"
        body = screen.body
        assert "Card ••••00C1" in body and "Phone: **************21" in body
        assert "Email: e***@example.fi" in body
        assert PHONE not in body and EMAIL not in body  # the screen faces the shop
        assert "Program terms: agreed" in body and "kahvila-terms-2026-12" in body
        assert "Offers: agreed" in body and "withdrawn" not in body
        assert "Balances: 1 stamp, 1 visit" in body
        assert self.core.service.member_for_card(CARD).balance("stamps") == 1  # looking records nothing

        self.touch(screen.ids.withdraw)
        assert self.core.service.member_for_card(CARD).consents["marketing"].withdrawn_at is not None
        assert "Offers: agreed" in screen.body and "withdrawn" in screen.body
        assert screen.message == "Consent to offers withdrawn." and screen.ids.withdraw.disabled

        self.touch(screen.ids.erase)
        assert app.current == "mydata_pin"
        self._type_pin("9999")
        assert app.current == "mydata_pin" and "Wrong PIN" in app.screen("mydata_pin").message
        state = self.core.service.member_for_card(CARD)  # a wrong PIN changed nothing
        assert state.status != ERASED and state.balance("stamps") == 1
        assert self.core.service.ledger.profile(member) == {"phone": PHONE, "email": EMAIL}

        self._type_pin("3941")  # Sami, staff
        assert app.current == "mydata" and screen.step == "gone"
        assert screen.body == "Your data has been erased. The card no longer identifies you."
        assert not self.core.service.ledger.profile(member)
        asked = [r["request"] for r in self.core.privacy.requests.entries()]
        assert asked == ["join", "view-at-counter", "withdraw-marketing", "erase"]

        # afterwards the card shows nothing on "My data"
        app.go_idle()
        self.touch(app.screen("idle").ids.mydata)
        self.tap(CARD)
        assert screen.step == "gone" and screen.body == "Nothing is held about this card."
        assert "1 stamp" not in self.texts("mydata")
        app.go_idle()
        self.clock.advance(hours=1)
        self.tap(CARD)  # and a tap at the reader is refused, showing nothing of theirs
        result = app.screen("result")
        assert result.view.refused and "stamp" not in result.body

    def test_my_data_is_left_by_done_and_a_later_tap_is_a_visit(self) -> None:
        app = self.start()
        self.touch(app.screen("idle").ids.mydata)
        self.touch(app.screen("mydata").ids.done)  # Cancel: nobody tapped
        assert app.current == "idle" and self.core.card_request is None
        self.clock.advance(hours=1)
        self.tap(CARD)
        assert app.current == "result" and app.screen("result").headline == "+1 stamp"
