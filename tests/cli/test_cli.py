"""The `kanta` command as a person runs it: real processes, real exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.cli.main import build_parser
from tests.cli.process import REPO, kanta
from tests.conftest import FakeClock


def test_tap_then_show_and_history(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = kanta("tap", "04A1B2C3D4E5F6", "--json", data=data)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["accepted"] and out["new_member"] and out["member"]["stamps"] == 1
    again = kanta("tap", "04A1B2C3D4E5F6", data=data)
    assert again.returncode == 3 and "not recorded" in again.stdout  # cooldown
    shown = kanta("member", "show", "04a1b2c3d4e5f6", "--json", data=data)
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["visits"] == 1
    history = kanta("member", "history", "04A1B2C3D4E5F6", "--json", data=data)
    kinds = [json.loads(line)["kind"] for line in history.stdout.splitlines()]
    assert kinds == ["member_created", "visit_stamped"]


def test_unknown_card_is_a_clear_nonzero_exit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert kanta("tap", "04AAAA", data=data).returncode == 0
    result = kanta("member", "show", "04FFFF", data=data)
    assert result.returncode == 2
    assert "no member has the card 04FFFF" in result.stderr
    assert "Traceback" not in result.stderr


def test_show_on_a_folder_with_no_store(tmp_path: Path) -> None:
    result = kanta("member", "show", "04FFFF", data=tmp_path / "nothing")
    assert result.returncode != 0 and "no Kanta store" in result.stderr


def test_garbled_card_gets_a_message(tmp_path: Path) -> None:
    result = kanta("tap", "hello world!", data=tmp_path / "data")
    assert result.returncode == 65 and "is not a card number" in result.stderr


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from kiosk.store.ledger import Ledger; l=Ledger.open(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(30)",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = kanta("tap", "04ABCDEF", data=data)
        assert result.returncode == 75
        assert "in use by another Kanta process" in result.stderr and str(holder.pid) in result.stderr
        # reading beside the writer is fine
        assert kanta("store", "info", data=data).returncode == 0
    finally:
        holder.kill()
        holder.wait()


def test_broken_config_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[rules]\ncooldown_seconds = "soon"\n')
    result = kanta("--config", str(bad), "tap", "04ABCDEF", data=tmp_path / "data")
    assert result.returncode == 78
    assert str(bad) in result.stderr and "rules.cooldown_seconds" in result.stderr
    assert not (tmp_path / "data").exists()


def test_demo_prints_a_demo_shop(tmp_path: Path) -> None:
    result = kanta("demo", "--data", str(tmp_path / "demo"), data=tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    assert "04A1B2C3D4E5F6" in result.stdout and "credit   50.00 EUR" in result.stdout


def test_store_verify_and_snapshot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for card in ("04AAAA01", "04AAAA02", "04AAAA03"):
        assert kanta("tap", card, data=data).returncode == 0
    assert kanta("store", "snapshot", data=data).returncode == 0
    assert kanta("tap", "04AAAA04", data=data).returncode == 0
    verify = kanta("store", "verify", data=data)
    assert verify.returncode == 0 and "everything checks out" in verify.stdout
    assert "4 members" in verify.stdout


def test_commands_without_a_screen_do_not_import_kivy(tmp_path: Path) -> None:
    code = (
        "import sys; from kiosk.cli.main import main; "
        "rc = main(['--data', sys.argv[1], 'tap', '04ABCDEF']); "
        "assert 'kivy' not in sys.modules, 'kivy imported'; print(rc)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"
    assert time.perf_counter() - started < 30  # generous: this is about imports, not speed


def test_every_verb_has_help() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for verb in ("demo", "tap", "member", "store"):
        assert verb in help_text


@pytest.mark.parametrize("argv", [["tap"], ["member"], ["store", "nope"]])
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path) -> None:
    assert kanta(*argv, data=tmp_path).returncode == 2


def test_the_owner_lists_and_merges_a_card_made_a_member_at_two_kiosks(
    tmp_path: Path, clock: FakeClock
) -> None:
    from tests.services.test_replication import _joined_at_b_after_a_made_the_card

    a, b = _joined_at_b_after_a_made_the_card(tmp_path, clock)
    first, second = b.ledger.members_holding("04EE0010")
    a.ledger.close()
    b.ledger.close()
    listed = kanta("member", "duplicates", data=tmp_path / "a")
    assert listed.returncode == 0, listed.stderr
    assert "04EE0010" in listed.stdout and first.member_id in listed.stdout
    assert second.member_id in listed.stdout and "pia@" not in listed.stdout  # no contact details
    for yes in ((), ("--yes",)):
        refused = kanta("member", "merge", "04ee0010", *yes, data=tmp_path / "a")
        assert refused.returncode == 3 and "run the merge on that kiosk" in refused.stderr
    held = json.loads(kanta("member", "show", "04ee0010", "--json", data=tmp_path / "b").stdout)
    assert held["other_members_holding_the_card"] == [second.member_id]
    planned = kanta("member", "merge", "04ee0010", data=tmp_path / "b")
    assert planned.returncode == 0 and "nothing changed" in planned.stdout
    listed_json = json.loads(kanta("member", "duplicates", "--json", data=tmp_path / "b").stdout)
    holders = listed_json["cards"]["04EE0010"]
    assert [m["member"] for m in holders] == [first.member_id, second.member_id]
    assert holders[1]["created_by"] == listed_json["kiosk"] and holders[1]["status"] == "enrolled"
    merged = kanta("member", "merge", "04ee0010", "--yes", data=tmp_path / "b")
    assert merged.returncode == 0, merged.stderr
    assert first.member_id in merged.stdout and "enrolled" in merged.stdout
    after = json.loads(kanta("member", "duplicates", "--json", data=tmp_path / "b").stdout)
    assert after["cards"] == {}
    shown = json.loads(kanta("member", "show", "04EE0010", "--json", data=tmp_path / "b").stdout)
    assert shown["stamps"] == 2 and shown["status"] == "enrolled"
    assert shown["other_members_holding_the_card"] == []
    again = kanta("member", "merge", "04ee0010", data=tmp_path / "b")
    assert again.returncode == 3 and "nothing to merge" in again.stderr
