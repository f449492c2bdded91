"""`kanta store info|snapshot|verify|rebuild|repair`: look after the local store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import InvalidInput, SyncError
from kiosk.store import maintenance, server_heads
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
        "verify",
        help="re-read every record, check every kiosk's hash chain and this kiosk's signed "
        "heads, here and against those the shop's server kept",
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


#: exit status when the local checks pass but the server's heads could not be asked
#: (sysexits' EX_UNAVAILABLE): the verification is not complete, and a script must know
UNCHECKED_AGAINST_SERVER = 69


def store_verify(args: argparse.Namespace) -> int:
    data = common.data_dir(args)
    report = maintenance.verify(data)
    print(report.summary())
    checked, problems = _against_server(args, data)
    print(checked)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if not report.ok or problems:
        return 1
    return UNCHECKED_AGAINST_SERVER if checked.startswith(_NOT_CHECKED) else 0


_NOT_CHECKED = "server's heads: not checked: "


def _against_server(args: argparse.Namespace, data: Path) -> tuple[str, list[str]]:
    """The heads the shop's server kept from this kiosk against the history here
    (kiosk.store.server_heads): what was checked, and where they disagree."""
    from sync.state import load_state
    from sync.transport import ServerUnavailable, Transport

    state = load_state(data)
    if not state.paired:
        return "server's heads: none to check against (this kiosk is not paired with a server)", []
    try:
        ca = state.ca_bundle or common.config(args).sync.ca_bundle
        transport = Transport(state.server, token=state.token, ca_bundle=ca, attempts=2)
        answer = transport.request("GET", "/api/v1/heads", ok_404=True)
    except ServerUnavailable as exc:
        return f"{_NOT_CHECKED}server unreachable ({exc})", []
    except SyncError as exc:
        return f"{_NOT_CHECKED}{exc}", []
    if answer is None:
        return f"{_NOT_CHECKED}the server at {state.server} does not keep signed heads (an older version)", []
    try:
        kept = server_heads.parse(answer)
    except InvalidInput as exc:
        return f"{_NOT_CHECKED}{exc}", []
    count, problems = server_heads.disagreements(data, kept)
    if not count and not problems:
        return f"{_NOT_CHECKED}{state.server} holds no heads from this kiosk yet (sync first)", []
    verdict = "they all agree" if not problems else f"{len(problems)} problem(s)"
    return f"server's heads: {count} kept by {state.server} checked: {verdict}", problems


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
