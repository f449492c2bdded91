"""The server's chain refusals as a kiosk meets them through `kanta sync once`, `kanta sync
status` and `kanta status`: a gap is resent from the named sequence number, a refused event
is reported and stays in the kiosk's store, and a database from before the chain rule gets
its chain heads from the events it holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.cli.main import main
from kiosk.store.ledger import Ledger
from sync.server import db
from sync.state import load_state
from tests.sync.client.live import LiveServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "server.db").start()
    yield live
    live.stop()


def _kanta(*args: str) -> int:
    return main(list(args))


def _server_sql(server: LiveServer, sql: str, **params: object) -> None:
    engine = db.make_engine(server.url)
    try:
        with db.write_tx(engine) as conn:
            conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


def _paired_kiosk(server: LiveServer, data: Path, taps: int, capsys: pytest.CaptureFixture[str]) -> None:
    shop = server.new_shop()
    for i in range(taps):
        assert _kanta("--data", str(data), "tap", f"04E0{i:04d}") == 0
    token = shop.tokens["k1"]
    assert _kanta("--data", str(data), "sync", "pair", "--server", server.base_url, "--token", token) == 0
    assert _kanta("--data", str(data), "sync", "once") == 0
    capsys.readouterr()


def test_a_gap_the_server_names_is_resent_in_the_same_cycle_and_reported(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a"
    _paired_kiosk(server, data, 3, capsys)  # 6 events: member created + visit, 3 times
    # the server loses this kiosk's events after seq 4 (say, its database came back from an
    # older backup); the kiosk believes all 6 acknowledged
    _server_sql(server, 'DELETE FROM events WHERE "cursor" > 4')
    _server_sql(server, 'UPDATE shops SET "cursor" = 4')
    engine = db.make_engine(server.url)
    with db.read_tx(engine) as conn:
        body = conn.execute(sa.text('SELECT body FROM events WHERE "cursor" = 4')).scalar_one()
    engine.dispose()
    _server_sql(server, "UPDATE chains SET seq = 4, hash = :h", h=json.loads(body)["hash"])
    assert _kanta("--data", str(data), "tap", "04E09999") == 0
    # the server answers the new events with the gap; the same cycle resends from seq 5
    assert _kanta("--data", str(data), "sync", "once") == 0
    capsys.readouterr()
    assert _kanta("--data", str(data), "sync", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_error"] is None
    assert "missing this kiosk's events seq 5 to 6; resent in the same cycle" in status["last_resend"]
    engine = db.make_engine(server.url)
    with db.read_tx(engine) as conn:
        bodies = conn.execute(sa.text('SELECT body FROM events ORDER BY "cursor"')).scalars().all()
    engine.dispose()
    assert [json.loads(b)["seq"] for b in bodies] == list(range(1, 9))


def test_a_refused_event_is_reported_and_never_dropped(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a"
    _paired_kiosk(server, data, 1, capsys)
    # the server's head for this kiosk is not what the kiosk chained on (its store was rewritten)
    _server_sql(server, "UPDATE chains SET hash = :h", h="f" * 32)
    assert _kanta("--data", str(data), "tap", "04E09999") == 0
    assert _kanta("--data", str(data), "sync", "once") != 0
    err = capsys.readouterr().err
    assert "refused event seq 3 of this kiosk" in err and ".prev" in err and "nothing is dropped" in err
    assert load_state(data).pushed_seq == 2
    with Ledger.open(data, readonly=True) as ledger:
        assert ledger.meta["seq"] == 4  # the unsent events are still in the store
    assert _kanta("--data", str(data), "sync", "status", "--json") == 1
    assert "refused event seq 3" in json.loads(capsys.readouterr().out)["last_error"]


def test_a_database_from_before_the_chain_rule_learns_its_chain_heads(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a"
    _paired_kiosk(server, data, 2, capsys)
    # the schema as it was before the chain heads' migration
    before = db.MIGRATIONS.index(db._chain_heads)
    _server_sql(server, "DROP TABLE chains")
    _server_sql(server, f"UPDATE schema_version SET version = {before}")
    engine = db.make_engine(server.url)
    try:
        assert db.migrate(engine) == (before, db.SCHEMA_VERSION)
        with db.read_tx(engine) as conn:
            (seq,) = conn.execute(sa.select(db.chains.c.seq)).one()
        assert seq == 4
    finally:
        engine.dispose()
    assert _kanta("--data", str(data), "tap", "04E09999") == 0
    assert _kanta("--data", str(data), "sync", "once") == 0


def test_a_backup_pull_short_of_the_server_cursor_fails_naming_the_range(
    server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.sync.server.server_helpers import PASSWORD

    data = tmp_path / "a"
    shop = server.new_shop()
    for i in range(4):
        assert _kanta("--data", str(data), "tap", f"04E0{i:04d}") == 0
    token = shop.tokens["k1"]
    assert _kanta("--data", str(data), "sync", "pair", "--server", server.base_url, "--token", token) == 0
    assert _kanta("--data", str(data), "sync", "once") == 0
    monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
    out = tmp_path / "backups"
    pull = ("backup", "pull", "--server", server.base_url, "--user", shop.owner, "--to", str(out))
    assert _kanta(*pull) == 0
    capsys.readouterr()
    # a row lost from the server's database (damage the chain rule cannot prevent)
    _server_sql(server, 'DELETE FROM events WHERE "cursor" = 5')
    assert _kanta(*pull) != 0
    err = capsys.readouterr().err
    assert "the server's cursor is 8 but 7 events arrived" in err and "1 of the events 1..8" in err
    assert len(list(out.glob("*.zip"))) == 1  # only the whole one
