"""`kanta member show|history CARD`: what the kiosk knows about the member behind a card."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_event, describe_member, event_json, member_json
from kiosk.services.factory import open_service


def register(sub: Any) -> None:
    p = sub.add_parser("member", help="show a member's state or history by card")
    verbs = p.add_subparsers(dest="member_command", metavar="VERB", required=True)
    show = verbs.add_parser("show", help="the member's current state")
    show.add_argument("card")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_member)
    history = verbs.add_parser("history", help="every event of the member, oldest first")
    history.add_argument("card")
    history.add_argument("--json", action="store_true", help="one JSON event per line")
    history.set_defaults(handler=member_history)


def show_member(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    service = open_service(common.data_dir(args), cfg, readonly=True)
    try:
        state = service.member_for_card(args.card)
        if args.json:
            common.print_json(member_json(state))
        else:
            print(describe_member(state, cfg.shop.currency))
        return 0
    finally:
        service.ledger.close()


def member_history(args: argparse.Namespace) -> int:
    import json

    cfg = common.config(args)
    service = open_service(common.data_dir(args), cfg, readonly=True)
    try:
        state = service.member_for_card(args.card)
        for event in service.ledger.events(state.member_id):
            if args.json:
                print(json.dumps(event_json(event), ensure_ascii=False, sort_keys=True))
            else:
                print(describe_event(event))
        return 0
    finally:
        service.ledger.close()
