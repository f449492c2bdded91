"""Loyalty programs as data: load a program TOML file into rules the kiosk runs.

``load_program(path)`` reads and validates a program file and returns a
``ProgramRules`` (the ``kiosk.domain.rules.Rules`` interface). ``parse_program(dict)``
does the same for an already parsed document, without I/O. The engine itself lives in
``kiosk.domain.programs``; see "Loyalty programs" in README.md for the file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.config import read_toml
from kiosk.domain.programs.carry import check_carry_over
from kiosk.domain.programs.engine import ProgramRules, coupon_member_id
from kiosk.domain.programs.parse import parse_spec
from kiosk.domain.programs.spec import ProgramSpec
from kiosk.domain.programs.view import MemberView, member_view

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
    spec = parse_spec(document, source)
    check_carry_over(spec)
    return ProgramRules(spec)


def load_program(path: Path | str) -> ProgramRules:
    """Read, validate and compile a program file; errors name the file and the key."""
    path = Path(path)
    return parse_program(read_toml(path, "program file"), str(path))
