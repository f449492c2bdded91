"""The restore's bulk path: events written to the journal from their JSON text
(``CrashSafeStorage.append_bulk`` via ``import_restored_events``) make the same store as
importing them one batch at a time, one that reopens, verifies and rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from kiosk.domain.events import POINTS, STAMPS, VISITS, Event, EventDraft, EventKind, Posting, Stamper
from kiosk.errors import StoreError
from kiosk.services.replication import import_remote_events, import_restored_events
from kiosk.store import journal, maintenance
from kiosk.store.ledger import MEMBERS, Ledger
from kiosk.store.storage import JOURNAL, LEDGER

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _history() -> list[Event]:
    """Two kiosks' events over six members, with text and an expiring posting, then one
    of a third kiosk that was offline: older than what its member has seen (a refold)."""
    kiosks = [Stamper(kiosk="k-a", boot="b"), Stamper(kiosk="k-b", boot="b")]
    events: list[Event] = []
    for i in range(60):
        k = i % 2
        member = f"m{i % 6}"
        if i < 6:
            data = {"card": f"04{i:04d}", "note": "Äijä ☕"}
            draft = EventDraft(EventKind.MEMBER_CREATED, member, data=data)
        elif i % 5 == 0:
            expiring = Posting(POINTS, 7, "2027-01-01T00:00:00+00:00")
            draft = EventDraft(EventKind.POINTS_EARNED, member, (expiring,))
        else:
            draft = EventDraft(EventKind.VISIT_STAMPED, member, (Posting(VISITS, 1), Posting(STAMPS, 1)))
        kiosks[k], event = kiosks[k].stamp(draft, T0 + timedelta(seconds=i), i.to_bytes(10, "big"))
        events.append(event)
    offline = EventDraft(EventKind.POINTS_EARNED, "m1", (Posting(POINTS, 3),))
    _, late = Stamper(kiosk="k-c", boot="b").stamp(offline, T0 + timedelta(seconds=30), bytes(10))
    return [*events, late]


def _lines(events: list[Event]) -> list[tuple[Event, bytes]]:
    return [(e, orjson.dumps(e.to_dict())) for e in events]


def _tables(ledger: Ledger) -> dict[str, Any]:
    return {name: dict(ledger.storage.table(name)) for name in (MEMBERS, "sync_order")}


def test_bulk_import_makes_the_same_store(tmp_path: Path) -> None:
    events = _history()
    with Ledger.open(tmp_path / "one") as one, Ledger.open(tmp_path / "bulk") as bulk:
        a = import_remote_events(one, events, batch_size=16, hold_states=True)
        b = import_restored_events(bulk, _lines(events), batch_size=16)
        assert (b.applied, b.refolded) == (a.applied, a.refolded) == (len(events), 1)
        assert _tables(bulk) == _tables(one)
        assert [e.to_dict() for e in bulk.events()] == [e.to_dict() for e in one.events()]
        expected = _tables(one)
    # it reopens from its journal alone (no snapshot yet), verifies, and rebuilds
    with Ledger.open(tmp_path / "bulk") as reopened:
        assert _tables(reopened) == expected
        assert reopened.member_count() == 6
    assert maintenance.verify(tmp_path / "bulk").ok
    with Ledger.open(tmp_path / "bulk") as ledger:
        ledger.storage.snapshot()
    maintenance.rebuild(tmp_path / "bulk")
    with Ledger.open(tmp_path / "bulk") as rebuilt:
        assert _tables(rebuilt) == expected
    # each record is a whole journal line with its checksum, numbered in sequence
    data = (tmp_path / "bulk" / LEDGER / "000001.log").read_bytes()
    records = journal.scan(data, "segment").records
    assert [r.n for r in records] == list(range(records[0].n, records[0].n + len(records)))
    assert sum(len(r.events) for r in records) == len(events)


def test_append_bulk_is_one_durable_record_and_refuses_misuse(tmp_path: Path) -> None:
    event = _history()[0]
    with Ledger.open(tmp_path / "s") as ledger:
        storage = ledger.storage
        n = storage.record_count
        storage.append_bulk([orjson.dumps(event.to_dict())], [["t", 1, {"x": "ä"}]])
        assert storage.record_count == n + 1
        assert storage.table("t") == {1: {"x": "ä"}}
        ledger.set_meta({"after": True})  # ordinary writes carry on after it
        with pytest.raises(StoreError, match="inside a transaction"), storage.transaction():
            storage.append_bulk([], [["t", 2, {}]])
        assert 2 not in storage.table("t")
        with pytest.raises(ValueError, match="one JSON line per event"):
            ledger.record_bulk([event], [])
        storage.append_bulk([], [["t", 4, {"by_id": {7: "seven"}}]])  # as json.dumps would write it
    lines = (tmp_path / "s" / JOURNAL).read_bytes().splitlines()
    got_n, got_events, got_ops = journal.decode_line(lines[-3])
    assert (got_n, got_events, got_ops) == (n + 1, [event.to_dict()], [["t", 1, {"x": "ä"}]])
    assert journal.decode_line(lines[-1])[2] == [["t", 4, {"by_id": {"7": "seven"}}]]
    with Ledger.open(tmp_path / "s", readonly=True) as reader:
        assert reader.storage.table("t") == {1: {"x": "ä"}, 4: {"by_id": {"7": "seven"}}}
        assert reader.meta["after"] is True
        with pytest.raises(StoreError, match="read-only"):
            reader.storage.append_bulk([], [["t", 3, {}]])
