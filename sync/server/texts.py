"""Texts for the owner's console with their values, in English, translated when a page is
drawn (:mod:`sync.server.web.i18n`). Here, outside the web package, so that modules the
pages use (the member import) can say what is wrong without importing the pages; the
:class:`~kiosk.texts.Msg` itself is the kiosk's, whose program loader speaks the same way."""

from __future__ import annotations

from kiosk.errors import InvalidInput
from kiosk.texts import Msg, Verbatim

__all__ = ["BadInput", "Msg", "Verbatim"]


class BadInput(InvalidInput):
    """Input from the owner (a form field, a cell of a file) that cannot be taken, said in
    words a page can translate."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message
