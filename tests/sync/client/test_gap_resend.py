"""A gap in this kiosk's chain on the server (the server lost acknowledged events: restored
from an older copy of its database) is resent in the same sync cycle, and `kanta sync
status` says what happened; a server that keeps asking is asked a bounded number of times."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from kiosk.cli.main import main
from kiosk.errors import SyncError
from sync.client import GAP_RESENDS, SyncClient, Transport
from sync.state import load_state
from tests.sync.client.live import PASSWORD, LiveServer


def _kanta(*args: str) -> int:
    return main(list(args))


def _copy_db(src: Path, dst: Path) -> None:
    """SQLite's own online backup: a consistent copy of a database in use."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _kiosk_events(server: LiveServer, owner: str, kiosk: str) -> list[int]:
    r = requests.get(
        f"{server.base_url}/api/v1/backup/events",
        params={"after": 0, "limit": 5000},
        auth=(owner, PASSWORD),
        timeout=30,
    )
    r.raise_for_status()
    return [e["seq"] for e in r.json()["events"] if e["kiosk"] == kiosk]


def test_a_server_restored_from_an_older_copy_gets_the_lost_events_in_the_same_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANTA_RUN_DIR", str(tmp_path / "run"))
    db_path = tmp_path / "server.db"
    server = LiveServer(db_path).start()
    try:
        shop = server.new_shop()
        a = str(tmp_path / "a")
        for i in range(3):
            assert _kanta("--data", a, "tap", f"04F0{i:04d}") == 0
        assert (
            _kanta("--data", a, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"])
            == 0
        )
        assert _kanta("--data", a, "sync", "once") == 0
        older = tmp_path / "server-older.db"
        _copy_db(db_path, older)  # the server's nightly copy: it holds what was pushed so far
        lost_from = load_state(Path(a)).pushed_seq + 1
        for i in range(3, 6):
            assert _kanta("--data", a, "tap", f"04F0{i:04d}") == 0
        assert _kanta("--data", a, "sync", "once") == 0
        kiosk = load_state(Path(a)).kiosk
        acknowledged = load_state(Path(a)).pushed_seq
        seqs = _kiosk_events(server, shop.owner, kiosk)
        assert seqs == list(range(1, acknowledged + 1))
        assert lost_from <= acknowledged
    finally:
        server.stop()
    # the server's disk died; it is brought back from the older copy, on the same address
    _copy_db(older, db_path)
    server = LiveServer(db_path, port=server.port).start()
    try:
        assert _kanta("--data", a, "tap", "04F00099") == 0
        capsys.readouterr()
        assert _kanta("--data", a, "sync", "once", "--json") == 0
        once = json.loads(capsys.readouterr().out)
        newest = load_state(Path(a)).pushed_seq
        assert once["pushed"] == newest - lost_from + 1  # the lost ones and the new tap's
        assert _kiosk_events(server, shop.owner, kiosk) == list(range(1, newest + 1))
        assert _kanta("--data", a, "sync", "status", "--json") == 0
        status = json.loads(capsys.readouterr().out)
        assert status["last_error"] is None and status["pending"] == 0
        assert (
            f"the server was missing this kiosk's events seq {lost_from} to {acknowledged}; "
            "resent in the same cycle"
        ) in status["last_resend"]
        assert _kanta("--data", a, "sync", "status") == 0
        assert "last_resend" in capsys.readouterr().out
    finally:
        server.stop()


class AlwaysMissing(HTTPAdapter):
    """A server that answers every push with the same gap, for ever: the real server cannot
    be made to (it stores a resent range), so this one is injected on the client's side of
    the wire, as the faults in tests/sync/client/live.py are."""

    def __init__(self) -> None:
        super().__init__()
        self.pushes = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if request.method == "POST" and (request.url or "").endswith("/api/v1/events"):
            self.pushes += 1
            response = requests.Response()
            response.status_code = 409
            response._content = json.dumps({"detail": "gap", "missing_from": 1, "missing_to": 1}).encode()
            response.headers["Content-Type"] = "application/json"
            response.request = request
            return response
        return super().send(request, *args, **kwargs)


def test_a_server_that_keeps_asking_is_resent_a_bounded_number_of_times(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANTA_RUN_DIR", str(tmp_path / "run"))
    shop = server.new_shop()
    a = tmp_path / "a"
    assert _kanta("--data", str(a), "tap", "04F10001") == 0
    assert (
        _kanta("--data", str(a), "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"])
        == 0
    )
    adapter = AlwaysMissing()
    session = requests.Session()
    session.mount("http://", adapter)
    state = load_state(a)
    client = SyncClient(a, transport=Transport(state.server, token=state.token, session=session))
    with pytest.raises(SyncError, match=f"resent {GAP_RESENDS} times in this cycle and still missing"):
        client.cycle()
    assert adapter.pushes == GAP_RESENDS + 1
    assert load_state(a).pushed_seq == 0  # nothing taken as acknowledged
    capsys.readouterr()
    assert _kanta("--data", str(a), "sync", "status", "--json") == 1
    status = json.loads(capsys.readouterr().out)
    assert f"resent {GAP_RESENDS} times" in status["last_error"] and status["pending"] == 2
    assert "seq 1 to 1" in status["last_resend"]
