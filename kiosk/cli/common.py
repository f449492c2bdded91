"""Helpers shared by the command-line verbs: data folder and config resolution, output."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli import process
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
        process.keep(service)  # freed by the process's end, not object by object


@contextmanager
def opened_counter(args: argparse.Namespace, cfg: KioskConfig) -> Iterator[CounterService]:
    """The counter service (the touchscreen's staff actions) over the data folder's store."""
    from kiosk.services.counter import CounterService

    with opened_service(args, cfg) as service:
        yield CounterService(service, card_pattern=cfg.hardware.card_number_pattern)


def demo_pointer(env: Mapping[str, str] | None = None) -> Path:
    """Where a running `kanta demo` names its data folder, for `kanta sim` in another
    terminal: the user's runtime folder ($XDG_RUNTIME_DIR, else the temporary folder)."""
    env = os.environ if env is None else env
    base = env.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"kanta-demo-{os.getuid()}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def announced_demo(folder: Path) -> Iterator[None]:
    """While the demo runs, its pointer file names its folder; removed when it ends."""
    from kiosk.store.disk import write_atomic  # the one atomic-write helper

    pointer = demo_pointer()
    write_atomic(pointer, json.dumps({"data": str(folder.resolve()), "pid": os.getpid()}).encode())
    try:
        yield
    finally:
        if running_demo_folder() == folder.resolve():
            pointer.unlink(missing_ok=True)


def running_demo_folder() -> Path | None:
    """The data folder of the `kanta demo` running now, if one is."""
    try:
        with demo_pointer().open("rb") as f:
            doc = json.loads(f.read(4096))
        folder, pid = Path(doc["data"]), int(doc["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return folder if _alive(pid) and folder.is_dir() else None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write("\n")
