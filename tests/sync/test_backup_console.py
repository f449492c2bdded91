"""The console's Backups page makes the same file as `kanta backup pull` (every event, the
kiosks' registered keys and signed chain heads, the server's cursor), and its progress
and file are the same whichever server process a request reaches: two `kanta server`
processes over one database (as `--workers 2` or two behind a proxy), the backup started
on one, followed and downloaded on the other, in chromium."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.cli.main import main
from kiosk.errors import KantaError
from sync import backup
from sync.client import SyncClient
from sync.server import backup_jobs, db
from tests.devcluster import ServerProcess
from tests.sync.web.browser import OWNER, PASSWORD, Browser, LiveShop, make_live_shop, started_browser
from tests.sync.web.kiosk import RunningKiosk


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    yield from started_browser(tmp_path)


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as zf:
        value: dict[str, object] = json.loads(zf.read(backup.MANIFEST))
    return value


def test_the_page_makes_what_backup_pull_makes_and_any_server_process_serves_it(
    tmp_path: Path, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    live: LiveShop = make_live_shop(url, monkeypatch)
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    with ServerProcess(url, via_cli=True) as first, ServerProcess(url, via_cli=True) as second:
        for n, name in enumerate(("k1", "k2")):
            kiosk = RunningKiosk(tmp_path / name, first.base_url, live.kiosk_tokens[name])
            try:
                for i in range(5):
                    kiosk.tap(f"04B{n}{i:05d}")
            finally:
                kiosk.close()  # a kiosk signs its chain head when it stops
            SyncClient(tmp_path / name).cycle()  # pushes, registers its key, sends the signed head

        browser.login(first.base_url)
        browser.go("/backups")
        browser.submit("#make-backup")
        # the other process: the same job, its progress or its file
        browser.base_url = second.base_url
        browser.go("/backups")
        assert browser.all("#progress") or browser.all("#download"), browser.text()
        browser.wait_for("#download").click()
        from_page = browser.wait_download(".zip")
        browser.screenshot("backups-ready")

        monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
        pulled_dir = tmp_path / "pulled"
        assert (
            main(["backup", "pull", "--server", second.base_url, "--user", OWNER, "--to", str(pulled_dir)])
            == 0
        )
        (pulled,) = pulled_dir.glob("kanta-backup-*.zip")

    engine = live.engine()
    try:  # the servers' backup folder, in the machine's temp folder: not left behind
        shutil.rmtree(backup_jobs.folder(engine, live.shop_id()).parent)
    finally:
        engine.dispose()
    report = backup.verify(from_page)
    assert report.ok, report.summary()
    page, pull = _manifest(from_page), _manifest(pulled)
    for key in ("counts", "chains", "kiosk_keys", "signed_heads", "server_cursor", "clock", "csv_delimiter"):
        assert page[key] == pull[key], key
    assert len(page["kiosk_keys"]) == 2 and page["signed_heads"]  # type: ignore[arg-type]
    parts_page, parts_pull = page["parts"], pull["parts"]
    assert isinstance(parts_page, dict) and isinstance(parts_pull, dict)
    assert parts_page[backup.EVENTS] == parts_pull[backup.EVENTS]  # the same events, byte for byte


def test_a_backup_left_by_a_stopped_process_says_so_and_another_can_start(tmp_path: Path) -> None:
    engine: Engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        db.migrate(engine)
        with db.write_tx(engine) as conn:
            db.q(
                conn,
                'INSERT INTO shops (name, "cursor", created_at) VALUES (?, 0, ?)',
                ("Cafe", "2026-01-01"),
            )
            shop_id = int(db.q(conn, "SELECT id FROM shops WHERE name = ?", ("Cafe",)).scalar_one())
        where = backup_jobs.folder(engine, shop_id)
        # what a process killed while making one leaves: a running job, its lock free
        (where / backup_jobs.STATE).write_text(json.dumps({"ident": "x", "total": 10, "done": 3}))
        job = backup_jobs.current(engine, shop_id)
        assert job is not None and job.error == backup_jobs.STOPPED and not job.running
        started = backup_jobs.start(engine, shop_id)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the thread says when it is done
            job = backup_jobs.current(engine, shop_id)
            assert job is not None and job.ident == started.ident
            if not job.running:
                break
            time.sleep(0.05)
        assert job is not None and job.error is None and job.file is not None
        path = backup_jobs.path_of(engine, shop_id, job)
        assert path is not None and backup.verify(path).ok
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert oct(where.stat().st_mode & 0o777) == "0o700"
    finally:
        shutil.rmtree(backup_jobs.folder(engine, 0).parent, ignore_errors=True)
        engine.dispose()


def test_the_backup_folder_is_private_and_a_planted_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folders live in the shared temp folder: each level is made 0700, an open one an
    earlier version made is closed, and a link planted there is refused, not followed."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'server.db'}")
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(backup_jobs.tempfile, "gettempdir", lambda: str(shared))
    (shared / "kanta-web-backups").mkdir(mode=0o755)
    os.chmod(shared / "kanta-web-backups", 0o755)
    where = backup_jobs.folder(engine, 1)
    for level in (where, where.parent, where.parent.parent):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700, level

    other = tmp_path / "tmp2"
    other.mkdir()
    elsewhere = tmp_path / "someone-elses"
    elsewhere.mkdir()
    (other / "kanta-web-backups").symlink_to(elsewhere)
    monkeypatch.setattr(backup_jobs.tempfile, "gettempdir", lambda: str(other))
    with pytest.raises(KantaError, match="a link, or another user's"):
        backup_jobs.folder(engine, 1)
    assert list(elsewhere.iterdir()) == []
