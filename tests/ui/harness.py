"""A kiosk for tests, screenshots and the benchmark: a real store in a temp folder,
simulated feedback, demo members and staff, and the core running inline (every command
handled at once on the caller's thread) unless ``threaded``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hardware.feedback import SimFeedback
from kiosk.app.core import KioskCore
from kiosk.app.demo import seed, seed_staff
from kiosk.config import ConsentConfig, KioskConfig, RulesConfig, UiConfig
from kiosk.domain.rules import Rules, SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.staff import StaffService
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

CHEAP_SCRYPT = (2**4, 8, 1)


def make_core(
    data: Path,
    clock: FakeClock | None = None,
    *,
    inline: bool = True,
    seed_demo: bool = True,
    require_join: bool = False,
    consent: ConsentConfig | None = None,
    rules: Rules | None = None,
) -> KioskCore:
    clock = clock or FakeClock()
    ledger = Ledger.open(data)
    rules = rules or SimpleRules(RulesConfig(cooldown_seconds=60, require_join=require_join))
    service = LoyaltyService(ledger, rules, clock)
    staff = StaffService(ledger.db.table("staff"), clock, cost=CHEAP_SCRYPT)
    if seed_demo and ledger.member_count() == 0:
        seed(service)
    seed_staff(staff)
    return KioskCore(service, staff, SimFeedback(), inline=inline, consent=consent)


def configure_kivy_env(home: Path) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_HOME", str(home))
    home.mkdir(parents=True, exist_ok=True)


def make_app(core: KioskCore, layout: str = "landscape", language: str = "fi", **ui: Any) -> Any:
    from kiosk.app.wiring import program_info
    from kiosk.ui.app import KioskApp, UiSettings

    cfg = KioskConfig(ui=UiConfig(layout=layout))
    settings = UiSettings(shop_name="Kahvila Kanta", language=language, layout=layout, **ui)
    return KioskApp(core, settings, program_info(cfg, core.service))
