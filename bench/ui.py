"""Benchmark the kiosk app: from a simulated card tap to the result screen drawn.

    python bench/ui.py --json                 # 50,000 members, 200 taps, 800x480
    python bench/ui.py --offscreen --screen-timeout 60 --members 2000 --taps 20 --json
                                              # no display at all (bench/arm64.py, qemu)

Phase 1 builds a store with ``--members`` members (each with a few visits) in batches.
Phase 2 runs in a fresh process on a display (Xvfb is started if there is none; with
``--offscreen`` SDL's offscreen driver draws with EGL and no display is needed): it
opens the store, starts the dispatcher thread and the Kivy app exactly as ``kanta kiosk``
wires them, and times

- ``start_to_ready_s``: from the process starting to the first screen drawn;
- ``tap_to_screen_ms``: from the simulated reader emitting ``CardTapped`` to the frame
  that shows the result having been drawn and flipped (the service's durable write,
  the hop to Kivy's clock and the rendering included), over ``--taps`` taps of
  different members, each made once the previous result has finished drawing (no frame
  for 0.1 s), as the next customer at a counter would; a screen not drawn within
  ``--screen-timeout`` seconds (5: a kiosk that slow is broken) ends the run with an error;
- ``staff_purchase_ms``: machine time of a staff purchase, from the PIN accepted to the
  amount to charge drawn: the staff menu drawn (with the card's balances), the amount
  screen drawn, then the purchase recorded and the amount-to-charge screen drawn; each
  step is timed from its call on Kivy's clock to the frame showing it flipped, and the
  steps are added (the cashier's own time between them is not counted), over
  ``--purchases`` purchases on different members.

Prints one JSON line with --json (else a short table).
"""

from __future__ import annotations

import time

_PROCESS_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def card_of(i: int) -> str:
    return f"04{i:012X}"


def build(folder: Path, members: int, visits_each: int = 3, batch: int = 2000) -> float:
    from kiosk.config import StoreConfig
    from kiosk.domain.events import STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper
    from kiosk.domain.member import MemberState, apply
    from kiosk.store.ledger import Ledger

    started = time.perf_counter()
    ledger = Ledger.open(folder, config=StoreConfig(snapshot_min_journal_bytes=1 << 62))
    rand = random.Random(1)
    stamper = Stamper(kiosk=ledger.kiosk_id, boot="bench")
    states: dict[str, MemberState] = {}
    pending: list[Any] = []
    dirty: dict[str, MemberState] = {}
    now = T0
    plan = [(i, True) for i in range(members)] + [
        (rand.randrange(members), False) for _ in range(members * visits_each)
    ]
    for n, (i, create) in enumerate(plan):
        member = f"member-{i:08d}"
        if create:
            draft = EventDraft(EventKind.MEMBER_CREATED, member, data={"card": card_of(i)}, card=card_of(i))
        else:
            draft = EventDraft(EventKind.VISIT_STAMPED, member, (Posting(VISITS, 1), Posting(STAMPS, 1)),
                               card=card_of(i))
        now += timedelta(seconds=1)
        stamper, event = stamper.stamp(draft, now, rand.randbytes(10))
        state = states.get(member) or MemberState(member)
        states[member] = dirty[member] = apply(state, event)
        pending.append(event)
        if len(pending) >= batch or n == len(plan) - 1:
            assert stamper.clock is not None
            position = {"seq": stamper.seq, "prev": stamper.prev, "hlc": stamper.clock.last.encode()}
            ledger.record(pending, list(dirty.values()), stamper=position)
            pending, dirty = [], {}
    ledger.storage.snapshot()
    ledger.close()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_app(folder: Path, members: int, taps: int, layout: str, purchases_n: int,
            screen_timeout: float) -> dict[str, Any]:
    """Phase 2, in its own process: the app as `kanta kiosk` wires it."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_HOME", str(folder / "kivy-home"))
    from kiosk.app.wiring import configure_window

    configure_window(layout, fullscreen=False)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from hardware.feedback import SimFeedback
    from hardware.sim import SimCardReader
    from kiosk.app.core import KioskCore
    from kiosk.config import RulesConfig
    from kiosk.domain.rules import SimpleRules
    from kiosk.services.loyalty import LoyaltyService
    from kiosk.staff import StaffService
    from kiosk.store.ledger import Ledger
    from kiosk.ui.app import KioskApp, UiSettings
    from kiosk.ui.viewmodel import ProgramInfo

    ledger = Ledger.open(folder / "store")
    assert ledger.member_count() == members, ledger.member_count()
    clock = lambda: datetime.now(UTC)  # noqa: E731
    service = LoyaltyService(ledger, SimpleRules(RulesConfig()), clock)
    core = KioskCore(service, StaffService(ledger.db.table("staff"), clock), SimFeedback(),
                     post=lambda fn: Clock.schedule_once(lambda _dt: fn(), 0))
    reader = SimCardReader(core.sink)
    settings = UiSettings(shop_name="Bench", layout=layout, idle_timeout_seconds=600)
    app = KioskApp(core, settings, ProgramInfo("Bench", stamps_target=10))

    ready = threading.Event()
    drawn = threading.Event()
    state: dict[str, Any] = {"pending": False, "drawn_at": 0.0, "last_flip": 0.0, "want": ""}
    results: dict[str, Any] = {}

    def on_ready() -> None:
        results["start_to_ready_s"] = time.perf_counter() - _PROCESS_START
        ready.set()

    settings.on_ready = on_ready

    def result_shown() -> None:
        state["pending"] = True
        # the same stamps and words as the previous customer change no pixel, and Kivy
        # then draws no frame: ask for one so every tap is timed to a flipped frame
        Window.canvas.ask_update()

    def flipped(*_: Any) -> None:
        state["last_flip"] = time.perf_counter()
        if state["pending"]:
            state["pending"] = False
            state["drawn_at"] = time.perf_counter()
            drawn.set()

    app.on_result_drawn = result_shown
    Window.bind(on_flip=flipped)

    def screen_changed(_sm: Any, name: str) -> None:
        if state["want"] and name == state["want"]:
            state["want"] = ""
            result_shown()

    staff_member = type("Who", (), {"name": "Bench", "role": "owner"})()

    def step(fn: Callable[[], None], screen: str) -> float:
        """Run ``fn`` on Kivy's clock; milliseconds until ``screen`` is on a flipped frame."""
        drawn.clear()
        settled(state)
        started: list[float] = []

        def run(_dt: float) -> None:
            state["want"] = screen
            started.append(time.perf_counter())
            fn()

        Clock.schedule_once(run, 0)
        if not drawn.wait(screen_timeout):
            raise RuntimeError(f"{screen} was not drawn within {screen_timeout:g} s (screen {app.current})")
        return (state["drawn_at"] - started[0]) * 1000

    def staff_purchase(card: str) -> float:
        def amount() -> None:
            app.staff.action("purchase")
            app.screen("amount").ids.pad.value = "12.50"

        total = step(lambda: app.staff.start(staff_member, card), "staff")
        total += step(amount, "amount")
        total += step(app.staff.amount_ok, "charge")
        step(app.go_idle, "idle")
        return total

    def drive() -> None:
        ready.wait(max(60.0, 12 * screen_timeout))
        time.sleep(0.5)
        rand = random.Random(7)
        cards = rand.sample(range(members), taps + 5)
        times: list[float] = []
        try:
            for i in cards[:5]:  # warm up: first textures, first glyphs
                drawn.clear()
                reader.tap(card_of(i))
                drawn.wait(screen_timeout)
            for i in cards[5:]:
                drawn.clear()
                settled(state)
                started = time.perf_counter()
                reader.tap(card_of(i))
                if not drawn.wait(screen_timeout):
                    raise RuntimeError(
                        f"the result screen was not drawn within {screen_timeout:g} s (screen {app.current},"
                        f" sounds {core.feedback.played[-3:]}, {len(times)} done)"
                    )
                times.append((state["drawn_at"] - started) * 1000)
            results["times"] = times
            results["screen"] = app.current
            app.sm.bind(current=screen_changed)
            purchases = [staff_purchase(card_of(i)) for i in cards[:purchases_n]]
            results["purchases"] = purchases
        except Exception as exc:  # report, and let the app stop
            results["error"] = str(exc)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    core.start()
    reader.start()
    threading.Thread(target=drive, daemon=True).start()
    app.run()
    reader.stop()
    core.stop()
    ledger.close()
    return results


def settled(state: dict[str, Any], quiet: float = 0.1, longest: float = 1.0) -> None:
    """Wait until the previous result has finished drawing (no frame for ``quiet`` s): the
    next customer meets a settled screen, as at a real counter."""
    deadline = time.perf_counter() + longest
    while time.perf_counter() < deadline:
        if time.perf_counter() - state["last_flip"] >= quiet:
            return
        time.sleep(0.01)


def ensure_display() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if shutil.which("Xvfb") is None:
        raise SystemExit("bench/ui.py needs a display or Xvfb (apt-get install xvfb)")
    for n in range(150, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x1400x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"
    return proc


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--taps", type=int, default=200)
    parser.add_argument("--purchases", type=int, default=50)
    parser.add_argument("--layout", choices=("landscape", "portrait"), default="landscape")
    parser.add_argument("--offscreen", action="store_true",
                        help="draw with SDL's offscreen driver (EGL), no display or Xvfb")
    parser.add_argument("--screen-timeout", type=float, default=5.0, metavar="SECONDS",
                        help="longest wait for a screen to be drawn (default 5; raise it under emulation)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--phase2", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 0.5 <= args.screen_timeout <= 600:
        parser.error("--screen-timeout must be 0.5..600 seconds")
    if args.phase2:
        print(json.dumps(run_app(Path(args.phase2), args.members, args.taps, args.layout, args.purchases,
                                 args.screen_timeout)))
        return 0
    if args.offscreen:
        # inherited by phase 2; SDL then needs no X server (DISPLAY is ignored)
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ["KIVY_WINDOW"] = "sdl2"
    work = Path(tempfile.mkdtemp(prefix="kanta-bench-ui-"))
    xvfb = None if args.offscreen else ensure_display()
    try:
        build_s = build(work / "store", args.members)
        child = subprocess.run(
            [sys.executable, __file__, "--phase2", str(work), "--members", str(args.members),
             "--taps", str(args.taps), "--layout", args.layout, "--purchases", str(args.purchases),
             "--screen-timeout", str(args.screen_timeout)],
            capture_output=True, text=True,
            # every screen may take the longest wait, and the start twelve of them
            timeout=600 + (args.taps + 5 + 4 * args.purchases + 12) * args.screen_timeout,
        )
        lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
        if child.returncode != 0 or not lines:
            print(child.stdout[-2000:], child.stderr[-4000:], file=sys.stderr)
            return 1
        measured = json.loads(lines[-1])
        if "error" in measured:
            print(f"bench/ui.py: {measured['error']}", file=sys.stderr)
            return 1
        times = measured["times"]
        report = {
            "members": args.members,
            "taps": len(times),
            "layout": args.layout,
            "window": "offscreen" if args.offscreen else "display",
            "tap_to_screen_p50_ms": round(statistics.median(times), 1),
            "tap_to_screen_p99_ms": round(percentile(times, 0.99), 1),
            "tap_to_screen_max_ms": round(max(times), 1),
            "staff_purchases": len(measured["purchases"]),
            "staff_purchase_p50_ms": round(statistics.median(measured["purchases"]), 1),
            "staff_purchase_p99_ms": round(percentile(measured["purchases"], 0.99), 1),
            "staff_purchase_max_ms": round(max(measured["purchases"]), 1),
            "start_to_ready_s": round(measured["start_to_ready_s"], 2),
            "build_s": round(build_s, 1),
        }
    finally:
        if xvfb is not None:
            xvfb.terminate()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:<24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
