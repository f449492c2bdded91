"""Names in several languages: a reward, pass or category named per screen language.

A program file writes a name either as one string (used in every language) or as a table
of languages, ``name = { fi = "Ilmainen kahvi", sv = "Gratis kaffe", en = "A free coffee" }``.
A language the table lacks falls back to the program's default language, then to the
first name given. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.programs.problems import expected
from kiosk.errors import SettingError
from kiosk.texts import Msg, Verbatim

#: the languages a screen can show; a name table may use only these keys
LANGUAGES = ("fi", "sv", "en")
_MAX_NAME = 80
_LANG = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Names:
    """One name per language, ``default`` being the program's default language's."""

    default: str
    #: (language, name) pairs, in the order the file gave them
    by_language: tuple[tuple[str, str], ...] = ()

    @classmethod
    def plain(cls, text: str) -> Names:
        return cls(text)

    def name(self, language: str) -> str:
        """The name in ``language``, else in the program's default language."""
        for lang, text in self.by_language:
            if lang == language:
                return text
        return self.default

    def __str__(self) -> str:
        return self.default


def parse_names(value: Any, default_language: str, source: str, setting: str) -> Names:
    """A name as written in a program file: a string, or a table of languages.

    ``source`` and ``setting`` name the file and key for the error message."""
    length = Msg("a name of 1 to {most} characters", most=_MAX_NAME)
    if isinstance(value, str):
        if not value.strip() or len(value) > _MAX_NAME:
            raise SettingError(source, setting, expected(length, value))
        return Names(value)
    if not isinstance(value, Mapping) or not value:
        shape = Verbatim('{ fi = "...", sv = "...", en = "..." }')
        wanted = Msg("a name: a text string, or a table of languages like {shape}", shape=shape)
        raise SettingError(source, setting, expected(wanted, value))
    pairs: list[tuple[str, str]] = []
    for lang, text in value.items():
        if not isinstance(lang, str) or not _LANG.match(lang) or lang not in LANGUAGES:
            known = Msg("one of the languages {languages}", languages=Verbatim(", ".join(LANGUAGES)))
            raise SettingError(source, f"{setting}.{lang}", expected(known))
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_NAME:
            raise SettingError(source, f"{setting}.{lang}", expected(length, text))
        pairs.append((lang, text))
    chosen = dict(pairs)
    default = chosen.get(default_language, pairs[0][1])
    return Names(default, tuple(pairs))
