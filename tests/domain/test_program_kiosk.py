"""The program engine at the kiosk: the real services and store, with a program file as rules."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.events import POINTS
from kiosk.domain.program import load_program
from kiosk.domain.rules import Action, ActionKind
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

ROOT = Path(__file__).resolve().parents[2]


def test_default_program_runs_in_the_services(ledger: Ledger, clock: FakeClock) -> None:
    rules = load_program(ROOT / "config" / "program.toml")
    service = LoyaltyService(ledger, rules, clock)
    joined = service.enroll("04A1B2C3", terms_wording="terms-v1")
    assert joined.accepted and joined.after is not None
    assert joined.after.balance(POINTS) == 20  # welcome bonus
    first = service.tap("04A1B2C3")
    assert first.accepted and first.after is not None
    assert first.after.balance("stamps:coffee") == 1
    assert all(e.program == "cafe@1" for e in first.events)
    again = service.tap("04A1B2C3")  # within the 60 s cooldown
    assert again.refusal is not None and again.refusal.code == "cooldown"
    clock.advance(seconds=60)
    sale = Action(ActionKind.PURCHASE, "04A1B2C3", 1250, action_id="receipt-1")
    bought = service.act("04A1B2C3", sale)
    assert bought.after is not None and bought.after.balance(POINTS) == 32
    twice = service.act("04A1B2C3", sale)
    assert twice.refusal is not None and twice.refusal.code == "duplicate"
    redeem = service.redeem("04A1B2C3", "coffee")
    assert redeem.refusal is not None and redeem.refusal.message == "9 stamps to go for a free coffee."
    state = ledger.member_for_card("04A1B2C3")
    assert state is not None and state.balance(POINTS) == 32


def test_undo_of_a_purchase_removes_its_points_lot(ledger: Ledger, clock: FakeClock) -> None:
    service = LoyaltyService(ledger, load_program(ROOT / "config" / "program.toml"), clock)
    service.tap("04A1B2C3")
    bought = service.purchase("04A1B2C3", 5000)
    assert bought.after is not None and bought.after.balance(POINTS) == 50
    assert [lot.amount for lot in bought.after.lots["points"]] == [50]
    sale = next(e for e in bought.events if e.kind.value == "purchase_recorded")
    undone = service.undo(sale.id, "typed the wrong amount")
    assert undone.after is not None and undone.after.balance(POINTS) == 0
    assert "points" not in undone.after.lots


def test_counterpart_names_the_second_record() -> None:
    from kiosk.domain.program import coupon_member_id

    rules = load_program(ROOT / "config" / "programs" / "coupons.toml")
    assert rules.counterpart(Action(ActionKind.COUPON, "A1", detail=" summer-9 ")) == (
        "member",
        coupon_member_id("SUMMER-9"),
    )
    assert rules.counterpart(Action(ActionKind.VISIT, "A1")) is None
    referral = load_program(ROOT / "config" / "programs" / "referral.toml")
    assert referral.counterpart(Action(ActionKind.REFER, "A1", detail="B2")) == ("card", "B2")
