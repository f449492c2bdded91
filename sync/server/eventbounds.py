"""The value bounds an event must keep to be stored by the server.

``kiosk.domain.events.check_event_dict`` checks an event's form (types, required fields);
this checks its values against what any kiosk can produce: ids are UUIDv7 text, hashes are
32 hex digits, sequence numbers and amounts fit comfortably in a 64-bit integer and in a
JSON number every client reads exactly, text is bounded and holds no NUL or control
characters, and ``data`` is shallow. A hostile or buggy kiosk gets a 422 naming the event
and the field; nothing it sent is stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from operator import itemgetter, le
from typing import Any

from kiosk.errors import EventFormatError

#: sequence numbers and amounts stay exact in every JSON reader (IEEE doubles)
MAX_SEQ = 2**53 - 1
#: one posting's amount: ten billion in cents, far beyond any shop's single event
MAX_AMOUNT = 10**12
MAX_POSTINGS = 64
MAX_ACCOUNT = 100
#: nesting of ``data`` (the event itself is level 0)
MAX_DATA_DEPTH = 6
MAX_DATA_TEXT = 2000
#: top-level text fields and their longest allowed length
TEXT_LIMITS = (
    ("kind", 200),  # (one of the known kinds)
    ("member", 200),
    ("kiosk", 200),
    ("hlc", 260),
    ("wall", 200),  # (an ISO 8601 time)
    ("boot", 200),
    ("program", 200),
)
OPTIONAL_TEXT_LIMITS = (("card", 200), ("actor", 200))

_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_HASH = re.compile(r"[0-9a-f]{32}")
#: C0 controls and DEL: never in an id, a name or a clock; lone surrogates never anywhere
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
#: in free text (``data``) tabs and line breaks are fine
_DATA_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _refuse(fld: str, message: str) -> EventFormatError:
    return EventFormatError(f"event field {fld!r}: {message}", field=fld)


def check_event_values(raw: Mapping[str, Any], *, plain_text: bool = False) -> bool:
    """Raise EventFormatError naming the field unless the (form-checked) event's values are
    within bounds; return whether a posting debits (a negative amount: the postings are read
    here anyway, and the server keeps that flag).

    ``plain_text``: the JSON the event came in has no backslash at all, so none of its text
    holds a control character or a lone surrogate (JSON can only spell those escaped), and
    only lengths are checked (a push body is scanned for one backslash in C, once).

    Every push runs this for every event, so the common case runs in C loops (one pattern
    over the ids, ``isprintable`` and the lengths over the text fields); only what they doubt
    is looked at field by field, to name the one that is wrong."""
    texts = _TEXTS_OF(raw)
    joined = "".join(texts)
    # C loops only: a pattern over the id and the previous hash (the hash itself must equal
    # the event's SHA-256, checked next by the caller), isprintable (true for nearly all real
    # text; what it doubts is looked at field by field) and the lengths (every limit is at
    # least 200, so text of 200 characters in all keeps them)
    if not (
        _IDS.fullmatch(f"{raw['id']}\x1f{raw['prev']}")
        and (plain_text or joined.isprintable())
        and (len(joined) <= 200 or all(map(le, map(len, texts), _LIMITS)))
    ):
        _name_bad_field(raw)
    if raw["seq"] > MAX_SEQ:
        raise _refuse("seq", f"at most {MAX_SEQ}")
    if not _OPTIONAL_KEYS.isdisjoint(raw):  # (most events have none of them)
        _check_optional(raw, plain_text)
    postings = raw.get("postings", ())
    if len(postings) > MAX_POSTINGS:
        raise _refuse("postings", f"at most {MAX_POSTINGS} postings")
    debit = False
    for i, p in enumerate(postings):
        account, amount = p[0], p[1]
        if (
            len(account) > MAX_ACCOUNT
            or not (plain_text or account.isprintable())
            or not -MAX_AMOUNT <= amount <= MAX_AMOUNT
        ):
            where = f"postings[{i}]"
            _check_text(account, where, MAX_ACCOUNT)
            if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
                raise _refuse(where, f"the amount must be within ±{MAX_AMOUNT}")
        if amount < 0:
            debit = True
        if len(p) == 3 and p[2] is not None:
            _check_text(p[2], f"postings[{i}]", 64, plain_text)
    return debit


def _check_optional(raw: Mapping[str, Any], plain_text: bool) -> None:
    """The bounds of the fields most events leave out."""
    reverses = raw.get("reverses")
    if reverses is not None and not _UUID7.fullmatch(reverses):
        raise _refuse("reverses", "must be an event id (a UUIDv7 in lowercase text)")
    for name, limit in OPTIONAL_TEXT_LIMITS:
        value = raw.get(name)
        if value is not None:
            _check_text(value, name, limit, plain_text)
    data = raw.get("data")
    if data:
        _check_data(data, "data", 1, plain_text)


_IDS = re.compile(f"{_UUID7.pattern}\x1f{_HASH.pattern}")
_TEXTS_OF = itemgetter(*(name for name, _ in TEXT_LIMITS))
_LIMITS = tuple(limit for _, limit in TEXT_LIMITS)
_OPTIONAL_KEYS = frozenset(("reverses", "data", *(name for name, _ in OPTIONAL_TEXT_LIMITS)))


def _name_bad_field(raw: Mapping[str, Any]) -> None:
    claimed = raw.get("hash")
    if not _UUID7.fullmatch(raw["id"]):
        raise _refuse("id", "must be a UUIDv7 in lowercase text")
    if not _HASH.fullmatch(raw["prev"]):
        raise _refuse("prev", "must be a hash (32 hex digits)")
    if type(claimed) is not str or not _HASH.fullmatch(claimed):
        raise _refuse("hash", "must be a hash (32 hex digits)")
    for name, limit in TEXT_LIMITS:
        _check_text(raw[name], name, limit)
    # all well: the text isprintable doubted holds no control character (a no-break space...)


def _check_text(value: str, fld: str, limit: int, plain_text: bool = False) -> None:
    if len(value) > limit:
        raise _refuse(fld, f"at most {limit} characters")
    if not plain_text and _CONTROL.search(value):
        raise _refuse(fld, "no NUL, control characters or lone surrogates")


def _check_data(value: Any, fld: str, depth: int, plain_text: bool) -> None:
    if depth > MAX_DATA_DEPTH:
        raise _refuse(fld, f"nested deeper than {MAX_DATA_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if len(key) > 200 or (not plain_text and _CONTROL.search(key)):
                raise _refuse(fld, "a key of at most 200 characters, no control characters")
            _check_data(item, f"{fld}.{key}" if len(fld) < 200 else fld, depth + 1, plain_text)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_data(item, f"{fld}[{i}]" if len(fld) < 200 else fld, depth + 1, plain_text)
    elif isinstance(value, str):
        if len(value) > MAX_DATA_TEXT or (not plain_text and _DATA_CONTROL.search(value)):
            raise _refuse(fld, f"text of at most {MAX_DATA_TEXT} characters, no NUL or control characters")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -MAX_SEQ <= value <= MAX_SEQ:
            raise _refuse(fld, f"a number within ±{MAX_SEQ}")
    elif isinstance(value, float):
        # (a JSON reader may read a whole number too large for 64 bits as a float)
        if not (math.isfinite(value) and -MAX_SEQ <= value <= MAX_SEQ):
            raise _refuse(fld, f"a finite number within ±{MAX_SEQ}")
    else:  # pragma: no cover - JSON holds nothing else
        raise _refuse(fld, "not a JSON value")
