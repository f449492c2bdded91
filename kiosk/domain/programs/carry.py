"""A change of program keeps what members hold: balances move into the new program's accounts.

A program keeps its balances in its own accounts: the built-in rule's stamps are in
``stamps``, a program file's stamp card ``coffee`` in ``stamps:coffee``. When the kiosk
switches to a program that does not use an account members hold, that balance would
silently vanish from their screen (5 stamps showing as "1/8"). So a program file says, in
``[carry_over]``, which of its accounts each earlier account moves into (or ``false``:
let it go, it stays in the history); an account with no say stops the switch.

Pure: ``accounts_used`` and ``unplaced`` compare account names, ``carry_drafts`` makes the
events that move one member's balances (lots keep their expiry instants).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kiosk.domain.events import CREDIT, POINTS, REWARDS, SPEND, STAMPS, VISITS, EventDraft, EventKind, Posting
from kiosk.domain.member import MemberState
from kiosk.domain.programs.problems import expected
from kiosk.errors import SettingError
from kiosk.texts import Msg, Verbatim

if TYPE_CHECKING:  # only named: the kiosk carries balances over without the spec module
    from kiosk.domain.programs.spec import ProgramSpec

#: what every rule set counts: lifetime visits and spend, rewards redeemed, and credit
#: (paying with credit works under any program)
ALWAYS = frozenset({VISITS, SPEND, REWARDS, CREDIT})
#: the built-in rule's accounts
BUILTIN = ALWAYS | {STAMPS, POINTS}


def accounts_used(spec: ProgramSpec | None) -> frozenset[str]:
    """The value accounts a program (None: the built-in rule) reads and writes."""
    if spec is None:
        return BUILTIN
    used = set(ALWAYS)
    if spec.points is not None:
        used.add(POINTS)
    used.update(f"stamps:{c.id}" for c in spec.stamp_cards)
    used.update(f"pass:{p.id}" for p in spec.visit_cards)
    used.update(f"pass:{p.id}" for p in spec.time_passes)
    used.update(f"sub:{s.id}" for s in spec.subscriptions)
    if spec.referral is not None:
        used.update(("voucher:referrer", "voucher:referred"))
    used.update(f"voucher:coupon:{c.id}" for c in spec.coupons if c.discount_percent)
    return frozenset(used)


def check_carry_over(spec: ProgramSpec) -> None:
    """Every ``[carry_over]`` target is an account this program uses."""
    used = accounts_used(spec)
    for old, new in spec.carry_over:
        if new is not None and new not in used:
            wanted = Msg(
                "an account of this program ({accounts}) or false", accounts=Verbatim(", ".join(sorted(used)))
            )
            raise SettingError(spec.source, f"carry_over.{old}", expected(wanted, new))


def unplaced(held: Iterable[str], spec: ProgramSpec | None) -> list[str]:
    """Accounts members hold that the program neither uses nor says where they go."""
    used = accounts_used(spec)
    said = {old for old, _ in spec.carry_over} if spec is not None else set()
    return sorted({a for a in held if a not in used and a not in said})


def moves(spec: ProgramSpec | None) -> dict[str, str]:
    """Old account -> new account, for the accounts the program moves (not those let go)."""
    if spec is None:
        return {}
    return {old: new for old, new in spec.carry_over if new is not None}


def carry_drafts(state: MemberState, moving: Mapping[str, str], program: str) -> tuple[EventDraft, ...]:
    """One event moving this member's balances from the old accounts into the new ones."""
    postings: list[Posting] = []
    moved: dict[str, Any] = {}
    for old in sorted(moving):
        amount = state.balance(old)
        if amount == 0:
            continue
        new = moving[old]
        lots = state.lots.get(old, ())
        in_lots = sum(lot.amount for lot in lots)
        postings.append(Posting(old, -amount))
        postings.extend(Posting(new, lot.amount, lot.expires_at) for lot in lots)
        if amount - in_lots:
            postings.append(Posting(new, amount - in_lots))
        moved[old] = {"to": new, "amount": amount}
    if not postings:
        return ()
    return (
        EventDraft(
            EventKind.BALANCE_CARRIED_OVER,
            state.member_id,
            tuple(postings),
            {"moved": moved},
            program=program,
        ),
    )
