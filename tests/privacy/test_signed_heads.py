"""Tamper evidence against someone with the files: a kiosk's history rewritten with every
hash recomputed (and the journal's checksums, and the snapshot rebuilt) passes the hash
checks, and `kanta store verify` still catches it by the kiosk's signed chain heads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.domain.events import GENESIS_HASH, event_from_dict
from kiosk.store import journal
from kiosk.store.signing import HEADS_FILE, KEY_FILE

CARD = "04FEED000001"


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def rewrite(folder: Path, stamps: int) -> None:
    """What a forger with the files does: give the card more stamps in its first visit,
    recompute that event's hash and every later one's, re-seal each journal line, and
    rebuild the snapshot from the forged events."""
    prev = GENESIS_HASH
    extra = 0
    for path in [*sorted((folder / "ledger").glob("*.log")), folder / "journal.log"]:
        lines = []
        for line in path.read_bytes().splitlines():
            n, events, ops = journal.decode_line(line)
            for raw in events:
                if raw["kind"] == "visit_stamped" and raw["seq"] == 2:
                    raw["postings"] = [["visits", 1], ["stamps", stamps]]
                    extra = stamps - 1
                raw["prev"] = prev
                raw["hash"] = event_from_dict({**raw, "hash": "0" * 32}, verify_hash=False).computed_hash()
                prev = raw["hash"]
            for table, _, doc in ops:  # the cached balance, so the refold agrees
                if table == "members" and doc and "b" in doc:
                    doc["b"]["stamps"] += extra
            lines.append(journal.encode(n, events, ops))
        path.write_bytes(b"".join(lines))


def test_a_rewritten_history_is_caught_by_the_signed_heads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[rules]\ncooldown_seconds = 0\n")
    monkeypatch.setenv("KANTA_CONFIG", str(config))
    data = tmp_path / "kiosk"
    for _ in range(3):
        assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", str(data), "store", "snapshot")[0] == 0  # a kept segment too
    assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    heads = [json.loads(line) for line in (data / HEADS_FILE).read_text().splitlines()]
    assert [h["seq"] for h in heads] == [2, 3, 4, 5]  # one per change, each signed once
    assert (data / KEY_FILE).stat().st_mode & 0o077 == 0
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 0 and "everything checks out" in out
    backups = tmp_path / "backups"
    assert kanta(capsys, "--data", str(data), "backup", "create", "--to", str(backups / "before"))[0] == 0
    status, out = kanta(capsys, "backup", "verify", str(next((backups / "before").iterdir())))
    assert status == 0, out

    rewrite(data, stamps=50)
    assert kanta(capsys, "--data", str(data), "store", "rebuild")[0] == 0
    status, out = kanta(capsys, "--data", str(data), "member", "show", CARD, "--json")
    assert json.loads(out)["stamps"] == 53  # the forgery took: every hash and checksum agrees
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 1
    assert "history was rewritten after it was signed" in out
    assert "does not chain" not in out  # the hash chain alone did not notice
    # a backup made from the forged store carries the genuine signed heads: caught too
    assert kanta(capsys, "--data", str(data), "backup", "create", "--to", str(backups / "after"))[0] == 0
    status, out = kanta(capsys, "backup", "verify", str(next((backups / "after").iterdir())))
    assert status == 1 and "history was rewritten after it was signed" in out
    assert "does not chain" not in out

    # forging the signed heads too needs the kiosk's key: another key is reported
    forged = [{**h, "key": "00" * 32} for h in heads]
    (data / HEADS_FILE).write_text("".join(json.dumps(h) + "\n" for h in forged))
    status, out = kanta(capsys, "--data", str(data), "store", "verify")
    assert status == 1 and "signed by a key that is not this kiosk's" in out
