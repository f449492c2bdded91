"""A program change keeps what members hold: which accounts need a home, and the move."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.domain.events import Event, EventKind, Posting
from kiosk.domain.member import MemberState, apply
from kiosk.domain.program import parse_program
from kiosk.domain.programs.carry import accounts_used, carry_drafts, moves, unplaced
from kiosk.domain.rules import Action, ActionKind
from kiosk.errors import ConfigError

STAMP_PROGRAM = {
    "program": {"id": "cafe", "version": 2},
    "stamp_card": [{"id": "coffee", "name": "Coffee card", "reward": "a coffee", "reward_at": 8}],
}


def event(member: str, seq: int, *postings: Posting) -> Event:
    return Event(
        id=f"e{seq}",
        kind=EventKind.VISIT_STAMPED,
        member=member,
        kiosk="k1",
        seq=seq,
        hlc="0",
        wall="2026-03-01T09:00:00.000+02:00",
        boot="b",
        prev="",
        program="builtin-1",
        postings=postings,
    )


def test_the_builtin_rules_stamps_need_a_home_in_a_stamp_card_program() -> None:
    spec = parse_program(STAMP_PROGRAM).spec
    assert "stamps:coffee" in accounts_used(spec) and "stamps" not in accounts_used(spec)
    assert unplaced({"stamps", "visits", "credit"}, spec) == ["stamps"]
    assert unplaced({"stamps:coffee"}, None) == ["stamps:coffee"]  # back to the built-in rule


def test_carry_over_places_them_or_lets_them_go() -> None:
    spec = parse_program({**STAMP_PROGRAM, "carry_over": {"stamps": "stamps:coffee", "points": False}}).spec
    assert unplaced({"stamps", "points", "visits"}, spec) == []
    assert moves(spec) == {"stamps": "stamps:coffee"}


@pytest.mark.parametrize(
    ("carry", "message"),
    [
        ({"stamps": "stamps:latte"}, "carry_over.stamps: expected an account of this program"),
        ({"stamps": 3}, "carry_over.stamps: expected the name of an account"),
        ({"meta:x": "points"}, "carry_over.meta:x"),
    ],
)
def test_a_carry_over_to_nowhere_is_a_config_error(carry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_program({**STAMP_PROGRAM, "carry_over": carry}, "cafe.toml")


def test_the_move_keeps_every_stamp_and_each_lots_expiry() -> None:
    state = MemberState("m1")
    state = apply(state, event("m1", 1, Posting("stamps", 3)))
    state = apply(state, event("m1", 2, Posting("stamps", 2, "2027-03-01T00:00:00.000Z")))
    (draft,) = carry_drafts(state, {"stamps": "stamps:coffee"}, "cafe@2")
    assert draft.kind is EventKind.BALANCE_CARRIED_OVER and draft.program == "cafe@2"
    moved = apply(state, event("m1", 3, *draft.postings))
    assert moved.balance("stamps") == 0 and moved.balance("stamps:coffee") == 5
    assert [(lot.amount, lot.expires_at) for lot in moved.lots["stamps:coffee"]] == [
        (2, "2027-03-01T00:00:00.000Z")
    ]
    assert draft.data["moved"] == {"stamps": {"to": "stamps:coffee", "amount": 5}}
    assert carry_drafts(moved, {"stamps": "stamps:coffee"}, "cafe@2") == ()  # nothing left to move


def test_the_program_counts_carried_stamps_towards_its_reward() -> None:
    rules = parse_program({**STAMP_PROGRAM, "carry_over": {"stamps": "stamps:coffee"}})
    state = apply(MemberState("m1"), event("m1", 1, Posting("stamps", 7)))
    (draft,) = carry_drafts(state, moves(rules.spec), rules.version)
    state = apply(state, event("m1", 2, *draft.postings))
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    decision = rules.decide(state, Action(ActionKind.VISIT, card="04AA"), now)
    state = apply(state, event("m1", 3, *decision.drafts[-1].postings))
    assert state.balance("stamps:coffee") == 8
