"""`kanta kiosk`: the touchscreen app with the configured hardware (staff PINs: `kanta staff`).

Kivy is imported inside the handler only, so the other verbs start fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for

log = logging.getLogger(__name__)


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


def quiet_kivy(verbose: bool = False) -> None:
    """Kivy reads these when first imported: no argv parsing, no console spam."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if not verbose:
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")


def run(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    data = common.data_dir(args)
    layout = args.layout or cfg.ui.layout
    # the store first: a damaged record, a read-only, full or failing data folder is said
    # on stderr and on a screen for staff, never a traceback on a black screen (exit 74)
    from kiosk.errors import StoreError, StoreLocked
    from kiosk.services.factory import open_service

    try:
        service = open_service(data, cfg)
        service.ledger.build_indexes()  # now, not at a customer's first tap (they are lazy)
    except StoreLocked:
        raise  # another kiosk is running: it has the screen
    except StoreError as exc:
        return store_failure(args, cfg, data, exc, layout)
    try:
        quiet_kivy(getattr(args, "verbose", False))
        from kiosk.app.wiring import build_kiosk, configure_window, make_app, run_kiosk

        configure_window(layout, cfg.ui.fullscreen and not args.window)
        kiosk = build_kiosk(cfg, data, service=service)
    except BaseException:
        service.ledger.close()
        raise
    app = make_app(kiosk)
    app.settings.layout = layout
    return run_kiosk(kiosk, app)


def store_failure(args: argparse.Namespace, cfg: Any, data: Path, exc: Any, layout: str) -> int:
    """The store cannot be opened: say so on stderr (the system journal) at once, then show
    staff the store-failure screen, with no reader or scanner open, until the process is
    asked to stop; exit 74 either way. systemd hears READY and watchdog pings from the
    screen's main loop: restarting would not mend the store, only blank the screen."""
    print(f"kanta: {exc}", file=sys.stderr, flush=True)
    status = int(exc.exit_status)
    quiet_kivy(getattr(args, "verbose", False))
    try:
        from kiosk.app.wiring import configure_window, run_until_stopped

        configure_window(layout, cfg.ui.fullscreen and not args.window)
        from kiosk import notify
        from kiosk.ui.storefailure import StoreFailureApp, failure_kind

        dog = notify.Watchdog(healthy=lambda: True)

        def ready() -> None:
            notify.status(f"store {failure_kind(exc)}: showing the store-failure screen")
            notify.ready()

        app = StoreFailureApp(
            exc, str(data), language=cfg.shop.language, layout=layout, on_ready=ready, on_tick=dog.tick
        )
    except (Exception, SystemExit) as failed:  # no window here: stderr has said it all
        log.warning("cannot show the store-failure screen: %s", failed)
        return status
    try:
        run_until_stopped(app)
    finally:
        notify.stopping()
    return status
