"""Store and card failures at the counter, by touch: a clear screen, nothing half-written.

The failing disk is simulated by making the store's write raise ``StoreWriteError``, the
error the store raises for a read-only, full or failing folder (those are made for real
in the store's and the CLI's own tests); the failing card is the reader's own event."""

from __future__ import annotations

from typing import Any

from hardware.events import CardUnreadable
from kiosk.app.demo import DEMO_CARDS
from kiosk.errors import StoreWriteError
from tests.ui.touch import TouchTest


class CounterFailures(TouchTest):
    def test_a_purchase_on_a_failing_disk_says_nothing_was_recorded(self) -> None:
        app = self.start()
        self.clock.advance(hours=1)
        self.tap(DEMO_CARDS[1])
        self.touch(self.button("result", "Staff"))
        self.type_pin("3941")
        ledger = self.core.service.ledger
        before = list(ledger.events(self.core.service.member_for_card(DEMO_CARDS[1]).member_id))

        def full_disk(*_a: Any, **_k: Any) -> Any:
            raise StoreWriteError("No space left on device")

        ledger.record = full_disk  # type: ignore[method-assign]
        self.touch(self.button("staff", "Purchase"))
        app.screen("amount").ids.pad.value = "12.50"
        self.touch(app.screen("amount").ids.ok)
        result = app.screen("result")
        assert app.current == "result" and result.headline == "Nothing was recorded"
        assert "CANNOT SAVE" in app.banner_text and self.core.feedback.played[-1] == "error"
        assert app.current != "charge"  # no amount to charge for a sale that is not kept
        del ledger.record  # the disk has room again
        after = list(ledger.events(self.core.service.member_for_card(DEMO_CARDS[1]).member_id))
        assert after == before  # nothing half-written

    def test_a_card_that_cannot_be_read_is_said_and_records_nothing(self) -> None:
        app = self.start()
        members = self.core.service.ledger.member_count()
        self.core.sink(CardUnreadable("sim reader", "card removed too soon"))
        self.advance_frames(1)
        assert app.current == "result" and app.screen("result").headline == "Not recorded"
        assert self.core.feedback.played[-1] == "refused"
        assert self.core.service.ledger.member_count() == members
