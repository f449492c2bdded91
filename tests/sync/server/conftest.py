"""Server suite fixtures: a database URL over SQLite and a real PostgreSQL, shops, kiosks.

PostgreSQL comes from Debian's ``postgresql`` package (tests/bootstrap.sh installs it): a
throwaway cluster on a free loopback port for the whole session, one fresh database per
test. Where it cannot be installed, the PostgreSQL parameters skip with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devcluster import PgCluster, PgUnavailable


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    try:
        cluster = PgCluster.start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    return pg_cluster.create_database()
