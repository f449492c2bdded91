"""A text for the owner's console with its values, in English, translated when a page is
drawn (:mod:`sync.server.web.i18n`). Here, outside the web package, so that modules the
pages use (the member import) can say what is wrong without importing the pages."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.errors import InvalidInput


class Msg:
    """A text for a page with named values, translated when the page is drawn."""

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


class BadInput(InvalidInput):
    """Input from the owner (a form field, a cell of a file) that cannot be taken, said in
    words a page can translate."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message
