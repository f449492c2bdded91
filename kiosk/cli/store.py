"""`kanta store info|snapshot|verify|rebuild|repair`: look after the local store."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.store import maintenance
from kiosk.store.ledger import Ledger


def register(sub: Any) -> None:
    p = sub.add_parser("store", help=help_for("store"))
    verbs = p.add_subparsers(dest="store_command", metavar="VERB", required=True)
    info = verbs.add_parser("info", help="size, records, snapshot and segments")
    info.add_argument("--json", action="store_true")
    info.set_defaults(handler=store_info)
    snap = verbs.add_parser("snapshot", help="write a snapshot now (the kiosk does it when idle)")
    snap.set_defaults(handler=store_snapshot)
    verify = verbs.add_parser(
        "verify", help="re-read every record and check every kiosk's hash chain"
    )
    verify.set_defaults(handler=store_verify)
    migrate = verbs.add_parser(
        "migrate",
        help="seal contact details an older version kept in the clear (the kiosk does it at start)",
    )
    migrate.set_defaults(handler=store_migrate)
    rebuild = verbs.add_parser(
        "rebuild", help="rebuild the snapshot from the ledger (when snapshot.json is damaged)"
    )
    rebuild.set_defaults(handler=store_rebuild)
    repair = verbs.add_parser(
        "repair",
        help="keep every record before damage in journal.log, move the rest aside",
    )
    repair.set_defaults(handler=store_repair)


def store_info(args: argparse.Namespace) -> int:
    with Ledger.open(common.data_dir(args), readonly=True) as ledger:
        stats = ledger.storage.stats()
        info = {
            "data": str(ledger.storage.path),
            "kiosk": ledger.meta.get("kiosk"),
            "members": ledger.member_count(),
            "records": stats.records,
            "journal_bytes": stats.journal_bytes,
            "snapshot_bytes": stats.snapshot_bytes,
            "ledger_segments": stats.segments,
            "last_snapshot_at": stats.last_snapshot_at,
        }
    if args.json:
        common.print_json(info)
    else:
        for key, value in info.items():
            print(f"{key:<16} {value}")
    return 0


def store_snapshot(args: argparse.Namespace) -> int:
    with Ledger.open(common.data_dir(args), create=False) as ledger:
        ledger.storage.snapshot()
        print(f"snapshot written ({ledger.storage.stats().snapshot_bytes} bytes)")
    return 0


def store_verify(args: argparse.Namespace) -> int:
    report = maintenance.verify(common.data_dir(args))
    print(report.summary())
    return 0 if report.ok else 1


def store_migrate(args: argparse.Namespace) -> int:
    with Ledger.open(common.data_dir(args), create=False) as ledger:
        report = ledger.contact_migration
    if report is None:
        print("nothing to do: every file of this store holds contact details sealed only")
        return 0
    print(report.summary())
    return 1 if report.still_in_clear else 0


def store_rebuild(args: argparse.Namespace) -> int:
    count = maintenance.rebuild(common.data_dir(args))
    print(f"snapshot rebuilt from {count} ledger records")
    return 0


def store_repair(args: argparse.Namespace) -> int:
    result = maintenance.repair(common.data_dir(args))
    print(result)
    return 0
