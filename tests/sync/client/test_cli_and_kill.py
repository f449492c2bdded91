"""`kanta sync ...` and `kanta backup ...` end to end, and a client killed mid-push."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.cli.sync import READY_LINE
from kiosk.store.ledger import Ledger
from sync import backup
from sync.state import load_state
from tests.sync.client.live import PASSWORD, LiveServer, build_store

ROOT = Path(__file__).resolve().parents[3]


def _kanta(*args: str) -> int:
    return main(list(args))


def test_pair_once_status_and_backups(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = server.new_shop()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for i in range(6):
        assert _kanta("--data", a, "tap", f"04E0{i:04d}") == 0
    assert _kanta("--data", b, "tap", "04E10001") == 0
    assert _kanta("--data", a, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"]) == 0
    assert "token accepted" in capsys.readouterr().out
    assert load_state(Path(a)).token == shop.tokens["k1"]
    assert _kanta("--data", b, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k2"]) == 0
    capsys.readouterr()
    assert _kanta("--data", a, "sync", "once", "--json") == 0
    assert json.loads(capsys.readouterr().out)["pushed"] == 12
    # b is not running: `sync once` imports the pulled events straight into its store
    assert _kanta("--data", b, "sync", "once", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pulled"] == 12 and out["imported"] == 12 and out["inbox_files"] == 0
    assert _kanta("--data", a, "sync", "once") == 0
    assert _kanta("--data", a, "sync", "status", "--json") == 0
    capsys.readouterr()
    assert _kanta("--data", a, "sync", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["paired"] and status["pending"] == 0 and status["last_error"] is None
    # a wrong token is refused at pairing time, and nothing is stored
    assert _kanta("--data", str(tmp_path / "c"), "tap", "04E20001") == 0
    assert (
        _kanta("--data", str(tmp_path / "c"), "sync", "pair", "--server", server.base_url, "--token", "nope")
        != 0
    )
    assert not load_state(tmp_path / "c").paired
    # plain HTTP to another machine is refused
    assert _kanta("--data", a, "sync", "pair", "--server", "http://192.0.2.1:8000", "--token", "x") != 0
    assert "plain HTTP" in capsys.readouterr().err

    # backups: pull (owner login), verify, restore into an empty folder
    monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
    out_dir = tmp_path / "backups"
    assert (
        _kanta("backup", "pull", "--server", server.base_url, "--user", shop.owner, "--to", str(out_dir)) == 0
    )
    pulled = Path(capsys.readouterr().out.strip())
    assert pulled.parent == out_dir and pulled.exists()
    assert _kanta("backup", "verify", str(pulled)) == 0
    verified = capsys.readouterr().out
    with Ledger.open(Path(b), readonly=True) as kb:
        b_id = kb.kiosk_id
    assert "OK" in verified and f"kiosk {b_id}: 2 events" in verified
    assert _kanta("--data", str(tmp_path / "new"), "backup", "restore", str(pulled)) == 0
    assert "replacing" not in capsys.readouterr().out  # a server's backup does not say which
    restored_as_b = str(tmp_path / "b-again")
    assert _kanta("--data", restored_as_b, "backup", "restore", str(pulled), "--replaces", b_id) == 0
    assert f"replacing kiosk {b_id}" in capsys.readouterr().out
    assert (
        _kanta("--data", str(tmp_path / "b-not"), "backup", "restore", str(pulled), "--replaces", "kx") == 1
    )
    assert "kiosk kx has no events in this backup" in capsys.readouterr().err
    assert not (tmp_path / "b-not").exists()
    with Ledger.open(tmp_path / "new") as new, Ledger.open(Path(b)) as kb:
        assert {s.member_id: s for s in new.all_members()} == {s.member_id: s for s in kb.all_members()}
        assert new.member_count() == 7
    # paired with the same server, the restored kiosk pulls only what is newer than the backup
    new_token = server.new_shop().tokens["k1"]  # any token: pairing is not checked here
    assert (
        _kanta(
            "--data",
            str(tmp_path / "new"),
            "sync",
            "pair",
            "--server",
            server.base_url,
            "--token",
            new_token,
            "--no-check",
        )
        == 0
    )
    assert load_state(tmp_path / "new").pull_cursor == 14
    capsys.readouterr()
    # a kiosk's own backup, no server
    assert _kanta("--data", b, "backup", "create", "--to", str(out_dir), "--delimiter", ",") == 0
    created = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert created != pulled
    assert backup.verify(created).ok
    # one flipped byte: verify fails and names the part
    data = bytearray(pulled.read_bytes())
    info = __import__("zipfile").ZipFile(pulled).getinfo("members.csv")
    data[info.header_offset + 30 + len("members.csv") + 5] ^= 0x10
    pulled.write_bytes(bytes(data))
    assert _kanta("backup", "verify", str(pulled)) == 1
    assert "members.csv" in capsys.readouterr().out


def test_client_killed_mid_push_leaves_exactly_once(server: LiveServer, tmp_path: Path) -> None:
    """`kanta sync once` is SIGKILLed at random moments until one run completes."""
    shop = server.new_shop()
    build_store(tmp_path / "k", 6000, members=300).close()
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("[sync]\nbatch_size = 100\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "kiosk.cli.main", "--data", str(tmp_path / "k"), "--config", str(cfg)]
    subprocess.run(
        [*base, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"]],
        check=True,
        env=env,
        capture_output=True,
    )
    rand = random.Random(7)
    kills = 0
    for _ in range(60):
        before = load_state(tmp_path / "k").pushed_seq
        let_through = rand.randint(1, 8) * 100  # batches acknowledged before the kill
        proc = subprocess.Popen(
            [*base, "sync", "once", "--no-import"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        killed = False
        while proc.poll() is None:
            seq = load_state(tmp_path / "k").pushed_seq  # written atomically: always whole
            if before + let_through <= seq < 6000:
                time.sleep(rand.uniform(0, 0.02))  # somewhere inside the next request
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                killed = True
                break
            time.sleep(0.002)
        if not killed:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            break
    else:
        pytest.fail("sync once never completed")
    assert kills >= 3
    ids = [e["id"] for e in server.all_events(shop)]
    assert len(ids) == len(set(ids)) == 6000
    assert load_state(tmp_path / "k").pushed_seq == 6000


def _cycles_done(status: Path) -> int:
    """How many cycles the worker has finished, from its status file (0 before any)."""
    try:
        return int(json.loads(status.read_bytes()).get("cycles", 0))
    except (OSError, ValueError):
        return 0


def test_sync_run_stops_cleanly_on_sigterm(server: LiveServer, tmp_path: Path) -> None:
    """`kanta sync run` (what systemd runs) ends with status 0 soon after SIGTERM, every time,
    whether it is between cycles or in one."""
    shop = server.new_shop()
    build_store(tmp_path / "k", 50, members=10).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "kiosk.cli.main", "--data", str(tmp_path / "k")]
    subprocess.run(
        [*base, "sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"]],
        check=True,
        env=env,
        capture_output=True,
    )
    status = tmp_path / "run" / "sync-status.json"  # the worker's news (KANTA_RUN_DIR below)
    for moment in ("at once", "after a cycle", "after two cycles"):
        proc = subprocess.Popen(
            [*base, "sync", "run", "--interval", "1"],
            env={**env, "KANTA_RUN_DIR": str(tmp_path / "run")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == READY_LINE  # the handler is in place
            cycles = {"at once": 0, "after a cycle": 1, "after two cycles": 2}[moment]
            seen = _cycles_done(status)
            while _cycles_done(status) < seen + cycles:  # the worker's own news, not a guess
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
        finally:
            proc.kill()
            proc.wait()
    assert load_state(tmp_path / "k").pushed_seq == 50
