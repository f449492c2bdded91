"""Wire the services for a data folder and a config: used by the command line and the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.domain.rules import Rules, SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.program_change import adopt_program
from kiosk.store.ledger import Ledger


def shop_clock(config: KioskConfig) -> Callable[[], datetime]:
    zone = config.zone
    return lambda: datetime.now(zone)


def rules_for(config: KioskConfig) -> Rules:
    path = config.program_path
    if path is None:
        return SimpleRules(config.rules)
    from kiosk.domain.program import load_program

    return load_program(path)


def open_service(
    data: Path, config: KioskConfig, *, create: bool = True, readonly: bool = False
) -> LoyaltyService:
    ledger = Ledger.open(data, config=config.store, create=create, readonly=readonly)
    try:
        service = LoyaltyService(ledger, rules_for(config), shop_clock(config))
        if not readonly:
            adopt_program(service)  # a new program keeps what members hold, or is refused
    except BaseException:
        ledger.close()
        raise
    return service
