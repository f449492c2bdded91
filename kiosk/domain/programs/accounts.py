"""A program's accounts by name, and the small pure helpers on them the rest of the
kiosk uses without the rules engine: the counter, the loyalty service, the fold and the
command line read balances with these, and import ``engine`` only when a program runs.

Value accounts are ``points``, ``stamps:<card>``, ``credit`` (cents), ``pass:<id>``,
``sub:<id>``, ``voucher:<source>`` and the lifetime ``visits``, ``spend`` and
``rewards_redeemed``; bookkeeping accounts start with ``meta:`` (see ``engine``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from kiosk.domain.events import Event, EventDraft
from kiosk.domain.member import WELCOME_GIVEN, Lot, MemberState, apply
from kiosk.domain.programs import clock

#: namespace of ``effect_id`` (a fixed, random UUID: changing it changes every effect id)
EFFECTS = uuid.UUID("6f1c3a52-8f0e-4d7b-9a41-2c5e7d9b0f13")
META = "meta:"
WELCOME = WELCOME_GIVEN
QUALIFY = "meta:qualify"
VISITS_TODAY = "meta:visits_today"
REFERRED_BY = "meta:referred_by"
REFERRALS = "meta:referrals"
COUPON_USED = "meta:used"  # on a coupon code's own record: the code is spent
COUPON_MARKER = "meta:coupon:"  # on the member who scanned a code: COUPON_MARKER + code

_ROUND = {
    "down": ROUND_FLOOR,
    "up": ROUND_CEILING,
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
}


def stamps_account(card_id: str) -> str:
    return f"stamps:{card_id}"


def pass_account(pass_id: str) -> str:
    return f"pass:{pass_id}"


def sub_account(sub_id: str) -> str:
    return f"sub:{sub_id}"


def action_account(action_id: str) -> str:
    return f"meta:action:{action_id}"


def ended_account(account: str) -> str:
    return f"meta:ended:{account}"


def effect_id(member: str, account: str, lot: Lot, effect: str) -> str:
    """The id of an effect derived from a lot (its expiry): the same on every kiosk, so
    copies written by two kiosks are recognised as one (an owner's count of expired
    points counts each effect id once)."""
    return str(uuid.uuid5(EFFECTS, f"{member}|{account}|{lot.source}|{lot.expires_at}|{effect}"))


def coupon_member_id(code: str) -> str:
    """The record a single-use coupon code keeps, shop-wide, so it redeems only once."""
    return f"coupon:{normalize_code(code)}"


def normalize_code(code: str) -> str:
    return code.strip().upper()


def is_meta(account: str) -> bool:
    return account.startswith(META)


def round_units(value: Decimal, rule: str) -> int:
    """Round to a whole number by a stated rule: down, up, half_up or half_even."""
    return int(value.quantize(Decimal(1), rounding=_ROUND[rule]))


def percent_of(cents: int, percent: Decimal, rule: str = "half_up") -> int:
    return round_units(Decimal(cents) * percent / 100, rule)


def live(state: MemberState, account: str, now: datetime) -> int:
    """The balance at ``now``: what expiring lots still hold, plus what never expires."""
    gone = sum(
        lot.amount for lot in state.lots.get(account, ()) if clock.parse_instant(lot.expires_at) <= now
    )
    return state.balance(account) - gone


def latest_expiry(state: MemberState, account: str, now: datetime) -> datetime | None:
    ends = [
        clock.parse_instant(lot.expires_at)
        for lot in state.lots.get(account, ())
        if clock.parse_instant(lot.expires_at) > now
    ]
    return max(ends) if ends else None


def preview(state: MemberState, drafts: Iterable[EventDraft], now: datetime) -> MemberState:
    """Fold drafts into a copy of the state, as if they were recorded (pure)."""
    seq = state.applied.get("~preview", 0)
    for d in drafts:
        if d.member != state.member_id:
            continue
        seq += 1
        event = Event(
            id=f"preview-{seq}",
            kind=d.kind,
            member=d.member,
            kiosk="~preview",
            seq=seq,
            hlc="0",
            wall=now.isoformat(timespec="milliseconds"),
            boot="preview",
            prev="",
            program=d.program,
            postings=d.postings,
            data=d.data,
            card=d.card,
            actor=d.actor,
        )
        state = apply(state, event)
    return state
