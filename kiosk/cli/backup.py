"""`kanta backup pull|create|verify|restore`: one file with the shop's whole ledger."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import InvalidInput


def register(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help=help_for("backup"),
        description="A backup is one zip file: manifest.json (counts, SHA-256 of each part, each "
        "kiosk's hash-chain head), events.jsonl, and members.csv / ledger.csv for a spreadsheet.",
    )
    verbs = p.add_subparsers(dest="backup_command", metavar="VERB", required=True)
    pull = verbs.add_parser("pull", help="the whole shop from its server (owner login)")
    pull.add_argument("--server", required=True, metavar="URL")
    pull.add_argument("--user", required=True, metavar="EMAIL", help="the owner's login")
    pull.add_argument("--to", required=True, metavar="DIR", help="folder to write the file in")
    pull.add_argument(
        "--password-env",
        metavar="VAR",
        default="KANTA_PASSWORD",
        help="environment variable holding the password (else asked on the terminal)",
    )
    pull.add_argument("--ca-bundle", metavar="FILE", default="")
    pull.add_argument("--delimiter", choices=(";", ",", "tab"), help="CSV delimiter (default: config)")
    pull.set_defaults(handler=backup_pull)
    create = verbs.add_parser("create", help="this kiosk's own data, no server (a USB stick)")
    create.add_argument("--to", required=True, metavar="DIR")
    create.add_argument("--delimiter", choices=(";", ",", "tab"))
    create.set_defaults(handler=backup_create)
    verify = verbs.add_parser("verify", help="check every part, every event and every kiosk's chain")
    verify.add_argument("file")
    verify.add_argument("--quick", action="store_true", help="checksums only")
    verify.set_defaults(handler=backup_verify)
    restore = verbs.add_parser(
        "restore", help="make a replacement kiosk from a backup in an empty --data folder"
    )
    restore.add_argument("file")
    restore.add_argument(
        "--replaces",
        metavar="KIOSK",
        help="the kiosk id this one replaces, when restoring a server backup (a kiosk's own "
        "backup names it): the new kiosk takes over merging the members it made",
    )
    restore.set_defaults(handler=backup_restore)


def _delimiter(args: argparse.Namespace) -> str:
    return str(args.delimiter or common.config(args).sync.csv_delimiter)


def backup_pull(args: argparse.Namespace) -> int:
    from sync import backup
    from sync.progress import Progress

    password = os.environ.get(args.password_env or "")
    if not password:
        if not sys.stdin.isatty():
            raise InvalidInput(f"no password: set {args.password_env} or run on a terminal")
        password = getpass.getpass(f"password for {args.user}: ")
    ca = args.ca_bundle or common.config(args).sync.ca_bundle
    path = backup.pull_from_server(
        args.server,
        args.user,
        password,
        Path(args.to),
        delimiter=_delimiter(args),
        ca_bundle=ca,
        progress=Progress("pulling events"),
    )
    print(path)
    return 0


def backup_create(args: argparse.Namespace) -> int:
    from sync import backup
    from sync.progress import Progress

    path = backup.create_from_store(
        common.data_dir(args), Path(args.to), delimiter=_delimiter(args), progress=Progress("writing backup")
    )
    print(path)
    return 0


def backup_verify(args: argparse.Namespace) -> int:
    from sync import backup
    from sync.progress import Progress

    report = backup.verify(Path(args.file), deep=not args.quick, progress=Progress("checking events"))
    print(report.summary())
    return 0 if report.ok else 1


def backup_restore(args: argparse.Namespace) -> int:
    from sync import backup
    from sync.progress import Progress

    if not getattr(args, "data", None) and not os.environ.get("KANTA_DATA"):
        raise InvalidInput("say where the new kiosk's data goes: --data DIR (an empty folder)")
    data = common.data_dir(args)
    result = backup.restore(
        Path(args.file), data, replaces=args.replaces, progress=Progress("restoring events")
    )
    print(
        f"restored {result.events} events and {result.members} members into {data} as the new kiosk "
        f"{result.kiosk}"
        + (f", replacing kiosk {result.replaces}" if result.replaces else "")
        + (f"; {result.overdrawn} member(s) are overdrawn" if result.overdrawn else "")
    )
    print("pair it with the server: kanta sync pair --server URL --token TOKEN --data " + str(data))
    return 0
