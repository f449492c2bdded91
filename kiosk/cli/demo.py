"""`kanta demo`: a demo shop with demo members, to see Kanta work on a laptop.

For now it prints the demo shop's state; the kiosk window comes with the app.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_member
from kiosk.services.factory import open_service

DEMO_CARDS = ("04A1B2C3D4E5F6", "04D2E3F4A5B6C7", "DEMO000123")


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="a demo shop with demo members (no hardware needed)")
    p.set_defaults(handler=run)


def seed(service: Any) -> None:
    """Give the demo members some history, a few days back."""
    now = service.clock()
    for day, card in enumerate(DEMO_CARDS * 3):
        service.tap(card, now=now - timedelta(days=9 - day))
    service.purchase(DEMO_CARDS[0], 1250)
    service.topup(DEMO_CARDS[1], 5000)
    service.enroll(DEMO_CARDS[0], terms_wording="terms-v1", contact={"phone": "+358401234567"})


def run(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    folder = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="kanta-demo-"))
    service = open_service(folder, cfg)
    try:
        if service.ledger.member_count() == 0:
            seed(service)
        print(f"{cfg.shop.name} — demo data in {folder}")
        print(f"{service.ledger.member_count()} members\n")
        for card in DEMO_CARDS:
            print(describe_member(service.member_for_card(card), cfg.shop.currency))
            print()
        print(f"Try: kanta --data {folder} tap {DEMO_CARDS[0]}")
        return 0
    finally:
        service.ledger.close()
