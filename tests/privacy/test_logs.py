"""No log line of any process — the kiosk, the sync worker, the server, the commands —
holds a card id, a phone number or an e-mail: a tap, a join, a sync and an erasure, each a
real process with its log at debug level, and every line they wrote is scanned."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk.logs import card_ref
from tests.devcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
CARD = "04A1B2C3D4E5F6"
OTHER = "04D1D2D3D4D5D6"
PHONE = "+358 50 987 6543"
EMAIL = "loki.test@example.net"
SALT = "test-salt-3c1f"
NEEDLES = [CARD, CARD.lower(), "04:A1:B2", OTHER, OTHER.lower(), PHONE, "509876543", "987 6543", EMAIL]


class Processes:
    """Runs `kanta` (and the screenless kiosk) as separate processes, keeping every log."""

    def __init__(self, tmp: Path) -> None:
        config = tmp / "kiosk.toml"
        config.write_text("[rules]\ncooldown_seconds = 0\n")
        self.env = {
            **os.environ,
            "KANTA_LOG_LEVEL": "debug",
            "KANTA_LOG_SALT": SALT,
            "KANTA_CONFIG": str(config),
            "KANTA_CARD_READER": "sim",
            "KANTA_SCANNER": "none",
            "KANTA_FEEDBACK": "sim",
            "KANTA_OWNER_PASSWORD": "owner password 1",
            "PYTHONPATH": str(ROOT),
        }
        self.logs: list[tuple[str, str]] = []

    def kanta(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.cli.main", *args],
            env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )
        self.logs.append((" ".join(args), done.stderr))
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def kiosk(self, data: Path, *cards: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "tests.privacy.kiosk_process", str(data), *cards],
            env=self.env, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        )
        self.logs.append((f"kiosk {data.name}", done.stderr))
        assert done.returncode == 0 and "kiosk done" in done.stdout, done.stderr


def test_no_log_line_holds_a_card_id_phone_or_email(tmp_path: Path) -> None:
    run = Processes(tmp_path)
    server_data = tmp_path / "server"
    run.kanta("--data", str(server_data), "server", "init", "--shop", "Cafe", "--owner", "o@cafe.fi")
    add = ("--data", str(server_data), "server", "add-kiosk", "--shop", "Cafe", "--name")
    tokens = [run.kanta(*add, name).split()[-1] for name in ("till1", "till2")]
    port = free_port()
    server_log = tmp_path / "server.stderr"
    with server_log.open("w") as err:
        serve = ["--data", str(server_data), "server", "--port", str(port)]
        server = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli.main", *serve],
            env=run.env, stderr=err, stdout=subprocess.DEVNULL,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # wait until it answers; no fixed sleep
            try:
                if requests.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server_log.read_text()
            time.sleep(0.1)
        one, two = tmp_path / "kiosk1", tmp_path / "kiosk2"
        run.kiosk(one, CARD, CARD)  # taps at the counter, through the simulated reader
        run.kanta("--data", str(two), "tap", OTHER)
        run.kanta("--data", str(two), "member", "join", OTHER, "--phone", PHONE, "--email", EMAIL,
                  "--consent", "terms,marketing")
        for data, token in ((one, tokens[0]), (two, tokens[1])):
            run.kanta("--data", str(data), "sync", "pair", "--server", base, "--token", token)
        for data in (two, one):
            run.kanta("-v", "--data", str(data), "sync", "once")
        run.kiosk(one, OTHER)  # applies what the sync pulled (the join), then a tap
        run.kanta("--data", str(one), "member", "export", OTHER)
        run.kanta("--data", str(one), "member", "erase", OTHER, "--yes")
        for data in (one, two):
            run.kanta("-v", "--data", str(data), "sync", "once")
        run.kiosk(two, OTHER)  # the erasure has arrived: the card is refused
    finally:
        server.terminate()
        server.wait(30)
    run.logs.append(("server", server_log.read_text()))

    lines = [(who, line) for who, text in run.logs for line in text.splitlines()]
    leaks = [(who, line) for who, line in lines if any(n in line for n in NEEDLES)]
    assert leaks == []
    # the logs did speak of the cards, by their salted references
    ref = card_ref(CARD, {"KANTA_LOG_SALT": SALT})
    assert any(ref in line for who, line in lines if who.startswith("kiosk")), lines
    assert any("taps in the last" in line for _, line in lines)  # the tap summary
    assert any("sync" in who and "imported" in line for who, line in lines)
    last_at_two = [line for who, line in lines if who == "kiosk kiosk2"][-1]
    assert last_at_two.startswith("INFO kiosk.taps: 1 taps") and last_at_two.endswith("(1 refused)")
