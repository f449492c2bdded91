"""TLS with a shop's own CA, a worker killed between the inbox write and its state, and
damage anywhere in a backup file."""

from __future__ import annotations

import random
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kiosk.errors import SyncError
from kiosk.services.replication import idle_sync_import
from sync import backup
from sync import client as sync_client
from sync.client import SyncClient, Transport
from sync.state import load_state
from tests.conftest import FakeClock
from tests.sync.client.live import LiveServer, kiosk_service, two_paired_kiosks


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test CA")
def test_tls_with_the_shops_own_ca(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    live = LiveServer(tmp_path / "server.db", ssl_keyfile=str(key), ssl_certfile=str(cert)).start()
    try:
        assert live.base_url.startswith("https://localhost:")
        with pytest.raises(SyncError, match="TLS verification"):
            Transport(live.base_url, attempts=1).request("GET", "/healthz")
        assert Transport(live.base_url, ca_bundle=str(cert)).request("GET", "/healthz") == {"ok": True}
    finally:
        live.stop()


def test_killed_between_inbox_write_and_state_save(
    server: LiveServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, a, b = two_paired_kiosks(server, tmp_path, clock)
    for i in range(12):
        a.tap(f"04F0{i % 4:04d}")
        clock.advance(seconds=1)
    SyncClient(tmp_path / "a").cycle()

    class Killed(BaseException):
        pass

    real = sync_client.SyncClient._save

    def dies_after_inbox(self: SyncClient, **changes: Any) -> None:
        if "pull_cursor" in changes:
            raise Killed()  # the inbox file is on disk, the cursor is not
        real(self, **changes)

    monkeypatch.setattr(sync_client.SyncClient, "_save", dies_after_inbox)
    with pytest.raises(Killed):
        SyncClient(tmp_path / "b").cycle()
    monkeypatch.setattr(sync_client.SyncClient, "_save", real)
    assert load_state(tmp_path / "b").pull_cursor == 0
    SyncClient(tmp_path / "b").cycle()  # pulls the same page again (into the same file number)
    result = idle_sync_import(b.ledger, b.recorder, tmp_path / "b")
    assert result.applied == 16
    SyncClient(tmp_path / "b").cycle()
    assert idle_sync_import(b.ledger, b.recorder, tmp_path / "b").applied == 0
    for card in ("04F00000", "04F00003"):
        assert b.ledger.member_for_card(card) == a.ledger.member_for_card(card)
    a.ledger.close()
    b.ledger.close()


def test_a_flipped_byte_anywhere_is_found(tmp_path: Path, clock: FakeClock) -> None:
    a = kiosk_service(tmp_path / "a", clock)
    for i in range(40):
        a.tap(f"04F1{i % 6:04d}")
        clock.advance(seconds=1)
    a.ledger.close()
    path = backup.create_from_store(tmp_path / "a", tmp_path / "out")
    whole = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        start_dir = zf.start_dir
    rand = random.Random(5)
    positions = rand.sample(range(len(whole)), 120)
    for pos in positions:
        damaged = bytearray(whole)
        damaged[pos] ^= 1 << rand.randrange(8)
        path.write_bytes(bytes(damaged))
        report = backup.verify(path)
        assert not report.ok, f"flip at byte {pos} of {len(whole)} went unnoticed"
        owner = [i.filename for i in infos if i.header_offset <= pos] if pos < start_dir else []
        if owner:
            assert owner[-1] in report.summary(), (pos, report.summary())
    path.write_bytes(whole)
    assert backup.verify(path).ok
