"""`kanta sync pair` at any moment, as the installer runs it (a subprocess each time):
on a fresh folder before the kiosk's first start, after it, and again on a paired kiosk
with a new token. The kiosk then opens and syncs, and nothing is sent twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sync.server import db, store
from sync.state import load_state
from tests.sync.client.live import LiveServer

ROOT = Path(__file__).resolve().parents[3]


def kanta(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KANTA_RUN_DIR": str(data.parent / f"run-{data.name}")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "--data", str(data), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def pair(data: Path, server: LiveServer, token: str) -> str:
    return ok(kanta(data, "sync", "pair", "--server", server.base_url, "--token", token))


def new_token(server: LiveServer, shop: str, kiosk: str) -> str:
    engine = db.make_engine(server.url)
    try:
        return store.add_kiosk(engine, shop, kiosk)
    finally:
        engine.dispose()


def test_pairing_before_the_first_start_leaves_a_folder_that_opens_and_syncs(
    server: LiveServer, tmp_path: Path
) -> None:
    shop = server.new_shop()
    fresh = tmp_path / "fresh"
    assert "token accepted" in pair(fresh, server, shop.tokens["k1"])
    ok(kanta(fresh, "tap", "04E0000001"))  # the first start: the store is made beside sync/
    ok(kanta(fresh, "tap", "04E0000009"))
    out = json.loads(ok(kanta(fresh, "sync", "once", "--json")))
    assert out["pushed"] == 4  # two new members, a visit each
    assert len(server.all_events(shop)) == 4


def test_pairing_after_the_first_start_and_pairing_again(server: LiveServer, tmp_path: Path) -> None:
    shop = server.new_shop()
    kiosk = tmp_path / "kiosk"
    ok(kanta(kiosk, "tap", "04E0000002"))
    pair(kiosk, server, shop.tokens["k1"])
    assert json.loads(ok(kanta(kiosk, "sync", "once", "--json")))["pushed"] == 2
    # a new token for the same kiosk (the old one was lost, say): pair again, keep syncing
    token = new_token(server, shop.name, "k1")
    assert token != shop.tokens["k1"]
    pair(kiosk, server, token)
    assert load_state(kiosk).token == token
    ok(kanta(kiosk, "tap", "04E0000003"))
    out = json.loads(ok(kanta(kiosk, "sync", "once", "--json")))
    assert out["pushed"] == 2  # only what is new: the position was kept
    ids = [e["id"] for e in server.all_events(shop)]
    assert len(ids) == len(set(ids)) == 4
    # the folder still opens as a store, with its sync state beside it
    ok(kanta(kiosk, "member", "show", "04E0000002"))
