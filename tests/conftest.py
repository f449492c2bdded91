"""Shared fixtures: a shop clock, a fresh store, the services over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import RulesConfig
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger

HELSINKI = ZoneInfo("Europe/Helsinki")


class FakeClock:
    """A clock the test moves by hand (the domain never reads the real one)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=HELSINKI)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger.open(tmp_path / "data")
    yield led
    led.close()


@pytest.fixture
def service(ledger: Ledger, clock: FakeClock) -> LoyaltyService:
    return LoyaltyService(ledger, SimpleRules(RulesConfig(cooldown_seconds=60)), clock)
