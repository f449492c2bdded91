"""Scanned codes and phone numbers at the counter: what is a card, a coupon or a gift code,
and what is refused (creating nothing); a phone lookup stamps nothing and is rate-limited."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hardware.codes import CodeValidator
from kiosk.domain.program import load_program, parse_program
from kiosk.domain.rules import Refusal
from kiosk.errors import InvalidInput
from kiosk.services.counter import CardSummary, CounterService
from kiosk.services.lookup import PhoneLimiter
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from tests.conftest import HELSINKI, FakeClock

PROGRAMS = Path(__file__).resolve().parents[2] / "config" / "programs"
PRODUCT_EAN = "6411300000000"  # a product EAN-13 as the issue names it (its check digit is off)
VALID_EAN = "6411300000005"  # a product EAN-13 with its right check digit


def shop(ledger: Ledger, clock: FakeClock) -> CounterService:
    """The coupon program plus the shop's printed cards (EAN-13 from 2000) and gift codes."""
    rules = parse_program(
        {
            "program": {"id": "shop", "version": 1},
            "stamp_card": [{"id": "cone", "name": "Cone card", "reward": "a cone", "reward_at": 8}],
            "coupon": [
                {"id": "summer", "name": "Summer", "prefix": "SUMMER-", "stamps": 1, "stamp_card": "cone"},
                {"id": "news", "name": "News", "codes": ["NEWS-7"], "discount_percent": 15},
            ],
            "credit": {},
            "codes": {"card_prefixes": ["2000"], "gift_prefixes": ["GIFT-"]},
        }
    )
    return CounterService(LoyaltyService(ledger, rules, clock))


@pytest.mark.parametrize("code", [PRODUCT_EAN, VALID_EAN, "036000291452"])
def test_a_product_barcode_is_refused_and_creates_nothing(
    ledger: Ledger, clock: FakeClock, code: str
) -> None:
    counter = shop(ledger, clock)
    result = counter.scan(code)
    assert result.refusal is not None and result.refusal.code == "product_code"
    assert "product" in result.refusal.message
    assert ledger.member_count() == 0


@pytest.mark.parametrize(
    ("code", "refusal"),
    [("2000000000001", "garbled_code"), ("HELLO WORLD!", "unknown_code"), ("", "garbled_code")],
)
def test_garbled_and_unknown_codes_are_refused(
    ledger: Ledger, clock: FakeClock, code: str, refusal: str
) -> None:
    result = shop(ledger, clock).scan(code)
    assert result.refusal is not None and result.refusal.code == refusal
    assert ledger.member_count() == 0


def test_the_shops_printed_cards_and_card_numbers_are_member_cards(ledger: Ledger, clock: FakeClock) -> None:
    counter = shop(ledger, clock)
    printed = "2000000000008"  # an in-store EAN-13 with the shop's card prefix
    assert counter.classify(printed).kind == "card"
    tapped = counter.scan(printed)
    assert tapped.outcome is not None and tapped.outcome.accepted and tapped.outcome.new_member
    assert counter.scan("DEMO000123").outcome is not None
    assert ledger.member_count() == 2


def test_coupons_are_known_by_their_program(ledger: Ledger, clock: FakeClock) -> None:
    counter = shop(ledger, clock)
    for code in ("SUMMER-0001", "news-7"):
        result = counter.scan(code)
        assert result.code.kind == "coupon" and result.refusal is None and result.outcome is None
    assert ledger.member_count() == 0


def test_a_gift_code_shows_its_credit_and_stamps_nothing(ledger: Ledger, clock: FakeClock) -> None:
    counter = shop(ledger, clock)
    unsold = counter.scan("GIFT-1234")
    assert unsold.refusal is not None and unsold.refusal.code == "unknown_gift"
    assert ledger.member_count() == 0
    counter.loyalty.tap("GIFT-1234")
    counter.top_up("GIFT-1234", 5000)
    shown = counter.scan("gift-1234")
    assert shown.summary is not None and shown.summary.credit_cents == 5000
    state = ledger.member_for_card("GIFT-1234")
    assert state is not None and state.balance("visits") == 1  # the one tap above, not the scan


def test_the_builtin_rule_uses_the_kiosk_card_pattern(service: LoyaltyService) -> None:
    counter = CounterService(service, card_pattern=r"^K[0-9]{5}$")
    assert counter.classify("K12345").kind == "card"
    assert counter.classify("DEMO000123").refusal == "unknown_code"
    assert counter.classify(PRODUCT_EAN).refusal == "product_code"


def test_the_device_passes_printed_codes_only_when_the_counter_classifies_them() -> None:
    assert CodeValidator(r"^[0-9A-Z]{6,24}$").check("SUMMER-0001").reason is not None
    assert CodeValidator(r"^[0-9A-Z]{6,24}$", printed_codes=True).check("SUMMER-0001").kind == "code"


def joined_member(counter: CounterService, card: str, phone: str) -> None:
    counter.loyalty.enroll(card, terms_wording="terms-v1", contact={"phone": phone})


def test_a_phone_lookup_shows_the_member_and_stamps_nothing(ledger: Ledger, clock: FakeClock) -> None:
    counter = CounterService(LoyaltyService(ledger, load_program(PROGRAMS / "stamp_card.toml"), clock))
    counter.loyalty.tap("04A1B2C3D4E5F6")
    joined_member(counter, "04A1B2C3D4E5F6", "+358 40 123 4567")
    before = ledger.member_for_card("04A1B2C3D4E5F6")
    assert before is not None
    found = counter.find_phone("040 1234567")
    assert isinstance(found, CardSummary) and found.label == "••••E5F6"
    after = ledger.member_for_card("04A1B2C3D4E5F6")
    assert after is not None and after.event_count == before.event_count
    unknown = counter.find_phone("040 7654321")
    assert isinstance(unknown, Refusal) and unknown.code == "unknown_phone"
    with pytest.raises(InvalidInput):
        counter.find_phone("12")


def test_phone_lookups_are_rate_limited_per_number(ledger: Ledger, clock: FakeClock) -> None:
    counter = CounterService(LoyaltyService(ledger, load_program(PROGRAMS / "stamp_card.toml"), clock))
    counter.loyalty.tap("04A1B2C3D4E5F6")
    joined_member(counter, "04A1B2C3D4E5F6", "0401234567")
    for _ in range(3):
        assert isinstance(counter.find_phone("0401234567"), CardSummary)
    limited = counter.find_phone("+358401234567")  # the same number, written otherwise
    assert isinstance(limited, Refusal) and limited.code == "phone_rate_limited"
    assert limited.params["seconds"] > 0
    other = counter.find_phone("0509999999")  # another number is not held up
    assert isinstance(other, Refusal) and other.code == "unknown_phone"
    clock.advance(minutes=11)
    assert isinstance(counter.find_phone("0401234567"), CardSummary)


def test_the_limiter_counts_by_the_time_it_is_told() -> None:
    limiter = PhoneLimiter(per_window=2, window=timedelta(minutes=1))
    start = datetime(2026, 3, 2, 9, tzinfo=HELSINKI)
    assert limiter.wait("401234567", start) == 0
    assert limiter.wait("401234567", start + timedelta(seconds=10)) == 0
    assert limiter.wait("401234567", start + timedelta(seconds=20)) == 40
    assert limiter.wait("401234567", start + timedelta(seconds=61)) == 0
