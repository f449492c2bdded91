"""The kiosks page: each kiosk's last contact, pending events, health (said in the owner's
language, :mod:`sync.server.web.kiosk_health`) and versions as its heartbeat reports them,
the program its events carry; pairing (the token shown once, as text and as a QR code) and
revoking."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from kiosk.errors import KantaError
from sync.server import db, store
from sync.server.texts import Msg
from sync.server.web import kiosk_health
from sync.server.web.console import Console, PageRefused, redirect
from sync.server.web.program_page import kiosk_programs


def qr_svg(text: str) -> Markup:
    """A QR code as inline SVG (drawn here; nothing loaded)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True, border=2)
    return Markup(out.getvalue().decode("ascii"))


def _shop_name(console: Console, shop_id: int) -> str:
    with db.read_tx(console.engine) as conn:
        return str(db.q(conn, "SELECT name FROM shops WHERE id = ?", (shop_id,)).scalar_one())


def kiosk_rows(console: Console, shop_id: int, lang: str) -> list[dict[str, Any]]:
    programs = {k["name"]: k["program"] for k in kiosk_programs(console.engine, shop_id)}
    rows = []
    for k in store.list_kiosks(console.engine, shop_id):
        beat = k["heartbeat"] or {}
        status = _table(beat.get("status"))
        rows.append(
            {
                **k,
                "health": kiosk_health.health(beat.get("hardware"), lang),
                "software": status.get("version") or status.get("software") or "—",
                "program": programs.get(k["name"]) or "—",
            }
        )
    return rows


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/kiosks")
    def kiosks(request: Request) -> Response:
        session = console.session(request)
        rows = kiosk_rows(console, session.shop_id, session.lang)
        return console.render(request, "kiosks.html", session, title="Kiosks", kiosks=rows)

    @router.post("/kiosks/pair")
    async def pair(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True)
        name = str(form.get("name", "")).strip()
        if not name or len(name) > 100 or "\x00" in name:
            raise PageRefused(422, Msg("a kiosk needs a name of 1 to 100 characters"))
        try:
            token = store.add_kiosk(console.engine, _shop_name(console, session.shop_id), name)
        except KantaError as exc:
            raise PageRefused(422, str(exc)) from None
        # shown once: only its hash is kept; the page is not cached (Cache-Control: no-store)
        return console.render(
            request,
            "paired.html",
            session,
            title="Kiosks",
            name=name,
            token=token,
            qr=qr_svg(token),
            server=str(request.base_url).rstrip("/"),
        )

    @router.post("/kiosks/revoke")
    async def revoke(request: Request) -> Response:
        session, form = await console.form(request, owner_only=True)
        name = str(form.get("name", ""))[:200]
        try:
            store.revoke_kiosk(console.engine, session.shop_id, name)
        except store.ApiError as exc:
            raise PageRefused(exc.status, exc.detail) from None
        return redirect("/kiosks")
