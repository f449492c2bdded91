"""Events, their validation, and the fold: deterministic, idempotent, undo-exact."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.events import (
    CREDIT,
    POINTS,
    STAMPS,
    Event,
    EventDraft,
    EventKind,
    Posting,
    Stamper,
    check_event_dict,
    event_from_dict,
)
from kiosk.domain.member import ERASED, MemberState, apply, balances_view, fold, from_doc, to_doc
from kiosk.domain.money import format_amount, parse_amount, whole_units
from kiosk.errors import EventFormatError, InvalidInput

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
MEMBER = "m-1"


def make_events(drafts: list[EventDraft], kiosk: str = "k1") -> list[Event]:
    stamper = Stamper(kiosk=kiosk, boot="boot")
    out = []
    for i, draft in enumerate(drafts):
        stamper, event = stamper.stamp(draft, T0 + timedelta(minutes=i), bytes([i % 256] * 10))
        out.append(event)
    return out


def test_event_round_trips_through_json_form() -> None:
    [event] = make_events(
        [
            EventDraft(
                EventKind.PURCHASE_RECORDED,
                MEMBER,
                (Posting(POINTS, 12, "2027-05-01T00:00:00+00:00"),),
                {"amount": 1250},
                card="04AA",
                actor="staff-1",
            )
        ]
    )
    again = event_from_dict(event.to_dict())
    assert again == event


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "points_printed"),
        ("seq", 0),
        ("seq", "1"),
        ("wall", "yesterday"),
        ("wall", "2026-05-01T12:00:00"),
        ("postings", [["points", 1.5]]),
        ("postings", "x"),
        ("member", ""),
        ("hash", "0" * 32),
        ("data", ["not", "an", "object"]),
        ("card", ""),
        ("actor", 7),
        ("reverses", ["x"]),
    ],
)
def test_malformed_events_name_the_field(field: str, value: object) -> None:
    [event] = make_events([EventDraft(EventKind.VISIT_STAMPED, MEMBER)])
    raw = event.to_dict()
    raw[field] = value
    with pytest.raises(EventFormatError) as info:
        event_from_dict(raw)
    assert info.value.field is not None
    assert field in info.value.field or info.value.field == "hash"


class _Text(str):
    """Text that is not exactly ``str``."""


def test_events_in_other_mapping_and_text_types_are_checked_as_json_ones() -> None:
    """check_event_dict passes JSON's own dicts, lists and text on exact-type tests; other
    mappings and text types get the general tests and are taken or refused as before."""
    [event] = make_events([EventDraft(EventKind.POINTS_EARNED, MEMBER, (Posting(POINTS, 5),), data={"n": 1})])
    raw = event.to_dict()
    odd = MappingProxyType({**raw, "member": _Text(MEMBER), "data": MappingProxyType({"n": 1})})
    assert event_from_dict(odd) == event
    check_event_dict(odd)
    for value in (None, ["id"], "text"):
        with pytest.raises(EventFormatError) as info:
            check_event_dict(value)
        assert info.value.field == "<event>"
    with pytest.raises(EventFormatError) as info:
        check_event_dict({**raw, "postings": tuple(raw["postings"])})
    assert info.value.field == "postings"


def test_card_replacement_keeps_the_balance() -> None:
    events = make_events(
        [
            EventDraft(EventKind.MEMBER_CREATED, MEMBER, data={"card": "OLD1"}),
            EventDraft(EventKind.VISIT_STAMPED, MEMBER, (Posting(STAMPS, 1),)),
            EventDraft(EventKind.CREDIT_TOPPED_UP, MEMBER, (Posting(CREDIT, 5000),)),
            EventDraft(EventKind.CARD_REPLACED, MEMBER, data={"old": "OLD1", "new": "NEW1"}),
            EventDraft(EventKind.CARD_LINKED, MEMBER, data={"card": "FOB1"}),
        ]
    )
    state = fold(MEMBER, events)
    assert state.cards == ("NEW1", "FOB1")
    assert state.retired_cards == ("OLD1",)
    assert state.balance(STAMPS) == 1 and state.balance(CREDIT) == 5000


def test_expiring_points_are_consumed_first_expiring_first() -> None:
    early, late = "2026-06-01T00:00:00+00:00", "2026-09-01T00:00:00+00:00"
    events = make_events(
        [
            EventDraft(EventKind.POINTS_EARNED, MEMBER, (Posting(POINTS, 10, late),)),
            EventDraft(EventKind.POINTS_EARNED, MEMBER, (Posting(POINTS, 5, early),)),
            EventDraft(EventKind.REWARD_REDEEMED, MEMBER, (Posting(POINTS, -7),)),
        ]
    )
    state = fold(MEMBER, events)
    assert state.balance(POINTS) == 8
    assert [(lot.amount, lot.expires_at) for lot in state.expiring(POINTS)] == [(8, late)]


def test_erasure_closes_the_member() -> None:
    events = make_events(
        [
            EventDraft(EventKind.MEMBER_CREATED, MEMBER, data={"card": "C1"}),
            EventDraft(EventKind.CONSENT_GIVEN, MEMBER, data={"scope": "program", "wording": "v1"}),
            EventDraft(EventKind.MEMBER_ENROLLED, MEMBER),
            EventDraft(EventKind.MEMBER_ERASED, MEMBER),
        ]
    )
    state = fold(MEMBER, events)
    assert state.status == ERASED and state.cards == () and state.consents == {}


def test_overdraft_from_two_offline_redemptions_is_visible() -> None:
    a = make_events([EventDraft(EventKind.VISIT_STAMPED, MEMBER, (Posting(STAMPS, 10),))], kiosk="ka")
    b = make_events([EventDraft(EventKind.REWARD_REDEEMED, MEMBER, (Posting(STAMPS, -10),))], kiosk="kb")
    c = make_events([EventDraft(EventKind.REWARD_REDEEMED, MEMBER, (Posting(STAMPS, -10),))], kiosk="kc")
    state = fold(MEMBER, [*a, *b, *c])
    assert state.balance(STAMPS) == -10
    assert state.overdrawn == (STAMPS,)


# ---- property tests ---------------------------------------------------------------------

ACCOUNTS = st.sampled_from([STAMPS, POINTS, CREDIT, "stamps:coffee"])
POSTINGS = st.lists(st.builds(Posting, ACCOUNTS, st.integers(-50, 50)), max_size=3)
KINDS = st.sampled_from(
    [
        EventKind.VISIT_STAMPED,
        EventKind.PURCHASE_RECORDED,
        EventKind.CREDIT_SPENT,
        EventKind.REWARD_REDEEMED,
        EventKind.CONSENT_GIVEN,
        EventKind.CARD_LINKED,
    ]
)
DRAFTS = st.lists(
    st.builds(
        lambda kind, postings, card: EventDraft(kind, MEMBER, tuple(postings), {"card": card}),
        KINDS,
        POSTINGS,
        st.sampled_from(["C1", "C2", "C3"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(DRAFTS)
def test_folding_is_deterministic(drafts: list[EventDraft]) -> None:
    events = make_events(drafts)
    assert fold(MEMBER, events) == fold(MEMBER, list(events))
    # and the store's document form loses nothing
    state = fold(MEMBER, events)
    assert from_doc(to_doc(state)) == state


@settings(max_examples=150, deadline=None)
@given(DRAFTS, st.data())
def test_applying_an_event_twice_changes_nothing(drafts: list[EventDraft], data: st.DataObject) -> None:
    events = make_events(drafts)
    once = fold(MEMBER, events)
    # replay any earlier event again (a resent sync batch, say), anywhere later on
    replayed = data.draw(st.sampled_from(events))
    position = data.draw(st.integers(events.index(replayed) + 1, len(events)))
    twice = fold(MEMBER, [*events[:position], replayed, *events[position:]])
    assert twice == once
    assert apply(once, events[-1]) == once


@settings(max_examples=150, deadline=None)
@given(DRAFTS)
def test_undo_restores_exactly_the_state_before(drafts: list[EventDraft]) -> None:
    events = make_events(drafts)
    before = fold(MEMBER, events[:-1])
    undone = events[-1]
    stamper = Stamper(kiosk="k1", boot="boot", seq=undone.seq, prev=undone.hash)
    _, correction = stamper.stamp(
        EventDraft(
            EventKind.CORRECTION,
            MEMBER,
            tuple(p.negated() for p in undone.postings),
            {"reason": "test"},
            reverses=undone.id,
        ),
        T0 + timedelta(days=1),
        bytes(10),
    )
    after = apply(fold(MEMBER, events), correction)
    # cards and consents are changed by their own events, never by an undo
    assert balances_view(after)["balances"] == balances_view(before)["balances"]
    assert balances_view(after)["lots"] == balances_view(before)["lots"]
    assert undone.id in after.reversed


def test_undo_of_an_expiring_earning_removes_that_lot() -> None:
    expiry = "2027-01-01T00:00:00+00:00"
    earned = make_events([EventDraft(EventKind.POINTS_EARNED, MEMBER, (Posting(POINTS, 10, expiry),))])
    before = MemberState(MEMBER)
    state = fold(MEMBER, earned)
    stamper = Stamper(kiosk="k1", boot="boot", seq=1, prev=earned[0].hash)
    _, correction = stamper.stamp(
        EventDraft(EventKind.CORRECTION, MEMBER, (Posting(POINTS, -10, expiry),), reverses=earned[0].id),
        T0 + timedelta(hours=1),
        bytes(10),
    )
    after = apply(state, correction)
    assert after.balances == before.balances and after.lots == before.lots


def test_event_for_another_member_is_rejected() -> None:
    [event] = make_events([EventDraft(EventKind.VISIT_STAMPED, "someone-else")])
    with pytest.raises(ValueError):
        apply(MemberState(MEMBER), event)


def test_hash_covers_the_content() -> None:
    [event] = make_events([EventDraft(EventKind.CREDIT_TOPPED_UP, MEMBER, (Posting(CREDIT, 100),))])
    forged = replace(event, postings=(Posting(CREDIT, 100000),))
    assert forged.computed_hash() != event.hash


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12.50", 1250), ("3,5", 350), ("0.05", 5), ("7", 700), ("-2.10", -210), (" 100 ", 10000)],
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "12.505", "1e3", "abc", "12.", "1 000", "NaN"])
def test_parse_amount_refuses_junk(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


def test_format_and_whole_units() -> None:
    assert format_amount(1250) == "12.50 EUR"
    assert format_amount(-5, "SEK") == "-0.05 SEK"
    assert whole_units(1299) == 12 and whole_units(-1299) == -12
