"""Ledger events: every change is one, appended and never edited.

An event is a small frozen value. Balances move only through its ``postings`` (account,
delta, optional expiry), so the fold is one generic rule and a correction is simply the
negated postings of the event it reverses. Kind-specific details live in ``data``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.ids import uuid7
from kiosk.errors import EventFormatError


class EventKind(StrEnum):
    MEMBER_CREATED = "member_created"  # an unknown card's first tap: anonymous, no personal data
    MEMBER_ENROLLED = "member_enrolled"  # joined the program, with consent
    VISIT_STAMPED = "visit_stamped"
    PURCHASE_RECORDED = "purchase_recorded"
    POINTS_EARNED = "points_earned"  # bonuses: welcome, referral, threshold, ...
    POINTS_EXPIRED = "points_expired"
    REWARD_REDEEMED = "reward_redeemed"
    CREDIT_TOPPED_UP = "credit_topped_up"
    CREDIT_SPENT = "credit_spent"
    PASS_SOLD = "pass_sold"
    PASS_USED = "pass_used"
    CARD_LINKED = "card_linked"
    CARD_REPLACED = "card_replaced"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CORRECTION = "correction"
    MEMBER_ERASED = "member_erased"
    # a new card first tapped at two kiosks that could not sync made two members: the later
    # one's balances and cards move to the first (one event on each; kiosk.domain.merge)
    MEMBER_MERGED = "member_merged"
    # added by the program engine (kiosk.domain.programs)
    SUBSCRIPTION_STARTED = "subscription_started"
    SUBSCRIPTION_RENEWED = "subscription_renewed"
    REFERRAL_REWARDED = "referral_rewarded"
    COUPON_REDEEMED = "coupon_redeemed"
    WINDOW_CLOSED = "window_closed"  # bookkeeping lots (daily caps, tier windows) run out
    # a new program file took over: balances moved into its accounts (kiosk.domain.programs.carry)
    BALANCE_CARRIED_OVER = "balance_carried_over"


# Well-known accounts. Programs add their own ("stamps:coffee", "pass:yoga10").
STAMPS = "stamps"
POINTS = "points"
CREDIT = "credit"  # cents
VISITS = "visits"
SPEND = "spend"  # cents, qualifying activity (tiers are computed from this, never from points)
REWARDS = "rewards_redeemed"

GENESIS_HASH = "0" * 32


@dataclass(frozen=True)
class Posting:
    account: str
    delta: int
    #: ISO 8601 instant after which a positive amount is no longer spendable
    expires_at: str | None = None

    def negated(self) -> Posting:
        return Posting(self.account, -self.delta, self.expires_at)


@dataclass(frozen=True)
class EventDraft:
    """What a service or the rules engine wants recorded; the stamper makes it an Event."""

    kind: EventKind
    member: str
    postings: tuple[Posting, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    card: str | None = None
    actor: str | None = None
    reverses: str | None = None
    program: str = "builtin-1"


@dataclass(frozen=True)
class Event:
    id: str
    kind: EventKind
    member: str
    kiosk: str
    seq: int
    hlc: str
    wall: str
    boot: str
    prev: str
    program: str
    postings: tuple[Posting, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    card: str | None = None
    actor: str | None = None
    reverses: str | None = None
    hash: str = ""

    @property
    def timestamp(self) -> HlcTimestamp:
        return HlcTimestamp.decode(self.hlc)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "member": self.member,
            "kiosk": self.kiosk,
            "seq": self.seq,
            "hlc": self.hlc,
            "wall": self.wall,
            "boot": self.boot,
            "prev": self.prev,
            "program": self.program,
            "postings": [
                [p.account, p.delta] if p.expires_at is None else [p.account, p.delta, p.expires_at]
                for p in self.postings
            ],
        }
        if self.data:
            out["data"] = dict(self.data)
        for key in ("card", "actor", "reverses"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["hash"] = self.hash
        return out

    def hashed_text(self) -> str:
        """The canonical JSON the hash covers: ``to_dict()`` without the hash, keys sorted."""
        body = self.to_dict()
        body.pop("hash", None)
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def computed_hash(self) -> str:
        return hash_of(self.hashed_text().encode("utf-8"))


def hash_of(hashed: bytes) -> str:
    """An event's hash from the bytes of its canonical JSON (``Event.hashed_text``)."""
    return hashlib.sha256(hashed).hexdigest()[:32]


_REQUIRED_STR = ("id", "kind", "member", "kiosk", "hlc", "wall", "boot", "prev", "program")
_OPTIONAL_STR = ("card", "actor", "reverses")
_KINDS: dict[str, EventKind] = {k.value: k for k in EventKind}
#: the keys of ``Event.to_dict()``: always present, and present only when set
_TO_DICT_KEYS = frozenset((*_REQUIRED_STR, "seq", "postings", "hash"))
_TO_DICT_OPTIONAL = frozenset(("data", *_OPTIONAL_STR))


def _require(cond: bool, message: str, fld: str) -> None:
    if not cond:
        raise EventFormatError(f"event field {fld!r}: {message}", field=fld)


def check_event_dict(raw: Any) -> None:
    """Raise EventFormatError naming the field unless ``raw`` is a well-formed event's JSON
    form (the hash is not checked). The checks of ``event_from_dict``, without building the
    event: the server checks and stores JSON, millions of times, so what JSON gives (plain
    dicts, lists and text) passes on exact-type tests; anything else gets the general ones."""
    if type(raw) is not dict:  # (isinstance against an ABC costs a Python-level call)
        _require(isinstance(raw, Mapping), "an event must be a JSON object", "<event>")
    get = raw.get
    for key in _REQUIRED_STR:
        value = get(key)
        if type(value) is not str or not value:
            _require(isinstance(value, str) and value != "", "missing or not text", key)
    if raw["kind"] not in _KINDS:
        raise EventFormatError(f"event field 'kind': unknown kind {raw['kind']!r}", "kind")
    seq = get("seq")
    if type(seq) is not int or seq < 1:
        raise EventFormatError("event field 'seq': a whole number ≥ 1", "seq")
    wall_ms, _, rest = raw["hlc"].partition("-")
    counter, dash, _ = rest.partition("-")
    if not (dash and wall_ms.isdigit() and counter.isdigit()):
        raise EventFormatError("event field 'hlc': not a clock timestamp", "hlc")
    try:
        wall = datetime.fromisoformat(raw["wall"])
    except ValueError:
        raise EventFormatError("event field 'wall': not an ISO 8601 time", "wall") from None
    if wall.tzinfo is None:
        _require(False, "time must carry a time zone offset", "wall")
    postings = get("postings", [])
    if type(postings) is not list:
        _require(isinstance(postings, list), "must be a list", "postings")
    for i, p in enumerate(postings):
        if type(p) is list and len(p) == 2 and type(p[0]) is str and p[0] and type(p[1]) is int:
            continue  # the common case, checked in one go
        _check_posting(p, f"postings[{i}]")
    data = get("data", {})
    if type(data) is not dict:
        _require(isinstance(data, Mapping), "must be an object", "data")
    for key in _OPTIONAL_STR:
        value = get(key)
        if value is not None and (type(value) is not str or not value):
            _require(isinstance(value, str) and value != "", "must be text", key)


def _check_posting(p: Any, where: str) -> None:
    _require(isinstance(p, list) and len(p) in (2, 3), "must be [account, delta(, expires)]", where)
    _require(isinstance(p[0], str) and p[0] != "", "account must be text", where)
    _require(isinstance(p[1], int) and not isinstance(p[1], bool), "delta must be a whole number", where)
    expires = p[2] if len(p) == 3 else None
    if expires is not None:
        _require(isinstance(expires, str), "expiry must be an ISO 8601 time", where)
        try:
            datetime.fromisoformat(expires)
        except ValueError:
            raise EventFormatError(f"event field {where!r}: bad expiry time", where) from None


def event_from_dict(raw: Any, *, verify_hash: bool = True) -> Event:
    """Validate and build an event from its JSON form (from disk, a backup or the network)."""
    check_event_dict(raw)
    get = raw.get
    event = Event(
        id=raw["id"],
        kind=_KINDS[raw["kind"]],
        member=raw["member"],
        kiosk=raw["kiosk"],
        seq=raw["seq"],
        hlc=raw["hlc"],
        wall=raw["wall"],
        boot=raw["boot"],
        prev=raw["prev"],
        program=raw["program"],
        postings=tuple(Posting(*p) for p in get("postings", ())),
        data=dict(get("data", {})),
        card=get("card"),
        actor=get("actor"),
        reverses=get("reverses"),
        hash=get("hash", ""),
    )
    if verify_hash:
        _require(event.hash == event.computed_hash(), "does not match the event's content", "hash")
    return event


#: (account, delta[, expires]) -> Posting: a shop has a handful of distinct postings, and
#: a Posting is immutable, so events read in bulk share them instead of making millions
_POSTINGS: dict[tuple[Any, ...], Posting] = {}


def _shared_posting(p: list[Any]) -> Posting:
    key = tuple(p)
    posting = _POSTINGS.get(key)
    if posting is None:
        posting = Posting(*p)
        if len(_POSTINGS) < 10_000:
            _POSTINGS[key] = posting
    return posting


def event_from_trusted_dict(raw: Mapping[str, Any]) -> Event:
    """An event from JSON checked before (a backup part whose SHA-256 matched): built
    without validating it again. Raises KeyError, TypeError or ValueError if malformed."""
    get = raw.get
    fields = {
        "id": raw["id"],
        "kind": _KINDS[raw["kind"]],
        "member": raw["member"],
        "kiosk": raw["kiosk"],
        "seq": raw["seq"],
        "hlc": raw["hlc"],
        "wall": raw["wall"],
        "boot": raw["boot"],
        "prev": raw["prev"],
        "program": raw["program"],
        "postings": tuple([_shared_posting(p) for p in get("postings", ())]),
        "data": get("data", {}),
        "card": get("card"),
        "actor": get("actor"),
        "reverses": get("reverses"),
        "hash": get("hash", ""),
    }
    # the frozen dataclass's __init__ sets its 16 fields one object.__setattr__ at a time,
    # a third of a restore's work; an Event is only ever its fields (as member._with does)
    event: Event = object.__new__(Event)
    event.__dict__.update(fields)
    return event


def in_to_dict_form(raw: Mapping[str, Any]) -> bool:
    """Whether ``raw`` is exactly what ``Event.to_dict()`` gives for the event it makes (key
    order aside), so its JSON text can stand for the event as it is. False is always safe:
    the caller then builds the event and uses its own ``to_dict``."""
    keys = raw.keys()
    if keys != _TO_DICT_KEYS:
        extra = keys - _TO_DICT_KEYS
        if not (keys >= _TO_DICT_KEYS and extra <= _TO_DICT_OPTIONAL):
            return False
        for key in extra:  # to_dict leaves out an empty data and unset optional fields
            if not raw[key]:
                return False
        if type(raw.get("data", {})) is not dict:
            return False
    postings = raw["postings"]
    if type(postings) is not list:
        return False
    for p in postings:
        if type(p) is not list or not 2 <= len(p) <= 3 or (len(p) == 3 and p[2] is None):
            return False
    return True


def hashed_bytes(raw: Mapping[str, Any]) -> bytes | None:
    """The bytes ``Event.computed_hash`` hashes, straight from a checked event dict in
    ``to_dict()`` form (None when it is in another form, or orjson can't write it).

    orjson writes the json module's text for what events hold (text, whole numbers, lists,
    objects); where it might not (floats), the digest differs. A caller that gets None or a
    different digest builds the event and asks ``computed_hash``, the one definition."""
    if not in_to_dict_form(raw):
        return None
    body = dict(raw)
    del body["hash"]
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return None


@dataclass(frozen=True)
class Stamper:
    """Turns drafts into events for one kiosk: id, sequence, clock, and the hash chain.

    Immutable; ``stamp`` returns the next stamper with the event. Time and randomness
    come from the caller, so this stays pure and testable with any clock.
    """

    kiosk: str
    boot: str
    seq: int = 0
    prev: str = GENESIS_HASH
    clock: HybridLogicalClock | None = None

    def stamp(self, draft: EventDraft, now: datetime, rand: bytes) -> tuple[Stamper, Event]:
        if now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        now_ms = int(now.timestamp() * 1000)
        clock = self.clock or HybridLogicalClock(self.kiosk)
        clock, ts = clock.tick(now_ms)
        # ids follow the hybrid clock, not the wall clock, so they stay ordered in 1970 too
        event_id = str(uuid7(ts.wall_ms, rand))
        event = Event(
            id=event_id,
            kind=draft.kind,
            member=draft.member,
            kiosk=self.kiosk,
            seq=self.seq + 1,
            hlc=ts.encode(),
            wall=now.isoformat(timespec="milliseconds"),
            boot=self.boot,
            prev=self.prev,
            program=draft.program,
            postings=draft.postings,
            data=dict(draft.data),
            card=draft.card,
            actor=draft.actor,
            reverses=draft.reverses,
        )
        event = replace(event, hash=event.computed_hash())
        return replace(self, seq=event.seq, prev=event.hash, clock=clock), event

    def observe(self, remote: Event, now: datetime) -> Stamper:
        clock = self.clock or HybridLogicalClock(self.kiosk)
        return replace(self, clock=clock.observe(remote.timestamp, int(now.timestamp() * 1000)))
