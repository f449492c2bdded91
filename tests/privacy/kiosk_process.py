"""The kiosk program without its screen, for the log test: `python -m
tests.privacy.kiosk_process DATA CARD...` builds the kiosk as `kanta kiosk` does (logging,
store, simulated reader, dispatcher), imports what the sync worker pulled (its idle work),
taps each card on the simulated reader, and exits (flushing the tap summary). Kivy is the
one part left out: it draws, it does not log card ids."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.app.wiring import build_kiosk
from kiosk.config import load_config
from kiosk.logs import setup_logging


def main(data: str, cards: list[str]) -> int:
    setup_logging()
    kiosk = build_kiosk(load_config(), Path(data))
    try:
        kiosk.core.start()
        kiosk.start_devices()
        kiosk.core.maintenance()  # idle work: the sync inbox
        kiosk.core.drain(30)
        for card in cards:
            kiosk.reader.tap(card)  # type: ignore[attr-defined]
            kiosk.core.drain(30)
    finally:
        kiosk.close()
    print("kiosk done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
