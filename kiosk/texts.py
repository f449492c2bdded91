"""A text with named values, written in English and put into a reader's language later.

The kiosk's program loader says what is wrong with a setting this way, and the owner's
console says the same thing in the owner's language (:mod:`sync.server.web.i18n`): the
English text is the key of the console's word tables. Pure: no I/O, no language tables.
"""

from __future__ import annotations

from collections.abc import Mapping


class Msg:
    """A text with named values, translated when it is shown."""

    __slots__ = ("count", "other", "params", "text")

    def __init__(self, text: str, /, **params: object) -> None:
        self.text = text
        self.params: Mapping[str, object] = params
        self.other: str | None = None
        self.count: int | None = None

    @classmethod
    def n(cls, count: int, one: str, other: str, /, **params: object) -> Msg:
        """A text whose words follow a count (``{n}`` in it)."""
        msg = cls(one, n=count, **params)
        msg.other, msg.count = other, count
        return msg

    def __str__(self) -> str:
        """The English text (what logs and tests read)."""
        template = self.text if self.count is None or self.other is None or self.count == 1 else self.other
        values = {
            k: (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
            for k, v in self.params.items()
        }
        return template.format_map(values) if values else template

    def __repr__(self) -> str:
        return f"Msg({str(self)!r})"


class Verbatim(str):
    """A value shown exactly as it was written (a setting's name, what a file said), in every
    language: never looked up as words."""

    __slots__ = ()
