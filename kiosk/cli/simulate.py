"""`kanta simulate`: replay customer activity through a program file (for owners)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="replay an activity CSV through a program file and report the outcome",
        description="Replay a history of customer activity through a program and report "
        "each member's outcome and the program's totals.",
    )
    p.add_argument("--program", required=True, metavar="PROGRAM.toml", help="program file")
    p.add_argument("--activity", required=True, metavar="ACTIVITY.csv", help="activity CSV")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("simulate: not ready yet")
    return 1
