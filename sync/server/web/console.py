"""What every page of the owner's console shares: templates, the login guard, bounded forms.

Pages are server-rendered Jinja2 templates from this package, with one stylesheet served
from it too; nothing is loaded from the internet (a shop's LAN may have none), and the
Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sync.server.bodies import read_body
from sync.server.store import ApiError
from sync.server.texts import Msg
from sync.server.web import i18n
from sync.server.web.session import LANGUAGES, Session, current, token_matches

HERE = Path(__file__).resolve().parent
#: a form's body; uploads (imports, till totals) are bounded by their own pages
MAX_FORM_BYTES = 256 * 1024

#: pages nobody else may frame, that run no script but the package's own
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

#: the language of the last login in this browser, for its login page (nothing secret)
LANGUAGE_COOKIE = "kanta_lang"

LANGUAGE_NAMES = {"en": "English", "fi": "Suomi", "sv": "Svenska"}

#: (path, label, owner only)
NAV: list[tuple[str, str, bool]] = [
    ("/overview", "Overview", False),
    ("/retention", "Retention", False),
    ("/sales", "Non-member sales", False),
    ("/members", "Members", False),
    ("/import", "Import", True),
    ("/program", "Program", True),
    ("/kiosks", "Kiosks", False),
    ("/staff", "Staff", True),
    ("/backups", "Backups", True),
]


class PageRedirect(Exception):
    """Raised by a guard: answer with a redirect (to the login page, say)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageRefused(Exception):
    """Raised by a guard: the page is not for this visitor (a manager on an owner's page,
    a form without its token)."""

    def __init__(self, status: int, message: str | Msg) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message


class Console:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    def render(
        self,
        request: Request,
        template: str,
        session: Session | None,
        *,
        status: int = 200,
        lang: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        lang = lang or (session.lang if session else _browser_language(request))
        page = self.env.get_template(template).render(
            session=session,
            lang=lang,
            **i18n.helpers(lang),
            nav=[(p, label) for p, label, only in NAV if session and (session.is_owner or not only)],
            here=request.url.path,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            title=i18n.translate(lang, context.pop("title", "Kanta")),
            **context,
        )
        return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)

    def session(self, request: Request, *, owner_only: bool = False) -> Session:
        """The visitor's session, or a redirect to the login page."""
        session = current(self.engine, request)
        if session is None:
            raise PageRedirect("/")
        if owner_only and not session.is_owner:
            raise PageRefused(403, Msg("this page is for the shop's owner"))
        return session

    async def form(
        self, request: Request, *, owner_only: bool = False, limit: int = MAX_FORM_BYTES
    ) -> tuple[Session, FormData]:
        """A logged-in visitor's POSTed form, its CSRF token checked; bounded in size."""
        session = self.session(request, owner_only=owner_only)
        form = await read_form(request, limit)
        if not token_matches(session.csrf, form.get("csrf")):
            raise PageRefused(403, Msg("the form's security token is missing or wrong: reload the page"))
        return session, form


async def read_form(request: Request, limit: int) -> FormData:
    """The form body, read with a bound before parsing (urlencoded or multipart)."""
    try:
        raw = await read_body(request, limit)
    except ApiError as exc:
        raise PageRefused(exc.status, exc.detail) from None
    sent = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return await Request(request.scope, replay).form(max_files=2, max_fields=200, max_part_size=limit)


def redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers=SECURITY_HEADERS)


def _browser_language(request: Request) -> str:
    """For the login page: the language of the last login here, else the first of the
    browser's languages the console speaks."""
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return str(remembered)
    for part in request.headers.get("accept-language", "")[:200].split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
