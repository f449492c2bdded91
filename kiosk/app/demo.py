"""The demo shop: demo members with some history, demo staff, and the demo's keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kiosk.services.loyalty import LoyaltyService
from kiosk.staff import StaffService

DEMO_CARDS = ("04A1B2C3D4E5F6", "04D2E3F4A5B6C7", "DEMO000123")
#: a card nobody has yet (key 4), a phone's random UID (key 5)
NEW_CARD_PREFIX = "04C0FFEE"
PHONE_UID = "08A1B2C3"
DEMO_PHONE = "+358401234567"
#: the demo's staff: the owner may do everything; the help line names this PIN
#: (PINs easily guessed, such as 1234 or 1111, are refused: kiosk.staff.weak_pin_reason)
DEMO_STAFF = (("Owner", "owner", "5827"), ("Sami", "staff", "3941"))


def seed(service: LoyaltyService) -> None:
    """Give the demo members some history, a few days back."""
    now = service.clock()
    for day, card in enumerate(DEMO_CARDS * 3):
        service.tap(card, now=now - timedelta(days=9 - day))
    # the third member is one stamp short of a reward: tap key 3 to see "reward ready"
    for day in range(6):
        service.tap(DEMO_CARDS[2], now=now - timedelta(days=30 + day))
    service.purchase(DEMO_CARDS[0], 1250)
    service.topup(DEMO_CARDS[1], 5000)
    service.enroll(DEMO_CARDS[0], terms_wording="terms-v1", contact={"phone": DEMO_PHONE})


def seed_staff(staff: StaffService, **_: Any) -> None:
    if not staff.members():
        for name, role, pin in DEMO_STAFF:
            staff.add(name, role, pin, actor="demo")
