"""The `kanta` command: every role's entry point.

Each verb lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler``. Only the module of the verb being run is imported (see
``kiosk.cli.verbs``); the others appear in `kanta --help` from the verb table. Verbs that
show no screen never import Kivy; the UI verbs import it inside their handler.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from kiosk import __version__
from kiosk.cli import process
from kiosk.cli.verbs import COMMAND_MODULES, VERBS, help_for, requested_verb
from kiosk.errors import KantaError, StoreError
from kiosk.logs import setup_logging

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        default=default,
        help="data folder (default: $KANTA_DATA, /var/lib/kanta on the appliance, "
        "else the user data folder)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="kiosk configuration TOML (default: $KANTA_CONFIG or the shipped config/kiosk.toml)",
    )


class _VerbParser(argparse.ArgumentParser):
    """Accepts the global options after the verb too: `kanta tap X --data DIR`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_global_options(self, argparse.SUPPRESS)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the requested verb's module registers it in full; every
    other verb is listed with its one-line help only (``kiosk.cli.verbs``)."""
    parser = argparse.ArgumentParser(
        prog="kanta",
        description="Kanta: an offline-first loyalty kiosk for small shops.",
    )
    parser.add_argument("--version", action="version", version=f"kanta {__version__}")
    _add_global_options(parser, None)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_VerbParser)
    wanted = requested_verb(list(argv)) if argv is not None else None
    registered: set[str] = set()
    if wanted in VERBS:
        module = VERBS[wanted][0]
        importlib.import_module(f"kiosk.cli.{module}").register(sub)
        registered = {verb for verb, (owner, _) in VERBS.items() if owner == module}
    for verb in VERBS:
        if verb not in registered:
            sub.add_parser(verb, help=help_for(verb), add_help=False)
    return parser


def _is_service(args: argparse.Namespace) -> bool:
    """The long-running programs (the kiosk, the sync worker, the server) log each event
    worth knowing (INFO); a one-off command only its warnings."""
    command = getattr(args, "command", None)
    if command in ("kiosk", "demo"):
        return True
    if command == "sync":
        return getattr(args, "sync_command", None) == "run"
    return command == "server" and getattr(args, "server_command", None) is None


def _command_level() -> int | None:
    """WARNING for a one-off command, unless $KANTA_LOG_LEVEL says otherwise."""
    return None if os.environ.get("KANTA_LOG_LEVEL") else logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `kanta` command; its exit status. Without ``argv`` this is the process's
    own command (``sys.argv``), and one that loaded the store ends the process here
    (``kiosk.cli.process``)."""
    if argv is not None:
        return _run(list(argv))
    process.keep_until_exit()
    status = _run(sys.argv[1:])
    if process.holds_a_store():
        process.finish(status)
    return status


def _run(argv: list[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    service = args.verbose or _is_service(args)
    setup_logging(args.verbose, level=None if service else _command_level())
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        status: int = handler(args)
        return status
    except KantaError as exc:
        print(f"kanta: {exc}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        # a file the store's own checks did not cover (a config, a socket, a log): the
        # message names it; EX_IOERR like a store failure
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kanta: {where}{exc.strerror or exc}", file=sys.stderr)
        return StoreError.exit_status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
