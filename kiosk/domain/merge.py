"""One card, two members: folding the later member into the first.

A new card tapped at two kiosks that could not reach each other gets a member at each.
Once they sync, every kiosk maps the card to the member made first; this moves the other
member's balances (expiring amounts with their expiry) and cards to it, as one event on
each member, so the stamps earned at either counter count together and nothing is lost.
Only the kiosk that made the later member records the move, so it happens once; stamps the
merged member gets afterwards (from a kiosk that had not heard of the merge yet) are moved
the same way when they arrive.

A member who joined (consents, contact details) is not moved on its own: the owner merges
it (``joined_merge_drafts``), on the kiosk that made it, where its contact details are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from kiosk.domain.events import EventDraft, EventKind, Posting
from kiosk.domain.member import ENROLLED, MemberState
from kiosk.domain.programs.accounts import REFERRED_BY, WELCOME

#: what a member holds at most once (its welcome bonus, being referred): two members made
#: offline for one card each got one, so the merge brings a second along: a double use
ONCE_PER_MEMBER = (WELCOME, REFERRED_BY)


def can_merge(loser: MemberState, winner: MemberState) -> bool:
    """Balances and cards move; personal data does not. A member who joined (contact
    details, consents) is left for the owner to decide about."""
    if loser.member_id == winner.member_id or loser.status == ENROLLED:
        return False
    return bool(loser.cards) or (loser.merged_into is not None and bool(loser.balances))


def merge_drafts(
    loser: MemberState, winner: MemberState, program: str, actor: str | None = None
) -> tuple[EventDraft, EventDraft]:
    """The two events that move everything of ``loser`` to ``winner``: after them the
    loser holds nothing and the winner holds both members' balances and cards."""
    out: list[Posting] = []
    into: list[Posting] = []
    for account, balance in sorted(loser.balances.items()):
        expiring = 0
        for lot in loser.lots.get(account, ()):
            into.append(Posting(account, lot.amount, lot.expires_at))
            expiring += lot.amount
        rest = balance - expiring
        if rest:
            into.append(Posting(account, rest))
        # the expiring part first, so the loser's lots are used up exactly
        if expiring:
            out.append(Posting(account, -expiring))
        if rest:
            out.append(Posting(account, -rest))
    cards = list(loser.cards)
    arriving: dict[str, Any] = {"from": loser.member_id, "cards": cards}
    once = [a for a in ONCE_PER_MEMBER if loser.balances.get(a, 0) > 0 and a in loser.last_use]
    if once:  # the fold flags them past the cap, naming the use the loser made
        arriving["caps"] = {a: 1 for a in once}
        arriving["uses"] = {a: list(astuple(loser.last_use[a])) for a in once}
    return (
        _merged(loser.member_id, out, {"into": winner.member_id, "cards": cards}, program, actor),
        _merged(winner.member_id, into, arriving, program, actor),
    )


def joined_merge_drafts(
    loser: MemberState,
    winner: MemberState,
    program: str,
    *,
    contact: Sequence[str] = (),
    actor: str | None = None,
) -> list[EventDraft]:
    """The owner's merge of a member who joined into the member its card belongs to.

    Unless that member joined too, the membership comes along: the consents still given,
    with their wording, and the joining (``contact`` names the contact details that move
    with it). Then the balances and cards move, and the emptied member is erased, since its
    personal data now belongs to the other. A member who joined keeps its own consents."""
    drafts: list[EventDraft] = []
    if winner.status != ENROLLED:
        for scope, consent in sorted(loser.consents.items()):
            if consent.withdrawn_at is None:
                given = {"scope": scope, "wording": consent.wording}
                drafts.append(_membership(EventKind.CONSENT_GIVEN, winner, given, program, actor))
        joined: dict[str, Any] = {"contact": sorted(contact)} if contact else {}
        drafts.append(_membership(EventKind.MEMBER_ENROLLED, winner, joined, program, actor))
    drafts.extend(merge_drafts(loser, winner, program, actor))
    drafts.append(EventDraft(EventKind.MEMBER_ERASED, loser.member_id, actor=actor, program=program))
    return drafts


def _membership(
    kind: EventKind, member: MemberState, data: dict[str, Any], program: str, actor: str | None
) -> EventDraft:
    return EventDraft(kind, member.member_id, data=data, actor=actor, program=program)


def _merged(
    member: str, postings: list[Posting], data: dict[str, Any], program: str, actor: str | None
) -> EventDraft:
    return EventDraft(
        EventKind.MEMBER_MERGED, member, postings=tuple(postings), data=data, actor=actor, program=program
    )
