"""`kanta simulate`: replay customer activity through a program file (for owners).

Reads the program TOML and the activity CSV, replays every row through the same engine
the kiosk runs, and prints each member's outcome and the program's totals, every refused
action with its line number and reason, and every unreadable row. Touches no data folder.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.domain.money import format_amount
from kiosk.domain.program import load_program
from kiosk.domain.simulate import Report, simulate
from kiosk.errors import InvalidInput

#: exit status when some rows could not be read (the rest still ran)
BAD_ROWS = 65


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help=help_for("simulate"),
        description="Replay a history of customer activity through a program file and "
        "report each member's outcome (stamps, points, credit, tier, rewards ready, what "
        "expires when) and the totals (rewards issued and redeemed, points issued, "
        "redeemed and expired, outstanding liability, discount given). Every refused "
        "action is listed with its line number and the reason the kiosk would show. "
        "CSV columns: time,card,action,amount,detail (and an optional id). Exit status 0; "
        f"{BAD_ROWS} when some rows could not be read (the rest still ran).",
    )
    p.add_argument("--program", required=True, metavar="PROGRAM.toml", help="the program file")
    p.add_argument("--activity", required=True, metavar="ACTIVITY.csv", help="the activity CSV")
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help="report balances and expiries at this ISO 8601 time (default: the last row's time)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rules = load_program(Path(args.program))
    path = Path(args.activity)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the activity file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: the activity file is not UTF-8 text") from None
    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError:
            raise InvalidInput(f"--as-of {args.as_of!r} is not an ISO 8601 time") from None
        if as_of.tzinfo is None:
            raise InvalidInput(f"--as-of {args.as_of!r} needs a time zone offset, like +02:00")
    try:
        report = simulate(rules, text, as_of)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    if args.json:
        common.print_json(report.to_json())
    else:
        sys.stdout.write(render(report))
    return BAD_ROWS if report.errors else 0


def _rate(value: Any) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def render(report: Report) -> str:
    """The report as text for people."""
    cur = report.currency
    t = report.totals
    out = [f"Program {report.program}, as of {report.as_of or 'no activity'}", ""]
    out.append(f"Members ({len(report.members)})")
    for m in report.members:
        parts = [f"stamps {k} {v}" for k, v in m["stamps"].items()]
        parts.append(f"points {m['points']}")
        if m["credit_cents"]:
            parts.append(f"credit {format_amount(m['credit_cents'], cur)}")
        if m["tier"]:
            parts.append(f"tier {m['tier']}")
        if m["rewards_ready"]:
            parts.append("ready: " + ", ".join(f"{r['count']} x {r['name']}" for r in m["rewards_ready"]))
        parts.append(f"redeemed {m['rewards_redeemed']}")
        if m["pass_uses"] or m["passes"]:
            parts.append(f"pass uses {m['pass_uses']}")
        for pid, left in m["passes"].items():
            until = m["valid_until"].get(pid)
            parts.append(f"{pid} {left} left" + (f" until {until}" if until else ""))
        for sid, until in m["subscriptions"].items():
            parts.append(f"{sid} until {until}")
        out.append(f"  {m['card']}: " + ", ".join(parts))
        for e in m["expiring"]:
            out.append(f"      {e['amount']} {e['account']} expire at {e['at']}")
    out += [
        "",
        "Totals",
        f"  rewards issued {t['rewards_issued']}, redeemed {t['rewards_redeemed']}"
        f" (redemption rate {_rate(t['redemption_rate'])})",
        f"  points issued {t['points_issued']}, redeemed {t['points_redeemed']},"
        f" expired {t['points_expired']}, outstanding {t['points_outstanding']}",
        f"  stamps issued {t['stamps_issued']}, redeemed {t['stamps_redeemed']},"
        f" expired {t['stamps_expired']}",
        f"  sales {format_amount(t['sales'], cur)} in {t['purchases']} purchases,"
        f" discount given {format_amount(t['discount_given'], cur)},"
        f" cashback {format_amount(t['cashback_given'], cur)}",
        f"  credit topped up {format_amount(t['credit_topped_up'], cur)}"
        f" (+{format_amount(t['credit_bonus_given'], cur)} bonus),"
        f" spent {format_amount(t['credit_spent'], cur)}",
        f"  passes sold {t['passes_sold']} ({format_amount(t['pass_revenue'], cur)}), uses {t['pass_uses']};"
        f" subscriptions sold {t['subscriptions_sold']} ({format_amount(t['subscription_revenue'], cur)})",
        f"  referrals {t['referrals']}, coupons redeemed {t['coupons_redeemed']}",
        f"  outstanding liability {t['liability']}",
    ]
    if report.refused:
        out += ["", f"Refused ({len(report.refused)})"]
        out += [f"  line {r.line}: {r.card} {r.action}: {r.message} [{r.code}]" for r in report.refused]
    if report.errors:
        out += ["", f"Bad rows ({len(report.errors)})"]
        out += [f"  line {e.line}: {e.message}" for e in report.errors]
    return "\n".join(out) + "\n"
