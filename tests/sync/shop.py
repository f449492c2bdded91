"""A shop of kiosks for the sync tests: real stores, real rules, the REAL sync server.

Each kiosk is a ``LoyaltyService`` over its own folder, paired with a live server, with
its own clock (a shared base time plus a skew the test chooses). ``sync`` does what the
sync worker and the kiosk's idle loop do: push, pull into the inbox, import the inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from kiosk.app.wiring import _import_sync_inbox
from kiosk.domain.rules import Rules
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from sync.client import SyncClient, Transport
from sync.state import load_state
from tests.sync.client.live import PASSWORD, LiveServer, pair
from tests.sync.server.server_helpers import Shop


class Kiosk:
    def __init__(self, folder: Path, rules: Rules, clock: Callable[[], datetime]) -> None:
        self.folder = folder
        self.rules = rules
        self.clock = clock
        self.service = LoyaltyService(Ledger.open(folder), rules, clock)
        self.online = True

    def sync(self, *, import_inbox: bool = True) -> None:
        """A sync worker's cycle, then (unless told not to) the kiosk app's idle import."""
        state = load_state(self.folder)
        transport = Transport(
            state.server, token=state.token, session=requests.Session(), sleep=lambda s: None
        )
        SyncClient(self.folder, transport=transport).cycle()
        if import_inbox:
            _import_sync_inbox(self.service, self.folder)

    def restart(self) -> None:
        """The kiosk process stops and starts again over the same folder."""
        self.service.ledger.close()
        self.service = LoyaltyService(Ledger.open(self.folder), self.rules, self.clock)

    def close(self) -> None:
        self.service.ledger.close()


class ShopOfKiosks:
    """``n`` kiosks paired with one new shop on the live server; ``now`` is the shared base
    time, each kiosk's clock is it plus the kiosk's skew."""

    def __init__(
        self,
        live: LiveServer,
        folder: Path,
        rules: Callable[[], Rules],
        start: datetime,
        skews: list[timedelta] | None = None,
        n: int = 2,
    ) -> None:
        self.live = live
        self.now = start
        self.skews = skews or [timedelta(0)] * n
        self.shop: Shop = live.new_shop(tuple(f"k{i}" for i in range(n)))
        self.kiosks: list[Kiosk] = []
        for i in range(n):
            kiosk = Kiosk(folder / f"k{i}", rules(), self._clock(i))
            pair(kiosk.folder, live, self.shop.tokens[f"k{i}"])
            self.kiosks.append(kiosk)

    def _clock(self, i: int) -> Callable[[], datetime]:
        return lambda: self.now + self.skews[i]

    def sync_all(self, rounds: int = 8) -> None:
        """Every kiosk syncs until nothing moves (merges made while syncing travel too)."""
        for _ in range(rounds):
            before = self.held()
            for k in self.kiosks:
                k.sync()
            if self.held() == before:
                return

    def held(self) -> list[int]:
        ledgers = [k.service.ledger for k in self.kiosks]
        return [sum(1 for _ in led.events()) for led in ledgers] + [len(self.live.all_events(self.shop))]

    def flags(self) -> list[dict[str, Any]]:
        r = requests.get(f"{self.live.base_url}/api/v1/flags", auth=(self.shop.owner, PASSWORD), timeout=30)
        r.raise_for_status()
        flags: list[dict[str, Any]] = r.json()["flags"]
        return flags

    def close(self) -> None:
        for k in self.kiosks:
            k.close()
