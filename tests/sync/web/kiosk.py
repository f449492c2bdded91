"""A running kiosk for the console tests: a real store, the kiosk's core (inline: every
command handled at once), and its sync client paired with the live server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hardware.feedback import SimFeedback
from kiosk.app.core import KioskCore
from kiosk.config import RulesConfig
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.replication import idle_sync_import
from kiosk.staff import StaffService
from kiosk.store.ledger import Ledger
from sync.client import SyncClient
from sync.state import SyncState, save_state

CHEAP_SCRYPT = (2**4, 8, 1)


class RunningKiosk:
    def __init__(self, folder: Path, server_url: str, token: str) -> None:
        self.folder = folder
        ledger = Ledger.open(folder)
        self.service = LoyaltyService(
            ledger, SimpleRules(RulesConfig(cooldown_seconds=0)), lambda: datetime.now(UTC)
        )
        self.staff = StaffService(ledger.db.table("staff"), self.service.clock, cost=CHEAP_SCRYPT)
        self.core = KioskCore(self.service, self.staff, SimFeedback(), inline=True)
        save_state(folder, SyncState(server=server_url, token=token))

    def sync(self) -> None:
        """One cycle of the kiosk's sync worker: push, pull, heartbeat, program."""
        SyncClient(self.folder).cycle(import_inbox=False)

    def idle(self) -> None:
        """No customer on screen: the kiosk's maintenance runs."""
        self.core.maintenance()

    def import_pulled(self) -> None:
        """What the kiosk app does at an idle moment after a sync: import the events the
        sync worker pulled into its inbox (the other kiosks', the console's)."""
        idle_sync_import(self.service.ledger, self.service.recorder, self.folder)

    def tap(self, card: str) -> str:
        """A customer's tap; returns the program its events were recorded under."""
        outcome = self.core.customer_tap(card, "nfc")
        assert outcome is not None and outcome.events, "the tap recorded nothing"
        programs = {e.program for e in outcome.events}
        assert len(programs) == 1
        return programs.pop()

    def close(self) -> None:
        self.core.stop()
        self.service.ledger.close()
