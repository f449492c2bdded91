"""Where a running kiosk publishes its live state (health, the sync worker's status).

``$KANTA_RUN_DIR``, else systemd's ``$RUNTIME_DIRECTORY`` / ``/run/kanta`` (a RAM disk:
files rewritten every few seconds never wear the SD card), else ``<data>/run`` on a
desktop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SYSTEM_RUN_DIR = Path("/run/kanta")


def run_dir(data_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("KANTA_RUN_DIR"):
        return Path(env["KANTA_RUN_DIR"])
    if env.get("RUNTIME_DIRECTORY"):
        return Path(env["RUNTIME_DIRECTORY"].split(":")[0])
    if SYSTEM_RUN_DIR.is_dir():
        return SYSTEM_RUN_DIR
    return Path(data_dir) / "run"
