"""An incoming batch of events, checked before anything touches the database: each
event's form, values and hash; a malformed one is a 422 naming ``events[i].field``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.events import check_event_dict, event_from_dict, hash_of, hashed_bytes
from kiosk.errors import EventFormatError
from sync.server.errors import ApiError
from sync.server.eventbounds import check_event_values

MAX_EVENTS = 1000
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Incoming:
    """A checked event: the columns the server keeps and its canonical JSON (``to_dict()``
    form, hash last), as stored and served."""

    id: str
    kiosk: str
    member: str
    hlc: str
    hash: str
    #: any posting with a negative delta (only members with one can be overdrawn)
    debit: bool
    body: str
    seq: int
    prev: str
    #: its position in the pushed batch
    index: int


def validate_batch(raw_events: Any, *, plain_text: bool = False) -> list[Incoming]:
    """Parse a batch; a malformed event is a 422 naming ``events[i].field``. ``plain_text``:
    the body had no backslash (see ``eventbounds.check_event_values``)."""
    if not isinstance(raw_events, list):
        raise ApiError(422, "'events' must be a list of events", field="events")
    if len(raw_events) > MAX_EVENTS:
        raise ApiError(413, "batch too large", max_events=MAX_EVENTS, max_bytes=MAX_BYTES)
    out = []
    for i, raw in enumerate(raw_events):
        try:
            check_event_dict(raw)
            check_event_values(raw, plain_text=plain_text)
            body = _canonical_checked(raw)
        except EventFormatError as exc:
            fld = f"events[{i}]" if exc.field in (None, "<event>") else f"events[{i}].{exc.field}"
            raise ApiError(422, str(exc), field=fld, index=i) from None
        except (UnicodeError, ValueError, TypeError, RecursionError) as exc:
            # a lone surrogate, an unhashable oddity: refuse the event, never a 5xx
            raise ApiError(422, f"event is not valid text: {exc}", field=f"events[{i}]", index=i) from None
        postings = raw.get("postings", ())
        out.append(
            Incoming(
                raw["id"],
                raw["kiosk"],
                raw["member"],
                raw["hlc"],
                raw["hash"],
                any(p[1] < 0 for p in postings),
                body,
                raw["seq"],
                raw["prev"],
                i,
            )
        )
    return out


def _canonical_checked(raw: Mapping[str, Any]) -> str:
    """Check a checked event dict's hash and return its stored form: the canonical JSON
    ``Event.computed_hash`` hashes, with the hash added as the last key.

    Events as kiosks send them take the fast path (their dict is already in ``to_dict()``
    form); any other form is built into an Event first, whose own ``to_dict`` and
    ``computed_hash`` decide (tests check both paths agree with them).
    """
    claimed = raw.get("hash")
    hashed = hashed_bytes(raw)
    if hashed is None or type(claimed) is not str or hash_of(hashed) != claimed:
        event = event_from_dict(raw, verify_hash=False)
        if event.computed_hash() != event.hash:
            raise EventFormatError("event field 'hash': does not match the event's content", "hash")
        return f'{event.hashed_text()[:-1]},"hash":"{event.hash}"}}'
    return f'{hashed[:-1].decode("utf-8")},"hash":"{claimed}"}}'
