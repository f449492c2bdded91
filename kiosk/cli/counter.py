"""`kanta scan CODE` and `kanta counter VERB CARD ...`: the counter's actions as commands.

Each verb is one ``CounterService`` call, the same the touchscreen's staff screens make, for
a till's scripts, an installer's checks and tests. Exit status: 0 done, 3 refused (the
reason is printed), 65 bad input, 74 the store cannot be written.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from kiosk.cli import common
from kiosk.cli.render import describe_outcome, member_json
from kiosk.cli.verbs import help_for
from kiosk.domain.money import format_amount, parse_amount
from kiosk.domain.rules import Refusal
from kiosk.errors import InvalidInput
from kiosk.services.counter import CardSummary, CounterResult, CounterService, ScanResult, mask_card

REFUSED = 3
BAD_INPUT = InvalidInput.exit_status
STAFF_HELP = "the staff member's name to record as who did it (default: cli)"


def register(sub: Any) -> None:
    scan = sub.add_parser(
        "scan",
        help=help_for("scan"),
        description="Handle CODE as the kiosk handles a scanned code: a member card records a "
        "visit (like `kanta tap`), a gift code shows its credit, a coupon code is named (use it "
        "with `kanta counter coupon CARD CODE`); a product's barcode or an unknown code is "
        "refused (exit 3) and creates nothing, a garbled code exits 65.",
    )
    scan.add_argument("code", help="the code as the scanner read it")
    scan.add_argument("--json", action="store_true", help="print the outcome as JSON")
    scan.set_defaults(handler=run_scan)

    counter = sub.add_parser(
        "counter",
        help=help_for("counter"),
        description="The counter's staff actions, each the same service call as on the "
        "touchscreen. Amounts are like 12.50. Exit status: 0 done, 3 refused (with the "
        "reason), 65 bad input, 74 the store cannot be written.",
    )
    verbs = counter.add_subparsers(dest="counter_command", metavar="VERB", required=True)

    def verb(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> Any:
        p = verbs.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        if name not in ("offers", "phone"):
            p.add_argument("card", help="the member's card (UID in hex or printed number)")
        p.add_argument("--json", action="store_true", help="print the outcome as JSON")
        p.add_argument("--staff", default="cli", metavar="NAME", help=STAFF_HELP)
        p.set_defaults(handler=handler)
        return p

    p = verb("purchase", "record a purchase; prints the amount to charge after discounts", run_purchase)
    p.add_argument("amount", help="the purchase amount, e.g. 12.50")
    p.add_argument("--category", metavar="ID", help="the purchase's category, where the program has them")
    p = verb("redeem", "redeem a reward (REWARD: which one, when there are several)", run_redeem)
    p.add_argument("reward", nargs="?", help="the reward's id (see `kanta counter show CARD`)")
    p = verb("top-up", "top up prepaid credit by AMOUNT (the customer pays it)", run_top_up)
    p.add_argument("amount", help="the amount received, e.g. 50.00")
    p = verb("pay", "pay AMOUNT with the card's credit", run_pay)
    p.add_argument("amount", help="the amount to pay, e.g. 8.40")
    p = verb("pass", "sell a pass, or use one for a visit", run_pass)
    p.add_argument("what", choices=("sell", "use"), help="sell or use")
    p.add_argument("pass_id", nargs="?", metavar="PASS", help="the pass's id, when there are several")
    p = verb("subscribe", "sell or renew a subscription", run_subscribe)
    p.add_argument("subscription", nargs="?", help="the subscription's id, when there are several")
    p = verb("coupon", "use a coupon code on the card (each code once in the whole shop)", run_coupon)
    p.add_argument("code", help="the coupon code as printed")
    p = verb("refer", "the member on CARD referred the new member on NEW_CARD", run_refer)
    p.add_argument("new_card", help="the new member's card")
    p = verb("bonus", "give a bonus action the program defines (a social post, a birthday)", run_bonus)
    p.add_argument("bonus", help="the bonus action's id (see `kanta counter offers`)")
    verb("show", "the member on CARD: balances, ready rewards, passes", run_show)
    verb("offers", "what the running program offers at the counter, with the choices", run_offers)
    p = verb("phone", "find a member by phone number (stamps nothing)", run_phone)
    p.add_argument("phone", help="the phone number, e.g. 040 123 4567")


# ---- output -------------------------------------------------------------------------------


def _refusal_json(refusal: Refusal | None) -> dict[str, Any] | None:
    if refusal is None:
        return None
    return {"code": refusal.code, "message": refusal.message, "params": dict(refusal.params)}


def _summary_json(summary: CardSummary, lang: str) -> dict[str, Any]:
    return {
        "card": summary.card,
        "card_label": summary.label,
        "stamps": [
            {"id": s.id, "name": s.names.name(lang), "have": s.have, "need": s.need} for s in summary.stamps
        ],
        "points": summary.points,
        "credit_cents": summary.credit_cents,
        "tier": summary.tier,
        "rewards_ready": [
            {"id": r.id, "name": r.name(lang), "count": r.count} for r in summary.ready_rewards
        ],
        "passes": [{"id": p.id, "name": p.name(lang), "left": p.count} for p in summary.usable_passes],
        "subscriptions": dict(summary.subscriptions),
        "member": member_json(summary.member),
    }


def _describe_summary(summary: CardSummary, lang: str, currency: str) -> str:
    lines = [f"card     {summary.label}"]
    for s in summary.stamps:
        lines.append(f"stamps   {s.have}/{s.need} {s.names.name(lang)}")
    lines.append(f"points   {summary.points}")
    lines.append(f"credit   {format_amount(summary.credit_cents, currency)}")
    if summary.tier:
        lines.append(f"tier     {summary.tier}")
    for r in summary.ready_rewards:
        lines.append(f"ready    {r.name(lang)} ({r.id}) x{r.count}")
    for p in summary.usable_passes:
        lines.append(f"pass     {p.name(lang)} ({p.id}): {p.count} left")
    for sub, until in summary.subscriptions.items():
        lines.append(f"subscription {sub} until {until}")
    return "\n".join(lines)


def _finish(args: argparse.Namespace, counter: CounterService, result: CounterResult, what: str) -> int:
    """Print a counter action's outcome; the exit status: 0 done, 3 refused."""
    cfg_lang, currency = args.lang, args.currency
    outcome = result.outcome
    if args.json:
        doc: dict[str, Any] = {
            "action": what,
            "card": outcome.card,
            "card_label": mask_card(outcome.card),
            "accepted": result.accepted,
            "refusal": _refusal_json(result.refusal),
            "events": [e.id for e in outcome.events],
        }
        if result.charge is not None:
            doc.update(
                amount_cents=result.charge.amount_cents,
                discount_cents=result.charge.discount_cents,
                charge_cents=result.charge.charge_cents,
                discount_reasons=list(result.charge.reasons),
            )
        if result.accepted:
            summary = counter.summary(outcome.card)
            doc["member"] = _summary_json(summary, cfg_lang) if isinstance(summary, CardSummary) else None
        common.print_json(doc)
    elif result.refusal is not None:
        print(f"not recorded: {result.refusal.message} ({result.refusal.code})")
    else:
        print(f"recorded: {what.replace('_', ' ')}")
        charge = result.charge
        if charge is not None:
            if charge.discount_cents:
                why = ", ".join(charge.reasons) or "discount"
                print(f"amount   {format_amount(charge.amount_cents, currency)}")
                print(f"discount {format_amount(charge.discount_cents, currency)} ({why})")
            print(f"CHARGE   {format_amount(charge.charge_cents, currency)}")
        summary = counter.summary(outcome.card)
        if isinstance(summary, CardSummary):
            print(_describe_summary(summary, cfg_lang, currency))
    return 0 if result.accepted else REFUSED


def _amount(text: str) -> int:
    return parse_amount(text)


def _with_counter(
    action: Callable[[CounterService, argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        cfg = common.config(args)
        args.lang, args.currency = cfg.shop.language, cfg.shop.currency
        with common.opened_counter(args, cfg) as counter:
            return action(counter, args)

    return run


@_with_counter
def run_purchase(counter: CounterService, args: argparse.Namespace) -> int:
    amount = _amount(args.amount)
    result = counter.purchase(args.card, amount, category=args.category, actor=args.staff)
    return _finish(args, counter, result, "purchase")


@_with_counter
def run_redeem(counter: CounterService, args: argparse.Namespace) -> int:
    return _finish(args, counter, counter.redeem(args.card, args.reward, actor=args.staff), "redeem")


@_with_counter
def run_top_up(counter: CounterService, args: argparse.Namespace) -> int:
    amount = _amount(args.amount)
    return _finish(args, counter, counter.top_up(args.card, amount, actor=args.staff), "top_up")


@_with_counter
def run_pay(counter: CounterService, args: argparse.Namespace) -> int:
    amount = _amount(args.amount)
    return _finish(args, counter, counter.pay(args.card, amount, actor=args.staff), "pay")


@_with_counter
def run_pass(counter: CounterService, args: argparse.Namespace) -> int:
    if args.what == "sell":
        return _finish(
            args, counter, counter.sell_pass(args.card, args.pass_id, actor=args.staff), "sell_pass"
        )
    return _finish(args, counter, counter.use_pass(args.card, args.pass_id, actor=args.staff), "use_pass")


@_with_counter
def run_subscribe(counter: CounterService, args: argparse.Namespace) -> int:
    result = counter.subscribe(args.card, args.subscription, actor=args.staff)
    return _finish(args, counter, result, "subscribe")


@_with_counter
def run_coupon(counter: CounterService, args: argparse.Namespace) -> int:
    return _finish(args, counter, counter.coupon(args.card, args.code, actor=args.staff), "coupon")


@_with_counter
def run_refer(counter: CounterService, args: argparse.Namespace) -> int:
    return _finish(args, counter, counter.refer(args.card, args.new_card, actor=args.staff), "refer")


@_with_counter
def run_bonus(counter: CounterService, args: argparse.Namespace) -> int:
    return _finish(args, counter, counter.bonus(args.card, args.bonus, actor=args.staff), "bonus")


def _print_found(args: argparse.Namespace, found: CardSummary | Refusal) -> int:
    if isinstance(found, Refusal):
        if args.json:
            common.print_json({"accepted": False, "refusal": _refusal_json(found)})
        else:
            print(f"{found.message} ({found.code})")
        return REFUSED
    if args.json:
        common.print_json({"accepted": True, **_summary_json(found, args.lang)})
    else:
        print(_describe_summary(found, args.lang, args.currency))
    return 0


@_with_counter
def run_show(counter: CounterService, args: argparse.Namespace) -> int:
    return _print_found(args, counter.summary(args.card))


@_with_counter
def run_phone(counter: CounterService, args: argparse.Namespace) -> int:
    return _print_found(args, counter.find_phone(args.phone))


@_with_counter
def run_offers(counter: CounterService, args: argparse.Namespace) -> int:
    offers = counter.offers()
    lang = args.lang

    def choices(items: Any) -> list[dict[str, Any]]:
        return [{"id": c.id, "name": c.name(lang), "price_cents": c.price_cents} for c in items]

    doc: dict[str, Any] = {
        "actions": sorted(str(a) for a in offers.actions),
        "rewards": choices(offers.rewards),
        "passes": choices(offers.passes),
        "subscriptions": choices(offers.subscriptions),
        "bonus_actions": choices(offers.bonus_actions),
        "categories": choices(offers.categories),
    }
    if args.json:
        common.print_json(doc)
        return 0
    print("actions  " + ", ".join(doc["actions"]))
    for key in ("rewards", "passes", "subscriptions", "bonus_actions", "categories"):
        for item in doc[key]:
            price = (
                ""
                if item["price_cents"] is None
                else f"  {format_amount(item['price_cents'], args.currency)}"
            )
            print(f"{key[:-1].replace('_', ' '):<12} {item['id']:<16} {item['name']}{price}")
    return 0


@_with_counter
def run_scan(counter: CounterService, args: argparse.Namespace) -> int:
    result = counter.scan(args.code)
    status = _scan_status(result)
    if args.json:
        outcome = result.outcome
        common.print_json(
            {
                "code": result.code.code,
                "kind": result.code.kind,
                "accepted": status == 0,
                "refusal": _refusal_json(result.refusal or (outcome.refusal if outcome else None)),
                "events": [e.id for e in outcome.events] if outcome else [],
                "new_member": bool(outcome and outcome.new_member),
                "member": _summary_json(result.summary, args.lang) if result.summary else None,
            }
        )
        return status
    if result.refusal is not None:
        print(f"refused: {result.refusal.message} ({result.refusal.code}); nothing was recorded")
    elif result.outcome is not None:
        print(describe_outcome(result.outcome, args.currency))
    elif result.summary is not None:
        print(f"gift code {result.code.code}")
        print(_describe_summary(result.summary, args.lang, args.currency))
    else:
        print(f"coupon {result.code.code}: use it with `kanta counter coupon CARD {result.code.code}`")
    return status


def _scan_status(result: ScanResult) -> int:
    if result.refusal is not None:
        return BAD_INPUT if result.refusal.code == "garbled_code" else REFUSED
    if result.outcome is not None and not result.outcome.accepted:
        return REFUSED
    return 0
