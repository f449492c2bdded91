"""The staff page: add, remove, change role or PIN; every kiosk takes the list up at its
next sync and idle moment (``GET /api/v1/staff`` for kiosks)."""

from __future__ import annotations

import functools

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kiosk.errors import InvalidInput, KantaError
from kiosk.staff import ROLES
from sync.server import db, staff, store
from sync.server.credentials import KIOSK_TOKEN_NEEDED, kiosk_token, unauthorized
from sync.server.texts import Msg
from sync.server.web import merge_queue, merges
from sync.server.web import session as sessions
from sync.server.web.console import Console, redirect

STAFF_API = "/api/v1/staff"


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, error: str | Msg | None = None) -> Response:
        session = console.session(request, owner_only=True)
        version, members = staff.listing(console.engine, session.shop_id)
        return console.render(
            request,
            "staff.html",
            session,
            status=422 if error else 200,
            title="Staff",
            members=members,
            version=version,
            roles=ROLES,
            error=error,
            saved=request.query_params.get("saved"),
        )

    @router.get("/staff")
    def show(request: Request) -> Response:
        return page(request)

    @router.post("/staff/login")
    async def add_login(request: Request) -> Response:
        """A console login for a manager: figures, members, sales and kiosks, nothing else."""
        session, form = await console.form(request, owner_only=True)
        email = str(form.get("email", "")).strip()[:320]
        password = str(form.get("password", ""))[:1000]
        with db.read_tx(console.engine) as conn:
            shop = str(db.q(conn, "SELECT name FROM shops WHERE id = ?", (session.shop_id,)).scalar_one())
        try:
            await run_in_threadpool(
                functools.partial(store.init_shop, console.engine, shop, email, password, role="manager")
            )
        except KantaError as exc:
            return page(request, str(exc))
        sessions.save_settings(console.engine, email, lang=session.lang)
        return redirect("/staff?saved=1")

    @router.post("/staff")
    async def save(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True)
        name = str(form.get("name", ""))[:200]
        role = str(form.get("role") or "") or None
        pin = str(form.get("pin") or "") or None
        if pin is not None and form.get("pin_again") != pin:
            return page(request, Msg("the two PINs differ"))
        try:
            if form.get("action") == "remove":
                await run_in_threadpool(staff.remove, console.engine, session.shop_id, name)
            else:
                await run_in_threadpool(staff.save, console.engine, session.shop_id, name, role, pin)
        except InvalidInput as exc:
            return page(request, str(exc))
        return redirect("/staff?saved=1")

    @router.get(STAFF_API)
    def staff_for_kiosk(request: Request) -> Response:
        """What the owner manages for the kiosks: ``{"version", "staff": [{name, role, PIN
        hash}], "staff_version", "merges": [{card}]}``. ``version`` grows with either the
        staff list or a merge asked for (the sync worker downloads the document when it
        grows); ``staff_version`` is the staff list's own (0: never managed here, so a kiosk
        keeps its own staff), ``merges`` the merges still to be made (sync.server.web.merges)."""
        token = kiosk_token(request)
        kiosk = None if token is None else store.kiosk_for_token(console.engine, token)
        if kiosk is None:
            raise unauthorized(KIOSK_TOKEN_NEEDED, "Bearer")
        version, members = staff.listing(console.engine, kiosk.shop_id)
        asked = merge_queue.requests_made(console.engine, kiosk.shop_id)
        return JSONResponse(
            {
                "version": version + asked,
                "staff": members,
                "staff_version": version,
                "merges": merges.pending(console, kiosk.shop_id),
            }
        )
