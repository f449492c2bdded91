"""Reading one table of a parsed program file: typed getters with bounds (money, decimals,
whole numbers a kiosk can compute with, ids, days, times, names per language), errors
that name the file and the key, and unknown keys reported when the table is done.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.domain.money import parse_amount
from kiosk.domain.programs.names import Names, parse_names
from kiosk.errors import ConfigError, InvalidInput

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: a getter's default meaning "the key must be there"
REQUIRED: Any = object()

# ---- bounds: what a kiosk can compute with --------------------------------------------

#: no program number needs more (amounts are cents, counts are counts); past it a purchase's
#: arithmetic would fail at the counter instead of here
MAX_WHOLE = 10**9
#: a rate (points per unit, a point's value): any more and one purchase overflows an event
MAX_DECIMAL = 10**6


def _bounded_decimal(number: Decimal, maximum: Decimal | None) -> bool:
    ceiling = Decimal(MAX_DECIMAL) if maximum is None else maximum
    return number.is_finite() and Decimal(0) <= number <= ceiling


class Table:
    """One TOML table being read: typed getters, and unknown keys reported at the end."""

    def __init__(self, source: str, path: str, data: Any, language: str = "fi") -> None:
        self.source = source
        self.path = path
        #: the program's default language, for names given per language
        self.language = language
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: {path or 'the file'}: expected a table, got {data!r}")
        self.data = data
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str, got: Any = REQUIRED) -> ConfigError:
        tail = "" if got is REQUIRED else f", got {got!r}"
        return ConfigError(f"{self.source}: {self.where(key)}: expected {expected}{tail}")

    def get(self, key: str, default: Any, expected: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is REQUIRED:
                raise ConfigError(f"{self.source}: {self.where(key)}: missing; expected {expected}")
            return default
        return self.data[key]

    def text(self, key: str, default: Any = REQUIRED) -> Any:
        value = self.get(key, default, "a text string")
        if value is not default and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, "a non-empty text string", value)
        return value

    def names(self, key: str, default: Any = REQUIRED) -> tuple[Any, Names | None]:
        """A name as a string or a table of languages: (the default language's text, Names)."""
        value = self.get(key, default, "a name: a text string or a table of languages")
        if value is default:
            return value, None
        names = parse_names(value, self.language, f"{self.source}: {self.where(key)}")
        return names.default, names if names.by_language else None

    def ident(self, key: str = "id") -> str:
        value = self.get(key, REQUIRED, "an id: lowercase letters, digits, '-' or '_'")
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(key, "an id of lowercase letters, digits, '-' or '_' (at most 40)", value)
        return value

    def integer(self, key: str, default: Any = REQUIRED, minimum: int = 0) -> Any:
        value = self.get(key, default, f"a whole number ≥ {minimum}")
        if value is default:
            return value
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, f"a whole number ≥ {minimum}", value)
        if value > MAX_WHOLE:
            raise self.fail(key, f"a whole number ≤ {MAX_WHOLE}", value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default, "true or false")
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def money(self, key: str, default: Any = REQUIRED) -> Any:
        expected = 'an amount of money as text with at most two decimals, like "3.50"'
        value = self.get(key, default, expected)
        if value is default:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value * 100
        if isinstance(value, str):
            try:
                cents = parse_amount(value)
            except InvalidInput:
                raise self.fail(key, expected, value) from None
            if cents >= 0:
                return cents
        raise self.fail(key, expected, value)

    def decimal(self, key: str, default: Any = REQUIRED, maximum: Decimal | None = None) -> Any:
        expected = "a number ≥ 0" + (f" and ≤ {maximum}" if maximum is not None else "")
        value = self.get(key, default, expected)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, expected, value)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, expected, value) from None
        if not _bounded_decimal(number, maximum):
            ceiling = maximum if maximum is not None else MAX_DECIMAL
            raise self.fail(key, f"a number ≥ 0 and ≤ {ceiling}", value)
        return number

    def choice(self, key: str, choices: tuple[str, ...], default: Any = REQUIRED) -> Any:
        expected = "one of " + ", ".join(repr(c) for c in choices)
        value = self.get(key, default, expected)
        if value is not default and value not in choices:
            raise self.fail(key, expected, value)
        return value

    def day(self, key: str) -> date | None:
        value = self.get(key, None, "a date like 2026-03-31")
        if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, "a date like 2026-03-31", value)

    def clock(self, key: str, default: time) -> time:
        value = self.get(key, default, 'a time of day like "22:00"')
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, 'a time of day like "22:00"', value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [], "a list of text strings")
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of text strings", value)
        return tuple(value)

    def table(self, key: str) -> Table | None:
        value = self.get(key, None, "a table")
        return None if value is None else Table(self.source, self.where(key), value, self.language)

    def tables(self, key: str) -> list[Table]:
        value = self.get(key, [], "a list of tables ([[...]])")
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, f"a list of tables: write each as [[{self.where(key)}]]", value)
        return [Table(self.source, f"{self.where(key)}[{i}]", v, self.language) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            raise ConfigError(
                f"{self.source}: {self.where(unknown[0])}: unknown setting (known here: {known})"
            )
