"""`kanta member show|history CARD`: what the kiosk knows about the member behind a card;
`kanta member duplicates` and `kanta member merge CARD`: a card made a member at two kiosks
that could not sync, where a member joined, so the owner decides (kiosk.domain.merge);
`kanta member join|export|erase|consent|requests`: a customer's data requests
(kiosk.services.privacy)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_event, describe_member, event_json, member_json
from kiosk.cli.verbs import help_for
from kiosk.domain.member import ERASED, MemberState
from kiosk.errors import Refused
from kiosk.services.loyalty import normalize_card
from kiosk.services.privacy import PrivacyService
from kiosk.store.disk import OsDisk


def register(sub: Any) -> None:
    p = sub.add_parser("member", help=help_for("member"))
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
    _register_requests(verbs)


def _register_requests(verbs: Any) -> None:
    """The verbs of a customer's data requests."""
    join = verbs.add_parser(
        "join",
        help="join a card to the program with consent (what the join screen does)",
        description="The consent wording recorded is the one in the [consent] section of "
        "the kiosk configuration, in --language.",
    )
    join.add_argument("card")
    join.add_argument("--phone", help="phone number the customer chose to give")
    join.add_argument("--email", help="e-mail address the customer chose to give")
    join.add_argument(
        "--consent", required=True, metavar="terms[,marketing]",
        help="what the customer agreed to: terms (required), marketing (optional)",
    )
    join.add_argument(
        "--language", choices=("fi", "sv", "en"), help="the wording's language (default: the shop's)"
    )
    join.set_defaults(handler=join_member)
    export = verbs.add_parser(
        "export",
        help="everything held about a member: contact details, consents, every event",
    )
    _who(export)
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.set_defaults(handler=export_member)
    erase = verbs.add_parser(
        "erase",
        help="erase a member at their request (without --yes: only what would be erased)",
        description="Contact details are destroyed here at once and on every other kiosk "
        "and the server with the next sync; the balances are closed; the events stay, "
        "without the person. Run with the kiosk app stopped.",
    )
    _who(erase)
    erase.add_argument("--yes", action="store_true", help="erase (otherwise only show the plan)")
    erase.set_defaults(handler=erase_member)
    consent = verbs.add_parser("consent", help="withdraw a consent the member gave")
    consent.add_argument("card")
    consent.add_argument("--withdraw", required=True, choices=("marketing", "terms"))
    consent.set_defaults(handler=withdraw_consent)
    requests = verbs.add_parser("requests", help="the log of data requests made at this kiosk")
    requests.add_argument("--json", action="store_true")
    requests.set_defaults(handler=list_requests)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("card", nargs="?", help="the member's card")
    parser.add_argument("--phone", help="find the member by the phone number they gave here")


def show_member(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    with common.opened_service(args, cfg, readonly=True) as service:
        state = _not_erased(service.member_for_card(args.card))
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
        state = _not_erased(service.member_for_card(args.card))
        for event in service.ledger.events(state.member_id):
            if args.json:
                print(json.dumps(event_json(event), ensure_ascii=False, sort_keys=True))
            else:
                print(describe_event(event))
        return 0


def _not_erased(state: MemberState) -> MemberState:
    """An erased member's card no longer identifies them: nothing about them is shown."""
    if state.status == ERASED:
        raise Refused("this card's member was erased at their request: nothing is held about them")
    return state


def _print_holders(holders: list[MemberState]) -> None:
    """One line per member holding a card: the card's own first, then those to merge into it."""
    for i, state in enumerate(holders):
        role = "the card's member" if i == 0 else "to merge into it"
        made = f"made at kiosk {state.created_by}"
        print(f"  {state.member_id}  {state.status:<9} {made}  {_balances(state)}  ({role})")


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


# ---- data requests ------------------------------------------------------------------------


@contextmanager
def _privacy(args: argparse.Namespace, *, readonly: bool) -> Iterator[PrivacyService]:
    cfg = common.config(args)
    with common.opened_service(args, cfg, readonly=readonly) as service:
        yield PrivacyService(service, cfg.consent)


def join_member(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    consents = {c.strip() for c in args.consent.split(",") if c.strip()}
    with _privacy(args, readonly=False) as privacy:
        outcome = privacy.join(
            args.card,
            consents=consents,
            phone=args.phone,
            email=args.email,
            language=args.language or cfg.shop.language,
            actor="owner",
        )
        if outcome.refusal is not None:
            print(f"not joined: {outcome.refusal.message}")
            return 1
        assert outcome.after is not None
        print(f"joined: member {outcome.after.member_id}")
        return 0


def export_member(args: argparse.Namespace) -> int:
    with _privacy(args, readonly=True) as privacy:
        data = privacy.export(privacy.find(card=args.card, phone=args.phone))
    if args.format == "json":
        common.print_json(data)
    else:
        _write_csv(data)
    return 0


def _write_csv(data: dict[str, Any]) -> None:
    """One row per thing held: member, section, field, value, time (a spreadsheet opens it:
    ``kiosk.spreadsheet``'s rules, so cards and phone numbers stay text and times are
    times); other members holding the same card follow with their own member id."""
    import json
    import sys

    from kiosk.spreadsheet import as_text, csv_text, utc_time

    rows: list[list[str]] = [
        ["", "export", "exported_at", utc_time(data["exported_at"]), ""],
        ["", "export", "exported_by_kiosk", data["exported_by_kiosk"], ""],
    ]
    for one in [data, *data["other_members_holding_the_card"]]:
        member = one["member"]

        def row(section: str, field: str, value: Any, time: str | None = "", member: str = member) -> None:
            rows.append([member, section, field, "" if value is None else str(value), utc_time(time)])

        row("member", "status", one["status"])
        for key in ("created_at", "enrolled_at", "last_visit_at"):
            row("member", key, utc_time(one[key]))
        for card in one["cards"]:
            row("card", "current", as_text(card))
        for card in one["retired_cards"]:
            row("card", "retired", as_text(card))
        for account, value in one["balances"].items():
            row("balance", account, value)
        for key, value in sorted(one["contact"].items()):
            row("contact", key, as_text(value))
        for kiosk in one["contact_given_at_other_kiosks"]:
            row("contact", "kept at kiosk", kiosk)
        for consent in one["consents"]:
            wording = f"{consent['wording']}: {consent['text'] or ''}".rstrip(": ")
            row("consent given", consent["scope"], wording, consent["given_at"])
        for withdrawn in one["consents_withdrawn"]:
            row("consent withdrawn", withdrawn["scope"], "", withdrawn["withdrawn_at"])
        for event in one["events"]:
            row("event", event["kind"], json.dumps(event, ensure_ascii=False, sort_keys=True), event["wall"])
    sys.stdout.write(csv_text(["member", "section", "field", "value", "time (UTC)"], rows))


def erase_member(args: argparse.Namespace) -> int:
    with _privacy(args, readonly=not args.yes) as privacy:
        members = privacy.find(card=args.card, phone=args.phone)
        if not args.yes:
            for plan in privacy.erase_plan(members):
                member = plan.member
                print(f"member {member.member_id} ({member.status}), cards {', '.join(member.cards) or '-'}")
                kept = ", ".join(plan.contact_fields) or "none"
                print(f"  contact details held here, to destroy: {kept}")
                for kiosk in plan.contact_elsewhere:
                    print(f"  contact details held at kiosk {kiosk}: destroyed there with its next sync")
                print(f"  balances to close: {_balances(member)}")
                print(f"  {plan.events} events stay, without the person")
            print("nothing changed; run again with --yes to erase")
            return 0
        privacy.erase(members, actor="owner")
        for member in members:
            print(f"erased member {member.member_id}")
        print("contact details destroyed here; other kiosks and the server follow with the next sync")
        return 0


def _balances(state: MemberState) -> str:
    return ", ".join(f"{a} {v}" for a, v in sorted(state.balances.items())) or "no balance"


def withdraw_consent(args: argparse.Namespace) -> int:
    with _privacy(args, readonly=False) as privacy:
        privacy.withdraw(args.card, args.withdraw, actor="owner")
    extra = "; the contact details held here were destroyed" if args.withdraw == "terms" else ""
    print(f"{args.withdraw} consent withdrawn{extra}")
    return 0


def list_requests(args: argparse.Namespace) -> int:
    from kiosk.store.personal import RequestLog

    log = RequestLog(common.data_dir(args), OsDisk())
    entries = log.entries()
    if args.json:
        common.print_json(entries)
        return 0
    if not entries:
        print("no data requests made at this kiosk")
    for entry in entries:
        member = entry.get("member", "-")
        print(f"{entry['asked']}  {entry['request']:<18} member {member}  done {entry['done']}")
    return 0
