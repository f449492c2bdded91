"""The one exception tree of Kanta.

Every error a person can cause or meet (bad input, broken config, damaged files, missing
hardware) is a ``KantaError`` with a message that says what is wrong and, where it
helps, what to do. Anything else escaping is a bug.
"""

from __future__ import annotations

from kiosk.texts import Msg


class KantaError(Exception):
    """Root of every error Kanta raises on purpose."""

    #: process exit status used by the command line for this kind of error
    exit_status = 1


class ConfigError(KantaError):
    """A configuration file or setting is missing, malformed or out of range."""

    exit_status = 78  # EX_CONFIG


class SettingError(ConfigError):
    """A setting of a file refused. ``setting`` names it as written (``stamp_card[0].reward_at``,
    or "" for the file as a whole) and ``problem`` says what is wrong as a text with values,
    so the owner's console can say it in the owner's language; ``str()`` is the English
    "file: setting: problem"."""

    def __init__(self, source: str, setting: str, problem: Msg) -> None:
        where = f"{source}: {setting}" if setting else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.setting = setting
        self.problem = problem


class InvalidInput(KantaError):
    """Input from a person or device (amount, card number, scan) is not acceptable."""

    exit_status = 65  # EX_DATAERR


class EventFormatError(InvalidInput):
    """An event record is malformed; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownCard(KantaError):
    """No member is known for the card or code."""

    exit_status = 2


class Refused(KantaError):
    """The program rules refuse an action; the message is for the customer or staff."""

    exit_status = 3


class StoreError(KantaError):
    """The local store cannot be used."""

    exit_status = 74  # EX_IOERR


class StoreLocked(StoreError):
    """Another process holds the data folder."""

    exit_status = 75  # EX_TEMPFAIL


class StoreCorrupt(StoreError):
    """The data on disk is damaged in a way recovery must not guess about."""


class StoreWriteError(StoreError):
    """A write or fsync failed: nothing was acknowledged."""


class HardwareError(KantaError):
    """A device is missing, unplugged or answered nonsense."""


class SyncError(KantaError):
    """Talking to the shop's server failed."""
