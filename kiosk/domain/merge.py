"""One card, two members: folding the later member into the first.

A new card tapped at two kiosks that could not reach each other gets a member at each.
Once they sync, every kiosk maps the card to the member made first; this moves the other
member's balances (expiring amounts with their expiry) and cards to it, as one event on
each member, so the stamps earned at either counter count together and nothing is lost.
Only the kiosk that made the later member records the move, so it happens once; stamps the
merged member gets afterwards (from a kiosk that had not heard of the merge yet) are moved
the same way when they arrive.
"""

from __future__ import annotations

from typing import Any

from kiosk.domain.events import EventDraft, EventKind, Posting
from kiosk.domain.member import ENROLLED, MemberState


def can_merge(loser: MemberState, winner: MemberState) -> bool:
    """Balances and cards move; personal data does not. A member who joined (contact
    details, consents) is left for the owner to decide about."""
    if loser.member_id == winner.member_id or loser.status == ENROLLED:
        return False
    return bool(loser.cards) or (loser.merged_into is not None and bool(loser.balances))


def merge_drafts(loser: MemberState, winner: MemberState, program: str) -> tuple[EventDraft, EventDraft]:
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
    return (
        _merged(loser.member_id, out, {"into": winner.member_id, "cards": cards}, program),
        _merged(winner.member_id, into, {"from": loser.member_id, "cards": cards}, program),
    )


def _merged(member: str, postings: list[Posting], data: dict[str, Any], program: str) -> EventDraft:
    return EventDraft(EventKind.MEMBER_MERGED, member, postings=tuple(postings), data=data, program=program)
