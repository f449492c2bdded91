"""Finding a member by phone number when the card is at home, rate-limited per number.

A lookup shows the member; it stamps nothing by itself (staff or the customer confirm a
visit). Knowing someone's phone number must not be a way to collect their stamps or to
read their balance again and again, so each number may be looked up only a few times in
a window. The limiter is told the time (``now``); it keeps at most ``MAX_NUMBERS`` numbers.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.errors import InvalidInput
from kiosk.store.ledger import Ledger

#: lookups of one number allowed per window
LOOKUPS_PER_WINDOW = 3
WINDOW = timedelta(minutes=10)
#: numbers the limiter remembers at most (the oldest are forgotten first)
MAX_NUMBERS = 1000


def phone_key(text: str) -> str:
    """Compare phone numbers by their last 9 digits: +358 40 123 4567 == 040 1234567."""
    return re.sub(r"\D", "", text)[-9:]


def checked_phone_key(text: str) -> str:
    if len(text) > 32:
        raise InvalidInput("a phone number has at most 32 characters")
    key = phone_key(text)
    if len(key) < 6:
        raise InvalidInput(f"{text!r} is not a phone number: type at least 6 digits")
    return key


@dataclass
class PhoneLimiter:
    """At most ``per_window`` lookups of one number within ``window``."""

    per_window: int = LOOKUPS_PER_WINDOW
    window: timedelta = WINDOW

    def __post_init__(self) -> None:
        self._seen: OrderedDict[str, list[datetime]] = OrderedDict()

    def wait(self, key: str, now: datetime) -> int:
        """Seconds until ``key`` may be looked up again (0: now, and it is counted)."""
        recent = [t for t in self._seen.pop(key, []) if timedelta(0) <= now - t < self.window]
        if len(recent) >= self.per_window:
            self._seen[key] = recent
            return max(1, int((recent[0] + self.window - now).total_seconds() + 0.999))
        self._seen[key] = [*recent, now]
        while len(self._seen) > MAX_NUMBERS:
            self._seen.popitem(last=False)
        return 0


def card_for_phone(ledger: Ledger, key: str) -> str | None:
    """The current card of the member whose contact details have this phone number."""
    for member, contact in ledger.contacts():
        phone = contact.get("phone")
        if isinstance(phone, str) and phone_key(phone) == key and member.cards:
            return member.cards[0]
    return None
