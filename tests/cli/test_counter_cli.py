"""`kanta scan` and `kanta counter ...` as a till's script runs them: real processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli.main import build_parser
from kiosk.config import load_config
from kiosk.services.factory import open_service
from kiosk.services.loyalty import LoyaltyService
from tests.cli.process import REPO, kanta

PROGRAMS = REPO / "config" / "programs"
A, B = "04A1B2C3D4E5F6", "04D2E3F4A5B6C7"


def run(data: Path, program: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"KANTA_PROGRAM": str(PROGRAMS / program)} if program else {"KANTA_PROGRAM": ""}
    return kanta(*args, data=data, env=env)


def run_json(data: Path, program: str | None, *args: str, status: int = 0) -> Any:
    result = run(data, program, *args, "--json")
    assert result.returncode == status, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def member_count(data: Path) -> int:
    service: LoyaltyService = open_service(data, load_config(None), readonly=True)
    try:
        return service.ledger.member_count()
    finally:
        service.ledger.close()


def test_a_purchase_says_amount_discount_and_charge(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert run(data, "discount_fixed.toml", "tap", A).returncode == 0
    doc = run_json(data, "discount_fixed.toml", "counter", "purchase", A, "40.00", "--staff", "Sami")
    assert (doc["amount_cents"], doc["discount_cents"], doc["charge_cents"]) == (4000, 200, 3800)
    assert doc["discount_reasons"] == ["member discount"] and doc["card_label"] == "••••E5F6"
    text = run(data, "discount_fixed.toml", "counter", "purchase", A, "10,00")
    assert text.returncode == 0 and "CHARGE   9.50 EUR" in text.stdout


def test_refusals_exit_3_bad_input_65(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, "stamp_card.toml", "tap", A)
    not_offered = run(data, "stamp_card.toml", "counter", "pass", A, "sell")
    assert not_offered.returncode == 3 and "does not offer" in not_offered.stdout
    unknown = run_json(data, "stamp_card.toml", "counter", "redeem", B, status=3)
    assert unknown["refusal"]["code"] == "unknown_card"
    short = run_json(data, "stamp_card.toml", "counter", "redeem", A, status=3)
    assert short["refusal"]["code"] == "not_enough"
    bad = run(data, "stamp_card.toml", "counter", "purchase", A, "12.5.0")
    assert bad.returncode == 65 and "not an amount" in bad.stderr
    assert member_count(data) == 1


def test_a_subscription_is_sold_then_renewed(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, "subscription.toml", "tap", A)
    sold = run_json(data, "subscription.toml", "counter", "subscribe", A)
    assert sold["charge_cents"] == 990
    renewed = run_json(data, "subscription.toml", "counter", "subscribe", A, "club")
    assert renewed["member"]["subscriptions"]["club"] > sold["member"]["subscriptions"]["club"]
    coffee = run_json(data, "subscription.toml", "counter", "redeem", A, "club")
    assert coffee["accepted"]
    again = run_json(data, "subscription.toml", "counter", "redeem", A, "club", status=3)
    assert again["refusal"]["code"] == "used_this_week"


def test_a_pass_is_sold_and_used(tmp_path: Path) -> None:
    """Names come in the shop's language (fi in the shipped config), from the program file."""
    data = tmp_path / "d"
    run(data, "visit_card.toml", "tap", A)
    sold = run_json(data, "visit_card.toml", "counter", "pass", A, "sell", "yoga10")
    assert sold["charge_cents"] == 15000 and sold["member"]["passes"] == [
        {"id": "yoga10", "name": "10 kerran kortti", "left": 11}
    ]
    offers = run_json(data, "visit_card.toml", "counter", "offers")
    assert "sell_pass" in offers["actions"] and "redeem" not in offers["actions"]


def test_a_coupon_is_taken_once(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, "coupons.toml", "tap", A)
    run(data, "coupons.toml", "tap", B)
    assert run_json(data, "coupons.toml", "counter", "coupon", A, "NEWS-7")["accepted"]
    second = run_json(data, "coupons.toml", "counter", "coupon", B, "news-7", status=3)
    assert second["refusal"]["code"] == "coupon_used"
    scanned = run_json(data, "coupons.toml", "scan", "NEWS-8")
    assert scanned["kind"] == "coupon" and scanned["events"] == []


def test_credit_referral_and_bonus(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, "prepaid_credit.toml", "tap", A)
    topped = run_json(data, "prepaid_credit.toml", "counter", "top-up", A, "100.00")
    assert topped["charge_cents"] == 10000
    paid = run_json(data, "prepaid_credit.toml", "counter", "pay", A, "8.40")
    assert paid["member"]["credit_cents"] == topped["member"]["credit_cents"] - 840
    referral = tmp_path / "r"
    run(referral, "referral.toml", "tap", A)
    run(referral, "referral.toml", "tap", B)
    assert run_json(referral, "referral.toml", "counter", "refer", A, B)["accepted"]
    bonus = tmp_path / "b"
    run(bonus, "points.toml", "tap", A)
    given = run_json(bonus, "points.toml", "counter", "bonus", A, "birthday")
    assert given["member"]["points"] == 30


def test_a_product_barcode_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, None, "tap", A)
    product = run(data, None, "scan", "6411300000000")
    assert product.returncode == 3 and "product" in product.stdout
    unknown = run_json(data, None, "scan", "what-is-this?", status=3)
    assert unknown["refusal"]["code"] == "unknown_code"
    card = run_json(data, None, "scan", "DEMO000123")
    assert card["kind"] == "card" and card["new_member"]
    assert member_count(data) == 2  # A and the printed card; no product, no unknown code


def test_a_phone_lookup_through_the_command_stamps_nothing(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run(data, None, "tap", A)
    service = open_service(data, load_config(None))
    try:
        service.enroll(A, terms_wording="terms-v1", contact={"phone": "+358401234567"})
        events = service.ledger.member_for_card(A).event_count  # type: ignore[union-attr]
    finally:
        service.ledger.close()
    found = run_json(data, None, "counter", "phone", "040 123 4567")
    assert found["card_label"] == "••••E5F6" and found["member"]["events"] == events
    missing = run_json(data, None, "counter", "phone", "050 000 0000", status=3)
    assert missing["refusal"]["code"] == "unknown_phone"


@pytest.mark.parametrize(
    "verb", ["purchase", "redeem", "top-up", "pay", "pass", "subscribe", "coupon", "refer", "bonus"]
)
def test_every_counter_verb_is_documented(verb: str, tmp_path: Path) -> None:
    assert "counter" in build_parser().format_help()
    listed = kanta("counter", "--help", data=tmp_path)
    assert verb in listed.stdout
    result = kanta("counter", verb, "--help", data=tmp_path)
    assert result.returncode == 0 and "--json" in result.stdout


def test_a_purchase_category_from_the_command(tmp_path: Path) -> None:
    program = tmp_path / "cafe.toml"
    program.write_text(
        '[program]\nid = "cafe"\nversion = 1\n\n'
        '[[category]]\nid = "coffee"\nname = { en = "Coffee", fi = "Kahvi", sv = "Kaffe" }\n\n'
        '[[category]]\nid = "beans"\nname = "Beans"\n\n'
        '[[stamp_card]]\nid = "cup"\nname = "Cup card"\nreward = "a cup"\nreward_at = 5\n'
        'earn_on = "purchase"\ncategories = ["coffee"]\n'
    )
    data = tmp_path / "d"
    run(data, str(program), "tap", A)
    offers = run_json(data, str(program), "counter", "offers")
    assert [(c["id"], c["name"]) for c in offers["categories"]] == [("coffee", "Kahvi"), ("beans", "Beans")]
    coffee = run_json(data, str(program), "counter", "purchase", A, "4.00", "--category", "coffee")
    assert coffee["member"]["stamps"][0]["have"] == 1
    beans = run_json(data, str(program), "counter", "purchase", A, "9.00", "--category", "beans")
    assert beans["member"]["stamps"][0]["have"] == 1
    wrong = run_json(data, str(program), "counter", "purchase", A, "1.00", "--category", "cake", status=3)
    assert wrong["refusal"]["code"] == "unknown_category"
