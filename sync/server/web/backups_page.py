"""The backups page: a backup of the whole shop in the same file format as ``kanta backup
pull`` (:class:`sync.backup.BackupWriter`), made in the background with its progress on
the page (which reloads itself while it runs; no script), then downloaded.

Backups are made by the server process that was asked (one at a time per shop) and kept
in a temporary folder until the next backup of that shop or the process's end.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from kiosk.errors import KantaError
from sync.backup import BackupWriter
from sync.server import db
from sync.server.texts import Msg
from sync.server.web.console import Console, PageRefused, redirect

PAGE = 5000


@dataclass
class Job:
    ident: str
    shop_id: int
    total: int
    done: int = 0
    path: Path | None = None
    error: Msg | None = None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kanta-web-backup-")))

    @property
    def running(self) -> bool:
        return self.path is None and self.error is None

    @property
    def percent(self) -> int:
        return 100 if not self.running else int(100 * self.done / max(1, self.total))


_JOBS: dict[int, Job] = {}
_LOCK = threading.Lock()


def _make(engine: Engine, job: Job, shop_name: str) -> None:
    writer = BackupWriter(source=f"kanta server, shop {shop_name}")
    try:
        after = 0
        while True:
            with db.read_tx(engine) as conn:
                rows = db.q(
                    conn,
                    'SELECT "cursor", body FROM events WHERE shop_id = ? AND "cursor" > ? '
                    'ORDER BY "cursor" LIMIT ?',
                    (job.shop_id, after, PAGE),
                ).all()
            if not rows:
                break
            writer.add_many(orjson.loads(r[1]) for r in rows)
            after = int(rows[-1][0])
            job.done += len(rows)
        writer.extra["server_cursor"] = after
        job.path = writer.finish(job.folder)
    except (KantaError, OSError) as exc:
        writer.close()
        job.error = Msg("the backup failed: {reason}", reason=str(exc))


def start(engine: Engine, shop_id: int) -> Job:
    with db.read_tx(engine) as conn:
        name, total = db.q(conn, 'SELECT name, "cursor" FROM shops WHERE id = ?', (shop_id,)).one()
    with _LOCK:
        old = _JOBS.get(shop_id)
        if old is not None and old.running:
            raise PageRefused(409, Msg("a backup of this shop is being made already; wait for it"))
        if old is not None:
            shutil.rmtree(old.folder, ignore_errors=True)
        job = _JOBS[shop_id] = Job(secrets.token_urlsafe(12), shop_id, int(total))
    worker = threading.Thread(
        target=_make, args=(engine, job, str(name)), name="kanta-web-backup", daemon=True
    )
    worker.start()
    return job


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/backups")
    def backups(request: Request) -> Response:
        session = console.session(request, owner_only=True)
        job = _JOBS.get(session.shop_id)
        response = console.render(request, "backups.html", session, title="Backups", job=job)
        if job is not None and job.running:
            response.headers["Refresh"] = "1"  # the progress, without a script
        return response

    @router.post("/backups")
    async def make(request: Request) -> Response:
        session, _form = await console.form(request, owner_only=True)
        start(console.engine, session.shop_id)
        return redirect("/backups")

    @router.get("/backups/{ident}/file")
    def download(request: Request, ident: str) -> Response:
        session = console.session(request, owner_only=True)
        job = _JOBS.get(session.shop_id)
        if job is None or job.ident != ident or job.path is None:
            raise PageRefused(404, Msg("no such backup (only the latest one of this shop is kept)"))
        return FileResponse(job.path, media_type="application/zip", filename=job.path.name)
