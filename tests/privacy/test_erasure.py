"""An erasure asked for on one kiosk, of a member who joined with a phone number and an
e-mail on another, reaches every copy within one sync: through the `kanta` commands."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from kiosk.cli.main import main
from tests.sync.client.live import PASSWORD, LiveServer

CARD = "04C0FFEE1234"
PHONE = "+358 40 765 4321"
EMAIL = "aino.privacy@example.org"
#: every spelling of the contact details that must not be left anywhere
NEEDLES = [PHONE.encode(), b"407654321", b"40 765 4321", EMAIL.encode(), EMAIL.encode("utf-16-le")]


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def files_under(*places: Path) -> list[Path]:
    out: list[Path] = []
    for place in places:
        if place.is_file():
            out.append(place)
        elif place.is_dir():
            for root, _, names in os.walk(place):
                out.extend(Path(root) / n for n in names)
    return [p for p in out if stat.S_ISREG(p.lstat().st_mode)]


def holders(*places: Path) -> list[str]:
    """The files that hold any byte sequence of the contact details."""
    found = []
    for path in files_under(*places):
        raw = path.read_bytes()
        found += [f"{path}: {n!r}" for n in NEEDLES if n in raw]
    return found


def test_erasure_on_one_kiosk_reaches_every_copy(
    server_and_files: tuple[LiveServer, list[Path]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, server_files = server_and_files
    config = tmp_path / "kiosk.toml"
    config.write_text("[rules]\ncooldown_seconds = 0\n")
    monkeypatch.setenv("KANTA_CONFIG", str(config))
    shop = server.new_shop()
    one, two = str(tmp_path / "kiosk1"), str(tmp_path / "kiosk2")
    for data, token in ((one, shop.tokens["k1"]), (two, shop.tokens["k2"])):
        assert kanta(capsys, "--data", data, "tap", "04AAAA0001")[0] == 0  # makes the store
        pair = ("sync", "pair", "--server", server.base_url, "--token", token)
        assert kanta(capsys, "--data", data, *pair)[0] == 0

    # the customer joins at kiosk 2 with a phone number and an e-mail, and collects there
    assert kanta(capsys, "--data", two, "tap", CARD)[0] == 0
    status, out, _ = kanta(
        capsys, "--data", two, "member", "join", CARD, "--phone", PHONE, "--email", EMAIL,
        "--consent", "terms,marketing",
    )
    assert status == 0 and "joined" in out
    assert kanta(capsys, "--data", two, "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", two, "store", "snapshot")[0] == 0  # into a kept ledger segment
    assert list((Path(two) / "ledger").glob("*.log"))
    # sealed with the member's key: not one plain byte of them in kiosk 2's files
    assert holders(Path(two)) == []
    status, out, _ = kanta(capsys, "--data", two, "member", "export", "--phone", "0407654321")
    assert status == 0 and json.loads(out)["contact"] == {"email": EMAIL, "phone": PHONE}

    # both kiosks sync; the owner pulls a backup before the erasure
    for data in (two, one, two):
        assert kanta(capsys, "--data", data, "sync", "once")[0] == 0
    status, out, _ = kanta(capsys, "--data", one, "member", "show", CARD, "--json")
    assert status == 0 and json.loads(out)["stamps"] == 2
    monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
    before = tmp_path / "before"
    args = ("backup", "pull", "--server", server.base_url, "--user", shop.owner, "--to")
    assert kanta(capsys, *args, str(before))[0] == 0

    # the erasure is asked for at kiosk 1: first the plan, then for real
    status, out, _ = kanta(capsys, "--data", one, "member", "erase", CARD)
    assert status == 0 and "nothing changed" in out
    assert "contact details held here, to destroy: none" in out
    assert "destroyed there with its next sync" in out
    assert kanta(capsys, "--data", one, "member", "show", CARD)[0] == 0
    status, out, _ = kanta(capsys, "--data", one, "member", "erase", CARD, "--yes")
    assert status == 0 and "erased member" in out
    # one sync each
    for data in (one, two):
        assert kanta(capsys, "--data", data, "sync", "once")[0] == 0

    after = tmp_path / "after"
    assert kanta(capsys, *args, str(after))[0] == 0
    assert holders(Path(one), Path(two), *server_files, after) == []
    assert json.loads((Path(two) / "member-keys.json").read_text())["keys"] == {}  # shredded
    for data in (one, two):
        verbs = (("member", "show", CARD), ("member", "show", CARD, "--json"), ("member", "export", CARD))
        for verb in verbs:
            status, out, err = kanta(capsys, "--data", data, *verb)
            assert status != 0 and "erased" in err and "stamps" not in out, (data, verb, out)
        status, out, err = kanta(capsys, "--data", data, "member", "export", "--phone", PHONE)
        assert status != 0 and PHONE not in out
    status, out, _ = kanta(capsys, "--data", one, "member", "requests", "--json")
    requests = json.loads(out)
    assert [r["request"] for r in requests] == ["erase"]
    assert not any(n.decode("latin-1") in out for n in NEEDLES) and CARD not in out

    # a backup pulled before the erasure, restored and synced, does not bring them back
    pulled_before = next(before.iterdir())
    restored = str(tmp_path / "restored")
    assert kanta(capsys, "--data", restored, "backup", "restore", str(pulled_before))[0] == 0
    pair = ("sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"], "--no-check")
    assert kanta(capsys, "--data", restored, *pair)[0] == 0
    assert kanta(capsys, "--data", restored, "sync", "once")[0] == 0
    status, out, err = kanta(capsys, "--data", restored, "member", "show", CARD)
    assert status != 0 and "erased" in err
    assert holders(Path(restored)) == []


def test_erasing_a_card_two_kiosks_made_members_for_erases_both(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The card was first tapped at two kiosks that could not sync, and the customer joined
    at one: the card's person is both members, and an erasure takes both."""
    shop = server.new_shop()
    one, two = str(tmp_path / "kiosk1"), str(tmp_path / "kiosk2")
    assert kanta(capsys, "--data", one, "tap", CARD)[0] == 0
    assert kanta(capsys, "--data", two, "tap", CARD)[0] == 0
    join = ("member", "join", CARD, "--phone", PHONE, "--consent", "terms")
    assert kanta(capsys, "--data", two, *join)[0] == 0
    for data, token in ((one, shop.tokens["k1"]), (two, shop.tokens["k2"])):
        pair = ("sync", "pair", "--server", server.base_url, "--token", token)
        assert kanta(capsys, "--data", data, *pair)[0] == 0
    for data in (one, two, one):
        assert kanta(capsys, "--data", data, "sync", "once")[0] == 0
    status, out, _ = kanta(capsys, "--data", one, "member", "export", CARD)
    export = json.loads(out)
    assert len(export["other_members_holding_the_card"]) == 1
    assert export["other_members_holding_the_card"][0]["contact_given_at_other_kiosks"]
    status, out, _ = kanta(capsys, "--data", one, "member", "erase", CARD, "--yes")
    assert status == 0 and out.count("erased member") == 2
    for data in (one, two):
        assert kanta(capsys, "--data", data, "sync", "once")[0] == 0
        status, _, err = kanta(capsys, "--data", data, "member", "show", CARD)
        assert status != 0 and "erased" in err
    assert holders(Path(one), Path(two)) == []
    assert json.loads((Path(two) / "member-keys.json").read_text())["keys"] == {}  # shredded
