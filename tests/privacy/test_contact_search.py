"""The owner finds a member by phone number or e-mail on the console's Members page,
though the server never holds either: the kiosk where the member joined sends digests
made with the shop's index key (kiosk.services.blind_index, sync.server.blind_index).
After an erasure and a sync the member is not found, and the entries are gone from the
server's database and the kiosk's files. Both databases; their files read raw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kiosk.cli.main import main
from sync import search_index
from sync.server import db
from sync.server.blind_index_schema import member_search
from sync.transport import ServerRejected
from tests.privacy.test_erasure import files_under
from tests.sync.client.live import PASSWORD, LiveServer
from tests.sync.web.browser import Browser
from tests.sync.web.conftest import browser as browser  # Debian's chromium, by Selenium

CARD = "04DA7A5E0001"
PHONE = "040 765 1122"
EMAIL = "Liisa.Example@Example.FI"
NEEDLES = [PHONE, "407651122", "0407651122", "40 765 1122", EMAIL, EMAIL.lower()]


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def raw_holders(*places: Path) -> list[str]:
    """The files that hold the phone number or e-mail, in any spelling, read raw."""
    return [f"{p}: {n!r}" for p in files_under(*places) for n in NEEDLES if n.encode() in p.read_bytes()]


def joined_and_synced(
    server: LiveServer, browser: Browser, data: Path, capsys: pytest.CaptureFixture[str], *more: str
) -> Path:
    """A kiosk of a new shop where CARD joined with PHONE (and ``more`` contact options),
    synced once; the browser logged in as the shop's owner."""
    shop = server.new_shop()
    assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    pair = ("sync", "pair", "--server", server.base_url, "--token", shop.tokens["k1"])
    assert kanta(capsys, "--data", str(data), *pair)[0] == 0
    join = ("member", "join", CARD, "--phone", PHONE, *more, "--consent", "terms")
    assert kanta(capsys, "--data", str(data), *join)[0] == 0
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    browser.login(server.base_url, shop.owner, PASSWORD)
    return data


def search(browser: Browser, text: str) -> str:
    """What the Members page finds for ``text``: the card of the member shown, or
    "not found"."""
    browser.go("/members")
    browser.fill("#q", text)
    browser.submit("#search")
    if browser.all("#not-found"):
        return "not found"
    return browser.wait_for("#cards").text


def test_the_owner_finds_a_member_by_phone_or_email_and_not_after_erasure(
    server_and_files: tuple[LiveServer, list[Path]],
    browser: Browser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, server_files = server_and_files
    data = joined_and_synced(server, browser, tmp_path / "kiosk", capsys, "--email", EMAIL)
    assert search(browser, "+358 40 7651122") == CARD  # another spelling of the number
    assert search(browser, "liisa.example@example.fi") == CARD  # the e-mail in any case
    assert search(browser, CARD) == CARD  # the card, as before
    assert search(browser, "040 765 1123") == "not found"
    browser.go("/members")
    browser.screenshot("members-search")
    # the server holds digests, never the values
    assert raw_holders(*server_files) == []
    engine = db.make_engine(server.url, pool_size=1)
    try:
        with db.read_tx(engine) as conn:
            kinds = sorted(r.kind for r in conn.execute(sa.select(member_search)))
        assert kinds == ["email", "phone"]

        # the customer asks to be erased; the kiosk syncs once
        assert kanta(capsys, "--data", str(data), "member", "erase", CARD, "--yes")[0] == 0
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        with db.read_tx(engine) as conn:
            assert conn.execute(sa.select(member_search)).all() == []
    finally:
        engine.dispose()
    assert search(browser, "+358 40 7651122") == "not found"
    assert search(browser, EMAIL) == "not found"
    assert raw_holders(*server_files, data) == []
    held = json.loads((data / "sync" / "search-index.json").read_text())
    assert held["entries"] == {}


def test_an_erasure_from_the_console_takes_the_entries_at_once(
    server_and_files: tuple[LiveServer, list[Path]],
    browser: Browser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Erased on the owner's console, before the kiosk that holds the details has synced:
    the server's entries go with the erasure itself."""
    server, _ = server_and_files
    data = joined_and_synced(server, browser, tmp_path / "kiosk", capsys)
    assert search(browser, PHONE) == CARD
    browser.find("#erase").click()
    browser.wait_for("#confirm-erase")
    browser.submit("#confirm-erase")
    browser.wait_for("#erased-note")
    engine = db.make_engine(server.url, pool_size=1)
    try:
        with db.read_tx(engine) as conn:
            assert conn.execute(sa.select(member_search)).all() == []
    finally:
        engine.dispose()
    assert search(browser, PHONE) == "not found"
    # the kiosk's next sync brings the erasure (imported, so the member's key destroyed, at
    # its end); the one after sends the entries without them and drops its own copy
    for _ in range(2):
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    assert not json.loads((data / "member-keys.json").read_text())["keys"]
    assert json.loads((data / "sync" / "search-index.json").read_text())["entries"] == {}


class _RefusingServer:
    """A server that gives the key and refuses the entries, as a real one refuses more
    than 50,000 (that many members' digests would take half an hour of scrypt here)."""

    base_url = "http://server.invalid"

    def __init__(self) -> None:
        self.refuse = True
        self.sent: list[Any] = []

    def request(self, method: str, path: str, *, body: Any = None, ok_404: bool = False) -> Any:
        if method == "GET":
            return {"key": "ab" * 32}
        if self.refuse:
            raise ServerRejected("the server refused the request (422: entries: too many)", 422)
        self.sent.append(body)
        return {"entries": 1}


def test_a_refused_upload_stops_no_sync_and_costs_no_digest_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "kiosk"
    assert kanta(capsys, "--data", str(data), "tap", CARD)[0] == 0
    join = ("member", "join", CARD, "--phone", PHONE, "--consent", "terms")
    assert kanta(capsys, "--data", str(data), *join)[0] == 0
    server = _RefusingServer()
    assert search_index.send(server, data) is None  # said in the log, not raised
    made = json.loads((data / "sync" / "search-index.json").read_text())
    assert made["keys"] is None and len(made["entries"]) == 1
    digests: list[str] = []
    monkeypatch.setattr(search_index, "digest", lambda *a: digests.append(a[0]))
    server.refuse = False
    assert search_index.send(server, data) == 1
    assert digests == []  # the digests made before were sent, not made again
    assert [e["phone"] for e in server.sent[0]["entries"]] == [made["entries"].popitem()[1][1]]
    assert search_index.send(server, data) is None  # nothing changed since
