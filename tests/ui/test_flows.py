"""The kiosk's flows by touch, in a real Kivy window on Xvfb (800x480 landscape).

Each test builds the app over a real store in a temp folder (demo members and staff),
with the dispatcher inline so every touch has its effect before the next line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hardware.events import (
    CardTapped,
    ReaderConnected,
    ReaderDisconnected,
    ScannerDisconnected,
)
from kiosk.app.demo import DEMO_CARDS, DEMO_PHONE
from kiosk.domain.events import EventKind
from kiosk.errors import StoreWriteError
from tests.ui.touch import TouchTest


class KioskFlows(TouchTest):
    # ---- customer --------------------------------------------------------------------------

    def test_tap_shows_the_result_at_once(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[0])
        result = app.screen("result")
        assert app.current == "result"
        assert result.headline == "+1 stamp"
        assert "4/10 stamps" in result.body and "Points: 12" in result.body
        assert result.stamps_have == 4 and result.stamps_target == 10
        assert self.core.feedback.played[-1] == "ok"
        # the same card again is the same visit: said neutrally, with the next stamp's time
        played = len(self.core.feedback.played)
        self.tap(DEMO_CARDS[0])
        assert result.headline == "Already stamped" and "Next stamp from " in result.body
        assert "4/10 stamps" in result.body and result.tone == "attention"
        assert self.core.feedback.played[played:] == ["attention"]  # one sound, not two
        # a phone's random UID cannot be a card
        self.core.sink(CardTapped("08A1B2C3", "sim reader", random_uid=True))
        assert "new ID on every tap" in result.body and result.headline == "Not recorded"
        assert self.core.feedback.played[-1] == "refused"
        self.touch(self.button("result", "Done"))
        assert app.current == "idle"

    def test_idle_timeout_and_language_switch(self) -> None:
        app = self.start(lang="fi")
        self.touch(self.button("idle", "Svenska"))
        assert app.lang == "sv"
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[1])
        assert app.screen("result").headline == "+1 stämpel"
        app.last_activity -= app.settings.idle_timeout_seconds + 1
        app._tick(1.0)
        assert app.current == "idle" and app.lang == "fi"  # back to the shop's language

    def test_new_card_joins_with_consent(self) -> None:
        app = self.start()
        self.tap("04AA0000000001")
        result = app.screen("result")
        assert result.offer_join and "New card: visit recorded" in result.body
        self.touch(self.button("result", "Join the club"))
        assert app.current == "join"
        self.touch(self.button("join", "Next"))
        assert app.current == "join" and "required" in app.screen("join").message  # consent first
        self.touch(app.screen("join").ids.consent.children[-1])  # the tick box
        self.touch(self.button("join", "Next"))
        assert app.current == "contact"
        contact = app.screen("contact")
        for key in "0401112223":
            self.touch(next(w for w in contact.ids.keyboard.children if getattr(w, "text", None) == key))
        assert contact.value == "0401112223"
        self.touch(contact.ids.ok)
        assert app.current == "result" and result.headline == "Welcome to the club!"
        state = self.core.service.member_for_card("04AA0000000001")
        assert state.status == "enrolled"
        assert set(state.consents) == {"program"}  # marketing was not ticked
        assert self.core.service.ledger.profile(state.member_id) == {"phone": "0401112223"}
        # and the phone now finds the member when the card is at home
        self.clock.advance(hours=1)
        app.go_idle()
        self.touch(self.button("idle", "Card at home?"))
        app.screen("lookup").ids.pad.value = "040 111 2223".replace(" ", "")
        self.touch(self.button("lookup", "Find"))
        assert app.current == "found"  # the member and their balance; nothing recorded yet
        self.touch(self.button("found", "Record my visit"))
        assert app.current == "result" and result.headline == "+1 stamp"

    def test_lookup_by_phone_and_unknown_phone(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        app.customer.open_lookup()
        app.screen("lookup").ids.pad.value = "0409999999"
        self.touch(self.button("lookup", "Find"))
        assert app.current == "lookup" and app.screen("lookup").message == "No member has that number."
        app.screen("lookup").ids.pad.value = DEMO_PHONE
        stamps = self.core.service.member_for_card(DEMO_CARDS[0]).balance("stamps")
        self.touch(self.button("lookup", "Find"))
        assert app.current == "found" and "••••E5F6" in app.screen("found").title
        assert "3/10" in app.screen("found").body
        assert self.core.service.member_for_card(DEMO_CARDS[0]).balance("stamps") == stamps
        self.touch(self.button("found", "Record my visit"))
        assert app.current == "result" and app.screen("result").card == DEMO_CARDS[0]
        assert self.core.service.member_for_card(DEMO_CARDS[0]).balance("stamps") == stamps + 1

    def test_join_required_asks_first(self) -> None:
        app = self.start(require_join=True, seed_demo=False)
        self.tap("04BB0000000002")
        assert app.screen("result").offer_join
        assert "join first" in app.screen("result").body
        assert self.core.service.ledger.member_count() == 0  # nothing recorded before joining
        self.touch(self.button("result", "Join the club"))
        self.touch(app.screen("join").ids.consent.children[-1])
        self.touch(self.button("join", "Next"))
        self.touch(self.button("contact", "Skip"))
        result = app.screen("result")
        assert result.headline == "Welcome to the club!" and result.stamps_have == 1  # the visit counts
        state = self.core.service.member_for_card("04BB0000000002")
        assert state.status == "enrolled" and state.balance("stamps") == 1

    # ---- staff -----------------------------------------------------------------------------

    def test_staff_redemption_with_pin(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[2])  # the 10th stamp
        result = app.screen("result")
        assert result.reward_ready and "REWARD READY" in result.body
        assert self.core.feedback.played[-1] == "reward_ready"
        self.touch(self.button("result", "Claim the reward"))
        assert app.current == "pin"
        self.type_pin("3941")  # Sami, staff
        assert app.current == "result" and result.headline == "Reward claimed – enjoy!"
        state = self.core.service.member_for_card(DEMO_CARDS[2])
        assert state.balance("stamps") == 0 and state.balance("rewards_redeemed") == 1
        redeemed = [e for e in self.core.service.ledger.events(state.member_id)
                    if e.kind is EventKind.REWARD_REDEEMED]
        assert redeemed[-1].actor == "Sami"  # who did it is recorded

    def test_staff_screen_flags_an_overdraft(self) -> None:
        """Two kiosks redeemed the same reward offline: staff see it when the card comes."""
        from kiosk.domain.events import EventDraft, Posting

        app = self.start()
        state = self.core.service.member_for_card(DEMO_CARDS[0])
        redeem_twice = EventDraft(EventKind.REWARD_REDEEMED, state.member_id, (Posting("stamps", -30),))
        self.core.service.recorder.record([redeem_twice], self.clock())
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[0])
        self.touch(self.button("idle" if app.current == "idle" else "result", "Staff"))
        self.type_pin("3941")
        assert app.current == "staff"
        texts = [w.text for w in app.screen("staff").walk() if isinstance(getattr(w, "text", None), str)]
        assert any("balance below zero (stamps)" in t for t in texts), texts
        self.tap(DEMO_CARDS[1])  # another card: the warning goes with the card it belongs to
        assert app.staff_overdrawn == ""

    def test_wrong_pin_lockout_survives_a_restart(self) -> None:
        app = self.start()
        self.touch(self.button("idle", "Staff"))
        for _ in range(4):
            self.type_pin("9999")
        assert "Tries left: 1" in app.screen("pin").message
        self.type_pin("9999")
        assert "Locked for 30 s" in app.screen("pin").message
        # restart: a new store object, a new core, a new app over the same folder
        self.core.service.ledger.close()
        self.clock.advance(seconds=5)
        app = self.start(clock=self.clock)
        self.touch(self.button("idle", "Staff"))
        assert "Locked for 25 s" in app.screen("pin").message
        self.type_pin("5827")  # even the right PIN waits
        assert app.current == "pin" and "Locked" in app.screen("pin").message
        self.clock.advance(seconds=30)
        self.type_pin("5827")
        assert app.current == "staff" and app.staff_name == "Owner"

    def test_purchase_amount_then_tap_and_undo(self) -> None:
        app = self.start()
        self.touch(self.button("idle", "Staff"))
        self.type_pin("3941")  # staff: may sell, may not undo
        self.touch(self.button("staff", "Purchase"))
        app.screen("amount").ids.pad.value = "12.50"
        self.touch(app.screen("amount").ids.ok)
        assert app.current == "waitcard"
        self.tap(DEMO_CARDS[1])  # the customer taps after the amount
        charge = app.screen("charge")
        assert app.current == "charge" and charge.headline == "Purchase recorded"
        assert charge.amount == "€12.50" and "(+12)" in charge.body
        app.show("staff")
        self.touch(self.button("staff", "Undo an entry"))
        assert app.current == "pin"  # a manager must confirm
        self.type_pin("5827")
        assert app.current == "undo"
        undo = app.screen("undo")
        first = undo.entries[0]
        assert "Purchase: +12 points" in first["text"] and "Sami" in first["text"]
        app.admin.undo_select(first["id"], first["text"])
        self.touch(self.button("undo", "Wrong amount"))
        assert app.screen("result").headline == "Entry undone"
        state = self.core.service.member_for_card(DEMO_CARDS[1])
        correction = [e for e in self.core.service.ledger.events(state.member_id)
                      if e.kind is EventKind.CORRECTION][-1]
        assert correction.actor == "Owner" and correction.data["reason"] == "Wrong amount"
        assert state.balance("points") == 0

    def test_tap_first_then_top_up(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[0])
        self.touch(self.button("result", "Staff"))
        self.type_pin("3941")
        assert app.staff.session.card == DEMO_CARDS[0] and app.staff_card == "••••E5F6"
        self.touch(self.button("staff", "Top up credit"))
        app.screen("amount").ids.pad.value = "20"
        self.touch(app.screen("amount").ids.ok)
        assert app.current == "confirm" and app.screen("confirm").title == "Did you receive €20.00?"
        self.touch(self.button("confirm", "Money received"))
        assert app.screen("result").headline == "Credit topped up"
        assert "Credit: €20.00 (+€20.00)" in app.screen("result").body

    def test_device_status_screen(self) -> None:
        app = self.start()
        self.touch(self.button("idle", "Staff"))
        self.type_pin("5827")
        self.touch(self.button("staff", "Device status"))
        rows = "\n".join(app.screen("status").rows)
        assert "Card reader: OK – connected" in rows and "Storage: OK" in rows
        assert "Members: 3" in rows

    # ---- failures --------------------------------------------------------------------------

    def test_reader_unplug_banner(self) -> None:
        app = self.start()
        assert app.banner_text == ""
        self.core.sink(ReaderDisconnected("sim reader", "unplugged"))
        self.advance_frames(1)
        assert app.banner_text == "Card reader unplugged – plug it back in"
        assert self.core.feedback.played[-1] == "attention"
        self.core.sink(ReaderConnected("sim reader"))
        assert app.banner_text == ""

    def test_storage_failure_says_nothing_was_recorded(self) -> None:
        app = self.start()

        def broken(card: str, now: Any = None) -> Any:
            raise StoreWriteError("disk full")

        self.core.service.tap = broken  # type: ignore[method-assign]
        self.tap(DEMO_CARDS[0])
        assert app.screen("result").headline == "Nothing was recorded"
        assert "CANNOT SAVE" in app.banner_text
        assert self.core.feedback.played[-1] == "error"
        assert not self.core.status.store_ok

    def test_manager_changes_settings_and_they_survive_a_restart(self) -> None:
        app = self.start(lang="fi")
        self.touch(self.button("idle", "Henkilökunta"))
        self.type_pin("3941")  # staff may not change settings
        self.touch(self.button("staff", "Asetukset"))
        assert app.current == "pin"
        self.type_pin("3941")
        assert "esihenkilö" in app.screen("pin").message
        self.type_pin("5827")
        assert app.current == "settings"
        self.touch(self.button("settings", "English"))
        self.touch(self.button("settings", "30 s"))
        self.touch(self.button("settings", "Tallenna"))
        assert app.settings.language == "en" and app.settings.idle_timeout_seconds == 30
        self.core.service.ledger.close()
        app = self.start(lang="fi", clock=self.clock)  # the config still says Finnish
        assert app.lang == "en" and app.settings.idle_timeout_seconds == 30

    def test_link_a_second_card_and_move_to_a_replacement(self) -> None:
        app = self.start()
        self.touch(self.button("idle", "Staff"))
        self.type_pin("3941")
        self.touch(self.button("staff", "Link a 2nd card"))
        assert app.current == "waitcard"
        self.tap(DEMO_CARDS[1])  # the member's card...
        assert app.current == "waitcard" and app.screen("waitcard").title == "Now tap the NEW card"
        self.tap("04F0B0000000AA")  # ...then the key fob
        assert app.screen("result").headline == "Card linked"
        member = self.core.service.member_for_card(DEMO_CARDS[1])
        assert "04F0B0000000AA" in member.cards
        self.touch(self.button("result", "Done"))  # a new customer: a new session
        self.touch(self.button("idle", "Staff"))
        self.type_pin("3941")
        self.tap("04F0B0000000AA")  # the session's customer...
        assert app.staff.session.card == "04F0B0000000AA" and app.current == "staff"
        self.touch(self.button("staff", "Replace a card"))
        self.tap("04F0B0000000BB")
        assert app.screen("result").headline == "Membership moved to the new card"
        moved = self.core.service.member_for_card("04F0B0000000BB")
        assert moved.member_id == member.member_id and "04F0B0000000AA" not in moved.cards
        # the old card now says why it no longer works
        app.go_idle()
        self.clock.advance(hours=1)
        self.tap("04F0B0000000AA")
        assert "replaced by a new one" in app.screen("result").body

    def test_staff_enrolls_a_customer_and_passes_are_refused_with_a_reason(self) -> None:
        app = self.start()
        self.touch(self.button("idle", "Staff"))
        self.type_pin("3941")
        self.touch(self.button("staff", "Enroll a customer"))
        self.tap("04CC0000000001")
        assert app.current == "join"
        self.touch(app.screen("join").ids.consent.children[-1])
        self.touch(app.screen("join").ids.marketing.children[-1])
        self.touch(self.button("join", "Next"))
        self.touch(self.button("contact", "Skip"))
        state = self.core.service.member_for_card("04CC0000000001")
        assert state.status == "enrolled" and set(state.consents) == {"program", "marketing"}
        events = self.core.service.ledger.events(state.member_id)
        enrolled = [e for e in events if e.kind is EventKind.MEMBER_ENROLLED]
        assert enrolled[0].actor == "Sami"
        app.show("staff")  # the simple rules have no passes: the menu offers none
        assert "Sell a pass" not in self.texts("staff") and "Purchase" in self.texts("staff")

    def test_scanner_unplugged_and_clock_not_set_banners(self) -> None:
        app = self.start()
        self.core.sink(ScannerDisconnected("sim scanner", "unplugged"))
        assert app.banner_text == "Barcode scanner unplugged – plug it back in"
        self.core.wall = lambda: datetime(1970, 1, 1, tzinfo=UTC)
        self.core.maintenance()
        assert "Clock not set yet" in app.banner_text
