"""Referral and single-use coupons at the kiosk: actions that touch a second record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.domain.events import POINTS
from kiosk.domain.program import load_program
from kiosk.domain.rules import Action, ActionKind
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from tests.conftest import HELSINKI, FakeClock

PROGRAMS = Path(__file__).resolve().parents[2] / "config" / "programs"


def test_referral_rewards_both_sides_once(ledger: Ledger, clock: FakeClock) -> None:
    service = LoyaltyService(ledger, load_program(PROGRAMS / "referral.toml"), clock)
    service.tap("04AA0001")
    referred = service.act("04AA0001", Action(ActionKind.REFER, "04AA0001", detail="04BB0002"))
    assert referred.accepted, referred.refusal
    referrer = ledger.member_for_card("04AA0001")
    newcomer = ledger.member_for_card("04BB0002")
    assert referrer is not None and newcomer is not None  # the new card became a member
    assert referrer.balance(POINTS) == 20 and newcomer.balance(POINTS) == 20
    again = service.act("04AA0001", Action(ActionKind.REFER, "04AA0001", detail="04BB0002"))
    assert again.refusal is not None
    self_referral = service.act("04AA0001", Action(ActionKind.REFER, "04AA0001", detail="04AA0001"))
    assert self_referral.refusal is not None


def test_a_coupon_code_redeems_once_across_all_cards(ledger: Ledger) -> None:
    clock = FakeClock(datetime(2026, 7, 1, 12, tzinfo=HELSINKI))
    service = LoyaltyService(ledger, load_program(PROGRAMS / "coupons.toml"), clock)
    service.tap("04CC0001")
    service.tap("04CC0002")
    first = service.act("04CC0001", Action(ActionKind.COUPON, "04CC0001", detail="summer-17"))
    assert first.accepted, first.refusal
    assert first.after is not None and first.after.balance("stamps:cone") == 2
    other_card = service.act("04CC0002", Action(ActionKind.COUPON, "04CC0002", detail="SUMMER-17"))
    assert other_card.refusal is not None
    after = ledger.member_for_card("04CC0002")
    assert after is not None and after.balance("stamps:cone") == 1
