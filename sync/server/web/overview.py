"""The overview page: how the program performs (figures from :mod:`sync.server.aggregates`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sync.server.web.console import Console


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/overview")
    def overview(request: Request) -> Response:
        session = console.session(request)
        return console.render(request, "overview.html", session, title="Overview")
