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
from kiosk.domain.programs.problems import REQUIRED, expected
from kiosk.errors import InvalidInput, SettingError
from kiosk.texts import Msg, Verbatim

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

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
            raise SettingError(source, path, expected(Msg("a table"), data))
        self.data = data
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path and key else key or self.path

    def fail(self, key: str, wanted: Msg, got: Any = REQUIRED) -> SettingError:
        return SettingError(self.source, self.where(key), expected(wanted, got))

    def get(self, key: str, default: Any, wanted: Msg) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is REQUIRED:
                raise SettingError(self.source, self.where(key), Msg("missing; expected {what}", what=wanted))
            return default
        return self.data[key]

    def text(self, key: str, default: Any = REQUIRED) -> Any:
        value = self.get(key, default, Msg("a text string"))
        if value is not default and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, Msg("a non-empty text string"), value)
        return value

    def names(self, key: str, default: Any = REQUIRED) -> tuple[Any, Names | None]:
        """A name as a string or a table of languages: (the default language's text, Names)."""
        value = self.get(key, default, Msg("a name: a text string or a table of languages"))
        if value is default:
            return value, None
        names = parse_names(value, self.language, self.source, self.where(key))
        return names.default, names if names.by_language else None

    def ident(self, key: str = "id") -> str:
        value = self.get(key, REQUIRED, Msg("an id: lowercase letters, digits, '-' or '_'"))
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(key, Msg("an id of lowercase letters, digits, '-' or '_' (at most 40)"), value)
        return value

    def integer(self, key: str, default: Any = REQUIRED, minimum: int = 0) -> Any:
        wanted = Msg("a whole number ≥ {minimum}", minimum=minimum)
        value = self.get(key, default, wanted)
        if value is default:
            return value
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, wanted, value)
        if value > MAX_WHOLE:
            raise self.fail(key, Msg("a whole number ≤ {maximum}", maximum=MAX_WHOLE), value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default, Msg("true or false"))
        if not isinstance(value, bool):
            raise self.fail(key, Msg("true or false"), value)
        return value

    def money(self, key: str, default: Any = REQUIRED) -> Any:
        wanted = Msg('an amount of money as text with at most two decimals, like "3.50"')
        value = self.get(key, default, wanted)
        if value is default:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value * 100
        if isinstance(value, str):
            try:
                cents = parse_amount(value)
            except InvalidInput:
                raise self.fail(key, wanted, value) from None
            if cents >= 0:
                return cents
        raise self.fail(key, wanted, value)

    def decimal(self, key: str, default: Any = REQUIRED, maximum: Decimal | None = None) -> Any:
        wanted = Msg("a number ≥ 0")
        if maximum is not None:
            wanted = Msg("a number ≥ 0 and ≤ {maximum}", maximum=Verbatim(maximum))
        value = self.get(key, default, wanted)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, wanted, value)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, wanted, value) from None
        if not _bounded_decimal(number, maximum):
            ceiling = Verbatim(maximum if maximum is not None else MAX_DECIMAL)
            raise self.fail(key, Msg("a number ≥ 0 and ≤ {maximum}", maximum=ceiling), value)
        return number

    def choice(self, key: str, choices: tuple[str, ...], default: Any = REQUIRED) -> Any:
        wanted = Msg("one of {choices}", choices=Verbatim(", ".join(repr(c) for c in choices)))
        value = self.get(key, default, wanted)
        if value is not default and value not in choices:
            raise self.fail(key, wanted, value)
        return value

    def day(self, key: str) -> date | None:
        value = self.get(key, None, Msg("a date like 2026-03-31"))
        if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, Msg("a date like 2026-03-31"), value)

    def clock(self, key: str, default: time) -> time:
        value = self.get(key, default, Msg('a time of day like "22:00"'))
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, Msg('a time of day like "22:00"'), value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [], Msg("a list of text strings"))
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, Msg("a list of text strings"), value)
        return tuple(value)

    def table(self, key: str) -> Table | None:
        value = self.get(key, None, Msg("a table"))
        return None if value is None else Table(self.source, self.where(key), value, self.language)

    def tables(self, key: str) -> list[Table]:
        value = self.get(key, [], Msg("a list of tables ([[...]])"))
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            each = Verbatim(f"[[{self.where(key)}]]")
            raise self.fail(key, Msg("a list of tables: write each as {table}", table=each), value)
        return [Table(self.source, f"{self.where(key)}[{i}]", v, self.language) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = Verbatim(", ".join(sorted(self.used)))
            raise SettingError(
                self.source, self.where(unknown[0]), Msg("unknown setting (known here: {known})", known=known)
            )
