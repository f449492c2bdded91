"""Members, their cards, and the fold that derives a member's state from events.

The events are the truth; ``MemberState`` is a cache that ``fold`` can always rebuild.
A member may hold several cards; a lost card is replaced without losing the balance,
because balances belong to the member, not to the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kiosk.domain.events import VISITS, Event, EventKind, Posting

ANONYMOUS = "anonymous"
ENROLLED = "enrolled"
ERASED = "erased"


@dataclass(frozen=True)
class Lot:
    """An expiring amount on an account, consumed first-earned first-spent."""

    amount: int
    expires_at: str
    source: str  # id of the event that earned it


@dataclass(frozen=True)
class Consent:
    wording: str  # version of the text the customer agreed to
    given_at: str
    withdrawn_at: str | None = None


@dataclass(frozen=True)
class Use:
    """The event that last used a limited thing (debited a value account, or counted on a
    capped one): the "earlier" side of a conflict."""

    event: str
    kiosk: str
    #: the member it was for (a coupon code's record is used by the members who scan it)
    member: str


@dataclass(frozen=True)
class Conflict:
    """A single-use thing used twice: kiosks that could not see each other's use both
    allowed it. Both events are kept; this names them and their kiosks."""

    account: str
    event: str
    kiosk: str
    member: str
    earlier: Use | None
    #: the cap the event passed (a coupon code: 1); None when it overdrew a value account
    limit: int | None = None


@dataclass(frozen=True)
class MemberState:
    member_id: str
    status: str = ANONYMOUS
    cards: tuple[str, ...] = ()
    retired_cards: tuple[str, ...] = ()
    balances: Mapping[str, int] = field(default_factory=dict)
    lots: Mapping[str, tuple[Lot, ...]] = field(default_factory=dict)
    consents: Mapping[str, Consent] = field(default_factory=dict)
    created_at: str | None = None
    enrolled_at: str | None = None
    last_visit_at: str | None = None
    #: highest sequence number applied per kiosk: makes applying an event twice a no-op
    applied: Mapping[str, int] = field(default_factory=dict)
    #: ids of events a correction has reversed (a second undo of the same event is refused)
    reversed: tuple[str, ...] = ()
    event_count: int = 0
    #: the kiosk that made this member (the one that merges it, should the card have another)
    created_by: str | None = None
    #: the member this one was merged into (kiosk.domain.merge)
    merged_into: str | None = None
    #: per limited account, its last use (see ``Conflict``)
    last_use: Mapping[str, Use] = field(default_factory=dict)
    #: double uses found by the fold, in clock order
    conflicts: tuple[Conflict, ...] = ()

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    @property
    def overdrawn(self) -> tuple[str, ...]:
        """Accounts below zero: two kiosks redeemed the same reward offline, say."""
        return tuple(sorted(a for a, v in self.balances.items() if v < 0))

    @property
    def open_conflicts(self) -> tuple[Conflict, ...]:
        """Double uses to show: every use past a cap, and overdrafts until earned back
        (an overdrawn reward the next visits filled again needs nobody's attention)."""
        overdrawn = self.overdrawn
        return tuple(c for c in self.conflicts if c.limit is not None or c.account in overdrawn)

    def expiring(self, account: str) -> tuple[Lot, ...]:
        return self.lots.get(account, ())

    def has_seen(self, event: Event) -> bool:
        return self.applied.get(event.kiosk, 0) >= event.seq


def _consume_fifo(lots: tuple[Lot, ...], amount: int) -> tuple[Lot, ...]:
    out = list(lots)
    while amount > 0 and out:
        first = out[0]
        if first.amount <= amount:
            amount -= first.amount
            out.pop(0)
        else:
            out[0] = replace(first, amount=first.amount - amount)
            amount = 0
    return tuple(out)


def _apply_posting(
    balances: dict[str, int], lots: dict[str, tuple[Lot, ...]], p: Posting, event: Event
) -> None:
    balances[p.account] = balances.get(p.account, 0) + p.delta
    if balances[p.account] == 0:
        del balances[p.account]
    account_lots = lots.get(p.account, ())
    if p.delta > 0 and p.expires_at is not None and event.kind is not EventKind.CORRECTION:
        lot = Lot(p.delta, p.expires_at, event.id)
        # keep lots ordered by expiry so consumption is first-expiring first
        account_lots = tuple(sorted((*account_lots, lot), key=lambda x: (x.expires_at, x.source)))
    elif p.delta < 0:
        remaining = -p.delta
        if event.kind is EventKind.CORRECTION and event.reverses is not None:
            # undoing an earning removes that earning's own lot first
            kept = []
            for lot in account_lots:
                if lot.source == event.reverses and remaining > 0:
                    take = min(lot.amount, remaining)
                    remaining -= take
                    if lot.amount > take:
                        kept.append(replace(lot, amount=lot.amount - take))
                else:
                    kept.append(lot)
            account_lots = tuple(kept)
        account_lots = _consume_fifo(account_lots, remaining)
    if account_lots:
        lots[p.account] = account_lots
    else:
        lots.pop(p.account, None)


#: events that close expired lots (``kiosk.domain.programs.engine.expiry_drafts``)
CLOSING = frozenset((EventKind.POINTS_EXPIRED, EventKind.WINDOW_CLOSED))
#: kinds that move balances without using anything (an undo, a merge of two members, a
#: program change moving balances to the new program's accounts)
#: a member's welcome bonus (``kiosk.domain.programs.engine.WELCOME``): its giving is
#: remembered as a use, so a merge that brings a second one can name both
WELCOME_GIVEN = "meta:welcome"
_NOT_A_USE = frozenset((EventKind.CORRECTION, EventKind.MEMBER_MERGED, EventKind.BALANCE_CARRIED_OVER))


def _close_lots(
    balances: dict[str, int], lots: dict[str, tuple[Lot, ...]], event: Event
) -> None:
    """An expiry event closes the lots it names that are still open, each by what it
    still holds; a lot another kiosk's copy closed already is skipped. So two kiosks
    that both noticed an expiry take it once, and a lot spent meanwhile (in clock order)
    loses only its rest. ``ended`` markers (the day a pass or subscription ran out) are
    set, not added, and only by the event that closed one of that account's lots."""
    closed: set[str] = set()
    for item in event.data.get("lots", ()):
        account, source, expires_at = str(item[0]), str(item[1]), str(item[2])
        account_lots = lots.get(account, ())
        keep = tuple(x for x in account_lots if not (x.source == source and x.expires_at == expires_at))
        if len(keep) == len(account_lots):
            continue
        gone = sum(x.amount for x in account_lots) - sum(x.amount for x in keep)
        _add(balances, account, -gone)
        if keep:
            lots[account] = keep
        else:
            lots.pop(account, None)
        closed.add(account)
    for account, day in dict(event.data.get("ended", {})).items():
        if account in closed:
            marker = f"meta:ended:{account}"
            _add(balances, marker, int(day) - balances.get(marker, 0))


def _add(balances: dict[str, int], account: str, delta: int) -> None:
    value = balances.get(account, 0) + delta
    if value:
        balances[account] = value
    else:
        balances.pop(account, None)


def _live_at(
    balances: Mapping[str, int], lots: Mapping[str, tuple[Lot, ...]], account: str, wall: str
) -> int:
    """What an account held when the event was made: lots past their time do not count."""
    at = datetime.fromisoformat(wall)
    gone = sum(x.amount for x in lots.get(account, ()) if datetime.fromisoformat(x.expires_at) <= at)
    return balances.get(account, 0) - gone


def _uses(
    state: MemberState, balances: dict[str, int], lots: dict[str, tuple[Lot, ...]], event: Event
) -> tuple[dict[str, Use] | None, tuple[Conflict, ...]]:
    """The limited accounts this event used, and the double uses it made.

    A use is a debit of a value account (stamps, points, credit, a pass: never below
    zero when the kiosk allowed it) or a count on an account the event caps (``caps`` in
    its data: a coupon code, a referral, a week's free item). Past the limit, the event
    conflicts with the account's previous use."""
    if event.kind is EventKind.MEMBER_MERGED and event.data.get("uses"):
        return _merged_uses(state, balances, lots, event)
    if event.kind in _NOT_A_USE or event.kind in CLOSING:
        return None, ()
    caps: Mapping[str, Any] = event.data.get("caps") or {}
    used = [p.account for p in event.postings if p.delta < 0 and not p.account.startswith("meta:")]
    used += [a for a in caps if a not in used]
    used += [p.account for p in event.postings if p.account == WELCOME_GIVEN and p.delta > 0]
    if not used:
        return None, ()
    who = str(event.data.get("by") or event.member)
    found: list[Conflict] = []
    for account in used:
        cap = caps.get(account)
        over = (
            _live_at(balances, lots, account, event.wall) > int(cap)
            if cap is not None
            else balances.get(account, 0) < 0
        )
        if over:
            limit = None if cap is None else int(cap)
            found.append(Conflict(account, event.id, event.kiosk, who, state.last_use.get(account), limit))
    this = Use(event.id, event.kiosk, who)
    return {**state.last_use, **{a: this for a in used}}, tuple(found)


def _merged_uses(
    state: MemberState, balances: dict[str, int], lots: dict[str, tuple[Lot, ...]], event: Event
) -> tuple[dict[str, Use] | None, tuple[Conflict, ...]]:
    """A merge brings the other member's once-per-member things along (``uses``: the
    event that gave each, ``caps``: at most how many). Past the cap, that member's use is
    the double use (its kiosk could not know of this member's), not the merge."""
    caps: Mapping[str, Any] = event.data.get("caps") or {}
    uses: Mapping[str, Any] = event.data.get("uses") or {}
    found: list[Conflict] = []
    last_use = dict(state.last_use)
    for account, named in uses.items():
        cap = caps.get(account)
        if not (isinstance(named, list) and len(named) == 3 and isinstance(cap, int)):
            continue  # not what a kiosk writes: no use to name (the merge itself still applies)
        use = Use(*(str(x) for x in named))
        if _live_at(balances, lots, account, event.wall) > cap:
            earlier = state.last_use.get(account)
            found.append(Conflict(account, use.event, use.kiosk, use.member, earlier, cap))
        last_use.setdefault(account, use)
    return last_use, tuple(found)


def apply(state: MemberState, event: Event) -> MemberState:
    """Fold one event into a member's state. Pure and deterministic.

    An event already applied (same kiosk, sequence number not above the last one seen
    from that kiosk) changes nothing, so replays and overlapping syncs are harmless.
    """
    if event.member != state.member_id:
        raise ValueError("event belongs to another member")
    if state.has_seen(event):
        return state
    balances = dict(state.balances)
    lots = dict(state.lots)
    kind = event.kind
    data = event.data
    if kind in CLOSING and "lots" in data:
        _close_lots(balances, lots, event)
    else:
        for posting in event.postings:
            _apply_posting(balances, lots, posting, event)
    changes: dict[str, Any] = {
        "balances": balances,
        "lots": lots,
        "applied": {**state.applied, event.kiosk: event.seq},
        "event_count": state.event_count + 1,
    }
    last_use, conflicts = _uses(state, balances, lots, event)
    if last_use is not None:
        changes["last_use"] = last_use
    if conflicts:
        changes["conflicts"] = (*state.conflicts, *conflicts)
    if state.created_at is None:
        changes["created_at"] = event.wall
    if kind is EventKind.MEMBER_CREATED or kind is EventKind.CARD_LINKED:
        card = data.get("card") or event.card
        if card and card not in state.cards:
            changes["cards"] = (*state.cards, card)
        if kind is EventKind.MEMBER_CREATED and state.created_by is None:
            changes["created_by"] = event.kiosk
    elif kind is EventKind.MEMBER_MERGED:
        moved = [str(c) for c in data.get("cards", ())]
        if data.get("into"):  # folded into another member: its cards went with it
            changes["merged_into"] = str(data["into"])
            changes["cards"] = tuple(c for c in state.cards if c not in moved)
            retired = state.retired_cards
            changes["retired_cards"] = (*retired, *(c for c in moved if c not in retired))
        else:
            changes["cards"] = (*state.cards, *(c for c in moved if c not in state.cards))
    elif kind is EventKind.CARD_REPLACED:
        old, new = data.get("old"), data.get("new")
        cards = tuple(c for c in state.cards if c != old)
        if new and new not in cards:
            cards = (*cards, new)
        changes["cards"] = cards
        if old and old not in state.retired_cards:
            changes["retired_cards"] = (*state.retired_cards, old)
    elif kind is EventKind.MEMBER_ENROLLED:
        if state.status != ERASED:
            changes["status"] = ENROLLED
            changes["enrolled_at"] = event.wall
    elif kind is EventKind.CONSENT_GIVEN:
        scope = str(data.get("scope", "program"))
        changes["consents"] = {
            **state.consents,
            scope: Consent(str(data.get("wording", "")), event.wall),
        }
    elif kind is EventKind.CONSENT_WITHDRAWN:
        scope = str(data.get("scope", "program"))
        if scope in state.consents:
            changes["consents"] = {
                **state.consents,
                scope: replace(state.consents[scope], withdrawn_at=event.wall),
            }
    elif kind is EventKind.MEMBER_ERASED:
        changes["status"] = ERASED
        if state.merged_into is None:
            # the customer asked: the account is closed (a merged member's balance has
            # moved already, and one that arrives late must still be found and moved)
            changes["balances"], changes["lots"] = {}, {}
        changes["consents"] = {}
        changes["enrolled_at"] = None
        changes["retired_cards"] = (*state.retired_cards, *state.cards)
        changes["cards"] = ()
    elif kind is EventKind.CORRECTION and event.reverses:
        changes["reversed"] = (*state.reversed, event.reverses)
    visited = any(p.account == VISITS and p.delta > 0 for p in event.postings)
    if visited and kind is not EventKind.MEMBER_MERGED:  # a merge moves visits made earlier
        changes["last_visit_at"] = event.wall
    return _with(state, changes)


def _with(state: MemberState, changes: dict[str, Any]) -> MemberState:
    """``dataclasses.replace`` without re-running ``__init__``: the fold's hot path (a
    restore applies millions of events). Only field names ever reach ``changes``."""
    new = object.__new__(MemberState)
    new.__dict__.update(state.__dict__)
    new.__dict__.update(changes)
    return new


def fold(member_id: str, events: Iterable[Event]) -> MemberState:
    state = MemberState(member_id)
    for event in events:
        state = apply(state, event)
    return state


def balances_view(state: MemberState) -> dict[str, Any]:
    """What an undo must restore exactly: everything but bookkeeping and the tap time."""
    return {
        "status": state.status,
        "cards": state.cards,
        "balances": dict(state.balances),
        "lots": dict(state.lots),
        "consents": dict(state.consents),
    }


# ---- compact document form, for the store's members table ---------------------------


def to_doc(state: MemberState) -> dict[str, Any]:
    doc: dict[str, Any] = {"m": state.member_id, "s": state.status, "c": list(state.cards)}
    if state.retired_cards:
        doc["rc"] = list(state.retired_cards)
    if state.balances:
        doc["b"] = dict(state.balances)
    if state.lots:
        doc["l"] = {
            a: [[lot.amount, lot.expires_at, lot.source] for lot in lots] for a, lots in state.lots.items()
        }
    if state.consents:
        doc["k"] = {s: [c.wording, c.given_at, c.withdrawn_at] for s, c in state.consents.items()}
    for key, attr in (("t0", "created_at"), ("te", "enrolled_at"), ("tv", "last_visit_at")):
        value = getattr(state, attr)
        if value is not None:
            doc[key] = value
    doc["a"] = dict(state.applied)
    if state.reversed:
        doc["r"] = list(state.reversed)
    doc["n"] = state.event_count
    if state.created_by is not None:
        doc["ck"] = state.created_by
    if state.merged_into is not None:
        doc["mi"] = state.merged_into
    if state.last_use:
        doc["u"] = {a: [u.event, u.kiosk, u.member] for a, u in state.last_use.items()}
    if state.conflicts:
        doc["x"] = [_conflict_doc(c) for c in state.conflicts]
    return doc


def _conflict_doc(c: Conflict) -> list[Any]:
    earlier = None if c.earlier is None else [c.earlier.event, c.earlier.kiosk, c.earlier.member]
    return [c.account, c.event, c.kiosk, c.member, earlier, c.limit]


def _conflict_from_doc(x: list[Any]) -> Conflict:
    return Conflict(x[0], x[1], x[2], x[3], None if x[4] is None else Use(*x[4]), x[5])


def from_doc(doc: Mapping[str, Any]) -> MemberState:
    return MemberState(
        member_id=doc["m"],
        status=doc["s"],
        cards=tuple(doc.get("c", ())),
        retired_cards=tuple(doc.get("rc", ())),
        balances=dict(doc.get("b", {})),
        lots={a: tuple(Lot(x[0], x[1], x[2]) for x in lots) for a, lots in doc.get("l", {}).items()},
        consents={s: Consent(v[0], v[1], v[2]) for s, v in doc.get("k", {}).items()},
        created_at=doc.get("t0"),
        enrolled_at=doc.get("te"),
        last_visit_at=doc.get("tv"),
        applied=dict(doc.get("a", {})),
        reversed=tuple(doc.get("r", ())),
        created_by=doc.get("ck"),
        merged_into=doc.get("mi"),
        event_count=doc.get("n", 0),
        last_use={a: Use(*u) for a, u in doc.get("u", {}).items()},
        conflicts=tuple(_conflict_from_doc(x) for x in doc.get("x", ())),
    )
