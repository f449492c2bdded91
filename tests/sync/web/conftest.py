"""Console suite fixtures: a live ``kanta server`` (SQLite and the tests' PostgreSQL) with a
shop made by ``kanta server init``, and Debian's headless chromium driven by Selenium.

The databases are the server suite's own fixtures (one definition for both suites):
``db_url`` is a SQLite file or a fresh database of the throwaway PostgreSQL cluster
(``pg_cluster``), which skips with its reason where PostgreSQL cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devcluster import ServerProcess
from tests.sync.server.conftest import db_url, pg_cluster
from tests.sync.web.browser import Browser, LiveShop, make_live_shop, started_browser

__all__ = ["db_url", "pg_cluster"]


def _serve(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveShop]:
    """A shop (owner login, kiosk k1) and ``kanta server`` serving it."""
    shop = make_live_shop(url, monkeypatch)
    with ServerProcess(url, via_cli=True) as server:
        shop.base_url = server.base_url
        yield shop


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def live(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveShop]:
    """On either database."""
    yield from _serve(db_url, monkeypatch)


@pytest.fixture
def live_sqlite(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveShop]:
    yield from _serve(sqlite_url, monkeypatch)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    yield from started_browser(tmp_path)
