"""`kanta backup pull` against the real server, and restoring what it made: the events as
the server holds them, in clock order, the members they fold to, a store that verifies."""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.domain.member import MemberState, apply
from kiosk.errors import SyncError
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger
from sync import backup
from sync.backup_format import account_column
from sync.client import SyncClient, Transport
from sync.state import load_state
from tests.conftest import FakeClock
from tests.sync.client.live import PASSWORD, LiveServer, Shop, two_paired_kiosks
from tests.sync.spreadsheet_cells import spreadsheet_amount, spreadsheet_text, spreadsheet_time


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "server.db").start()
    yield live
    live.stop()


def _push(data: Path) -> None:
    state = load_state(data)
    SyncClient(data, transport=Transport(state.server, token=state.token)).push()


def _shop_with_history(server: LiveServer, tmp_path: Path, clock: FakeClock) -> Shop:
    """Two kiosks taking turns, with text a spreadsheet or an ASCII-only encoder would mangle."""
    shop, a, b = two_paired_kiosks(server, tmp_path, clock)
    for i in range(30):
        (a if i % 3 else b).tap(f"04C0{i % 6:04d}")
        clock.advance(seconds=2)
    a.purchase("04C00001", 1250, actor="Äijä ☕ \u2028")
    b.purchase("04C00003", 990, actor="=SUM(A1)")
    b.replace_card("04C00000", "04C09999")
    clock.advance(seconds=2)
    a.tap("04C00004")
    a.ledger.close()
    b.ledger.close()
    _push(tmp_path / "a")
    _push(tmp_path / "b")
    return shop


def _fold(events: list[dict[str, Any]]) -> dict[str, MemberState]:
    states: dict[str, MemberState] = {}
    for raw in sorted(events, key=lambda e: e["hlc"]):
        event = backup.trusted_event(raw)
        states[event.member] = apply(states.get(event.member) or MemberState(event.member), event)
    return states


def test_pull_then_restore(server: LiveServer, tmp_path: Path, clock: FakeClock) -> None:
    shop = _shop_with_history(server, tmp_path, clock)
    held = server.all_events(shop)
    assert len(held) > 30
    # small pages: many of them, the next fetched while this one is spooled
    path = backup.pull_from_server(server.base_url, shop.owner, PASSWORD, tmp_path / "out", page_size=7)
    report = backup.verify(path)
    assert report.ok, report.summary()
    with zipfile.ZipFile(path) as zf:
        lines = zf.read(backup.EVENTS).split(b"\n")[:-1]
        # CRLF rows (str.splitlines would also split at the actor's U+2028)
        ledger_rows = zf.read(backup.LEDGER).decode("utf-8-sig").removesuffix("\r\n").split("\r\n")
    # the server's events, each written as json.dumps writes it, in clock order
    in_order = sorted(held, key=lambda e: e["hlc"])
    expected = [json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode() for e in in_order]
    assert lines == expected
    assert len(ledger_rows) == len(held) + 1
    assert sum(";'=SUM(A1);" in row for row in ledger_rows) == 1
    # each row says what its event says, in the same order
    header, *rows = csv.reader(ledger_rows, delimiter=";")
    assert len(rows) == len(in_order)
    for row, raw in zip(rows, in_order, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert (cells["id"], cells["kind"], cells["seq"]) == (raw["id"], raw["kind"], str(raw["seq"]))
        assert cells["member"] == raw["member"] and spreadsheet_text(cells["card"]) == raw.get("card", "")
        assert spreadsheet_time(cells["wall (UTC)"]) == datetime.fromisoformat(raw["wall"]).replace(
            microsecond=0
        )
        data = raw.get("data")
        assert cells["data"] == (json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "")
        for account, delta in raw["postings"]:
            assert spreadsheet_amount(account, cells[account_column(account)]) == delta
    folded = _fold(held)
    assert report.manifest["counts"]["members"] == len(folded)
    members = {row["member"]: row for row in backup.read_members_csv(path)}
    assert members.keys() == folded.keys()
    for member_id, state in folded.items():
        assert members[member_id]["events"] == str(state.event_count)
        for account, balance in state.balances.items():
            assert spreadsheet_amount(account, members[member_id][account_column(account)]) == balance
    chains = report.manifest["chains"]
    assert sum(c["events"] for c in chains.values()) == len(held)

    restored = backup.restore(path, tmp_path / "restored")
    assert restored.events == len(held)
    assert maintenance.verify(tmp_path / "restored").ok
    with Ledger.open(tmp_path / "restored") as ledger:
        assert {s.member_id: s for s in ledger.all_members()} == folded
        assert ledger.member_for_card("04C09999") == folded[ledger.member_for_card("04C09999").member_id]  # type: ignore[union-attr]
        assert sorted(e.id for e in ledger.events()) == sorted(e["id"] for e in held)


def test_pull_falls_back_to_the_transport_when_a_page_fails(
    server: LiveServer, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page the quick way cannot get (dropped connection, an error status) is asked for
    again through the transport, with its retries and error messages."""
    shop = _shop_with_history(server, tmp_path, clock)
    real_get = requests.Session.get
    calls = {"n": 0}

    def flaky(self: requests.Session, url: str, **kw: Any) -> requests.Response:
        calls["n"] += 1
        if calls["n"] % 2:
            raise requests.exceptions.ConnectionError("dropped (injected)")
        return real_get(self, url, **kw)

    monkeypatch.setattr(requests.Session, "get", flaky)
    path = backup.pull_from_server(server.base_url, shop.owner, PASSWORD, tmp_path / "out", page_size=5)
    assert backup.verify(path).ok
    assert backup.verify(path).manifest["counts"]["events"] == len(server.all_events(shop))
    assert calls["n"] > 2


def test_pull_with_a_wrong_password_says_so(server: LiveServer, tmp_path: Path, clock: FakeClock) -> None:
    shop = _shop_with_history(server, tmp_path, clock)
    with pytest.raises(SyncError, match="refused the credentials"):
        backup.pull_from_server(server.base_url, shop.owner, "wrong", tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
