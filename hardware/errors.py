"""Hardware errors: part of Kanta's one exception tree (``kiosk.errors``)."""

from __future__ import annotations

from kiosk.errors import HardwareError, InvalidInput


class BackendUnavailable(HardwareError):
    """The configured backend cannot run here (library or device stack missing)."""


class SimControlError(HardwareError):
    """The simulator's control channel cannot be reached or refused a command."""


class InvalidCode(InvalidInput):
    """A scanned code or card UID given by a person is malformed."""


__all__ = ["BackendUnavailable", "HardwareError", "InvalidCode", "SimControlError"]
