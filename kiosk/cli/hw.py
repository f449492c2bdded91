"""`kanta hw list|watch`: what hardware this machine has, and what it does, for installers.

``hw watch`` opens every real card reader and scanner it can find, whatever the kiosk
config says (the config's scanner pattern is added to the usual ``*-event-kbd``), and
prints each tap, scan, connect and disconnect as it happens. Card UIDs are printed in
full here, because the installer asked for them; the kiosk's logs never do that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import queue
import sys
import time
import warnings
from typing import Any

from hardware.events import (
    CardTapped,
    CardUnreadable,
    CodeRejected,
    CodeScanned,
    HardwareEvent,
    ReaderConnected,
    ReaderDisconnected,
    ScannerConnected,
    ScannerDisconnected,
    event_to_json,
)
from hardware.factory import code_validator
from hardware.interfaces import EventSource
from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.config import KioskConfig
from kiosk.errors import KantaError

#: the by-id names of USB keyboards, which is what barcode scanners are
USUAL_SCANNER_MATCH = "*-event-kbd"


def register(sub: Any) -> None:
    hw = sub.add_parser(
        "hw",
        help=help_for("hw"),
        description="Hardware diagnostics: which card readers, scanners and GPIO this "
        "machine has (list), and what they report as it happens (watch).",
    )
    verbs = hw.add_subparsers(dest="hw_command", metavar="VERB", required=True)
    listing = verbs.add_parser(
        "list", help="card readers, barcode scanners and the GPIO pin factory found",
        description="List PC/SC card readers, input devices that look like barcode "
        "scanners (/dev/input/by-id/), and the GPIO pin factory, plus the configured "
        "backends.",
    )
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(handler=run_list)
    watch = verbs.add_parser(
        "watch", help="print every tap, scan, connect and disconnect until Ctrl-C",
        description="Open every card reader and scanner found (whatever the kiosk config "
        "says) and print each event as it happens; Ctrl-C ends. Scanners are grabbed as "
        "the kiosk grabs them: their keys reach nothing else meanwhile.",
    )
    watch.add_argument("--json", action="store_true",
                       help="one JSON object a line (the UID as hex)")
    watch.add_argument("--no-grab", action="store_true",
                       help="do not grab scanners (when you type on a keyboard that matches)")
    watch.add_argument("--seconds", type=float, default=None, metavar="N",
                       help="stop after N seconds instead of waiting for Ctrl-C")
    watch.set_defaults(handler=run_watch)


def _scanner_patterns(cfg: KioskConfig) -> list[str]:
    return list(dict.fromkeys([cfg.hardware.scanner_match, USUAL_SCANNER_MATCH]))


def _pcsc_report() -> dict[str, Any]:
    from hardware.pcsc import list_pcsc_readers

    try:
        return {"available": True, "readers": list_pcsc_readers(), "problem": None}
    except KantaError as exc:
        return {"available": False, "readers": [], "problem": str(exc)}


def _scanner_report(cfg: KioskConfig) -> dict[str, Any]:
    from hardware.scanner import BY_ID_DIR, evdev_available, find_scanner_paths

    configured = {p.name for p in find_scanner_paths([cfg.hardware.scanner_match])}
    found = find_scanner_paths(_scanner_patterns(cfg))
    return {
        "available": evdev_available() is None,
        "problem": evdev_available(),
        "folder": str(BY_ID_DIR),
        "match": cfg.hardware.scanner_match,
        "devices": [{"name": p.name, "path": str(p.resolve()), "matches_config": p.name in
                     configured} for p in found],
    }


def _gpio_report() -> dict[str, Any]:
    try:
        from gpiozero import Device
    except ImportError as exc:
        return {"factory": None, "problem": f"gpiozero cannot be loaded ({exc})"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            factory = Device.pin_factory or Device._default_pin_factory()
    except Exception as exc:  # gpiozero's BadPinFactory and friends
        return {"factory": None, "problem": str(exc)}
    name = type(factory).__name__
    if factory is not Device.pin_factory:
        factory.close()
    return {"factory": name, "problem": None}


def run_list(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    report = {
        "configured": {"card_reader": cfg.hardware.card_reader, "scanner": cfg.hardware.scanner,
                       "feedback": cfg.hardware.feedback},
        "pcsc": _pcsc_report(),
        "scanners": _scanner_report(cfg),
        "gpio": _gpio_report(),
    }
    if args.json:
        common.print_json(report)
        return 0
    conf = report["configured"]
    print(f"configured backends: card_reader={conf['card_reader']} scanner={conf['scanner']}"
          f" feedback={conf['feedback']}")
    pcsc = report["pcsc"]
    print("card readers (PC/SC):")
    if pcsc["problem"]:
        print(f"  none: {pcsc['problem']}")
    for reader in pcsc["readers"] or ([] if pcsc["problem"] else ["(none plugged in)"]):
        print(f"  {reader}")
    scanners = report["scanners"]
    print(f"barcode scanners ({scanners['folder']}, config match {scanners['match']!r}):")
    if scanners["problem"]:
        print(f"  {scanners['problem']}")
    for device in scanners["devices"]:
        note = "" if device["matches_config"] else "   (not matched by the config)"
        print(f"  {device['name']} -> {device['path']}{note}")
    if not scanners["devices"]:
        print("  (none found)")
    gpio = report["gpio"]
    print(f"GPIO pin factory: {gpio['factory'] or 'none'}"
          + (f" ({gpio['problem']})" if gpio["problem"] else ""))
    return 0


def _describe(event: HardwareEvent) -> str:
    if isinstance(event, CardTapped):
        kind = "random UID: a phone" if event.random_uid else f"{len(event.uid) // 2}-byte UID"
        return f"tap         {event.uid} ({kind}) on {event.reader}"
    if isinstance(event, CardUnreadable):
        return f"unreadable  on {event.reader}: {event.reason}"
    if isinstance(event, ReaderConnected):
        return f"connected   reader {event.reader}"
    if isinstance(event, ReaderDisconnected):
        return f"gone        reader {event.reader} ({event.reason})"
    if isinstance(event, CodeScanned):
        return f"scan        {event.text} ({event.kind}) from {event.device}"
    if isinstance(event, CodeRejected):
        return f"rejected    {event.raw!r} from {event.device}: {event.reason}"
    if isinstance(event, ScannerConnected):
        return f"connected   scanner {event.device}"
    if isinstance(event, ScannerDisconnected):
        return f"gone        scanner {event.device} ({event.reason})"
    return repr(event)  # pragma: no cover - every event type is listed above


def _open_watchers(cfg: KioskConfig, sink: Any, grab: bool) -> list[EventSource]:
    watchers: list[EventSource] = []
    try:
        from hardware.pcsc import PcscCardReader

        watchers.append(PcscCardReader(sink))
    except KantaError as exc:
        print(f"kanta hw watch: no card readers: {exc}", file=sys.stderr)
    try:
        from hardware.scanner import EvdevScanner

        watchers.append(EvdevScanner(
            sink, validator=code_validator(cfg.hardware), match=_scanner_patterns(cfg),
            layout=cfg.hardware.keyboard_layout,
            timeout_s=cfg.hardware.scan_timeout_ms / 1000, grab=grab))
    except KantaError as exc:
        print(f"kanta hw watch: no scanners: {exc}", file=sys.stderr)
    return watchers


def run_watch(args: argparse.Namespace) -> int:
    cfg = common.config(args)
    events: queue.Queue[HardwareEvent] = queue.Queue()
    watchers = _open_watchers(cfg, events.put, grab=not args.no_grab)
    if not args.json:
        print("watching card readers and scanners; Ctrl-C to stop", file=sys.stderr)
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        for watcher in watchers:
            watcher.start()
        while deadline is None or time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            now = dt.datetime.now(dt.UTC).astimezone()
            if args.json:
                line = json.dumps({"time": now.isoformat(timespec="milliseconds"),
                                   **event_to_json(event)}, ensure_ascii=False)
            else:
                line = f"{now:%H:%M:%S} {_describe(event)}"
            print(line, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        for watcher in watchers:
            watcher.stop()
    return 0
