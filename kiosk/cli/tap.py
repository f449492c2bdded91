"""`kanta tap CARD`: record a visit from the command line (installers, tests, scripts)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_outcome, member_json
from kiosk.cli.verbs import help_for


def register(sub: Any) -> None:
    p = sub.add_parser(
        "tap",
        help=help_for("tap"),
        description="Record a visit for CARD as if it was tapped on the reader. The exit "
        "status is 0 only once the visit is durable (fsync'ed); 3 if the rules refused it.",
    )
    p.add_argument("card", help="card UID in hex (04A1B2C3D4E5F6) or a printed card number")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    with common.opened_service(args, cfg) as service:
        outcome = service.tap(args.card)
        if args.json:
            common.print_json(
                {
                    "card": outcome.card,
                    "accepted": outcome.accepted,
                    "new_member": outcome.new_member,
                    "refusal": None
                    if outcome.refusal is None
                    else {"code": outcome.refusal.code, "message": outcome.refusal.message},
                    "events": [e.id for e in outcome.events],
                    "member": member_json(outcome.after) if outcome.after else None,
                }
            )
        else:
            print(describe_outcome(outcome, cfg.shop.currency))
        return 0 if outcome.accepted else 3
