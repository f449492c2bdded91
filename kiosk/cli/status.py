"""`kanta status`: is this kiosk healthy? Exits 1 when something needs attention.

Reads the app's published health, the store's files, the sync state, the disk and the
clock, all beside the running kiosk without taking its lock. ``--json`` prints the same
dict the sync worker sends to the server in its heartbeat (``kiosk.health.collect_status``).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from kiosk import health
from kiosk.cli import common
from kiosk.cli.verbs import help_for

_MARK = {health.OK: "ok  ", health.WARN: "warn", health.FAIL: "FAIL", health.UNKNOWN: " ?  "}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "status",
        help=help_for("status"),
    )
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.set_defaults(handler=status)


def _data(args: argparse.Namespace) -> Any:
    # status only reads: on the appliance /var/lib/kanta is the kiosk's even when the
    # person asking cannot write to it
    explicit = getattr(args, "data", None) or os.environ.get("KANTA_DATA")
    if not explicit and common.APPLIANCE_DATA.is_dir():
        return common.APPLIANCE_DATA
    return common.data_dir(args)


def status(args: argparse.Namespace) -> int:
    data = _data(args)
    report = health.collect_status(data)
    _add_trust_checks(report, data)
    if args.json:
        common.print_json(report)
    else:
        print(f"Kanta kiosk status ({report['data']})")
        for c in report["checks"]:
            print(f"  {_MARK.get(c['level'], c['level'])}  {c['name']:<9} {c['detail']}")
        print("needs attention" if report["attention"] else "all good")
    return 1 if report["attention"] else 0


def _add_trust_checks(report: dict[str, Any], data: Any) -> None:
    """A broken config or program file, and a damaged journal, fail the status by name
    (the app cannot start with either, so "not running" alone would hide why)."""
    from kiosk.configcheck import config_problem
    from kiosk.store import journal
    from kiosk.store.storage import JOURNAL

    for name, problem in (("config", config_problem()), ("journal", journal.file_damage(data / JOURNAL))):
        if problem:
            report["checks"].insert(0, {"name": name, "level": health.FAIL, "detail": problem})
            report["attention"] = True
