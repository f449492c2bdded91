"""The fold takes an expiry once, whichever kiosk's copy comes first, and names double
uses (pure: events made with two kiosks' stampers, folded in either order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

from kiosk.domain.events import POINTS, Event, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.member import MemberState, apply, fold
from kiosk.domain.programs.engine import COUPON_USED

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
M = "member-1"


def stamp(stamper: Stamper, draft: EventDraft, at: datetime) -> tuple[Stamper, Event]:
    return stamper.stamp(draft, at, b"\x00" * 10)


def test_two_kiosks_closing_the_same_lot_take_it_once_in_any_order() -> None:
    a, b = Stamper("ka", "boot"), Stamper("kb", "boot")
    a, earned = stamp(
        a, EventDraft(EventKind.POINTS_EARNED, M, (Posting(POINTS, 100, "2027-03-02T10:00:00+00:00"),)), T0
    )
    a, later = stamp(
        a,
        EventDraft(EventKind.POINTS_EARNED, M, (Posting(POINTS, 40, "2027-09-01T10:00:00+00:00"),)),
        T0 + timedelta(days=1),
    )
    year = T0 + timedelta(days=400)
    a, close_a = stamp(
        a,
        EventDraft(
            EventKind.POINTS_EXPIRED,
            M,
            (Posting(POINTS, -100),),
            {"lots": [[POINTS, earned.id, "2027-03-02T10:00:00+00:00", "e1"]]},
        ),
        year,
    )
    b, close_b = stamp(
        b,
        EventDraft(
            EventKind.POINTS_EXPIRED,
            M,
            (Posting(POINTS, -100),),
            {"lots": [[POINTS, earned.id, "2027-03-02T10:00:00+00:00", "e1"]]},
        ),
        year + timedelta(hours=1),
    )
    results = set()
    for order in permutations([close_a, close_b]):
        state = fold(M, [earned, later, *order])
        results.add((state.balance(POINTS), tuple(lot.amount for lot in state.lots[POINTS])))
    assert results == {(40, (40,))}  # the later lot is untouched, never negative


def test_a_lot_spent_meanwhile_loses_only_its_rest() -> None:
    a = Stamper("ka", "boot")
    a, earned = stamp(
        a, EventDraft(EventKind.POINTS_EARNED, M, (Posting(POINTS, 100, "2027-03-02T10:00:00+00:00"),)), T0
    )
    a, spent = stamp(
        a, EventDraft(EventKind.REWARD_REDEEMED, M, (Posting(POINTS, -30),)), T0 + timedelta(days=2)
    )
    a, closed = stamp(
        a,
        EventDraft(
            EventKind.POINTS_EXPIRED,
            M,
            (Posting(POINTS, -100),),
            {"lots": [[POINTS, earned.id, "2027-03-02T10:00:00+00:00", "e1"]]},
        ),
        T0 + timedelta(days=400),
    )
    state = fold(M, [earned, spent, closed])
    assert state.balance(POINTS) == 0 and state.overdrawn == () and state.conflicts == ()


def test_a_capped_use_past_its_cap_is_a_conflict_naming_both_kiosks() -> None:
    a, b = Stamper("ka", "boot"), Stamper("kb", "boot")
    used = EventDraft(
        EventKind.COUPON_REDEEMED,
        "coupon:NEWS-7",
        (Posting(COUPON_USED, 1),),
        {"caps": {COUPON_USED: 1}, "by": "m1"},
    )
    a, first = stamp(a, used, T0)
    b, second = stamp(
        b,
        EventDraft(used.kind, used.member, used.postings, {**used.data, "by": "m2"}),
        T0 + timedelta(minutes=5),
    )
    state = apply(apply(MemberState("coupon:NEWS-7"), first), second)
    (conflict,) = state.conflicts
    assert (conflict.event, conflict.kiosk, conflict.member, conflict.limit) == (second.id, "kb", "m2", 1)
    assert conflict.earlier is not None and (conflict.earlier.event, conflict.earlier.kiosk) == (
        first.id,
        "ka",
    )
    assert state.open_conflicts == (conflict,)
    # one use is no conflict
    assert apply(MemberState("coupon:NEWS-7"), first).conflicts == ()
