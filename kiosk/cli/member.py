"""`kanta member show|history CARD`: what the kiosk knows about the member behind a card;
`kanta member duplicates` and `kanta member merge CARD`: a card made a member at two kiosks
that could not sync, where a member joined, so the owner decides (kiosk.domain.merge)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_event, describe_member, event_json, member_json
from kiosk.domain.member import MemberState
from kiosk.services.loyalty import normalize_card


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
    duplicates = verbs.add_parser(
        "duplicates",
        help="cards more than one member holds (made at two kiosks that could not sync)",
    )
    duplicates.add_argument("--json", action="store_true")
    duplicates.set_defaults(handler=list_duplicates)
    merge = verbs.add_parser(
        "merge",
        help="move the other members holding CARD into the card's member, joined ones too",
        description="Run on the kiosk that made the other members, with the kiosk app "
        "stopped. Balances, cards and (unless the card's member joined too) the membership "
        "and contact details move to the card's member; the emptied members are erased. "
        "Without --yes it only prints what it would do.",
    )
    merge.add_argument("card")
    merge.add_argument("--yes", action="store_true", help="merge (otherwise only show what would happen)")
    merge.set_defaults(handler=merge_members)


def show_member(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    with common.opened_service(args, cfg, readonly=True) as service:
        state = service.member_for_card(args.card)
        others = [m.member_id for m in service.ledger.members_holding(normalize_card(args.card))[1:]]
        if args.json:
            common.print_json({**member_json(state), "other_members_holding_the_card": others})
        else:
            print(describe_member(state, cfg.shop.currency))
            if others:
                print(f"{len(others)} other member(s) hold this card too: see `kanta member duplicates`")
        return 0


def member_history(args: argparse.Namespace) -> int:
    import json

    with common.opened_service(args, common.config(args), readonly=True) as service:
        state = service.member_for_card(args.card)
        for event in service.ledger.events(state.member_id):
            if args.json:
                print(json.dumps(event_json(event), ensure_ascii=False, sort_keys=True))
            else:
                print(describe_event(event))
        return 0


def _print_holders(holders: list[MemberState]) -> None:
    """One line per member holding a card: the card's own first, then those to merge into it."""
    for i, state in enumerate(holders):
        role = "the card's member" if i == 0 else "to merge into it"
        balances = ", ".join(f"{a} {v}" for a, v in sorted(state.balances.items())) or "no balance"
        made = f"made at kiosk {state.created_by}"
        print(f"  {state.member_id}  {state.status:<9} {made}  {balances}  ({role})")


def list_duplicates(args: argparse.Namespace) -> int:
    with common.opened_service(args, common.config(args), readonly=True) as service:
        ledger = service.ledger
        shared = {card: ledger.members_holding(card) for card in ledger.shared_cards()}
        if args.json:
            common.print_json(
                {
                    "kiosk": ledger.kiosk_id,
                    "cards": {c: [member_json(m) for m in ms] for c, ms in shared.items()},
                }
            )
            return 0
        if not shared:
            print("no card is held by more than one member")
            return 0
        for card, holders in shared.items():
            print(card)
            _print_holders(holders)
        print(
            f"this kiosk is {ledger.kiosk_id}. Members who did not join are merged by the kiosk "
            "that made them when it is idle; for the others run `kanta member merge CARD` on "
            "that kiosk."
        )
        return 0


def merge_members(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    with common.opened_service(args, cfg, readonly=not args.yes) as service:
        if not args.yes:
            _print_holders(service.merge_plan(args.card))
            print("nothing changed; run again with --yes to merge")
            return 0
        outcome = service.merge_card(args.card, actor="owner")
        assert outcome.after is not None
        print(f"merged ({len(outcome.events)} events recorded); the card's member now:")
        print(describe_member(outcome.after, cfg.shop.currency))
        return 0
