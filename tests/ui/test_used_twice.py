"""A single-use coupon redeemed at two kiosks offline: after the sync, the staff screen
shows the double use for the card, naming both kiosks (Kivy on Xvfb, by touch)."""

from __future__ import annotations

from pathlib import Path

from kiosk.app.wiring import _import_sync_inbox
from kiosk.domain.program import load_program
from kiosk.domain.rules import Action, ActionKind
from kiosk.services.loyalty import LoyaltyService
from kiosk.store import inbox
from kiosk.store.ledger import Ledger
from tests.ui.touch import TouchTest

PROGRAMS = Path(__file__).resolve().parents[2] / "config" / "programs"
CARD, OTHER = "04C0FFEE000001", "04C0FFEE000002"


class UsedTwiceOnTheStaffScreen(TouchTest):
    def test_a_coupon_used_at_two_kiosks_offline_is_shown_to_the_staff(self) -> None:
        program = load_program(PROGRAMS / "coupons.toml")
        app = self.start(rules=program, seed_demo=False)
        here = self.core.service
        there = LoyaltyService(
            Ledger.open(self.tmp / "b"), load_program(PROGRAMS / "coupons.toml"), self.clock
        )
        try:
            assert here.tap(CARD).accepted and there.tap(OTHER).accepted  # members, each at its kiosk
            # neither kiosk reaches the other: both take the same single-use code
            assert here.act(CARD, Action(ActionKind.COUPON, card=CARD, detail="NEWS-7")).accepted
            self.clock.advance(seconds=5)
            assert there.act(OTHER, Action(ActionKind.COUPON, card=OTHER, detail="NEWS-7")).accepted
            # the sync worker drops the other kiosk's events in the inbox; the idle kiosk applies them
            mine = [e.to_dict() for e in there.ledger.events() if e.kiosk == there.ledger.kiosk_id]
            inbox.write_file(self.tmp / "data", 1, mine)
            self.core.idle_work = lambda: _import_sync_inbox(here, self.tmp / "data")
            self.core.maintenance()
            assert inbox.pending_files(self.tmp / "data") == []

            self.touch(self.button("idle", "Staff"))
            self.type_pin("3941")  # Sami, staff
            assert app.current == "staff"
            self.tap(CARD)
            expected = (
                f"Used twice: a coupon code at {here.ledger.kiosk_id} and {there.ledger.kiosk_id}"
            )
            assert expected in self.texts("staff"), self.texts("staff")
            # another card: the warning goes with the card it belongs to
            self.tap("04C0FFEE000003")
            assert "Used twice" not in self.texts("staff")
        finally:
            there.ledger.close()
