"""Helpers shared by the command-line verbs: data folder and config resolution, output."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import KioskConfig, load_config

if TYPE_CHECKING:
    from kiosk.services.counter import CounterService
    from kiosk.services.loyalty import LoyaltyService

APPLIANCE_DATA = Path("/var/lib/kanta")


def data_dir(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Path:
    """--data, else $KANTA_DATA, else /var/lib/kanta on the appliance, else the user folder."""
    env = os.environ if env is None else env
    if getattr(args, "data", None):
        return Path(args.data)
    if env.get("KANTA_DATA"):
        return Path(env["KANTA_DATA"])
    if APPLIANCE_DATA.is_dir() and os.access(APPLIANCE_DATA, os.W_OK):
        return APPLIANCE_DATA
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kanta"


def config(args: argparse.Namespace) -> KioskConfig:
    path = getattr(args, "config", None)
    return load_config(Path(path) if path else None)


@contextmanager
def opened_service(
    args: argparse.Namespace, cfg: KioskConfig, *, readonly: bool = False
) -> Iterator[LoyaltyService]:
    """The loyalty service over the store in the data folder; the store is closed after."""
    from kiosk.services.factory import open_service

    # Loading the store makes one small object per member field, which sets the cyclic
    # garbage collector off again and again (half the opening time at 50,000 members) to
    # find no garbage: a command runs once and exits, so the loaded store is frozen
    # instead and the collector never walks it.
    gc.disable()
    try:
        service = open_service(data_dir(args), cfg, readonly=readonly)
    finally:
        gc.freeze()
        gc.enable()
    try:
        yield service
    finally:
        service.ledger.close()


@contextmanager
def opened_counter(args: argparse.Namespace, cfg: KioskConfig) -> Iterator[CounterService]:
    """The counter service (the touchscreen's staff actions) over the data folder's store."""
    from kiosk.services.counter import CounterService

    with opened_service(args, cfg) as service:
        yield CounterService(service, card_pattern=cfg.hardware.card_number_pattern)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write("\n")
