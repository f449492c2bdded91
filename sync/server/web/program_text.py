"""A program file as the owner edits it: checked with the kiosk's own loader (so the server
accepts exactly what a kiosk accepts), errors pointed at their line, and the version line
set to the number the server gives it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from kiosk.domain.program import ProgramRules, parse_program
from kiosk.errors import KantaError, SettingError
from sync.server.texts import Msg, Verbatim
from sync.server.web.words_loader import TOML_REASONS

SOURCE = "program"
_HEADER = re.compile(r"^\s*\[(\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_VERSION = re.compile(r"""^(\s*version\s*=\s*)("[^"]*"|'[^']*'|[^#\s]+)""")
_SEGMENT = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")
#: where tomllib says its reason is: "(at line 3, column 7)" or "(at end of document)"
_AT = re.compile(r" \(at (?:line (\d+), column \d+|end of document)\)$")
#: each of tomllib's reasons as a pattern, its {values} any text; those without values
#: first ("Expected ']' at the end of..." before "Expected {expect}")
_REASONS = [
    (template, re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", re.escape(template))))
    for template in sorted(TOML_REASONS, key=lambda t: "{" in t)
]


@dataclass(frozen=True)
class Problem:
    """What is wrong and where: the line, the setting as written (shown as it is), and what
    is wrong with it, a Msg translated when the page is drawn."""

    line: int | None
    message: Msg
    setting: str = ""

    def __str__(self) -> str:
        said = f"{self.setting}: {self.message}" if self.setting else str(self.message)
        return said if self.line is None else f"line {self.line}: {said}"


def check(text: str) -> ProgramRules | Problem:
    """The compiled program, or what is wrong with it (naming the line and setting)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _AT.search(str(exc))
        reason = _AT.sub("", str(exc))
        said = Msg("not valid TOML: {reason}", reason=toml_reason(reason))
        return Problem(int(found[1]) if found and found[1] else None, said)
    try:
        return parse_program(document, SOURCE)
    except SettingError as exc:  # every refusal of the loader: the setting and a Msg
        return Problem(line_of(text, exc.setting) if exc.setting else None, exc.problem, exc.setting)


def toml_reason(reason: str) -> Msg | Verbatim:
    """tomllib's reason as a Msg of :data:`TOML_REASONS` (its quoted parts as written), or
    the reason as it came if it is none of them (a newer Python's own words)."""
    for template, pattern in _REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return Msg(template, **{k: Verbatim(v) for k, v in match.groupdict().items()})
    return Verbatim(reason)


def line_of(text: str, setting: str) -> int | None:
    """The line of a setting such as ``stamp_cards[1].reward_at`` (its table's header
    line if the key itself is missing)."""
    segments = [(m[1], None if m[2] is None else int(m[2])) for m in _SEGMENT.finditer(setting)]
    if not segments:
        return None
    *table, (key, index) = segments
    if index is not None:  # the setting is a table of an array itself
        table, key = [*table, (key, index)], ""
    name = ".".join(n for n, _ in table)
    wanted = table[-1][1] or 0 if table else 0
    lines = text.splitlines()
    seen = -1
    start = 0 if not table else None
    for number, line in enumerate(lines, 1):
        header = _HEADER.match(line)
        if header:
            if start is not None:  # the wanted table ended without the key
                return None if not table else start
            if header[2] == name:
                seen += 1
                if seen == wanted:
                    start = number
                    if not key:
                        return number
            continue
        if start is not None and key and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return start or None


def with_version(text: str, version: int) -> str:
    """The text with ``version = N`` in its [program] table (kiosks record ``id@N``)."""
    lines = text.splitlines()
    head: int | None = None
    for i, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            if head is not None:
                break
            if header[2] == "program" and not header[1]:
                head = i
            continue
        if head is not None and _VERSION.match(line):
            lines[i] = _VERSION.sub(rf"\g<1>{version}", line, count=1)
            return "\n".join(lines) + "\n"
    if head is None:
        raise KantaError("the program has no [program] table")
    lines.insert(head + 1, f"version = {version}")
    return "\n".join(lines) + "\n"
