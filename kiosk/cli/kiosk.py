"""`kanta kiosk`: the touchscreen app with the configured hardware; `kanta staff`: PINs.

Kivy is imported inside the handler only, so the other verbs start fast.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import InvalidInput


def register(sub: Any) -> None:
    p = sub.add_parser(
        "kiosk",
        help=help_for("kiosk"),
        description="Run the kiosk app: fullscreen on the configured display with the "
        "configured card reader, scanner and feedback ([hardware] in the config, or "
        "KANTA_CARD_READER / KANTA_SCANNER / KANTA_FEEDBACK). Staff PINs: `kanta staff add`.",
    )
    p.add_argument("--window", action="store_true", help="open a window instead of fullscreen")
    p.add_argument(
        "--layout", choices=("landscape", "portrait", "auto"), help="override [ui] layout"
    )
    p.set_defaults(handler=run)

    staff = sub.add_parser(
        "staff",
        help=help_for("staff"),
        description="Staff PINs (4-8 digits) are stored as salted scrypt hashes in the "
        "kiosk's store. Roles: staff (sales, redemptions, top-ups, cards), manager (also "
        "undo and settings), owner.",
    )
    verbs = staff.add_subparsers(dest="staff_command", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="add a staff member (asks for the PIN twice)")
    add.add_argument("name")
    add.add_argument("--role", choices=("staff", "manager", "owner"), default="staff")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    add.set_defaults(handler=run_staff_add)
    lst = verbs.add_parser("list", help="list the staff members and their roles")
    lst.set_defaults(handler=run_staff_list)
    rm = verbs.add_parser("remove", help="remove a staff member")
    rm.add_argument("name")
    rm.set_defaults(handler=run_staff_remove)


def quiet_kivy(verbose: bool = False) -> None:
    """Kivy reads these when first imported: no argv parsing, no console spam."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if not verbose:
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")


def run(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    data = common.data_dir(args)
    # the store first: a read-only, full or failing data folder is a message and exit 74
    # (StoreError), before any window opens, not a traceback on a black screen
    from kiosk.services.factory import open_service

    service = open_service(data, cfg)
    try:
        quiet_kivy(getattr(args, "verbose", False))
        from kiosk.app.wiring import build_kiosk, configure_window, make_app, run_kiosk

        layout = args.layout or cfg.ui.layout
        configure_window(layout, cfg.ui.fullscreen and not args.window)
        kiosk = build_kiosk(cfg, data, service=service)
    except BaseException:
        service.ledger.close()
        raise
    app = make_app(kiosk)
    app.settings.layout = layout
    return run_kiosk(kiosk, app)


@contextmanager
def _staff(args: argparse.Namespace) -> Iterator[Any]:
    """The kiosk's staff service over its store, closed again afterwards."""
    from kiosk.app.wiring import staff_service
    from kiosk.services.factory import open_service

    service = open_service(common.data_dir(args), common.config(args))
    try:
        yield staff_service(service)
    finally:
        service.ledger.close()


def _read_pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise InvalidInput("the two PINs differ; nothing was changed")
    return first


def run_staff_add(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with _staff(args) as staff:
        who = staff.add(args.name, args.role, pin, actor="cli")
    print(f"added {who.name} ({who.role})")
    return 0


def run_staff_list(args: argparse.Namespace) -> int:
    with _staff(args) as staff:
        for who in staff.members():
            print(f"{who.name:<24} {who.role}")
    return 0


def run_staff_remove(args: argparse.Namespace) -> int:
    with _staff(args) as staff:
        if not staff.remove(args.name):
            raise InvalidInput(f"no staff member called {args.name!r}")
    print(f"removed {args.name}")
    return 0
