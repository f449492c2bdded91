"""`kanta store verify` against the heads the shop's server kept: a history rewritten on
the kiosk with every hash recomputed *and* its heads re-signed with the kiosk's own key
passes every local check, and the server's heads still catch it. When the server cannot
be asked the command says so, with its own exit status."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger
from kiosk.store.signing import HEADS_FILE
from tests.privacy.test_signed_heads import rewrite
from tests.sync.client.live import LiveServer

CARD = "04FEED0000AA"


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def forge_with_the_kiosks_key(data: Path) -> None:
    """Someone with the files *and* kiosk.key: rewrite and recompute every hash, rebuild
    the snapshot, and sign the forged chain's head again with the kiosk's own key."""
    rewrite(data, stamps=40)
    (data / HEADS_FILE).unlink()
    assert main(["--data", str(data), "store", "rebuild"]) == 0
    with Ledger.open(data) as ledger:
        assert ledger.sign_head()


def kiosk_tapped_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: LiveServer
) -> tuple[Path, str]:
    """A kiosk's data folder with one tap (no cooldown), and a token of a new shop."""
    config = tmp_path / "kiosk.toml"
    config.write_text("[rules]\ncooldown_seconds = 0\n")
    monkeypatch.setenv("KANTA_CONFIG", str(config))
    data = tmp_path / "kiosk"
    assert main(["--data", str(data), "tap", CARD]) == 0
    return data, server.new_shop().tokens["k1"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_history_re_signed_with_the_kiosks_own_key_disagrees_with_the_server(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, token = kiosk_tapped_once(tmp_path, monkeypatch, server)
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 0 and "not paired with a server" in out
    pair = ("sync", "pair", "--server", server.base_url, "--token", token)
    assert kanta(capsys, "--data", str(data), *pair)[0] == 0
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 69 and "not checked" in out and "holds no heads from this kiosk yet" in out
    for _ in range(3):
        assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 0, out
    assert f"server's heads: 1 kept by {server.base_url} checked: they all agree" in out

    forge_with_the_kiosks_key(data)
    capsys.readouterr()
    status, out = kanta(capsys, "--data", str(data), "member", "show", CARD, "--json")
    assert json.loads(out)["stamps"] == 43  # the forgery took
    assert maintenance.verify(data).ok  # and every local check passes: hashes, chain, own heads
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 1, out
    assert "everything checks out" in out  # the local part, as said
    assert "PROBLEM: event 5 disagrees with the server's signed head" in out
    assert "the history here was rewritten after it was synced" in out

    # a kiosk whose server does not answer: said, never passed over in silence
    dead = f"http://127.0.0.1:{closed_port()}"
    repair = ("sync", "pair", "--server", dead, "--token", token, "--no-check")
    assert kanta(capsys, "--data", str(data), *repair)[0] == 0
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 69 and "server's heads: not checked: server unreachable" in out


def test_a_store_that_lost_synced_events_or_changed_its_key(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, token = kiosk_tapped_once(tmp_path, monkeypatch, server)
    pair = ("sync", "pair", "--server", server.base_url, "--token", token)
    assert kanta(capsys, "--data", str(data), *pair)[0] == 0
    before = (data / "journal.log").read_bytes()
    assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    # the data folder put back as it was before the last tap (a copy, say): the server
    # vouches for an event this store does not have
    (data / "journal.log").write_bytes(before)
    (data / HEADS_FILE).unlink()
    assert kanta(capsys, "--data", str(data), "store", "rebuild")[0] == 0
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 1
    lost = "event 3: the server holds this kiosk's signed head for it, but this store's newest event is 2"
    assert lost in out
    (data / "kiosk.key").unlink()
    Ledger.open(data).close()  # a new key made at the next start
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 1 and "is not the one the server registered" in out
