"""A coupon the program marks online-only: a kiosk that has not reached the shop's server
lately refuses it (`kanta counter coupon`, as staff run it), and takes it once its sync
worker has been through a cycle with the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.sync.client.live import LiveServer

ROOT = Path(__file__).resolve().parents[3]
CARD = "04A1B2C3D4E5F6"
PROGRAM = """
[program]
id = "shop"
version = 1
name = "Shop"
timezone = "Europe/Helsinki"
currency = "EUR"

[points]
per_unit = 1

[[coupon]]
id = "vip"
name = "VIP coupon"
codes = ["VIP-1", "VIP-2"]
points = 50
online_only = true
"""


def kanta(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KANTA_DATA": str(tmp_path / "kiosk"),
        "KANTA_PROGRAM": str(tmp_path / "program.toml"),
        "KANTA_RUN_DIR": str(tmp_path / "run"),
    }
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_an_online_only_coupon_needs_the_server(server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "program.toml").write_text(PROGRAM, encoding="utf-8")
    assert kanta(tmp_path, "tap", CARD).returncode == 0
    refused = kanta(tmp_path, "counter", "coupon", CARD, "VIP-1", "--json")
    assert refused.returncode == 3, refused.stderr
    assert json.loads(refused.stdout)["refusal"]["code"] == "coupon_online_only"
    shop = server.new_shop()
    paired = kanta(tmp_path, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"])
    assert paired.returncode == 0, paired.stderr
    synced = kanta(tmp_path, "sync", "once")
    assert synced.returncode == 0, synced.stderr
    taken = kanta(tmp_path, "counter", "coupon", CARD, "VIP-1", "--json")
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["accepted"]
