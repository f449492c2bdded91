"""Boundaries: instants, midnights in the shop's zone, daylight saving, cooldowns, rounding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.events import CREDIT, POINTS
from kiosk.domain.program import member_view, parse_program
from kiosk.domain.programs.engine import ProgramRules, live
from kiosk.domain.simulate import Replay

HEL = ZoneInfo("Europe/Helsinki")


def at(y: int, mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=HEL)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def program(**tables: Any) -> ProgramRules:
    doc: dict[str, Any] = {"program": {"id": "t", "version": 1, "timezone": "Europe/Helsinki"}}
    doc.update(tables)
    return parse_program(doc)


def points_of(r: Replay, card: str) -> int:
    state = r.state(card)
    assert state is not None
    return state.balance(POINTS)


# ---- expiry exactly at the instant ---------------------------------------------------------


def test_points_spendable_until_the_instant_they_expire() -> None:
    rules = program(points={"expire_months": 12, "reward": [{"id": "r", "name": "R", "points": 10}]})
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 3, 2, 10), amount=1000)
    assert r.do("redeem", "A", at(2027, 3, 2, 9, 59, 59), detail="r").accepted
    r.do("purchase", "B", at(2026, 3, 2, 10), amount=1000)
    refusal = r.do("redeem", "B", at(2027, 3, 2, 10, 0, 0), detail="r").refusal
    assert refusal is not None and refusal.message.startswith("10 points to go")
    state = r.state("B")
    assert state is not None
    assert live(state, POINTS, at(2027, 3, 2, 9, 59, 59)) == 10
    assert live(state, POINTS, at(2027, 3, 2, 10)) == 0


def test_expiry_is_visible_ahead_of_time() -> None:
    rules = program(points={"expire_months": 12})
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 1, 31, 12), amount=700)
    view = member_view(rules, r.state("A"), at(2026, 6, 1))  # type: ignore[arg-type]
    assert [(e.account, e.amount, e.at) for e in view.expiring] == [
        ("points", 7, "2027-01-31T12:00:00+02:00")
    ]


def test_month_end_expiry_clamps_to_the_last_day() -> None:
    rules = program(points={"expire_months": 1})
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 1, 31, 12), amount=700)
    view = member_view(rules, r.state("A"), at(2026, 2, 1))  # type: ignore[arg-type]
    assert view.expiring[0].at == "2026-02-28T12:00:00+02:00"


# ---- tier window closing at midnight, shop time ------------------------------------------------

TIERS = {
    "level": [
        {"name": "Basic", "at": "0"},
        {"name": "Silver", "at": "350.00"},
        {"name": "Gold", "at": "1000.00"},
    ]
}


def test_calendar_year_tier_window_closes_at_local_midnight() -> None:
    rules = program(tiers=TIERS)
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 12, 31, 23, 0), amount=100000)
    state = r.state("A")
    assert state is not None
    gold = rules.tier(state, at(2026, 12, 31, 23, 59, 59))
    assert gold is not None and gold.name == "Gold"
    # 2026-12-31 22:00 UTC is midnight in Helsinki: the window has closed
    assert rules.tier(state, utc(2026, 12, 31, 21, 59)).name == "Gold"  # type: ignore[union-attr]
    assert rules.tier(state, utc(2026, 12, 31, 22, 0)).name == "Basic"  # type: ignore[union-attr]
    # the ledger closes the window with an event the next time the card acts
    r.do("purchase", "A", at(2027, 1, 1, 0, 0), amount=100)
    assert r.events[-2].kind.value == "window_closed"
    assert r.events[-1].data["tier"] == "Basic"


def test_rolling_window_keeps_twelve_months() -> None:
    rules = program(tiers={**TIERS, "window": "rolling", "months": 12})
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 3, 2, 10), amount=40000)
    state = r.state("A")
    assert state is not None
    assert rules.tier(state, at(2027, 3, 2, 9, 59)).name == "Silver"  # type: ignore[union-attr]
    assert rules.tier(state, at(2027, 3, 2, 10, 0)).name == "Basic"  # type: ignore[union-attr]


def test_visits_tier() -> None:
    rules = program(
        stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 10}],
        visits={"cooldown_seconds": 0},
        tiers={"measure": "visits", "level": [{"name": "New", "at": 0}, {"name": "Regular", "at": 3}]},
    )
    r = Replay(rules)
    for day in (2, 3, 4):
        r.do("visit", "A", at(2026, 3, day))
    assert rules.tier(r.state("A"), at(2026, 3, 5)).name == "Regular"  # type: ignore[arg-type,union-attr]


# ---- double points crossing midnight, and daylight saving --------------------------------------

LATE_FRIDAY = {
    "points": {},
    "promotion": [{"name": "Late Friday", "percent": 200, "days": ["fri"], "from": "22:00", "to": "02:00"}],
}


@pytest.mark.parametrize(
    ("when", "points"),
    [
        (at(2026, 3, 6, 21, 59, 59), 10),  # Friday, before
        (at(2026, 3, 6, 22, 0), 20),  # Friday 22:00: starts
        (at(2026, 3, 6, 23, 59, 59), 20),
        (at(2026, 3, 7, 0, 0), 20),  # Saturday after midnight: still Friday's promotion
        (at(2026, 3, 7, 1, 59, 59), 20),
        (at(2026, 3, 7, 2, 0), 10),  # ends
        (at(2026, 3, 5, 23, 0), 10),  # Thursday night
        (at(2026, 3, 7, 23, 0), 10),  # Saturday night
        (at(2026, 3, 8, 1, 0), 10),  # Sunday early: Saturday did not start one
    ],
)
def test_double_points_hours_cross_midnight(when: datetime, points: int) -> None:
    r = Replay(program(**LATE_FRIDAY))
    r.do("purchase", "A", when, amount=1000)
    assert points_of(r, "A") == points


def test_promotion_hours_are_shop_time_not_utc() -> None:
    r = Replay(program(**LATE_FRIDAY))
    r.do("purchase", "A", utc(2026, 3, 6, 20, 30), amount=1000)  # 22:30 in Helsinki
    assert points_of(r, "A") == 20


def test_double_points_across_the_autumn_clock_change() -> None:
    # Sunday 25 October 2026: 04:00 EEST becomes 03:00 EET, 03:30 happens twice
    rules = program(
        points={},
        promotion=[{"name": "Night", "percent": 200, "days": ["sun"], "from": "03:00", "to": "04:00"}],
    )
    r = Replay(rules)
    r.do("purchase", "A", utc(2026, 10, 25, 0, 30), amount=1000)  # 03:30 EEST
    r.do("purchase", "B", utc(2026, 10, 25, 1, 30), amount=1000)  # 03:30 EET
    r.do("purchase", "C", utc(2026, 10, 25, 2, 0), amount=1000)  # 04:00 EET
    assert (points_of(r, "A"), points_of(r, "B"), points_of(r, "C")) == (20, 20, 10)


def test_daily_cap_resets_at_local_midnight_on_a_23_hour_day() -> None:
    # Sunday 29 March 2026 has 23 hours in Helsinki
    rules = program(
        stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 10}],
        visits={"cooldown_seconds": 0, "daily_cap": 1},
    )
    r = Replay(rules)
    assert r.do("visit", "A", at(2026, 3, 29, 0, 30)).accepted
    refused = r.do("visit", "A", at(2026, 3, 29, 23, 30)).refusal
    assert refused is not None and refused.code == "daily_cap"
    assert r.do("visit", "A", at(2026, 3, 30, 0, 0)).accepted


def test_day_based_expiry_keeps_local_time_across_spring_forward() -> None:
    rules = program(stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 1, "expire_days": 1}])
    r = Replay(rules)
    r.do("visit", "A", at(2026, 3, 28, 12))  # +02:00
    state = r.state("A")
    assert state is not None
    assert state.lots["stamps:c"][0].expires_at == "2026-03-29T09:00:00+00:00"  # 12:00 +03:00
    assert r.do("redeem", "A", at(2026, 3, 29, 11, 59)).accepted


# ---- cooldown of exactly N seconds ----------------------------------------------------------------


def test_cooldown_of_exactly_n_seconds() -> None:
    rules = program(
        stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 10}],
        visits={"cooldown_seconds": 60},
    )
    r = Replay(rules)
    start = at(2026, 3, 2, 9)
    assert r.do("visit", "A", start).accepted
    nearly = r.do("visit", "A", start + timedelta(seconds=59, milliseconds=999)).refusal
    assert nearly is not None and nearly.code == "cooldown" and nearly.params["seconds"] == 1
    assert r.do("visit", "A", start + timedelta(seconds=60)).accepted
    state = r.state("A")
    assert state is not None and state.balance("stamps:c") == 2


def test_zero_cooldown_counts_every_tap() -> None:
    rules = program(
        stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 10}],
        visits={"cooldown_seconds": 0},
    )
    r = Replay(rules)
    now = at(2026, 3, 2, 9)
    assert r.do("visit", "A", now).accepted and r.do("visit", "A", now).accepted


# ---- rounding of 0.5 units --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("down", (12, 13)),
        ("up", (13, 14)),
        ("half_up", (13, 14)),
        ("half_even", (12, 14)),
    ],
)
def test_rounding_of_half_a_unit(rule: str, expected: tuple[int, int]) -> None:
    r = Replay(program(points={"rounding": rule}))
    r.do("purchase", "A", at(2026, 3, 2), amount=1250)
    r.do("purchase", "B", at(2026, 3, 2), amount=1350)
    assert (points_of(r, "A"), points_of(r, "B")) == expected


def test_rounding_applies_once_to_the_multiplied_amount() -> None:
    # 1.5 points per unit on 3.00 with a 125% tier would be 5.625 -> down 5 (not 4 x 1.25)
    rules = program(
        points={"per_unit": "1.5", "rounding": "down"},
        tiers={"level": [{"name": "B", "at": "0", "earn_percent": 125}]},
    )
    r = Replay(rules)
    r.do("purchase", "A", at(2026, 3, 2), amount=300)
    assert points_of(r, "A") == 5
    assert r.events[-1].data["points"] == {"base": 4, "tier": 1}


@pytest.mark.parametrize(("rule", "credit"), [("down", 0), ("half_up", 1), ("half_even", 0), ("up", 1)])
def test_cashback_rounding_of_half_a_cent(rule: str, credit: int) -> None:
    r = Replay(program(cashback={"percent": 5, "rounding": rule}))
    r.do("purchase", "A", at(2026, 3, 2), amount=10)  # 5% of 0.10 = 0.5 cents
    state = r.state("A")
    assert state is not None and state.balance(CREDIT) == credit


def test_discount_rounds_half_a_cent_up() -> None:
    r = Replay(program(discount={"percent": 5}))
    r.do("purchase", "A", at(2026, 3, 2), amount=10)
    assert r.events[-1].data["discount"] == 1 and r.events[-1].data["paid"] == 9


# ---- program term ---------------------------------------------------------------------------------


def test_fixed_term_program_refuses_earning_outside_it_but_lets_rewards_be_claimed() -> None:
    rules = parse_program(
        {
            "program": {"id": "t", "version": 1, "starts": "2026-03-01", "ends": "2026-03-31"},
            "stamp_card": [{"id": "c", "name": "C", "reward": "r", "reward_at": 1}],
            "visits": {"cooldown_seconds": 0},
        }
    )
    r = Replay(rules)
    early = r.do("visit", "A", at(2026, 2, 28, 23, 59)).refusal
    assert early is not None and early.message == "The program starts on 1 March."
    assert r.do("visit", "A", at(2026, 3, 31, 23, 59)).accepted
    late = r.do("visit", "A", at(2026, 4, 1, 0, 0)).refusal
    assert late is not None and late.message == "The program ended on 31 March."
    assert r.do("redeem", "A", at(2026, 4, 2)).accepted
