"""A small shop history whose every overview figure is worked out by hand (the numbers in
``EXPECTED``), pushed to a live server through the kiosks' own API.

Times are Helsinki winter time (+02:00); the range is March 2026 (1.3. is a Sunday).
- A (k1): joined 10.1., visit 10.1.; visits Mon 2.3. 10:15 and Tue 3.3. 10:20; a purchase
  of 12,00 € (+12 points) on 2.3.; a reward redeemed on 3.3. (−10 stamps, value 3,50 €).
- B (k2): joined and visited 1.12.2025 only: 120 days before 31.3., dormant.
- C (k1): joined and visited 10.2. (49 days: lapsing); topped up 20 € of credit 10.2.,
  spent 5 € of it on Thu 5.3. 09:00 (no visit).
- D (k2): joined Fri 20.3. 15:00 with a visit and an 8,00 € purchase (+8 points); 2 of the
  points expired 25.3.
Every visit gives 5 stamps. No program is published: a reward takes 10 stamps (built in).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from kiosk.domain.events import (
    CREDIT,
    POINTS,
    REWARDS,
    SPEND,
    STAMPS,
    VISITS,
    Event,
    EventDraft,
    EventKind,
    Posting,
    Stamper,
)

HELSINKI = timezone(timedelta(hours=2))
RANGE = {"start": "2026-03-01", "end": "2026-03-31"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


class _Kiosk:
    def __init__(self, ident: str) -> None:
        self.stamper = Stamper(kiosk=ident, boot="boot-" + ident)
        self.events: list[Event] = []

    def add(self, when: str, kind: EventKind, member: str, *postings: Posting, **data: Any) -> None:
        self.stamper, event = self.stamper.stamp(
            EventDraft(kind, member, tuple(postings), data), _at(when), os.urandom(10)
        )
        self.events.append(event)


def _visit(k: _Kiosk, when: str, member: str) -> None:
    k.add(when, EventKind.VISIT_STAMPED, member, Posting(VISITS, 1), Posting(STAMPS, 5))


def shop_history() -> dict[str, list[Event]]:
    k1, k2 = _Kiosk("kiosk-k1"), _Kiosk("kiosk-k2")
    k2.add("2025-12-01T11:00", EventKind.MEMBER_CREATED, "B")
    _visit(k2, "2025-12-01T11:00:01", "B")
    k1.add("2026-01-10T10:00", EventKind.MEMBER_CREATED, "A")
    _visit(k1, "2026-01-10T10:00:01", "A")
    k1.add("2026-02-10T12:00", EventKind.MEMBER_CREATED, "C")
    _visit(k1, "2026-02-10T12:00:01", "C")
    k1.add("2026-02-10T12:01", EventKind.CREDIT_TOPPED_UP, "C", Posting(CREDIT, 2000), amount=2000)
    _visit(k1, "2026-03-02T10:15", "A")
    purchase, redeem = EventKind.PURCHASE_RECORDED, EventKind.REWARD_REDEEMED
    k1.add("2026-03-02T10:16", purchase, "A", Posting(POINTS, 12), Posting(SPEND, 1200), amount=1200)
    _visit(k1, "2026-03-03T10:20", "A")
    k1.add("2026-03-03T10:21", redeem, "A", Posting(STAMPS, -10), Posting(REWARDS, 1), value=350)
    k1.add("2026-03-05T09:00", EventKind.CREDIT_SPENT, "C", Posting(CREDIT, -500), amount=500)
    k2.add("2026-03-20T15:00", EventKind.MEMBER_CREATED, "D")
    _visit(k2, "2026-03-20T15:00:01", "D")
    k2.add("2026-03-20T15:01", purchase, "D", Posting(POINTS, 8), Posting(SPEND, 800), amount=800)
    k2.add("2026-03-25T00:30", EventKind.POINTS_EXPIRED, "D", Posting(POINTS, -2))
    return {"k1": k1.events, "k2": k2.events}


def push_history(base_url: str, tokens: dict[str, str]) -> int:
    """Push each kiosk's events with its own token, as its sync client would."""
    stored = 0
    for kiosk, events in shop_history().items():
        r = httpx.post(
            f"{base_url}/api/v1/events",
            json={"events": [e.to_dict() for e in events]},
            headers={"Authorization": f"Bearer {tokens[kiosk]}"},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        stored += r.json()["stored"]
    return stored


#: till CSV for March: 50,00 € and 10 receipts a day
TILL_CSV = "date;total (€);receipts\r\n" + "".join(f"2026-03-{d:02d};50,00;10\r\n" for d in range(1, 32))

#: the figures CSV of the overview for March 2026, all kiosks, with the till's totals
EXPECTED = {
    "members": "4",  # A, B, C, D joined by 31.3.
    "new members": "1",  # D
    "active members": "2",  # A (3.3.), D (20.3.): a visit after 1.3.
    "lapsing members": "1",  # C (10.2.): after 31.12. but not after 1.3.
    "dormant members": "1",  # B (1.12.)
    "visits": "3",  # A 2.3., A 3.3., D 20.3.
    "member purchases": "2",
    "member spend": "20,00",  # 12 + 8
    "member spend per visit": "10,00",  # 20 € / 2 purchases
    "member spend per member": "10,00",  # 20 € / 2 members who came in March (A, D)
    "non-member spend": "1530,00",  # 31 × 50 € − 20 €
    "non-member spend per visit": "4,97",  # 1530 € / (310 − 2) receipts = 4.9675
    "rewards earned": "1",  # 15 stamps issued in March // 10
    "rewards redeemed": "1",
    "reward redemption rate": "1,0000",
    "points issued": "20",
    "points redeemed": "0",
    "points expired": "2",
    "points redemption rate": "0,0000",
    "points expiry rate": "0,1000",
    "stamps issued": "15",  # 5 each: A 2.3., A 3.3., D 20.3.
    "stamps redeemed": "10",
    "outstanding liability": "15,00",  # C's credit; points and stamps have no value without a program
    "reward cost": "3,50",
    "extra member revenue": "10,06",  # (10,00 − 4,97) × 2 purchases
    "lifetime value per member": "5,00",  # 20 € / 4 members
}

#: the same with the kiosk filter on k2 (D only); member states and the till stay shop-wide
EXPECTED_K2 = {
    **EXPECTED,
    "visits": "1",
    "member purchases": "1",
    "member spend": "8,00",
    "member spend per visit": "8,00",
    "member spend per member": "4,00",  # 8 € / the 2 members who came in March
    "rewards earned": "0",
    "rewards redeemed": "0",
    "reward redemption rate": "",
    "points issued": "8",
    "points redemption rate": "0,0000",
    "points expiry rate": "0,2500",
    "stamps issued": "5",
    "stamps redeemed": "0",
    "reward cost": "0,00",
}
