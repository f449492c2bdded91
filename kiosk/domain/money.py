"""Money as integer minor units (cents). Never floats."""

from __future__ import annotations

import re

from kiosk.errors import InvalidInput

_AMOUNT = re.compile(r"^\s*(?P<sign>-)?(?P<units>\d{1,9})(?:[.,](?P<frac>\d{1,2}))?\s*$")


def parse_amount(text: str) -> int:
    """Parse a decimal amount typed by staff or read from a file ("12.50", "3,5") to cents."""
    match = _AMOUNT.match(text)
    if match is None:
        raise InvalidInput(
            f"{text!r} is not an amount: use digits with at most two decimals, like 12.50"
        )
    cents = int(match["units"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    return -cents if match["sign"] else cents


def format_amount(cents: int, currency: str = "EUR") -> str:
    """Format cents for people: 1250 -> '12.50 EUR'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d} {currency}"


def whole_units(cents: int) -> int:
    """Whole currency units in an amount, rounding down (12.99 -> 12)."""
    return cents // 100 if cents >= 0 else -((-cents) // 100)
