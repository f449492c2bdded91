"""`kanta kiosk`: the touchscreen app with the configured hardware (staff PINs: `kanta staff`).

Kivy is imported inside the handler only, so the other verbs start fast.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from kiosk.cli import common
from kiosk.cli.verbs import help_for


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
