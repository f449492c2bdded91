"""The hybrid logical clock keeps events ordered whatever the Pi's clock says."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.events import EventDraft, EventKind, Stamper
from kiosk.domain.ids import uuid7, uuid7_time_ms

DAY_MS = 24 * 3600 * 1000
NOW_MS = int(datetime(2026, 11, 23, 12, tzinfo=UTC).timestamp() * 1000)


def ticks(clock: HybridLogicalClock, walls: list[int]) -> list[HlcTimestamp]:
    out = []
    for wall in walls:
        clock, ts = clock.tick(wall)
        out.append(ts)
    return out


def test_clock_stuck_in_1970_still_orders_events() -> None:
    stamps = ticks(HybridLogicalClock("k1"), [0] * 50)
    assert stamps == sorted(stamps)
    assert len({s.encode() for s in stamps}) == 50
    assert [s.counter for s in stamps[:3]] == [1, 2, 3]


def test_clock_jumping_back_a_day_keeps_order() -> None:
    walls = [NOW_MS, NOW_MS + 1000, NOW_MS - DAY_MS, NOW_MS - DAY_MS + 1000]
    stamps = ticks(HybridLogicalClock("k1"), walls)
    assert stamps == sorted(stamps)
    # after the jump the clock holds the last wall time and counts
    assert stamps[2].wall_ms == NOW_MS + 1000 and stamps[2].counter == 1


def test_clock_jumping_forward_a_year_then_corrected() -> None:
    year = 365 * DAY_MS
    stamps = ticks(HybridLogicalClock("k1"), [NOW_MS, NOW_MS + year, NOW_MS + 2000])
    assert stamps == sorted(stamps)
    assert stamps[1].wall_ms == NOW_MS + year


def test_observe_moves_past_remote_but_ignores_absurd_clocks() -> None:
    local = HybridLogicalClock("a")
    local, _ = local.tick(NOW_MS)
    remote = HlcTimestamp(NOW_MS + 5000, 7, "b")
    moved = local.observe(remote, NOW_MS)
    _, after = moved.tick(NOW_MS)
    assert after > remote
    absurd = HlcTimestamp(NOW_MS + 10 * 365 * DAY_MS, 0, "c")
    assert local.observe(absurd, NOW_MS) == local


@given(st.lists(st.integers(min_value=0, max_value=2**44), min_size=1, max_size=60))
def test_hlc_is_monotonic_for_any_wall_clock(walls: list[int]) -> None:
    stamps = ticks(HybridLogicalClock("k"), walls)
    assert all(a < b for a, b in itertools.pairwise(stamps))
    encoded = [s.encode() for s in stamps]
    assert encoded == sorted(encoded)
    assert [HlcTimestamp.decode(e) for e in encoded] == stamps


def test_uuid7_layout_and_time() -> None:
    value = uuid7(NOW_MS, bytes(range(10)))
    assert value.version == 7
    assert value.variant == "specified in RFC 4122"
    assert uuid7_time_ms(value) == NOW_MS


def test_stamper_ids_follow_the_hybrid_clock_even_in_1970() -> None:
    stamper = Stamper(kiosk="k1", boot="b")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    events = []
    for i in range(20):
        stamper, event = stamper.stamp(EventDraft(EventKind.VISIT_STAMPED, "m"), epoch, bytes([i] * 10))
        events.append(event)
    assert [e.seq for e in events] == list(range(1, 21))
    assert [e.hlc for e in events] == sorted(e.hlc for e in events)
    # chain: each event names the previous one's hash
    assert all(b.prev == a.hash for a, b in itertools.pairwise(events))
    # a clock jumping back still gives increasing timestamps
    _stamper2, late = stamper.stamp(
        EventDraft(EventKind.VISIT_STAMPED, "m"), epoch - timedelta(days=1), bytes(10)
    )
    assert late.hlc > events[-1].hlc
