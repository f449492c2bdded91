"""`kanta server ...`: init, add-kiosk (token on the last line), revoke-kiosk, migrate, and serving."""

from __future__ import annotations

import httpx
import pytest
from server_helpers import KioskEvents, basic, bearer, payload

from kiosk.cli.main import main
from tests.devcluster import ServerProcess


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_server_verbs_end_to_end(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANTA_OWNER_PASSWORD", "owner password 1")
    assert _run(capsys, "server", "--db", db_url, "migrate")[0] == 0
    status, out, _ = _run(capsys, "server", "init", "--db", db_url, "--shop", "Cafe", "--owner", "o@cafe.fi")
    assert status == 0 and "Cafe" in out
    status, out, _ = _run(capsys, "server", "add-kiosk", "--db", db_url, "--shop", "Cafe", "--name", "till")
    token = out.strip().splitlines()[-1]
    assert status == 0 and token.startswith("kt_") and " " not in token
    # the database URL may also come from the environment
    monkeypatch.setenv("KANTA_SERVER_DB", db_url)
    status, out, _ = _run(capsys, "server", "add-kiosk", "--shop", "Cafe", "--name", "till2")
    token2 = out.strip().splitlines()[-1]
    status, _, err = _run(capsys, "server", "add-kiosk", "--shop", "Nowhere", "--name", "x")
    assert status != 0 and "Nowhere" in err
    monkeypatch.delenv("KANTA_OWNER_PASSWORD")
    status, _, err = _run(capsys, "server", "init", "--shop", "Other", "--owner", "x@y.fi")
    assert status != 0 and "KANTA_OWNER_PASSWORD" in err
    with ServerProcess(db_url, via_cli=True) as server, httpx.Client(base_url=server.base_url) as http:
        events = KioskEvents("kiosk-till").visits(3)
        r = http.post("/api/v1/events", json=payload(events), headers=bearer(token))
        assert r.json() == {"stored": 3, "duplicates": 0, "cursor": 3}
        assert http.get("/api/v1/kiosks", headers=basic("o@cafe.fi", "owner password 1")).status_code == 200
        status, _, _ = _run(capsys, "server", "revoke-kiosk", "--shop", "Cafe", "--name", "till")
        assert status == 0
        # revocation takes effect at once, in a running server (it keeps no state)
        assert http.get("/api/v1/events", headers=bearer(token)).status_code == 401
        assert http.get("/api/v1/events", headers=bearer(token2)).status_code == 200
        assert http.get("/openapi.json").json()["info"]["title"] == "Kanta sync server"
