"""Staff sessions by touch: one PIN, one customer, never an earlier card (issue 11, the
security defect). A real Kivy window on Xvfb over a real store; the core runs inline."""

from __future__ import annotations

from kiosk.app.demo import DEMO_CARDS
from kiosk.domain.events import EventKind
from kiosk.services.counter import mask_card
from kiosk.ui.session import StaffSession
from tests.ui.touch import TouchTest

A, B, C = DEMO_CARDS


def test_mask_card_shows_only_the_last_four() -> None:
    assert mask_card("04a1b2c3d4e5f6") == "••••E5F6"
    session = StaffSession("Sami", "staff")
    assert session.bind(A) and session.card == A
    assert not session.bind(B) and session.card == A  # a bound session keeps its card


class StaffSessions(TouchTest):
    def open_session(self, pin: str = "3941", screen: str | None = None) -> None:
        self.touch(self.button(screen or self.app.current, "Staff"))
        assert self.app.current == "pin"
        self.type_pin(pin)
        assert self.app.current == "staff"

    def purchase(self, euros: str) -> None:
        self.touch(self.button("staff", "Purchase"))
        pad = self.app.screen("amount").ids.pad
        for key in euros:
            self.touch(next(w for w in pad.children if getattr(w, "text", None) == key))
        self.touch(self.app.screen("amount").ids.ok)

    def events(self, card: str, kind: EventKind) -> list[object]:
        service = self.core.service
        member = service.member_for_card(card)
        return [e for e in service.ledger.events(member.member_id) if e.kind is kind]

    def test_back_ends_the_session_and_staff_needs_the_pin_again(self) -> None:
        app = self.start()
        self.open_session(screen="idle")
        self.touch(self.button("staff", "Done"))
        assert app.current == "idle" and app.staff.session is None
        self.touch(self.button("idle", "Staff"))
        assert app.current == "pin"  # not the owner menu

    def test_done_on_a_staff_result_ends_the_session(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(A)
        self.open_session()
        self.purchase("10")
        assert app.current == "charge" and app.staff.session is not None
        self.touch(self.button("charge", "Done"))
        assert app.staff.session is None
        self.clock.advance(hours=1)
        self.tap(B)
        self.touch(self.button("result", "Staff"))
        assert app.current == "pin"

    def test_a_customer_tap_ends_the_session(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(A)
        self.open_session()
        assert app.staff.session.card == A
        self.tap(B)  # another customer at the reader: their visit, and no staff session
        assert app.staff.session is None and app.current == "result" and app.screen("result").card == B
        assert app.staff_name == "" and app.staff_card == ""
        self.touch(self.button("result", "Staff"))
        assert app.current == "pin"

    def test_the_idle_timeout_ends_the_session(self) -> None:
        app = self.start()
        self.open_session(screen="idle")
        app.last_activity -= app.settings.staff_timeout_seconds + 1
        app._tick(1.0)
        assert app.current == "idle" and app.staff.session is None
        self.touch(self.button("idle", "Staff"))
        assert app.current == "pin"

    def test_staff_from_a_refused_customers_screen_act_on_that_customer(self) -> None:
        """A taps, B taps and is refused (cooldown): staff opened from B's screen act on B."""
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(B)
        self.clock.advance(seconds=5)
        self.tap(A)
        self.tap(B)  # B again within the cooldown: refused
        assert app.screen("result").card == B and app.screen("result").headline == "Already stamped"
        a_before = len(self.events(A, EventKind.PURCHASE_RECORDED))
        self.open_session()
        assert app.staff.session.card == B
        assert "Card ••••B6C7" in self.texts("staff")
        self.purchase("10")
        assert app.current == "charge", app.screen("result").body
        assert app.screen("charge").headline == "Purchase recorded"
        assert len(self.events(B, EventKind.PURCHASE_RECORDED)) == 1
        assert len(self.events(A, EventKind.PURCHASE_RECORDED)) == a_before  # never the earlier card

    def test_the_menu_shows_whose_card_and_what_they_have(self) -> None:
        self.start()
        self.clock.advance(hours=1)
        self.tap(C)  # the tenth stamp: a reward is ready
        self.open_session()
        text = self.texts("staff")
        assert "Card ••••0123" in text and "Counter: Sami" in text
        assert "READY: full stamp card" in text and "Stamp card: 10/10" in text
        assert C not in text  # never the whole card id

    def test_a_session_from_idle_takes_the_next_card_and_records_no_visit(self) -> None:
        app = self.start()
        self.open_session(screen="idle")
        assert "Ask the customer to tap the card" in self.texts("staff")
        stamps = self.core.service.member_for_card(A).balance("stamps")
        self.clock.advance(hours=1)
        self.tap(A)
        assert app.current == "staff" and app.staff.session.card == A
        assert "Card ••••E5F6" in self.texts("staff")
        assert self.core.service.member_for_card(A).balance("stamps") == stamps
        self.tap(B)  # a second card is another customer: the session ends
        assert app.staff.session is None

    def test_claim_inside_a_session_asks_no_pin_again(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(C)
        self.open_session()
        self.purchase("5")
        assert app.current == "charge" and app.screen("charge").reward_ready
        self.touch(self.button("charge", "Claim the reward"))
        assert app.current == "result" and app.screen("result").headline == "Reward claimed – enjoy!"
        redeemed = self.events(C, EventKind.REWARD_REDEEMED)
        assert redeemed and redeemed[-1].actor == "Sami"  # type: ignore[attr-defined]

    def test_a_customer_screen_never_reaches_staff_functions_without_the_pin(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(A)
        app.staff.action("top_up")  # what a stray call from a customer screen could do
        assert app.current == "idle" and app.staff.session is None
        assert self.core.service.member_for_card(A).balance("credit") == 0

    def test_the_owner_adds_changes_and_removes_staff_on_the_running_kiosk(self) -> None:
        app = self.start()
        self.open_session("3941", screen="idle")  # staff: the list needs a manager
        self.touch(self.button("staff", "Staff list"))
        assert app.current == "pin"
        self.type_pin("5827")
        assert app.current == "team" and app.staff_name == "Owner"
        team = app.screen("team")
        assert "Sami – staff" in self.texts("team")
        keys = {w.text: w for w in team.ids.keyboard.children}
        for key in "liisa":
            self.touch(keys[key])
        self.touch(self.button("team", "New PIN: "))
        for key in "1234":  # easily guessed: refused, nobody added
            self.touch(keys[key])
        self.touch(self.button("team", "Save"))
        assert team.message.startswith("Not saved:"), team.message
        assert "liisa" not in [m.name for m in self.core.staff.members()]
        for _ in range(4):
            self.touch(keys["<-"])
        for key in "4826":
            self.touch(keys[key])
        self.touch(self.button("team", "manager"))
        self.touch(self.button("team", "Save"))
        assert team.message == "liisa saved", team.message
        assert ("liisa", "manager") in [(m.name, m.role) for m in self.core.staff.members()]
        assert self.core.staff.verify("4826", need="manager").name == "liisa"
        remove = next(w for w in team.ids.rows.children if w.name == "Sami")
        self.touch(next(w for w in remove.walk() if getattr(w, "text", "") == "Remove"))
        assert "Sami" not in [m.name for m in self.core.staff.members()]
        assert team.message == "Sami removed"
