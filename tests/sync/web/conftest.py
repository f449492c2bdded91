"""Console suite fixtures: a live ``kanta server`` (SQLite and the tests' PostgreSQL) with a
shop made by ``kanta server init``, and Debian's headless chromium driven by Selenium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.devcluster import PgCluster, PgUnavailable, ServerProcess
from tests.sync.web.browser import Browser, LiveShop, make_live_shop


@pytest.fixture(scope="session")
def web_pg_cluster() -> Iterator[PgCluster]:
    try:
        cluster = PgCluster.start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def web_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    cluster: PgCluster = request.getfixturevalue("web_pg_cluster")
    return cluster.create_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def live(web_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveShop]:
    """A shop (owner login, kiosk k1) and ``kanta server`` serving it, on either database."""
    shop = make_live_shop(web_db_url, monkeypatch)
    with ServerProcess(web_db_url, via_cli=True) as server:
        shop.base_url = server.base_url
        yield shop


@pytest.fixture
def live_sqlite(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveShop]:
    shop = make_live_shop(sqlite_url, monkeypatch)
    with ServerProcess(sqlite_url, via_cli=True) as server:
        shop.base_url = server.base_url
        yield shop


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        pytest.skip("Debian's chromium and chromium-driver are missing (tests/bootstrap.sh installs them)")
    b = Browser.start(tmp_path / "chromium-profile", tmp_path / "downloads", tmp_path / "shots")
    yield b
    b.quit()
