"""The service calls the counter's "My data" screen is built on (the screen is tested by
touch in tests/ui/test_mydata.py): what is held (masked on a screen that faces the shop),
withdrawing the marketing consent, and an erasure confirmed by a staff PIN."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.config import ConsentConfig, RulesConfig
from kiosk.domain.rules import SimpleRules
from kiosk.errors import Refused
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.privacy import PrivacyService
from kiosk.staff import StaffService, WrongPin
from kiosk.store.ledger import Ledger

CARD = "04ABCDEF0001"


def test_my_data_at_the_counter(tmp_path: Path) -> None:
    clock = lambda: datetime(2026, 5, 4, 10, tzinfo=UTC)  # noqa: E731
    ledger = Ledger.open(tmp_path / "kiosk")
    loyalty = LoyaltyService(ledger, SimpleRules(RulesConfig()), clock)
    staff = StaffService(ledger.db.table("staff"), clock, cost=(2**4, 1, 1))
    staff.add("Mia", "staff", "2468")
    privacy = PrivacyService(loyalty, ConsentConfig(terms_version="shop-terms-7"))
    loyalty.tap(CARD)
    privacy.join(CARD, consents={"terms", "marketing"}, phone="040 555 1234", email="eeva@example.fi")

    held = privacy.held_at_counter(CARD)
    assert held.contact == {"email": "e***@example.fi", "phone": "**********34"}
    assert held.consents["program"][0] == "shop-terms-7" and held.consents["marketing"][2] is None
    assert held.balances == {"stamps": 1, "visits": 1}

    privacy.withdraw(CARD, "marketing", actor="customer")
    assert privacy.held_at_counter(CARD, note=False).consents["marketing"][2] is not None

    with pytest.raises(WrongPin):
        privacy.erase_at_counter(CARD, "1111", staff)
    assert privacy.held_at_counter(CARD, note=False).balances  # a wrong PIN erased nothing
    events = privacy.erase_at_counter(CARD, "2468", staff)
    assert [e.kind.value for e in events] == ["member_erased"] and events[0].actor == "Mia"
    with pytest.raises(Refused, match="erased"):
        privacy.held_at_counter(CARD)
    assert ledger.keys.members() == set()
    assert [r["request"] for r in privacy.requests.entries()] == [
        "join", "view-at-counter", "withdraw-marketing", "erase"
    ]
    ledger.close()
