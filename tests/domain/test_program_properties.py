"""Properties of the engine over random activity (hypothesis).

* it never creates value from nothing: every point it adds is named in the event (base,
  tier, promotion, threshold, welcome, referral, coupon, bonus), and points out
  (redeemed + expired) never exceed points in; balances never go below zero;
* refusing leaves the state unchanged;
* the same action id applied twice is applied once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.events import CREDIT, POINTS, EventKind
from kiosk.domain.member import balances_view
from kiosk.domain.program import parse_program
from kiosk.domain.programs.engine import named_points
from kiosk.domain.rules import Action, ActionKind
from kiosk.domain.simulate import Replay

HEL = ZoneInfo("Europe/Helsinki")
START = datetime(2026, 1, 1, 8, 0, tzinfo=HEL)

EVERYTHING = parse_program(
    {
        "program": {"id": "all", "version": 1},
        "visits": {"cooldown_seconds": 30, "daily_cap": 3},
        "stamp_card": [
            {"id": "coffee", "name": "Coffee", "reward": "a coffee", "reward_at": 5, "expire_days": 90},
            {"id": "lunch", "name": "Lunch", "reward": "a lunch", "reward_at": 3, "earn_on": "purchase"},
        ],
        "visit_card": [
            {"id": "ten", "name": "10-card", "price": "50.00", "uses": 10, "bonus_uses": 1, "valid_days": 60}
        ],
        "time_pass": [{"id": "month", "name": "Month pass", "price": "40.00", "months": 1}],
        "credit": {"bonus": [{"min_topup": "20.00", "bonus": "5.00"}]},
        "points": {
            "per_unit": "1.5",
            "rounding": "half_even",
            "expire_months": 3,
            "threshold": [{"min_purchase": "30.00", "bonus": 7}],
            "reward": [
                {"id": "cookie", "name": "Cookie", "points": 15, "per_day": 1},
                {"id": "mug", "name": "Mug", "points": 60},
            ],
        },
        "tiers": {
            "window": "rolling",
            "months": 2,
            "level": [
                {"name": "Basic", "at": "0"},
                {"name": "Silver", "at": "100.00", "earn_percent": 150, "discount_percent": 3},
            ],
        },
        "subscription": [
            {
                "id": "club",
                "name": "Club",
                "price": "9.00",
                "discount_percent": 10,
                "free_item": "tea",
                "free_per_week": 1,
            }
        ],
        "referral": {"referrer_points": 5, "referred_points": 5, "referred_discount_percent": 10},
        "cashback": {"percent": "2.5", "rounding": "half_up"},
        "discount": {"step": [{"from_spend": "0", "percent": 1}, {"from_spend": "200.00", "percent": 4}]},
        "coupon": [{"id": "c", "name": "C", "codes": ["X1", "X2"], "points": 4, "discount_percent": 5}],
        "bonus_action": [{"id": "social", "name": "Social", "points": 3, "once_per": "month"}],
        "welcome": {"points": 10},
        "promotion": [{"name": "Night", "percent": 200, "from": "22:00", "to": "02:00"}],
    }
)

CARDS = ("AAAA", "BBBB", "CCCC")
DETAILS: dict[ActionKind, tuple[str | None, ...]] = {
    ActionKind.REDEEM: ("coffee", "lunch", "cookie", "mug", "club", "nope", None),
    ActionKind.BUY_PASS: ("ten", "month"),
    ActionKind.USE_PASS: ("ten", "month", None),
    ActionKind.REFER: CARDS,
    ActionKind.SUBSCRIBE: ("club",),
    ActionKind.COUPON: ("X1", "X2", "social", "bogus"),
}
PRICES = {"ten": 5000, "month": 4000, "club": 900}

step = st.tuples(
    st.sampled_from(list(ActionKind)),
    st.sampled_from(CARDS),
    st.integers(min_value=0, max_value=60 * 60 * 24 * 20),  # seconds after the previous step
    st.one_of(st.none(), st.integers(min_value=1, max_value=20000)),
    st.integers(min_value=0, max_value=6),
)


def build(raw: tuple[ActionKind, str, int, int | None, int], now: datetime) -> tuple[Action, datetime]:
    kind, card, gap, amount, pick = raw
    details = DETAILS.get(kind, (None,))
    detail = details[pick % len(details)]
    if kind in (ActionKind.BUY_PASS, ActionKind.SUBSCRIBE) and detail is not None:
        amount = PRICES[detail]
    return Action(kind, card, amount, detail), now + timedelta(seconds=gap)


def points_in_and_out(r: Replay) -> tuple[int, int, int]:
    # events carry the ``data`` of the drafts that made them
    named = sum(sum(named_points(e).values()) for e in r.events)
    added = sum(p.delta for e in r.events for p in e.postings if p.account == POINTS and p.delta > 0)
    taken = -sum(p.delta for e in r.events for p in e.postings if p.account == POINTS and p.delta < 0)
    return named, added, taken


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=40))
def test_never_creates_value_from_nothing(steps: list[tuple[ActionKind, str, int, int | None, int]]) -> None:
    r = Replay(EVERYTHING)
    now = START
    for raw in steps:
        action, now = build(raw, now)
        r.act(action, now)
        for state in r.states.values():
            for account in (POINTS, CREDIT, "stamps:coffee", "stamps:lunch", "pass:ten"):
                assert state.balance(account) >= 0, (account, state.balances)
    r.settle(now + timedelta(days=400))
    named, added, taken = points_in_and_out(r)
    assert added == named  # every point added has a name
    assert taken <= added  # points out (redeemed + expired) never exceed points in
    for e in r.events:
        if e.kind is EventKind.PURCHASE_RECORDED:
            assert 0 <= e.data["paid"] <= e.data["amount"]
            assert e.data.get("cashback", 0) <= e.data["paid"]
    # after everything expired, no spendable points are left
    assert all(s.balance(POINTS) == 0 for s in r.states.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=30))
def test_refusing_leaves_state_unchanged(steps: list[tuple[ActionKind, str, int, int | None, int]]) -> None:
    r = Replay(EVERYTHING)
    now = START
    for raw in steps:
        action, now = build(raw, now)
        before = {m: balances_view(s) for m, s in r.states.items()}
        count = len(r.events)
        state = r.state(action.card or "")
        if state is not None:
            decision = EVERYTHING.decide(state, action, now, other=r.state(action.detail or ""))
            if not decision.accepted:
                assert decision.drafts == ()
        decision, events = r.act(action, now)
        if not decision.accepted:
            assert events == [] and len(r.events) == count
            assert {m: balances_view(s) for m, s in r.states.items()} == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25), st.integers(min_value=0, max_value=24))
def test_same_action_id_applied_once(
    steps: list[tuple[ActionKind, str, int, int | None, int]], which: int
) -> None:
    once, twice = Replay(EVERYTHING), Replay(EVERYTHING)
    now = START
    repeat = which % len(steps)
    for i, raw in enumerate(steps):
        action, now = build(raw, now)
        action = Action(action.kind, action.card, action.amount_cents, action.detail, action_id=f"sale-{i}")
        first_once, _ = once.act(action, now)
        first, _ = twice.act(action, now)
        assert first.accepted == first_once.accepted
        if i == repeat and first.accepted:
            # the same sale processed again, a second later (an offline order syncing twice)
            again, events = twice.act(action, now + timedelta(seconds=1))
            assert not again.accepted and events == []
            assert again.refusal is not None and again.refusal.code in ("duplicate", "already_member")
    assert {m: s.balances for m, s in once.states.items()} == {m: s.balances for m, s in twice.states.items()}


def test_same_sale_twice_does_not_double_points() -> None:
    r = Replay(parse_program({"program": {"id": "p", "version": 1}, "points": {}}))
    sale = Action(ActionKind.PURCHASE, "AAAA", 2000, action_id="receipt-118")
    assert r.act(sale, START)[0].accepted
    decision, _ = r.act(sale, START + timedelta(hours=3))
    assert decision.refusal is not None and decision.refusal.code == "duplicate"
    state = r.state("AAAA")
    assert state is not None and state.balance(POINTS) == 20
    assert r.events[-1].data["action"] == "receipt-118"
