"""The login page (``/`` without a session), logging out, and the language a login reads."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sync.server import auth, store
from sync.server.errors import ApiError
from sync.server.texts import Msg
from sync.server.throttle import LoginThrottle, checked_login
from sync.server.web import session as sessions
from sync.server.web.console import LANGUAGE_COOKIE, Console, PageRefused, read_form, redirect

LOGIN_FORM_SECONDS = 3600


def routes(console: Console, router: APIRouter) -> None:
    def login_page(
        request: Request, *, error: str | None = None, email: str = "", status: int = 200
    ) -> Response:
        token = secrets.token_urlsafe(24)
        response = console.render(
            request,
            "login.html",
            None,
            status=status,
            title="Log in",
            error=error,
            email=email,
            login_csrf=token,
        )
        sessions.set_cookie(request, response, sessions.LOGIN_CSRF_COOKIE, token, LOGIN_FORM_SECONDS)
        return response

    @router.get("/")
    def home(request: Request) -> Response:
        if sessions.current(console.engine, request) is not None:
            return redirect("/overview")
        return login_page(request)

    @router.post("/login")
    async def do_login(request: Request) -> Response:
        form = await read_form(request, 16 * 1024)
        email, password = str(form.get("email") or "")[:320], str(form.get("password") or "")[:1000]
        if not sessions.token_matches(request.cookies.get(sessions.LOGIN_CSRF_COOKIE), form.get("csrf")):
            return login_page(request, error="The form expired; please try again.", email=email, status=403)
        address = request.client.host if request.client else "unknown"
        throttle: LoginThrottle = request.app.state.login_throttle
        busy = "Too many attempts; try again later."

        def check() -> store.OwnerAuth | None:
            return store.owner_login(console.engine, email, password)

        try:
            owner = await run_in_threadpool(checked_login, throttle, email, address, check)
        except ApiError as exc:  # 429: this account or address must wait
            page = login_page(request, error=busy, email=email, status=exc.status)
            page.headers.update(exc.extra.get("_headers", {}))
            return page
        except auth.PasswordCheckBusy:
            page = login_page(request, error=busy, email=email, status=503)
            page.headers["Retry-After"] = "5"
            return page
        if owner is None:
            return login_page(request, error="Wrong email or password.", email=email, status=401)
        token = await run_in_threadpool(sessions.start, console.engine, owner)
        response = redirect("/overview")
        sessions.set_cookie(request, response, sessions.COOKIE, token, sessions.SESSION_HOURS * 3600)
        response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/")
        return response

    @router.post("/logout")
    async def do_logout(request: Request) -> Response:
        await console.form(request)
        session = console.session(request)
        sessions.log_out(console.engine, request)
        response = redirect("/")
        response.delete_cookie(sessions.COOKIE, path="/")
        sessions.set_cookie(request, response, LANGUAGE_COOKIE, session.lang, 365 * 24 * 3600)
        return response

    @router.post("/language")
    async def set_language(request: Request) -> Response:
        session, form = await console.form(request)
        lang = form.get("lang")
        if lang not in sessions.LANGUAGES:
            known = ", ".join(sessions.LANGUAGES)
            raise PageRefused(
                422, Msg("unknown language {lang!r}: one of {known}", lang=str(lang)[:20], known=known)
            )
        sessions.save_settings(console.engine, session.email, lang=str(lang))
        return redirect(request.headers.get("referer", "/overview") if _same_site(request) else "/overview")


def _same_site(request: Request) -> bool:
    referer = request.headers.get("referer", "")
    return referer.startswith(str(request.base_url))
