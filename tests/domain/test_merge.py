"""Folding a card's second member into the first (kiosk.domain.merge): everything moves,
expiring amounts keep their expiry, a debt moves too, and joined members are left alone
until the owner merges them."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kiosk.domain.events import CREDIT, POINTS, STAMPS, VISITS, Event, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.member import ENROLLED, MemberState, apply, fold
from kiosk.domain.merge import can_merge, joined_merge_drafts, merge_drafts

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _events(stamper: Stamper, drafts: list[EventDraft], start: datetime = T0) -> tuple[Stamper, list[Event]]:
    out = []
    for i, draft in enumerate(drafts):
        stamper, event = stamper.stamp(draft, start + timedelta(seconds=i), os.urandom(10))
        out.append(event)
    return stamper, out


def test_everything_moves_and_expiring_amounts_keep_their_expiry() -> None:
    _, made_first = _events(
        Stamper(kiosk="ka", boot="boot"),
        [
            EventDraft(EventKind.MEMBER_CREATED, "m-1", data={"card": "C1"}, card="C1"),
            EventDraft(EventKind.VISIT_STAMPED, "m-1", postings=(Posting(STAMPS, 1), Posting(VISITS, 1))),
            EventDraft(
                EventKind.POINTS_EARNED,
                "m-1",
                postings=(Posting(POINTS, 30, "2026-09-01T00:00:00+00:00"),),
            ),
        ],
    )
    kb, made_second = _events(
        Stamper(kiosk="kb", boot="boot"),
        [
            EventDraft(EventKind.MEMBER_CREATED, "m-2", data={"card": "C1"}, card="C1"),
            EventDraft(EventKind.CARD_LINKED, "m-2", data={"card": "FOB"}),
            EventDraft(EventKind.VISIT_STAMPED, "m-2", postings=(Posting(STAMPS, 1), Posting(VISITS, 1))),
            EventDraft(
                EventKind.POINTS_EARNED,
                "m-2",
                postings=(Posting(POINTS, 20, "2026-06-01T00:00:00+00:00"),),
            ),
            EventDraft(EventKind.POINTS_EARNED, "m-2", postings=(Posting(POINTS, 5),)),
            # redeemed twice offline elsewhere: a debt, which moves as well
            EventDraft(EventKind.CREDIT_SPENT, "m-2", postings=(Posting(CREDIT, -250),)),
        ],
    )
    first, second = fold("m-1", made_first), fold("m-2", made_second)
    assert second.created_by == "kb" and first.created_by == "ka"
    assert can_merge(second, first)
    out, into = merge_drafts(second, first, "builtin-1")
    _, (merged_out, merged_into) = _events(kb, [out, into], start=T0 + timedelta(hours=1))
    emptied = apply(second, merged_out)
    merged = apply(first, merged_into)
    assert emptied.balances == {} and emptied.lots == {}
    assert emptied.cards == () and set(emptied.retired_cards) == {"C1", "FOB"}
    assert merged.balances == {STAMPS: 2, VISITS: 2, POINTS: 55, CREDIT: -250}
    assert [(lot.amount, lot.expires_at) for lot in merged.lots[POINTS]] == [
        (20, "2026-06-01T00:00:00+00:00"),
        (30, "2026-09-01T00:00:00+00:00"),
    ]
    assert merged.cards == ("C1", "FOB")
    assert merged.last_visit_at == first.last_visit_at  # moving visits is not a visit
    # applying the same events again (a replay) changes nothing
    assert apply(emptied, merged_out) == emptied and apply(merged, merged_into) == merged


def test_a_joined_member_or_the_same_member_is_not_merged() -> None:
    winner = MemberState("m-1", cards=("C1",))
    assert not can_merge(MemberState("m-2", status=ENROLLED, cards=("C1",)), winner)
    assert not can_merge(winner, winner)
    assert not can_merge(MemberState("m-2"), winner)  # holds no card any more: nothing to do
    assert can_merge(MemberState("m-2", cards=("C1",)), winner)


def test_a_joined_member_brings_its_consents_still_given_unless_the_card_member_joined_too() -> None:
    stamper, loser_events = _events(
        Stamper(kiosk="kb", boot="boot"),
        [
            EventDraft(EventKind.MEMBER_CREATED, "m-2", data={"card": "C1"}, card="C1"),
            EventDraft(EventKind.VISIT_STAMPED, "m-2", postings=(Posting(STAMPS, 1), Posting(VISITS, 1))),
            EventDraft(EventKind.CONSENT_GIVEN, "m-2", data={"scope": "program", "wording": "terms"}),
            EventDraft(EventKind.CONSENT_GIVEN, "m-2", data={"scope": "marketing", "wording": "offers"}),
            EventDraft(EventKind.CONSENT_WITHDRAWN, "m-2", data={"scope": "marketing"}),
            EventDraft(EventKind.MEMBER_ENROLLED, "m-2", data={"contact": ["email"]}),
        ],
    )
    loser = fold("m-2", loser_events)
    anonymous = fold("m-1", [])
    drafts = joined_merge_drafts(loser, anonymous, "p1", contact=["email"], actor="owner")
    assert [d.kind for d in drafts] == [
        EventKind.CONSENT_GIVEN,  # the program's; the withdrawn marketing consent stays behind
        EventKind.MEMBER_ENROLLED,
        EventKind.MEMBER_MERGED,
        EventKind.MEMBER_MERGED,
        EventKind.MEMBER_ERASED,
    ]
    assert drafts[0].data == {"scope": "program", "wording": "terms"} and drafts[0].member == "m-1"
    assert drafts[1].data == {"contact": ["email"]} and all(d.actor == "owner" for d in drafts)
    _, merged = _events(stamper, drafts, start=T0 + timedelta(hours=1))
    winner = fold("m-1", [e for e in merged if e.member == "m-1"])
    emptied = fold("m-2", [*loser_events, *(e for e in merged if e.member == "m-2")])
    assert winner.status == ENROLLED and set(winner.consents) == {"program"}
    assert winner.cards == ("C1",) and winner.balance(STAMPS) == 1
    assert emptied.status == "erased" and emptied.balances == {} and emptied.consents == {}
    joined = replace(anonymous, status=ENROLLED)
    assert [d.kind for d in joined_merge_drafts(loser, joined, "p1")] == [
        EventKind.MEMBER_MERGED,
        EventKind.MEMBER_MERGED,
        EventKind.MEMBER_ERASED,
    ]
