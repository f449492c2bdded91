"""`kanta store verify` agrees with replication: a member's state is its events in clock
order, also when another kiosk's older event arrives late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.domain.events import POINTS, STAMPS, EventDraft, EventKind, Posting, Stamper
from kiosk.services.replication import import_remote_events
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_verify_accepts_a_late_remote_event_and_still_catches_a_wrong_cache(tmp_path: Path) -> None:
    a = Stamper(kiosk="k-a", boot="b")
    b = Stamper(kiosk="k-b", boot="b")
    a, created = a.stamp(EventDraft(EventKind.MEMBER_CREATED, "m1", data={"card": "04AA"}), T0, bytes(10))
    # kiosk B redeemed while offline, an hour before kiosk A's later earning
    b, redeemed = b.stamp(
        EventDraft(EventKind.REWARD_REDEEMED, "m1", (Posting(POINTS, -5),)),
        T0 + timedelta(hours=1),
        bytes(10),
    )
    a, earned = a.stamp(
        EventDraft(EventKind.POINTS_EARNED, "m1", (Posting(POINTS, 10, "2026-07-01T00:00:00+00:00"),)),
        T0 + timedelta(hours=2),
        bytes(10),
    )
    data = tmp_path / "data"
    with Ledger.open(data) as ledger:
        import_remote_events(ledger, [created, earned])
        import_remote_events(ledger, [redeemed])  # arrives late
    report = maintenance.verify(data)
    assert report.ok, report.summary()
    with Ledger.open(data) as ledger:  # now spoil the cache behind the ledger's back
        doc_id = next(iter(ledger.storage.table("members")))
        doc = dict(ledger.storage.table("members")[doc_id])
        doc["b"] = {**doc.get("b", {}), STAMPS: 99}
        ledger.storage.put("members", doc_id, doc)
    report = maintenance.verify(data)
    assert not report.ok and "cached state differs" in report.summary()
