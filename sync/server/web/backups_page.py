"""The backups page: a backup of the whole shop in the same file as ``kanta backup pull``
(events, the kiosks' keys and signed chain heads; :mod:`sync.server.backup_jobs`), made in
the background with its progress on the page (which reloads itself while it runs; no
script), then downloaded. Any server process shows the progress and serves the file.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from sync.server import backup_jobs
from sync.server.texts import Msg
from sync.server.web.console import Console, PageRefused, redirect


def _shown(job: backup_jobs.Job | None) -> dict[str, Any] | None:
    """The job as the page draws it, its error as a text the page translates."""
    if job is None:
        return None
    error = None if job.error is None else Msg("the backup failed: {reason}", reason=job.error)
    return {**asdict(job), "running": job.running, "percent": job.percent, "path": job.path, "error": error}


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/backups")
    def backups(request: Request) -> Response:
        session = console.session(request, owner_only=True)
        job = backup_jobs.current(console.engine, session.shop_id)
        response = console.render(request, "backups.html", session, title="Backups", job=_shown(job))
        if job is not None and job.running:
            response.headers["Refresh"] = "1"  # the progress, without a script
        return response

    @router.post("/backups")
    async def make(request: Request) -> Response:
        session, _form = await console.form(request, owner_only=True)
        try:
            backup_jobs.start(console.engine, session.shop_id)
        except backup_jobs.BackupBusy:
            raise PageRefused(409, Msg("a backup of this shop is being made already; wait for it")) from None
        return redirect("/backups")

    @router.get("/backups/{ident}/file")
    def download(request: Request, ident: str) -> Response:
        session = console.session(request, owner_only=True)
        job = backup_jobs.current(console.engine, session.shop_id)
        path = (
            None
            if job is None or job.ident != ident
            else backup_jobs.path_of(console.engine, session.shop_id, job)
        )
        if path is None or not path.is_file():
            raise PageRefused(404, Msg("no such backup (only the latest one of this shop is kept)"))
        return FileResponse(path, media_type="application/zip", filename=path.name)
