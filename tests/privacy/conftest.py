"""Privacy suite fixtures: the real sync server over SQLite or a real PostgreSQL cluster
whose data folder the tests read raw."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devcluster import PgCluster
from tests.sync.client.conftest import server as server  # the live server on loopback
from tests.sync.client.live import LiveServer
from tests.sync.server.conftest import pg_cluster as pg_cluster  # the same throwaway cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def server_and_files(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[LiveServer, list[Path]]]:
    """A live server and the folders or files that hold its database, to read raw."""
    live = LiveServer(tmp_path / "server.db")
    if request.param == "sqlite":
        where = [tmp_path / "server.db", tmp_path / "server.db-wal", tmp_path / "server.db-shm"]
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        live.url = cluster.create_database()
        where = [cluster.datadir]
    live.start()
    yield live, where
    live.stop()
