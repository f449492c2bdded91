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

from kiosk.errors import ConfigError

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


def parse_names(value: Any, default_language: str, where: str) -> Names:
    """A name as written in a program file: a string, or a table of languages.

    ``where`` names the file and key for the error message."""
    if isinstance(value, str):
        if not value.strip() or len(value) > _MAX_NAME:
            raise ConfigError(f"{where}: expected a name of 1 to {_MAX_NAME} characters, got {value!r}")
        return Names(value)
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            f"{where}: expected a name: a text string, or a table of languages like "
            '{ fi = "...", sv = "...", en = "..." }'
            f", got {value!r}"
        )
    pairs: list[tuple[str, str]] = []
    for lang, text in value.items():
        if not isinstance(lang, str) or not _LANG.match(lang) or lang not in LANGUAGES:
            raise ConfigError(f"{where}.{lang}: expected one of the languages {', '.join(LANGUAGES)}")
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_NAME:
            raise ConfigError(f"{where}.{lang}: expected a name of 1 to {_MAX_NAME} characters, got {text!r}")
        pairs.append((lang, text))
    chosen = dict(pairs)
    default = chosen.get(default_language, pairs[0][1])
    return Names(default, tuple(pairs))
