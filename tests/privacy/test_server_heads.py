"""The server's witness: a kiosk registers its signing key when paired and sends its
signed chain heads with each sync; the server keeps them, refuses another key for the
same kiosk, and puts keys and heads in the owner's backups, so `kanta backup verify`
catches events rewritten on the server with every hash recomputed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import requests

from kiosk.cli.main import main
from kiosk.domain.events import GENESIS_HASH, event_from_dict
from tests.sync.client.live import PASSWORD, LiveServer
from tests.sync.server.server_helpers import bearer

CARD = "04BEEF000001"


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def rewrite_on_server(db: Path, kiosk: str, stamps: int) -> None:
    """Someone with the server's database gives the card more stamps and recomputes the
    kiosk's whole chain of hashes."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            'SELECT "cursor", body FROM events WHERE kiosk = ? ORDER BY "cursor"', (kiosk,)
        ).fetchall()
        prev = GENESIS_HASH
        for cursor, body in rows:
            raw = json.loads(body)
            if raw["kind"] == "visit_stamped" and raw["seq"] == 2:
                raw["postings"] = [["visits", 1], ["stamps", stamps]]
            raw["prev"] = prev
            raw["hash"] = event_from_dict({**raw, "hash": "0" * 32}, verify_hash=False).computed_hash()
            prev = raw["hash"]
            conn.execute(
                'UPDATE events SET body = ?, hash = ? WHERE "cursor" = ?',
                (json.dumps(raw, separators=(",", ":"), sort_keys=True), raw["hash"], cursor),
            )


def test_heads_kept_by_the_server_catch_a_rewrite_there(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[rules]\ncooldown_seconds = 0\n")
    monkeypatch.setenv("KANTA_CONFIG", str(config))
    monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
    shop = server.new_shop()
    data = str(tmp_path / "kiosk")
    assert kanta(capsys, "--data", data, "tap", CARD)[0] == 0
    pair = ("sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"])
    assert kanta(capsys, "--data", data, *pair)[0] == 0
    for _ in range(2):
        assert kanta(capsys, "--data", data, "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", data, "sync", "once")[0] == 0

    # the server kept the key registered at pairing and the newest signed head
    pulled = requests.get(
        f"{server.base_url}/api/v1/backup/heads", auth=(shop.owner, PASSWORD), timeout=30
    ).json()
    (kiosk, key), = pulled["kiosk_keys"].items()
    assert [h["seq"] for h in pulled["signed_heads"]] == [4]
    # another key for the same kiosk is refused; so is a head whose signature does not hold
    url, auth = f"{server.base_url}/api/v1/heads", bearer(shop.tokens["k1"])
    r = requests.post(url, json={"public_key": "ab" * 32, "heads": []}, headers=auth, timeout=30)
    assert r.status_code == 409 and "another signing key" in r.json()["detail"]
    forged = {"seq": 4, "hash": "0" * 32, "signature": pulled["signed_heads"][0]["signature"]}
    r = requests.post(url, json={"public_key": key, "heads": [forged]}, headers=auth, timeout=30)
    assert r.status_code == 422 and "signature" in r.json()["detail"]

    backups = tmp_path / "backups"
    args = ("backup", "pull", "--server", server.base_url, "--user", shop.owner, "--to")
    assert kanta(capsys, *args, str(backups / "before"))[0] == 0
    status, out = kanta(capsys, "backup", "verify", str(next((backups / "before").iterdir())))
    assert status == 0, out

    rewrite_on_server(Path(server.url.removeprefix("sqlite:///")), kiosk, stamps=40)
    assert kanta(capsys, *args, str(backups / "after"))[0] == 0
    status, out = kanta(capsys, "backup", "verify", str(next((backups / "after").iterdir())))
    assert status == 1 and "history was rewritten after it was signed" in out, out
    assert "does not chain" not in out  # every hash was recomputed
