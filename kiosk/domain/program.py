"""Loyalty programs as data: load a program TOML file into rules the kiosk runs.

``load_program(path)`` reads and validates a program file and returns a
``ProgramRules`` (the ``kiosk.domain.rules.Rules`` interface). ``parse_program(dict)``
does the same for an already parsed document, without I/O. The engine itself lives in
``kiosk.domain.programs``; see "Loyalty programs" in README.md for the file format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.domain.programs.engine import ProgramRules, coupon_member_id
from kiosk.domain.programs.spec import ProgramSpec, parse_spec
from kiosk.domain.programs.view import MemberView, member_view
from kiosk.errors import ConfigError

__all__ = [
    "MemberView",
    "ProgramRules",
    "ProgramSpec",
    "coupon_member_id",
    "default_program_path",
    "load_program",
    "member_view",
    "parse_program",
]


def default_program_path() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "config" / "program.toml"


def parse_program(document: Mapping[str, Any], source: str = "<program>") -> ProgramRules:
    return ProgramRules(parse_spec(document, source))


def load_program(path: Path | str) -> ProgramRules:
    """Read, validate and compile a program file; errors name the file and the key."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the program file ({exc.strerror or exc})") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the program file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_program(document, str(path))
