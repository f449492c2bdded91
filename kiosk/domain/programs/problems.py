"""How the program loader says what is wrong with a setting: a :class:`~kiosk.texts.Msg`
with values, raised in a :class:`~kiosk.errors.SettingError` that names the setting.

Every text is written out where it is raised (never built from pieces), so the owner's
console's word tables cover them all, and a test lists them from the source.
"""

from __future__ import annotations

from typing import Any

from kiosk.texts import Msg, Verbatim

#: a getter's default meaning "the key must be there"; as ``got``: nothing was given
REQUIRED: Any = object()


def expected(wanted: Msg, got: Any = REQUIRED) -> Msg:
    """ "expected <wanted>, got <what the file says>" (without "got" when nothing was given)."""
    if got is REQUIRED:
        return Msg("expected {what}", what=wanted)
    return Msg("expected {what}, got {got}", what=wanted, got=Verbatim(repr(got)))
