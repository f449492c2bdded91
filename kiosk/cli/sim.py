"""`kanta sim tap|scan`: drive the simulated devices of a running kiosk.

The kiosk (``card_reader = "sim"`` / ``scanner = "sim"``, or KANTA_CARD_READER=sim and
KANTA_SCANNER=sim) listens on sockets in its data folder; this command sends them one
command and reports whether the kiosk took it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from hardware.factory import sim_reader_socket, sim_scanner_socket
from hardware.sim import parse_uid, send_sim_command
from kiosk.cli import common
from kiosk.cli.verbs import help_for


def register(sub: Any) -> None:
    sim = sub.add_parser(
        "sim",
        help=help_for("sim"),
        description="Send a tap or a scan to a running kiosk that uses simulated hardware "
        "(same --data folder; without --data or $KANTA_DATA, the `kanta demo` running now).",
    )
    verbs = sim.add_subparsers(dest="sim_command", metavar="VERB", required=True)
    tap = verbs.add_parser("tap", help="put a card on the simulated reader",
                           description="Tap a card with this UID on the simulated reader. "
                           "A 4-byte UID starting 08 is a phone's random UID.")
    tap.add_argument("uid", help="card UID in hex: 4, 7 or 10 bytes, e.g. 04A1B2C3D4E5F6")
    tap.set_defaults(handler=run_tap)
    scan = verbs.add_parser("scan", help="scan a code with the simulated scanner",
                            description="Scan CODE as if the barcode scanner had read it; "
                            "it is validated like a real scan (EAN-13/UPC-A check digit, "
                            "card-number pattern).")
    scan.add_argument("code", help="the code, e.g. 4006381333931")
    scan.set_defaults(handler=run_scan)


def sim_folder(args: argparse.Namespace) -> Path:
    """--data or $KANTA_DATA; else the folder of the `kanta demo` running now; else the
    usual data folder."""
    if getattr(args, "data", None) or os.environ.get("KANTA_DATA"):
        return common.data_dir(args)
    return common.running_demo_folder() or common.data_dir(args)


def run_tap(args: argparse.Namespace) -> int:
    uid = parse_uid(args.uid).hex().upper()
    send_sim_command(sim_reader_socket(sim_folder(args)), {"command": "tap", "uid": uid})
    print(f"tapped {uid}")
    return 0


def run_scan(args: argparse.Namespace) -> int:
    send_sim_command(sim_scanner_socket(sim_folder(args)),
                     {"command": "scan", "text": args.code})
    print(f"scanned {args.code}")
    return 0
