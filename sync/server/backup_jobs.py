"""The console's backups: the file ``kanta backup pull`` makes (every event, the kiosks'
registered keys and signed chain heads, the server's cursor), made in a thread of
whichever server process was asked, one at a time per shop.

Its state is in files, not in the process's memory, so every server process of the same
database (``kanta server --workers N``, or several behind a proxy) shows the same progress
and serves the same file. Per shop, in ``<temp>/kanta-web-backups/<database>/shop-<id>/``
(0700): ``job.json`` (the job's id, events to read, events read, the file's name or the
error), ``lock`` (held by the thread making it: a job whose lock is free was left by a
process that stopped) and the backup file itself (0600), kept until the shop's next backup.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import stat
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kiosk.errors import KantaError
from kiosk.store.disk import write_atomic
from sync.backup import BackupError, BackupWriter
from sync.server import db, heads

STATE = "job.json"
LOCK = "lock"
#: events read from the database at a time (and how often the progress is written)
PAGE = 5000
#: the largest job.json read (it holds a few short fields)
MAX_STATE_BYTES = 16 * 1024
STOPPED = "the server process making this backup stopped before it was done: make it again"


class BackupBusy(KantaError):
    """A backup of this shop is being made already."""


@dataclass(frozen=True)
class Job:
    ident: str
    total: int
    done: int = 0
    #: the backup file's name in the job's folder, once made
    file: str | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.file is None and self.error is None

    @property
    def path(self) -> Path | None:
        """The file's name (as a path relative to the job's folder: ``path_of`` finds it)."""
        return None if self.file is None else Path(self.file)

    @property
    def percent(self) -> int:
        return 100 if not self.running else min(100, int(100 * self.done / max(1, self.total)))


def folder(engine: Engine, shop_id: int) -> Path:
    """The shop's backup folder, the same for every server process of this database."""
    database = hashlib.sha256(str(engine.url).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir())
    for part in ("kanta-web-backups", database, f"shop-{int(shop_id)}"):
        path = path / part
        _private_folder(path)
    return path


def _private_folder(path: Path) -> None:
    """Make ``path`` a folder only this server's user can enter, or refuse one made by
    someone else: the temp folder is shared, and a folder another user made (or a link)
    would let them read or swap the shop's backups."""
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise KantaError(f"cannot make the backup folder {path}: {exc.strerror}") from exc
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise KantaError(
            f"the backup folder {path} is not a folder of this server's user "
            "(a link, or another user's): remove it and try again"
        )
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)  # made open by an earlier version: ours, so close it


def path_of(engine: Engine, shop_id: int, job: Job) -> Path | None:
    return None if job.file is None else folder(engine, shop_id) / job.file


def current(engine: Engine, shop_id: int) -> Job | None:
    """The shop's latest backup job as any server process sees it, or None."""
    where = folder(engine, shop_id)
    try:
        with (where / STATE).open("rb") as f:
            raw = json.loads(f.read(MAX_STATE_BYTES))
        job = Job(**{k: raw.get(k) for k in ("ident", "total", "done", "file", "error")})
    except (OSError, ValueError, TypeError):
        return None
    if job.running and not _held(where / LOCK):
        return replace(job, error=STOPPED)
    return job


def start(engine: Engine, shop_id: int) -> Job:
    """Start a backup of the shop in a thread of this process; BackupBusy if one is being
    made (by any server process of this database)."""
    where = folder(engine, shop_id)
    lock = os.open(where / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise BackupBusy("a backup of this shop is being made already; wait for it") from None
    try:
        with db.read_tx(engine) as conn:
            name, total = db.q(conn, 'SELECT name, "cursor" FROM shops WHERE id = ?', (shop_id,)).one()
        for old in where.glob("kanta-backup-*"):
            old.unlink(missing_ok=True)
        job = Job(secrets.token_urlsafe(12), int(total))
        _save(where, job)
    except BaseException:
        os.close(lock)
        raise
    threading.Thread(
        target=_make, args=(engine, shop_id, str(name), job, lock), name="kanta-web-backup", daemon=True
    ).start()
    return job


def _make(engine: Engine, shop_id: int, shop_name: str, job: Job, lock: int) -> None:
    where = folder(engine, shop_id)
    writer = BackupWriter(source=f"kanta server, shop {shop_name}")
    try:
        after = 0
        while True:
            with db.read_tx(engine) as conn:
                rows = db.q(
                    conn,
                    'SELECT "cursor", body FROM events WHERE shop_id = ? AND "cursor" > ? '
                    'ORDER BY "cursor" LIMIT ?',
                    (shop_id, after, PAGE),
                ).all()
            if not rows:
                break
            writer.add_many(json.loads(r[1]) for r in rows)
            after = int(rows[-1][0])
            job = replace(job, done=writer.count)
            _save(where, job)
        if writer.count != after:  # the shop's cursors have no gaps
            raise BackupError(
                f"the shop's cursor is {after} but {writer.count} events were read: the backup "
                "would not be whole, so none was written"
            )
        # as `kanta backup pull` makes it: the cursor, the kiosks' keys and signed heads
        writer.extra["server_cursor"] = after
        writer.extra.update(heads.for_backup(engine, shop_id))
        path = writer.finish(where)
        _save(where, replace(job, file=path.name))
    except (KantaError, OSError, SQLAlchemyError) as exc:
        writer.close()
        _save(where, replace(job, error=str(exc)[:500]))
    finally:
        os.close(lock)


def _save(where: Path, job: Job) -> None:
    write_atomic(where / STATE, json.dumps(asdict(job)).encode(), durable=False)


def _held(lock_path: Path) -> bool:
    """Is the lock held (by a thread making a backup, in any process)?"""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)  # closing releases a lock taken here
    return False
