"""Helpers for the server suite: shops with an owner and kiosks, events from real stampers."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kiosk.domain.events import REWARDS, STAMPS, VISITS, Event, EventDraft, EventKind, Posting, Stamper
from sync.server import db, store

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"


def basic(email: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Shop:
    name: str
    owner: str
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def owner_headers(self) -> dict[str, str]:
        return basic(self.owner)

    def kiosk_headers(self, name: str) -> dict[str, str]:
        return bearer(self.tokens[name])


def make_shop(url: str, name: str, kiosks: tuple[str, ...] = ("k1", "k2")) -> Shop:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        owner = f"owner@{name.lower().replace(' ', '-')}.example"
        store.init_shop(engine, name, owner, PASSWORD, scrypt_n=2**10)  # fast checks in tests
        shop = Shop(name, owner)
        for k in kiosks:
            shop.tokens[k] = store.add_kiosk(engine, name, k)
    finally:
        engine.dispose()
    return shop


class KioskEvents:
    """A kiosk's event stream: a real stamper, so ids, hashes and chains are genuine."""

    def __init__(self, kiosk_id: str, start: datetime = T0) -> None:
        self.stamper = Stamper(kiosk=kiosk_id, boot="boot-" + kiosk_id)
        self.now = start

    def stamp(self, draft: EventDraft) -> Event:
        self.now += timedelta(seconds=1)
        self.stamper, event = self.stamper.stamp(draft, self.now, os.urandom(10))
        return event

    def visits(self, n: int, members: int = 50) -> list[Event]:
        return [
            self.stamp(
                EventDraft(
                    EventKind.VISIT_STAMPED,
                    f"m-{i % members}",
                    postings=(Posting(STAMPS, 1), Posting(VISITS, 1)),
                )
            )
            for i in range(n)
        ]

    def redeem(self, member: str, stamps: int = 10) -> Event:
        return self.stamp(
            EventDraft(
                EventKind.REWARD_REDEEMED, member, postings=(Posting(STAMPS, -stamps), Posting(REWARDS, 1))
            )
        )

    def stamp_visit(self, member: str) -> Event:
        return self.stamp(
            EventDraft(EventKind.VISIT_STAMPED, member, postings=(Posting(STAMPS, 1), Posting(VISITS, 1)))
        )


def payload(events: list[Event]) -> dict[str, list[dict[str, object]]]:
    return {"events": [e.to_dict() for e in events]}
