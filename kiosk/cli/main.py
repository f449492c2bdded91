"""The `kanta` command: every role's entry point.

Each verb lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler``. Verbs that show no screen never import Kivy, so they start
fast; the UI verbs import it inside their handler.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from kiosk import __version__
from kiosk.errors import KantaError, StoreError

#: modules under kiosk.cli, each registering one verb (or one verb group)
COMMAND_MODULES = (
    "demo",
    "kiosk",
    "tap",
    "counter",
    "member",
    "store",
    "hw",
    "sim",
    "simulate",
    "status",
    "server",
    "sync",
    "backup",
)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kanta",
        description="Kanta: an offline-first loyalty kiosk for small shops.",
    )
    parser.add_argument("--version", action="version", version=f"kanta {__version__}")
    _add_global_options(parser, None)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_VerbParser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"kiosk.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
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
