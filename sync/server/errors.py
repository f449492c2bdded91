"""The refusal every server module raises: an HTTP status and the JSON body's fields."""

from __future__ import annotations

from typing import Any

from kiosk.errors import KantaError


class ApiError(KantaError):
    """A request the server refuses; ``status`` is the HTTP status, ``extra`` goes in the body."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra
