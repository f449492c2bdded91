"""Who is asking: a kiosk's pairing token or the owner's login, from the Authorization header."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from sync.server.errors import ApiError

KIOSK_TOKEN_NEEDED = "a valid kiosk token is needed (Authorization: Bearer ...)"


def unauthorized(detail: str, scheme: str) -> ApiError:
    return ApiError(401, detail, _headers={"WWW-Authenticate": scheme})


def _credentials(request: Request, scheme: str) -> str | None:
    header = request.headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != scheme.lower():
        return None
    return value.strip() or None


def kiosk_token(request: Request) -> str | None:
    """The bearer token, if the request carries one that could be a token at all."""
    token = _credentials(request, "Bearer")
    if token is None or len(token) > 200 or "\x00" in token:
        return None
    return token


def owner_login(request: Request) -> tuple[str, str] | None:
    """(email, password) from HTTP Basic, if well-formed."""
    value = _credentials(request, "Basic")
    if value is None or len(value) > 2000:
        return None
    try:
        email, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not sep or "\x00" in email or "\x00" in password or len(email) > 320:
        return None
    return email, password
