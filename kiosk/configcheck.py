"""Whether the kiosk's files load: its config file and the program file it names.

``kanta status`` asks this so that a broken file is named with what is wrong in it (the app
cannot start with one, and "not running" alone would hide why).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.config import load_config
from kiosk.domain.program import load_program
from kiosk.errors import ConfigError


def config_problem(env: Mapping[str, str] | None = None) -> str | None:
    """The ConfigError message (naming the file and the setting), or None when both load."""
    try:
        cfg = load_config(env=env)
        program = cfg.program_path
        if program is not None:
            load_program(program)
    except ConfigError as exc:
        return str(exc)
    return None
