"""The owner's console: server-rendered pages at ``/`` of ``kanta server``.

``install(app, engine)`` adds the pages to the sync server's app; the JSON API is untouched.
Each area of the console is a module here with a ``routes(console, router)`` function.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from sync.server.web import (
    backups_page,
    import_page,
    kiosks_page,
    login,
    members_page,
    merges,
    overview,
    program_page,
    requests_page,
    retention,
    staff_page,
    till,
)
from sync.server.web.console import HERE, Console, PageRedirect, PageRefused, redirect
from sync.server.web.session import current

#: the console's areas, in the order of the navigation
AREAS = (
    login,
    overview,
    retention,
    till,
    merges,
    members_page,
    requests_page,
    import_page,
    program_page,
    kiosks_page,
    staff_page,
    backups_page,
)


def install(app: FastAPI, engine: Engine) -> None:
    console = Console(engine)
    router = APIRouter(include_in_schema=False)
    for area in AREAS:
        area.routes(console, router)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(PageRedirect)
    async def _redirect(_request: Request, exc: PageRedirect) -> Response:
        return redirect(exc.location)

    @app.exception_handler(PageRefused)
    async def _refused(request: Request, exc: PageRefused) -> Response:
        # in the visitor's language, with the navigation if they are logged in
        visitor = current(console.engine, request)
        return console.render(request, "refused.html", visitor, status=exc.status, message=exc.message)
