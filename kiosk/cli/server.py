"""`kanta server [init|add-kiosk|revoke-kiosk|migrate|rebuild-aggregates]`: run and administer
the shop's sync server.

The database is ``--db URL`` or ``$KANTA_SERVER_DB`` (``sqlite:///path`` or
``postgresql://user@host/db``), else an SQLite file ``server.db`` in the data folder.
FastAPI, uvicorn and SQLAlchemy are imported inside the handlers, so other verbs stay fast.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import KantaError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "server",
        help=help_for("server"),
        description="Without a verb: serve the HTTP API (OpenAPI description at /openapi.json).",
    )
    _db_option(p, None)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    p.set_defaults(handler=serve)
    verbs = p.add_subparsers(dest="server_command", metavar="VERB")
    init = verbs.add_parser(
        "init",
        help="create a shop and its owner login (password from a prompt or $KANTA_PASSWORD)",
    )
    _db_option(init, argparse.SUPPRESS)
    init.add_argument("--shop", required=True, metavar="NAME")
    init.add_argument("--owner", required=True, metavar="EMAIL")
    init.set_defaults(handler=server_init)
    add = verbs.add_parser(
        "add-kiosk", help="pair a kiosk: prints its token on the last line (again for a new token)"
    )
    _db_option(add, argparse.SUPPRESS)
    add.add_argument("--shop", required=True, metavar="NAME")
    add.add_argument("--name", required=True, metavar="KIOSK")
    add.set_defaults(handler=server_add_kiosk)
    revoke = verbs.add_parser("revoke-kiosk", help="revoke a kiosk's token (it gets 401 from then on)")
    _db_option(revoke, argparse.SUPPRESS)
    revoke.add_argument("--shop", required=True, metavar="NAME")
    revoke.add_argument("--name", required=True, metavar="KIOSK")
    revoke.set_defaults(handler=server_revoke_kiosk)
    migrate = verbs.add_parser("migrate", help="bring the server database's schema up to date")
    _db_option(migrate, argparse.SUPPRESS)
    migrate.set_defaults(handler=server_migrate)
    rebuild = verbs.add_parser(
        "rebuild-aggregates", help="count the owner's overview figures again from every stored event"
    )
    _db_option(rebuild, argparse.SUPPRESS)
    rebuild.set_defaults(handler=server_rebuild_aggregates)


def _db_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="server database URL (default: $KANTA_SERVER_DB, else sqlite:///DATA/server.db)",
    )


def db_url(args: argparse.Namespace, env: dict[str, str] | None = None) -> str:
    env = dict(os.environ) if env is None else env
    if getattr(args, "db", None):
        return str(args.db)
    if env.get("KANTA_SERVER_DB"):
        return env["KANTA_SERVER_DB"]
    folder = common.data_dir(args)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'server.db'}"


def _engine(args: argparse.Namespace) -> Any:
    from sync.server import db

    engine = db.make_engine(db_url(args), pool_size=1)
    _migrate(engine)
    return engine


def _migrate(engine: Any) -> tuple[int, int]:
    import sqlalchemy as sa

    from sync.server import db

    try:
        return db.migrate(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise KantaError(f"cannot open the server database: {str(exc.orig).strip()}") from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = db_url(args)
    _engine(args).dispose()  # migrate once, before any worker starts
    os.environ["KANTA_SERVER_DB"] = url
    uvicorn.run(
        "sync.server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        log_level="warning",
    )
    return 0


#: the one variable for the owner's password (kanta backup pull reads it too)
PASSWORD_ENV = "KANTA_PASSWORD"
#: its old name, still read with a note
OLD_PASSWORD_ENV = "KANTA_OWNER_PASSWORD"


def _password() -> str:
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    old = os.environ.get(OLD_PASSWORD_ENV)
    if old:
        print(f"note: {OLD_PASSWORD_ENV} is deprecated; set {PASSWORD_ENV} instead", file=sys.stderr)
        return old
    if not sys.stdin.isatty():
        raise KantaError(
            f"no password: set {PASSWORD_ENV} (formerly {OLD_PASSWORD_ENV}) or run in a terminal to be asked"
        )
    first = getpass.getpass("owner password: ")
    if getpass.getpass("again: ") != first:
        raise KantaError("the passwords differ")
    return first


def server_init(args: argparse.Namespace) -> int:
    from sync.server import store

    password = _password()
    engine = _engine(args)
    try:
        store.init_shop(engine, args.shop, args.owner, password)
    finally:
        engine.dispose()
    print(f"shop {args.shop!r} ready; owner login {args.owner}")
    return 0


def server_add_kiosk(args: argparse.Namespace) -> int:
    from sync.server import store

    engine = _engine(args)
    try:
        token = store.add_kiosk(engine, args.shop, args.name)
    finally:
        engine.dispose()
    print(f"kiosk {args.name!r} paired with shop {args.shop!r}; give it this token (kanta sync pair):")
    print(token)
    return 0


def server_revoke_kiosk(args: argparse.Namespace) -> int:
    from sync.server import store

    engine = _engine(args)
    try:
        store.revoke_kiosk_by_shop_name(engine, args.shop, args.name)
    finally:
        engine.dispose()
    print(f"kiosk {args.name!r} of shop {args.shop!r} revoked")
    return 0


def server_migrate(args: argparse.Namespace) -> int:
    from sync.server import db

    engine = db.make_engine(db_url(args), pool_size=1)
    try:
        before, after = _migrate(engine)
    finally:
        engine.dispose()
    print(f"schema version {before} -> {after}" if before != after else f"schema version {after}, up to date")
    return 0


def server_rebuild_aggregates(args: argparse.Namespace) -> int:
    import time

    from sync.server import aggregates

    engine = _engine(args)
    started = time.monotonic()
    try:
        count = aggregates.rebuild(engine)
    finally:
        engine.dispose()
    print(f"aggregates rebuilt from {count} events in {time.monotonic() - started:.1f} s")
    return 0
