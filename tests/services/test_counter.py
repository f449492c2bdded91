"""The counter service: what each program offers, the amount to charge, refusals as codes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.domain.program import load_program, parse_program
from kiosk.errors import InvalidInput
from kiosk.services.counter import CardSummary, CounterAction, CounterService, mask_card
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from tests.conftest import HELSINKI, FakeClock

PROGRAMS = Path(__file__).resolve().parents[2] / "config" / "programs"
A, B = "04A1B2C3D4E5F6", "04D2E3F4A5B6C7"


def counter_for(ledger: Ledger, clock: FakeClock, program: str) -> CounterService:
    return CounterService(LoyaltyService(ledger, load_program(PROGRAMS / program), clock))


def summary(counter: CounterService, card: str) -> CardSummary:
    found = counter.summary(card)
    assert isinstance(found, CardSummary), found
    return found


def test_the_masked_label_shows_only_the_last_four() -> None:
    assert mask_card("04a1b2c3d4e5f6") == "••••E5F6"


@pytest.mark.parametrize(
    ("program", "offered", "not_offered"),
    [
        ("stamp_card.toml", {CounterAction.PURCHASE, CounterAction.REDEEM}, {CounterAction.SELL_PASS}),
        ("visit_card.toml", {CounterAction.SELL_PASS, CounterAction.USE_PASS}, {CounterAction.REDEEM}),
        ("subscription.toml", {CounterAction.SUBSCRIBE, CounterAction.REDEEM}, {CounterAction.TOP_UP}),
        ("prepaid_credit.toml", {CounterAction.TOP_UP, CounterAction.PAY}, {CounterAction.COUPON}),
        ("coupons.toml", {CounterAction.COUPON}, {CounterAction.REFER, CounterAction.BONUS}),
        ("referral.toml", {CounterAction.REFER}, {CounterAction.SUBSCRIBE}),
        ("points.toml", {CounterAction.BONUS, CounterAction.REDEEM}, {CounterAction.USE_PASS}),
    ],
)
def test_a_program_offers_only_what_it_has(
    ledger: Ledger,
    clock: FakeClock,
    program: str,
    offered: set[CounterAction],
    not_offered: set[CounterAction],
) -> None:
    offers = counter_for(ledger, clock, program).offers()
    assert offered <= offers.actions
    assert not (not_offered & offers.actions)


def test_every_shipped_program_offers_purchase(ledger: Ledger, clock: FakeClock) -> None:
    for path in sorted(PROGRAMS.glob("*.toml")):
        assert counter_for(ledger, clock, path.name).offers().offers(CounterAction.PURCHASE), path


def test_an_action_the_program_lacks_is_refused_and_records_nothing(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "stamp_card.toml")
    counter.loyalty.tap(A)
    events = ledger.member_for_card(A)
    assert events is not None
    result = counter.sell_pass(A, "anything")
    assert result.refusal is not None and result.refusal.code == "not_offered"
    after = ledger.member_for_card(A)
    assert after is not None and after.event_count == events.event_count


def test_a_discounted_purchase_says_what_to_charge(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "discount_fixed.toml")
    counter.loyalty.tap(A)
    result = counter.purchase(A, 4000, actor="Sami")
    assert result.accepted, result.refusal
    assert result.charge is not None
    assert (result.charge.amount_cents, result.charge.discount_cents, result.charge.charge_cents) == (
        4000,
        200,
        3800,
    )
    assert result.charge.reasons == ("member discount",)


def test_a_purchase_without_discount_charges_the_amount(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "points.toml")
    counter.loyalty.tap(A)
    result = counter.purchase(A, 1250)
    assert result.charge is not None and result.charge.charge_cents == 1250
    assert result.charge.discount_cents == 0 and result.charge.reasons == ()


def test_refusals_are_codes_not_exceptions(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "points.toml")
    unknown = counter.purchase(B, 500)
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_card"
    assert ledger.member_for_card(B) is None  # nothing was created
    assert isinstance(counter.summary(B), type(unknown.refusal))
    counter.loyalty.tap(A)
    counter.loyalty.replace_card(A, B)
    replaced = counter.redeem(A, "coffee")
    assert replaced.refusal is not None and replaced.refusal.code == "card_replaced"
    short = counter.redeem(B, "coffee")
    assert short.refusal is not None and short.refusal.code == "not_enough"


def test_bad_amounts_and_cards_are_bad_input(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "prepaid_credit.toml")
    with pytest.raises(InvalidInput):
        counter.purchase(A, 0)
    with pytest.raises(InvalidInput):
        counter.top_up(A, -500)
    with pytest.raises(InvalidInput):
        counter.pay("!!", 100)


def test_redeem_a_chosen_ready_reward(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "points.toml")
    counter.loyalty.tap(A)
    counter.purchase(A, 45000)
    ready = summary(counter, A).ready_rewards
    assert {r.id for r in ready} == {"coffee", "cake"}
    result = counter.redeem(A, "cake")
    assert result.accepted, result.refusal
    assert "cake" not in {r.id for r in summary(counter, A).ready_rewards}


def test_subscription_sold_then_renewed_from_its_end(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "subscription.toml")
    counter.loyalty.tap(A)
    sold = counter.subscribe(A)
    assert sold.accepted and sold.charge is not None and sold.charge.charge_cents == 990
    first_end = summary(counter, A).subscriptions["club"]
    renewed = counter.subscribe(A, "club")
    assert renewed.accepted
    assert renewed.outcome.events[-1].kind.value == "subscription_renewed"
    assert summary(counter, A).subscriptions["club"] > first_end
    # the subscription's free coffee is a ready reward while it runs
    assert "club" in {r.id for r in summary(counter, A).ready_rewards}


def test_a_pass_is_sold_and_used_from_the_chooser(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "visit_card.toml")
    counter.loyalty.tap(A)
    assert summary(counter, A).usable_passes == ()
    sold = counter.sell_pass(A, "yoga10")
    assert sold.charge is not None and sold.charge.charge_cents == 15000
    usable = summary(counter, A).usable_passes
    assert [(p.id, p.count) for p in usable] == [("yoga10", 11)]
    clock.advance(hours=1)
    used = counter.use_pass(A, usable[0].id)
    assert used.accepted, used.refusal
    assert [p.count for p in summary(counter, A).usable_passes] == [10]


def test_a_coupon_is_taken_once(ledger: Ledger) -> None:
    clock = FakeClock(datetime(2026, 7, 1, 12, tzinfo=HELSINKI))
    counter = counter_for(ledger, clock, "coupons.toml")
    counter.loyalty.tap(A)
    counter.loyalty.tap(B)
    assert counter.coupon(A, "NEWS-7").accepted
    again = counter.coupon(B, "news-7")
    assert again.refusal is not None and again.refusal.code == "coupon_used"


def test_referral_and_bonus_actions(ledger: Ledger, clock: FakeClock) -> None:
    referral = counter_for(ledger, clock, "referral.toml")
    referral.loyalty.tap(A)
    referral.loyalty.tap(B)
    assert referral.refer(A, B).accepted
    bought = referral.purchase(B, 3000)
    assert bought.charge is not None and bought.charge.charge_cents == 2700
    assert bought.charge.reasons == ("referred voucher",)


def test_bonus_actions_are_given_by_staff_not_by_typed_codes(ledger: Ledger, clock: FakeClock) -> None:
    counter = counter_for(ledger, clock, "points.toml")
    counter.loyalty.tap(A)
    typed = counter.coupon(A, "social")
    assert typed.refusal is not None
    given = counter.bonus(A, "social", actor="Sami")
    assert given.accepted, given.refusal
    assert summary(counter, A).points == 20
    twice = counter.bonus(A, "social")
    assert twice.refusal is not None and twice.refusal.code == "bonus_given"
    unknown = counter.bonus(A, "karaoke")
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_bonus"


def test_the_builtin_rule_offers_the_basics(service: LoyaltyService) -> None:
    counter = CounterService(service)
    assert counter.offers().actions == {
        CounterAction.PURCHASE,
        CounterAction.REDEEM,
        CounterAction.TOP_UP,
        CounterAction.PAY,
    }
    service.tap(A)
    result = counter.purchase(A, 1250)
    assert result.charge is not None and result.charge.charge_cents == 1250
    assert summary(counter, A).label == "••••E5F6"


def test_names_per_language_fall_back_to_the_default_language(ledger: Ledger, clock: FakeClock) -> None:
    rules = parse_program(
        {
            "program": {"id": "p", "version": 1, "language": "sv"},
            "points": {
                "reward": [
                    {"id": "kaffe", "points": 10, "name": {"fi": "Kahvi", "sv": "Kaffe"}},
                    {"id": "bulle", "points": 20, "name": "Bulle"},
                ]
            },
        }
    )
    counter = CounterService(LoyaltyService(ledger, rules, clock))
    coffee, bun = counter.offers().rewards
    assert (coffee.name("fi"), coffee.name("sv"), coffee.name("en")) == ("Kahvi", "Kaffe", "Kaffe")
    assert bun.name("fi") == bun.name("en") == "Bulle"


def test_every_shipped_reward_and_pass_has_a_name_in_each_language(ledger: Ledger, clock: FakeClock) -> None:
    for path in sorted(PROGRAMS.glob("*.toml")):
        offers = counter_for(ledger, clock, path.name).offers()
        for choice in (*offers.rewards, *offers.passes, *offers.subscriptions, *offers.bonus_actions):
            names = {lang: choice.name(lang) for lang in ("fi", "sv", "en")}
            assert len(set(names.values())) == 3, (path.name, choice.id, names)


CAFE_WITH_CATEGORIES = {
    "program": {"id": "cafe", "version": 3, "language": "en"},
    "category": [
        {"id": "coffee", "name": {"en": "Coffee", "fi": "Kahvi", "sv": "Kaffe"}},
        {"id": "beans", "name": {"en": "Beans", "fi": "Kahvipavut", "sv": "Kaffebönor"}},
    ],
    "stamp_card": [
        {
            "id": "cup",
            "name": "Cup card",
            "reward": "a cup",
            "reward_at": 5,
            "earn_on": "purchase",
            "categories": ["coffee"],
        }
    ],
}


def test_purchase_categories_choose_what_earns_stamps(ledger: Ledger, clock: FakeClock) -> None:
    counter = CounterService(LoyaltyService(ledger, parse_program(CAFE_WITH_CATEGORIES), clock))
    assert [(c.id, c.name("fi")) for c in counter.offers().categories] == [
        ("coffee", "Kahvi"),
        ("beans", "Kahvipavut"),
    ]
    counter.loyalty.tap(A)
    coffee = counter.purchase(A, 400, category="coffee")
    assert coffee.accepted and coffee.outcome.events[-1].data["category"] == "coffee"
    beans = counter.purchase(A, 1200, category="beans")
    assert beans.accepted
    assert [s.have for s in summary(counter, A).stamps] == [1]  # the beans earned none
    unknown = counter.purchase(A, 100, category="cake")
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_category"
