"""`kanta staff add|list|remove|set-role|change-pin`: the kiosk's staff and their PINs.

The same ``StaffService`` calls the owner's staff screen makes on the running kiosk. Stop
the kiosk app first (one writer per data folder). PINs are read without echo, or from
standard input with ``--pin-stdin`` (for installers' scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import InvalidInput
from kiosk.staff import ROLES, StaffService


def register(sub: Any) -> None:
    staff = sub.add_parser(
        "staff",
        help=help_for("staff"),
        description="Staff PINs (4-8 digits; easily guessed ones such as 0000, 1234 or 1212 are "
        "refused) are stored as salted scrypt hashes in the kiosk's store. Roles: staff (sales, "
        "redemptions, top-ups, cards), manager (also undo and settings), owner (also the staff "
        "list). The kiosk keeps at least one owner. Stop the kiosk app first.",
    )
    verbs = staff.add_subparsers(dest="staff_command", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="add a staff member (asks for the PIN twice)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="staff")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    add.set_defaults(handler=run_add)
    lst = verbs.add_parser("list", help="list the staff members and their roles")
    lst.set_defaults(handler=run_list)
    rm = verbs.add_parser("remove", help="remove a staff member (not the last owner)")
    rm.add_argument("name")
    rm.set_defaults(handler=run_remove)
    role = verbs.add_parser("set-role", help="give a staff member another role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(handler=run_set_role)
    pin = verbs.add_parser("change-pin", help="give a staff member a new PIN (asks for it twice)")
    pin.add_argument("name")
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    pin.set_defaults(handler=run_change_pin)


@contextmanager
def _staff(args: argparse.Namespace) -> Iterator[StaffService]:
    """The kiosk's staff service over its store, closed again afterwards."""
    with common.opened_service(args, common.config(args)) as service:
        yield StaffService.of_ledger(service.ledger, service.clock)


def _read_pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise InvalidInput("the two PINs differ; nothing was changed")
    return first


def run_add(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with _staff(args) as staff:
        who = staff.add(args.name, args.role, pin, actor="cli")
    print(f"added {who.name} ({who.role})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with _staff(args) as staff:
        for who in staff.members():
            print(f"{who.name:<24} {who.role}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with _staff(args) as staff:
        if not staff.remove(args.name):
            raise InvalidInput(f"no staff member called {args.name!r}")
    print(f"removed {args.name}")
    return 0


def run_set_role(args: argparse.Namespace) -> int:
    with _staff(args) as staff:
        who = staff.set_role(args.name, args.role, actor="cli")
    print(f"{who.name} is now {who.role}")
    return 0


def run_change_pin(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with _staff(args) as staff:
        staff.change_pin(args.name, pin, actor="cli")
    print(f"changed the PIN of {args.name}")
    return 0
