"""Browser logins for the owner's console: sessions, roles, languages and form tokens.

A session is a random token in an HTTP-only cookie (``Secure`` whenever the request came
over HTTPS, directly or through a TLS reverse proxy that sets ``X-Forwarded-Proto``); the
database keeps only its SHA-256, so a leaked database opens no browser. Every form carries
the session's CSRF token; the login form, before any session, a double-submit token.
The password check is the JSON API's own (:func:`sync.server.store.owner_login`), under
the same login throttle (:mod:`sync.server.throttle`, per account and per address).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from sync.server import auth, db, store
from sync.server.console_schema import console_users, web_sessions

COOKIE = "kanta_session"
LOGIN_CSRF_COOKIE = "kanta_login_csrf"
SESSION_HOURS = 12
ROLES = ("owner", "manager")
LANGUAGES = ("en", "fi", "sv")


@dataclass(frozen=True)
class Session:
    shop_id: int
    email: str
    role: str
    lang: str
    csrf: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def is_https(request: Request) -> bool:
    # uvicorn rewrites the scheme from X-Forwarded-Proto for a trusted proxy (127.0.0.1 by
    # default; FORWARDED_ALLOW_IPS names others)
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=is_https(request), samesite="strict", path="/"
    )


def settings(engine: Engine, email: str) -> tuple[str, str]:
    """(role, language) of a login."""
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(console_users.c.role, console_users.c.lang).where(console_users.c.email == email)
        ).first()
    return ("owner", "en") if row is None else (row.role, row.lang)


def start(engine: Engine, owner: store.OwnerAuth) -> str:
    """A new session for a login whose password was checked; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with db.write_tx(engine) as conn:
        # expired sessions of anyone go when someone logs in: the table stays small
        conn.execute(sa.delete(web_sessions).where(web_sessions.c.expires_at < now.isoformat()))
        conn.execute(
            sa.insert(web_sessions).values(
                token_hash=auth.token_hash(token),
                shop_id=owner.shop_id,
                email=owner.email,
                csrf=secrets.token_urlsafe(24),
                created_at=now.isoformat(),
                expires_at=(now + timedelta(hours=SESSION_HOURS)).isoformat(),
            )
        )
    return token


def current(engine: Engine, request: Request) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    s = web_sessions.c
    with db.read_tx(engine) as conn:
        row = conn.execute(
            sa.select(s.shop_id, s.email, s.csrf, s.expires_at).where(s.token_hash == auth.token_hash(token))
        ).first()
    if row is None or row.expires_at < datetime.now(UTC).isoformat():
        return None
    role, lang = settings(engine, row.email)
    return Session(row.shop_id, row.email, role, lang, row.csrf)


def log_out(engine: Engine, request: Request) -> None:
    token = request.cookies.get(COOKIE)
    if token and len(token) <= 100:
        with db.write_tx(engine) as conn:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.token_hash == auth.token_hash(token)))


def token_matches(expected: str | None, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(str(expected), given)


def save_settings(engine: Engine, email: str, *, role: str | None = None, lang: str | None = None) -> None:
    """Set a login's role and/or language (a row is made on first change)."""
    current_role, current_lang = settings(engine, email)
    values = {"role": role or current_role, "lang": lang or current_lang}
    with db.write_tx(engine) as conn:
        done = conn.execute(
            sa.update(console_users).where(console_users.c.email == email).values(**values)
        ).rowcount
        if not done:
            conn.execute(sa.insert(console_users).values(email=email, **values))
