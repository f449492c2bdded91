"""Each program kind of PROGRAMS.md, with its example's numbers worked out by hand.

The programs are the shipped example files in config/programs/, so the README's worked
examples are the ones tested here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.domain.events import CREDIT, POINTS, EventKind
from kiosk.domain.program import load_program, member_view, parse_program
from kiosk.domain.programs.engine import live
from kiosk.domain.simulate import Replay

ROOT = Path(__file__).resolve().parents[2]
HEL = ZoneInfo("Europe/Helsinki")


def shop(name: str) -> Replay:
    return Replay(load_program(ROOT / "config" / "programs" / f"{name}.toml"))


def at(y: int, mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=HEL)


def bal(r: Replay, card: str, account: str, now: datetime | None = None) -> int:
    state = r.state(card)
    assert state is not None
    return state.balance(account) if now is None else live(state, account, now)


# ---- 1. stamp card and its variants ----------------------------------------------------


def test_stamp_card_massage_studio() -> None:
    r = shop("stamp_card")  # 5 visits -> 20% off a massage; one visit a day
    for day in range(2, 6):
        assert r.do("visit", "A", at(2026, 3, day)).accepted
    assert bal(r, "A", "stamps:massage") == 4
    refused = r.do("redeem", "A", at(2026, 3, 5, 12))
    assert refused.refusal is not None
    assert refused.refusal.code == "not_enough"
    assert refused.refusal.message.startswith("1 stamp to go")
    assert r.do("visit", "A", at(2026, 3, 6)).accepted
    view = member_view(r.rules, r.state("A"), at(2026, 3, 6, 11))  # type: ignore[arg-type]
    assert [(x.reward, x.count) for x in view.rewards_ready] == [("massage", 1)]
    assert r.do("redeem", "A", at(2026, 3, 6, 11)).accepted
    assert bal(r, "A", "stamps:massage") == 0
    assert bal(r, "A", "rewards_redeemed") == 1


def test_stamp_refusal_two_to_go() -> None:
    r = shop("stamp_card")
    for day in (2, 3, 4):
        r.do("visit", "A", at(2026, 3, day))
    refusal = r.do("redeem", "A", at(2026, 3, 4, 12)).refusal
    assert refusal is not None and refusal.message.startswith("2 stamps to go")
    assert refusal.params["to_go"] == 2


def test_visit_card_pay_ten_get_one_free() -> None:
    r = shop("visit_card")  # 10 + 1 classes for 150.00, valid 180 days
    bought = r.do("buy_pass", "A", at(2026, 3, 1), amount=15000)
    assert bought.accepted
    assert bal(r, "A", "pass:yoga10") == 11
    for i in range(11):
        assert r.do("use_pass", "A", at(2026, 3, 2) + timedelta(days=i)).accepted
    assert bal(r, "A", "pass:yoga10") == 0
    refusal = r.do("use_pass", "A", at(2026, 3, 20)).refusal
    assert refusal is not None and refusal.code == "used_up"
    assert refusal.message == "All visits on the 10-class card are used."


def test_visit_card_expiry_names_the_day() -> None:
    r = shop("visit_card")
    r.do("buy_pass", "A", at(2026, 3, 1), amount=15000)
    r.do("use_pass", "A", at(2026, 3, 2))
    # 1 March + 180 days = 28 August (31+30+31+30+31 = 153 days to 1 August, +27)
    assert r.do("use_pass", "A", at(2026, 8, 28, 9, 59)).accepted
    refusal = r.do("use_pass", "A", at(2026, 8, 28, 10, 0)).refusal
    assert refusal is not None and refusal.code == "expired"
    assert refusal.message == "This pass expired on 28 August."
    # the 9 unused classes expired as an event the ledger shows
    expiry = [e for e in r.events if e.kind is EventKind.POINTS_EXPIRED]
    assert expiry == []  # a refused action appends nothing, expiry included
    r.settle(at(2026, 8, 28, 10, 0))
    expiry = [e for e in r.events if e.kind is EventKind.POINTS_EXPIRED]
    assert expiry[0].data["expired"] == {"pass:yoga10": 9}
    refusal = r.do("use_pass", "A", at(2026, 9, 1)).refusal
    assert refusal is not None and refusal.message == "This pass expired on 28 August."


def test_wrong_price_is_refused() -> None:
    r = shop("visit_card")
    refusal = r.do("buy_pass", "A", at(2026, 3, 1), amount=14000).refusal
    assert refusal is not None and refusal.code == "wrong_price"
    assert refusal.message == "The 10-class card costs 150.00 EUR, not 140.00 EUR."


def test_time_pass_six_months_plus_one_free() -> None:
    r = shop("time_pass")
    assert r.do("buy_pass", "A", at(2026, 1, 15), amount=30000).accepted
    view = member_view(r.rules, r.state("A"), at(2026, 1, 15, 11))  # type: ignore[arg-type]
    assert view.valid_until["gym6m"] == "2026-08-15T10:00:00+03:00"
    assert r.do("use_pass", "A", at(2026, 8, 15, 9, 0)).accepted
    refusal = r.do("use_pass", "A", at(2026, 8, 15, 10, 0)).refusal
    assert refusal is not None and refusal.message == "This pass expired on 15 August."


def test_time_pass_bought_again_extends_from_its_end() -> None:
    r = shop("time_pass")
    r.do("buy_pass", "A", at(2026, 1, 15))
    r.do("buy_pass", "A", at(2026, 6, 1))
    view = member_view(r.rules, r.state("A"), at(2026, 6, 2))  # type: ignore[arg-type]
    # 15 August 2026 + 7 months = 15 March 2027 (winter time, +02:00)
    assert view.valid_until["gym6m"] == "2027-03-15T10:00:00+02:00"
    assert r.do("use_pass", "A", at(2026, 12, 1)).accepted


def test_prepaid_credit_pay_100_get_30() -> None:
    r = shop("prepaid_credit")
    assert r.do("topup", "A", at(2026, 3, 2), amount=10000).accepted
    assert bal(r, "A", CREDIT) == 13000
    assert r.do("spend_credit", "A", at(2026, 3, 3), amount=4550).accepted
    assert bal(r, "A", CREDIT) == 8450
    r.do("topup", "B", at(2026, 3, 2), amount=5000)
    r.do("topup", "C", at(2026, 3, 2), amount=2000)
    assert bal(r, "B", CREDIT) == 6000
    assert bal(r, "C", CREDIT) == 2000
    refusal = r.do("spend_credit", "C", at(2026, 3, 3), amount=2001).refusal
    assert refusal is not None and refusal.message == "Not enough credit: 20.00 EUR on the card."
    small = r.do("topup", "D", at(2026, 3, 3), amount=500).refusal
    assert small is not None and small.message == "The smallest top-up is 10.00 EUR."


# ---- 2. points -----------------------------------------------------------------------


def test_points_worked_example() -> None:
    r = shop("points")  # half_up, welcome 50, threshold 25 at 50.00, double Tue 17-20
    assert r.do("enroll", "A", at(2026, 3, 2, 9)).accepted  # Monday
    assert bal(r, "A", POINTS) == 50
    r.do("purchase", "A", at(2026, 3, 2, 10), amount=1250)  # 12.5 -> 13
    assert bal(r, "A", POINTS) == 63
    r.do("purchase", "A", at(2026, 3, 2, 11), amount=6000)  # 60 + 25
    assert bal(r, "A", POINTS) == 148
    r.do("purchase", "A", at(2026, 3, 3, 18, 30), amount=2000)  # Tuesday evening: 40
    assert bal(r, "A", POINTS) == 188
    assert r.do("coupon", "A", at(2026, 3, 4), detail="social").accepted
    assert bal(r, "A", POINTS) == 208
    again = r.do("coupon", "A", at(2026, 3, 5), detail="SOCIAL").refusal
    assert again is not None and again.code == "bonus_given"
    assert r.do("redeem", "A", at(2026, 3, 5), detail="coffee").accepted
    assert bal(r, "A", POINTS) == 108
    used = r.do("redeem", "A", at(2026, 3, 5, 12), detail="coffee").refusal
    assert used is not None and used.code == "used_today"  # one coffee a day
    cake = r.do("redeem", "A", at(2026, 3, 5), detail="cake").refusal
    assert cake is not None and cake.message == "292 points to go for A cake."


def test_points_reward_already_used_today() -> None:
    r = shop("points")
    r.do("purchase", "A", at(2026, 3, 2, 10), amount=25000)  # 250 + 25 = 275
    assert r.do("redeem", "A", at(2026, 3, 2, 11), detail="coffee").accepted
    refusal = r.do("redeem", "A", at(2026, 3, 2, 23, 59), detail="coffee").refusal
    assert refusal is not None and refusal.code == "used_today"
    assert refusal.message.startswith("Reward already used today")
    assert r.do("redeem", "A", at(2026, 3, 3, 0, 0), detail="coffee").accepted


def test_points_earned_event_names_every_part() -> None:
    r = shop("points")
    r.do("purchase", "A", at(2026, 3, 3, 18), amount=6000)  # Tuesday: 60 base, +60 promo, +25
    event = next(e for e in r.events if e.kind is EventKind.PURCHASE_RECORDED)
    assert event.data["points"] == {"base": 60, "promotion": 60, "threshold": 25}
    assert event.data["promotions"] == ["Double Tuesday evening"]
    assert [p.delta for p in event.postings if p.account == POINTS] == [145]


def test_points_expire_after_twelve_months_first_earned_first() -> None:
    r = shop("points")
    r.do("purchase", "A", at(2026, 3, 2), amount=10000)  # 100 + 25 = 125, expire 2 Mar 2027
    r.do("purchase", "A", at(2026, 9, 1), amount=4000)  # 40, expire 1 Sep 2027
    r.do("redeem", "A", at(2026, 10, 1), detail="coffee")  # -100 from the oldest lot
    state = r.state("A")
    assert state is not None
    view = member_view(r.rules, state, at(2026, 10, 2))
    assert [(e.amount, e.at) for e in view.expiring] == [
        (25, "2027-03-02T10:00:00+02:00"),
        (40, "2027-09-01T10:00:00+03:00"),
    ]
    r.do("purchase", "A", at(2027, 3, 2, 10), amount=100)  # at the very instant: 25 expire first
    expiry = [e for e in r.events if e.kind is EventKind.POINTS_EXPIRED]
    assert expiry[-1].data["expired"]["points"] == 25
    assert bal(r, "A", POINTS) == 41


# ---- 3. tiers ------------------------------------------------------------------------


def test_tiers_0_350_1000_per_calendar_year() -> None:
    r = shop("tiers")
    r.do("purchase", "A", at(2026, 2, 1), amount=30000)
    assert r.rules.tier(r.state("A"), at(2026, 2, 2)).name == "Basic"  # type: ignore[arg-type,union-attr]
    assert bal(r, "A", POINTS) == 300
    r.do("purchase", "A", at(2026, 2, 3), amount=10000)  # earned at Basic, then Silver
    assert bal(r, "A", POINTS) == 400
    state = r.state("A")
    assert r.rules.tier(state, at(2026, 2, 4)).name == "Silver"  # type: ignore[arg-type,union-attr]
    r.do("purchase", "A", at(2026, 2, 5), amount=10000)  # 125 at Silver
    assert bal(r, "A", POINTS) == 525
    r.do("purchase", "A", at(2026, 2, 6), amount=50000)  # 625 at Silver; spend 1000 -> Gold
    view = member_view(r.rules, r.state("A"), at(2026, 2, 7))  # type: ignore[arg-type]
    assert view.tier == "Gold"
    assert view.perks == ("free coffee refill", "5% off every purchase")
    r.do("purchase", "A", at(2026, 2, 8), amount=10000)  # 5% off: pays 95.00, earns 142.5 -> 142
    last = r.events[-1]
    assert last.data["paid"] == 9500 and last.data["discount"] == 500
    assert last.data["points"] == {"base": 95, "tier": 47}


def test_redeeming_points_does_not_drop_the_tier() -> None:
    rules = parse_program(
        {
            "program": {"id": "deli", "version": 2},
            "points": {"reward": [{"id": "ham", "name": "Ham", "points": 400}]},
            "tiers": {
                "level": [{"name": "Basic", "at": "0"}, {"name": "Silver", "at": "350.00"}],
            },
        }
    )
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 5, 1), amount=40000)
    assert r.do("redeem", "A", at(2026, 5, 2), detail="ham").accepted
    state = r.state("A")
    assert state is not None and state.balance(POINTS) == 0
    tier = rules.tier(state, at(2026, 5, 2))
    assert tier is not None and tier.name == "Silver"


# ---- 4. subscription ---------------------------------------------------------------------


def test_subscription_discount_free_item_and_renewal() -> None:
    r = shop("subscription")
    assert r.do("subscribe", "A", at(2026, 3, 2), amount=990).accepted
    assert r.events[-1].kind is EventKind.SUBSCRIPTION_STARTED
    view = member_view(r.rules, r.state("A"), at(2026, 3, 2, 11))  # type: ignore[arg-type]
    assert view.subscriptions == {"club": "2026-04-02T10:00:00+03:00"}
    r.do("purchase", "A", at(2026, 3, 3), amount=2000)
    assert r.events[-1].data["paid"] == 1800 and r.events[-1].data["discount"] == 200
    assert r.do("redeem", "A", at(2026, 3, 3), detail="club").accepted
    refusal = r.do("redeem", "A", at(2026, 3, 8, 23), detail="club").refusal
    assert refusal is not None and refusal.message == (
        "The free coffee of this week is already taken (next from Monday 9 March)."
    )
    assert r.do("redeem", "A", at(2026, 3, 9, 0, 0), detail="club").accepted
    assert r.do("subscribe", "A", at(2026, 3, 20)).accepted
    assert r.events[-1].kind is EventKind.SUBSCRIPTION_RENEWED
    view = member_view(r.rules, r.state("A"), at(2026, 3, 21))  # type: ignore[arg-type]
    assert view.subscriptions == {"club": "2026-05-02T10:00:00+03:00"}
    r.do("purchase", "A", at(2026, 5, 2, 10), amount=2000)  # ended at that instant: full price
    assert r.events[-1].data["paid"] == 2000
    refusal = r.do("redeem", "A", at(2026, 5, 3), detail="club").refusal
    assert refusal is not None and refusal.message == "This subscription expired on 2 May."


# ---- 5. referral -----------------------------------------------------------------------------


def test_referral_both_sides_once_and_no_self_referral() -> None:
    r = shop("referral")
    r.do("purchase", "A", at(2026, 3, 2), amount=1000)  # A is a member with 10 points
    assert r.do("refer", "A", at(2026, 3, 3), detail="B").accepted
    assert bal(r, "A", POINTS) == 30 and bal(r, "B", POINTS) == 20
    r.do("purchase", "B", at(2026, 3, 4), amount=3000)  # 10% off the first purchase
    assert r.events[-1].data["paid"] == 2700
    assert bal(r, "B", POINTS) == 20 + 27
    r.do("purchase", "B", at(2026, 3, 5), amount=3000)  # no second discount
    assert r.events[-1].data["paid"] == 3000
    r.do("purchase", "A", at(2026, 3, 6), amount=5000)  # referrer: 10% off the next one
    assert r.events[-1].data["paid"] == 4500
    again = r.do("refer", "C", at(2026, 3, 7), detail="B").refusal
    assert again is not None and again.code == "already_referred"
    own = r.do("refer", "A", at(2026, 3, 7), detail="A").refusal
    assert own is not None and own.message == "You cannot refer yourself."
    r.do("purchase", "D", at(2026, 3, 7), amount=100)
    old = r.do("refer", "A", at(2026, 3, 8), detail="D").refusal
    assert old is not None and old.code == "not_new"


# ---- 6. cashback -------------------------------------------------------------------------------


def test_cashback_ten_lessons_for_500_credit_25() -> None:
    r = shop("cashback")
    r.do("purchase", "A", at(2026, 3, 2), amount=50000)
    assert bal(r, "A", CREDIT) == 2500
    r.do("purchase", "A", at(2026, 3, 3), amount=999)  # 49.95 cents rounds down to 49
    assert bal(r, "A", CREDIT) == 2549
    assert r.do("spend_credit", "A", at(2026, 3, 4), amount=2549).accepted
    assert bal(r, "A", CREDIT) == 0


# ---- 7. discounts --------------------------------------------------------------------------------


def test_fixed_member_discount() -> None:
    r = shop("discount_fixed")
    r.do("purchase", "A", at(2026, 3, 2), amount=4000)
    assert r.events[-1].data["discount"] == 200 and r.events[-1].data["paid"] == 3800


def test_cumulative_discount_3_5_7() -> None:
    r = shop("discount_cumulative")
    paid = []
    for amount in (20000, 40000, 10000, 50000, 10000):
        r.do("purchase", "A", at(2026, 3, 2) + timedelta(days=len(paid)), amount=amount)
        paid.append(r.events[-1].data["paid"])
    # 200 at 3% -> 194 (total 194); 400 at 3% -> 388 (582); 100 at 5% -> 95 (677);
    # 500 at 5% -> 475 (1152); 100 at 7% -> 93
    assert paid == [19400, 38800, 9500, 47500, 9300]


# ---- 8. coupons --------------------------------------------------------------------------------


def test_single_use_coupon_codes_across_cards() -> None:
    r = shop("coupons")
    assert r.do("coupon", "A", at(2026, 6, 1), detail="summer-0001").accepted
    assert bal(r, "A", "stamps:cone") == 1
    used = r.do("coupon", "B", at(2026, 6, 2), detail="SUMMER-0001").refusal
    assert used is not None and used.message == "This coupon was already used."
    assert r.do("coupon", "B", at(2026, 6, 2), detail="NEWS-7").accepted
    r.do("purchase", "B", at(2026, 6, 3), amount=1000)
    assert r.events[-1].data["paid"] == 850
    late = r.do("coupon", "C", at(2026, 9, 1), detail="SUMMER-0002").refusal
    assert late is not None and late.message == "This coupon expired on 31 August."
    bogus = r.do("coupon", "C", at(2026, 6, 1), detail="NEWS-1").refusal
    assert bogus is not None and bogus.code == "unknown_coupon"


# ---- rules every program needs -------------------------------------------------------------------


def test_welcome_bonus_once() -> None:
    r = shop("points")
    r.do("enroll", "A", at(2026, 3, 2))
    again = r.do("enroll", "A", at(2026, 3, 3)).refusal
    assert again is not None and again.code == "already_member"
    assert bal(r, "A", POINTS) == 50


def test_welcome_on_first_visit() -> None:
    rules = parse_program(
        {
            "program": {"id": "w", "version": 1},
            "points": {},
            "welcome": {"points": 10, "on": "first_visit"},
        }
    )
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 3, 2), amount=500)
    r.do("purchase", "A", at(2026, 3, 3), amount=500)
    assert bal(r, "A", POINTS) == 10 + 5 + 5


def test_promotions_cooldown_and_daily_cap() -> None:
    r = shop("promotions")
    assert r.do("visit", "A", at(2026, 3, 2, 9, 0, 0)).accepted
    cool = r.do("visit", "A", at(2026, 3, 2, 9, 1, 59)).refusal
    assert cool is not None and cool.code == "cooldown" and cool.params["seconds"] == 1
    assert r.do("visit", "A", at(2026, 3, 2, 9, 2, 0)).accepted  # exactly 120 s later
    cap = r.do("visit", "A", at(2026, 3, 2, 15)).refusal
    assert cap is not None and cap.code == "daily_cap"
    assert cap.message == "Daily limit reached: 2 visits a day count on one card."
    assert r.do("visit", "A", at(2026, 3, 3, 0, 0)).accepted
    r.do("purchase", "B", at(2026, 4, 3, 12), amount=1000)  # launch week: triple
    assert bal(r, "B", POINTS) == 30
    r.do("visit", "B", at(2026, 4, 3, 12, 5))
    assert bal(r, "B", "stamps:visits") == 3
    r.do("purchase", "C", at(2026, 3, 8, 12), amount=1000)  # Sunday: +10
    assert bal(r, "C", POINTS) == 20


def test_program_version_is_recorded_and_history_kept() -> None:
    v1 = parse_program({"program": {"id": "p", "version": 1}, "points": {"per_unit": 1}})
    v2 = parse_program({"program": {"id": "p", "version": 2}, "points": {"per_unit": 2}})
    r = Replay(v1)
    r.do("purchase", "A", at(2026, 3, 2), amount=1000)
    r.rules = v2
    r.do("purchase", "A", at(2026, 3, 3), amount=1000)
    kinds = [(e.program, e.data.get("points")) for e in r.events if e.kind is EventKind.PURCHASE_RECORDED]
    assert kinds == [("p@1", {"base": 10}), ("p@2", {"base": 20})]
    assert bal(r, "A", POINTS) == 30
