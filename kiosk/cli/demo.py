"""`kanta demo`: the kiosk in a window on a laptop, with simulated hardware, a demo program,
demo members and demo staff.

Without a display (no DISPLAY / WAYLAND_DISPLAY), or when its output is not a terminal
(a script, a test), it prints the demo shop as text instead and says so.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk.app.demo import DEMO_CARDS, DEMO_STAFF, NEW_CARD_PREFIX, PHONE_UID, seed, seed_staff
from kiosk.cli import common
from kiosk.cli.render import describe_member
from kiosk.cli.verbs import help_for
from kiosk.services.factory import open_service
from kiosk.staff import StaffService

__all__ = ["DEMO_CARDS", "register", "run", "seed"]

KEYS_HELP = """Keys in the kiosk window (or from another terminal; the demo's folder is {data}):
  1, 2   tap member card 1 or 2        kanta sim tap {c1}
  3      scan member 3's printed card  kanta sim scan {c3}
  4      tap a brand-new card          kanta sim tap 04C0FFEE123456
  5      tap a phone (random UID)      kanta sim tap {phone}
  S      scan a garbled barcode
  P      unplug / plug in the card reader
  Esc    back to the welcome screen
Staff PINs: {pins}."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help=help_for("demo"),
        description="Open the kiosk in a window with a simulated card reader and scanner, a "
        "demo program, demo members and demo staff. Keys in the window simulate taps and "
        "scans; `kanta sim tap|scan` drives it from another terminal. Without a display it "
        "prints the demo shop as text.",
    )
    p.add_argument("--text", action="store_true", help="print the demo shop as text, no window")
    p.add_argument("--window", action="store_true",
                   help="open the window even when the output is not a terminal")
    p.add_argument("--layout", choices=("landscape", "portrait"), default="landscape",
                   help="800x480 landscape (default) or portrait (the 720x1280 layout, at 540x960)")
    p.set_defaults(handler=run)


def has_display(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    folder = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="kanta-demo-"))
    window = not args.text and has_display() and (args.window or sys.stdout.isatty())
    cfg = replace(
        cfg,
        hardware=replace(cfg.hardware, card_reader="sim", scanner="sim", feedback="sim"),
    )
    service = open_service(folder, cfg)
    try:
        if service.ledger.member_count() == 0:
            seed(service)
        seed_staff(StaffService.of_ledger(service.ledger, service.clock))
        print(f"{cfg.shop.name} — demo data in {folder}")
        print(f"{service.ledger.member_count()} members\n")
        for card in DEMO_CARDS:
            print(describe_member(service.member_for_card(card), cfg.shop.currency))
            print()
        if not window:
            if not args.text:
                print("(No kiosk window: no display found (DISPLAY / WAYLAND_DISPLAY unset), or the "
                      "output is not a terminal. Run `kanta demo` in a desktop terminal, or add "
                      "--window.)")
            print(f"Try: kanta --data {folder} tap {DEMO_CARDS[0]}")
            service.ledger.close()
            return 0
    except BaseException:
        service.ledger.close()
        raise
    pins = ", ".join(f"{pin} ({role})" for _, role, pin in DEMO_STAFF)
    print(KEYS_HELP.format(data=folder, c1=DEMO_CARDS[0], c3=DEMO_CARDS[2], phone=PHONE_UID, pins=pins))
    return _open_window(cfg, folder, service, args.layout, getattr(args, "verbose", False))


def _open_window(cfg: Any, folder: Path, service: Any, layout: str, verbose: bool) -> int:
    from kiosk.cli.kiosk import quiet_kivy

    quiet_kivy(verbose)
    from hardware.events import ReaderConnected, ReaderDisconnected
    from kiosk.app.wiring import build_kiosk, configure_window, make_app, run_kiosk

    cfg = replace(cfg, ui=replace(cfg.ui, layout=layout, fullscreen=False))
    # the portrait display's 720x1280 is taller than most laptop screens: the same layout at
    # three quarters of its size (every size on screen follows the window's)
    configure_window(layout, fullscreen=False, size=(540, 960) if layout == "portrait" else None)
    kiosk = build_kiosk(cfg, folder, service=service)
    reader: Any = kiosk.reader
    scanner: Any = kiosk.scanner
    plugged = {"reader": True}

    def toggle_reader() -> None:
        plugged["reader"] = not plugged["reader"]
        name = getattr(reader, "name", "reader")
        kiosk.core.sink(ReaderConnected(name) if plugged["reader"] else ReaderDisconnected(name, "demo"))

    def new_card() -> None:
        reader.tap(NEW_CARD_PREFIX + f"{random.randrange(16**6):06X}")

    keys = {
        "1": lambda: reader.tap(DEMO_CARDS[0]),
        "2": lambda: reader.tap(DEMO_CARDS[1]),
        "3": lambda: scanner.scan(DEMO_CARDS[2]),
        "4": new_card,
        "5": lambda: reader.tap(PHONE_UID),
        "s": lambda: scanner.scan("12345!?"),
        "p": toggle_reader,
    }
    app = make_app(kiosk, demo_keys=keys, demo_help=True)
    from kivy.clock import Clock

    def ready(_dt: float) -> None:
        # the first frame comes after the simulated devices started listening
        print(f"Demo ready: from another terminal, kanta sim tap {DEMO_CARDS[0]}", flush=True)

    Clock.schedule_once(ready, 0)
    with common.announced_demo(folder):
        return run_kiosk(kiosk, app)
