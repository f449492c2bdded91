"""Wire a running kiosk: config -> store, services, hardware, the dispatcher, the app.

This is the only place that knows both the devices and the screens. ``kanta kiosk`` and
``kanta demo`` call ``run_kiosk``; tests and the benchmark build the pieces themselves.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hardware.factory import open_card_reader, open_feedback, open_scanner
from hardware.interfaces import CardReader, CodeScanner, Feedback
from kiosk.app.core import KioskCore
from kiosk.config import KioskConfig
from kiosk.domain.programs.engine import ProgramRules
from kiosk.errors import ConfigError
from kiosk.services.counter import CounterService
from kiosk.services.factory import open_service
from kiosk.services.loyalty import LoyaltyService
from kiosk.staff import StaffService
from kiosk.ui.viewmodel import ProgramInfo

log = logging.getLogger(__name__)

STAFF_TABLE = "staff"


def staff_service(service: LoyaltyService) -> StaffService:
    return StaffService(service.ledger.db.table(STAFF_TABLE), service.clock)


def program_info(config: KioskConfig, service: LoyaltyService) -> ProgramInfo:
    """What the screens say about the program and what the counter offers; a program
    file's members are summarised through the program engine's own member view."""
    rules = service.rules
    target = getattr(rules, "stamps_for_reward", None)
    info = ProgramInfo(
        shop_name=config.shop.name,
        currency=config.shop.currency,
        stamps_target=target if isinstance(target, int) else None,
        points_per_unit=config.rules.points_per_unit,
        require_join=bool(rules.require_join),
        offers=CounterService(service).offers(),
    )
    if not isinstance(rules, ProgramRules):
        return info
    spec = rules.spec
    first_card = spec.stamp_cards[0] if spec.stamp_cards else None
    per_unit = spec.points.per_unit if spec.points is not None else None
    welcome = spec.welcome
    return replace(
        info,
        stamps_target=first_card.reward_at if first_card else None,
        points_per_unit=int(per_unit) if per_unit is not None and per_unit == int(per_unit) else 0,
        program=rules,
        welcome_bonus=welcome is not None and bool(welcome.points or welcome.stamps or welcome.credit),
    )


@dataclass
class OwnerWork:
    """Counted by the kiosk's idle work, read by its health report."""

    cards_to_merge: int = 0


@dataclass
class Kiosk:
    """Everything a running kiosk owns; ``close()`` releases it in order."""

    config: KioskConfig
    data_dir: Path
    service: LoyaltyService
    core: KioskCore
    feedback: Feedback
    reader: CardReader
    scanner: CodeScanner
    extras: dict[str, Any] = field(default_factory=dict)
    #: what the last idle work left for the owner (shown by `kanta status`)
    owner_work: OwnerWork = field(default_factory=OwnerWork)

    def start_devices(self) -> None:
        for device in (self.reader, self.scanner):
            try:
                device.start()
            except Exception as exc:  # a missing device is a banner, not a crash
                log.error("cannot start %s: %s", type(device).__name__, exc)

    def close(self) -> None:
        for device in (self.reader, self.scanner):
            try:
                device.stop()
            except Exception:
                log.exception("stopping %s", type(device).__name__)
        self.core.stop()
        try:
            self.feedback.close()
        finally:
            self.service.ledger.close()


def build_kiosk(
    config: KioskConfig,
    data_dir: Path,
    *,
    post: Callable[[Callable[[], None]], None] | None = None,
    service: LoyaltyService | None = None,
) -> Kiosk:
    service = service or open_service(data_dir, config)
    service.ledger.build_indexes()  # a kiosk runs for months: its first tap must not pay for them
    owner_work = OwnerWork()
    feedback = open_feedback(config.hardware)
    hw = config.hardware
    core = KioskCore(
        service,
        staff_service(service),
        feedback,
        post=post,
        reader_configured=hw.card_reader != "none",
        scanner_configured=hw.scanner != "none",
        sync_status=lambda: _sync_status(service, data_dir),
        redeem_gate=_redeem_gate(config, service, data_dir),
        idle_work=lambda: _import_sync_inbox(service, data_dir, owner_work, config),
        consent=config.consent,
    )
    reader = open_card_reader(hw, core.sink, data_dir=data_dir)
    scanner = open_scanner(hw, core.sink, data_dir=data_dir)
    return Kiosk(config, data_dir, service, core, feedback, reader, scanner, owner_work=owner_work)


def _import_sync_inbox(
    service: LoyaltyService,
    data_dir: Path,
    owner_work: OwnerWork | None = None,
    config: KioskConfig | None = None,
) -> object:
    """Other kiosks' events the sync worker pulled: applied here, by the store's one writer;
    then contact details the owner imported for this kiosk to keep are kept; then a card
    made a member at two kiosks offline becomes one member again, unless one of them
    joined: those are counted for the owner."""
    from kiosk.services.replication import idle_sync_import
    from sync.contact_handover import IDLE_BATCH, apply_pending

    result = idle_sync_import(service.ledger, service.recorder, data_dir)
    if config is not None:
        apply_pending(data_dir, service, config.consent, config.shop.language, limit=IDLE_BATCH)
    service.merge_duplicate_cards()
    if owner_work is not None:
        owner_work.cards_to_merge = service.cards_for_the_owner()
    return result


def _sync_status(service: LoyaltyService, data_dir: Path) -> tuple[str | None, int | None]:
    """The sync worker's last good cycle (its status file beside the store) and how many of
    this kiosk's events the server has not acknowledged yet; (None, None) when not paired."""
    from kiosk.syncstatus import load_status
    from sync.state import load_state

    try:
        if not load_state(data_dir).paired:
            return None, None
    except Exception as exc:  # a damaged state file: say so on the status screen
        return f"? ({exc})", None
    status = load_status(data_dir)
    seq = int(service.ledger.meta.get("seq", 0))
    pushed = status.get("pushed_seq")
    same_kiosk = status.get("kiosk") == service.ledger.kiosk_id
    waiting = seq - pushed if isinstance(pushed, int) and same_kiosk else seq
    last = status.get("last_ok")
    text = str(last)[:16].replace("T", " ") if isinstance(last, str) else None
    if status.get("last_error"):
        text = f"{text or '-'} (last try failed)"
    return text, max(0, waiting)


def _reward_value(rules: Any, reward: str | None) -> int:
    spec = getattr(rules, "spec", None)
    if spec is None:
        return 0
    for card in spec.stamp_cards:
        if reward in (None, card.id):
            return int(card.reward_value)
    if spec.points is not None:
        for r in spec.points.rewards:
            if r.id == reward:
                return int(r.value)
    return 0


def _redeem_gate(
    config: KioskConfig, service: LoyaltyService, data_dir: Path
) -> Callable[[str | None], bool]:
    """``[sync] redeem_online_above_cents``: bigger rewards need the server reached lately."""
    limit = config.sync.redeem_online_above_cents

    def allowed(reward: str | None) -> bool:
        if limit is None:
            return True
        from sync.client import redemption_allowed

        return redemption_allowed(data_dir, _reward_value(service.rules, reward), limit)

    return allowed


def configure_window(layout: str, fullscreen: bool, size: tuple[int, int] | None = None) -> None:
    """Set Kivy's window before it is created (must run before importing kivy.core.window)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # the dispatcher thread schedules the result on Kivy's clock: an "interrupt" clock
    # wakes the main loop at once instead of when the next frame would have been due
    os.environ.setdefault("KIVY_CLOCK", "interrupt")
    from kivy.config import Config

    if size is None:
        size = (720, 1280) if layout == "portrait" else (800, 480)
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "1")
    # no multisampling: with Kivy's default of 2 samples every frame cost about three times
    # the CPU where the GL is drawn in software (llvmpipe: 39 -> 12 ms a frame at 800x480),
    # and a tap's result waited for a frame still being swapped; the round shapes are
    # drawn with Kivy's own antialiased Smooth* instructions instead
    Config.set("graphics", "multisamples", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")


def make_app(kiosk: Kiosk, *, demo_keys: dict[str, Callable[[], None]] | None = None,
             demo_help: bool = False) -> Any:
    """The Kivy app over a built kiosk (imports Kivy: call after ``configure_window``)."""
    from kivy.clock import Clock

    from kiosk.ui.app import KioskApp, UiSettings

    ui = kiosk.config.ui
    try:
        from kiosk import notify
        from kiosk.health import HealthPublisher, HealthReport

        # Pings mean "the main loop runs". A store that cannot write is shown on screen,
        # on the status light and by `kanta status`; restarting every 30 s would only
        # make the screen flicker without freeing the disk.
        dog = notify.Watchdog(healthy=lambda: True)
        hw = kiosk.config.hardware
        started_at = time.time()

        def report() -> HealthReport:
            status = kiosk.core.status
            return HealthReport(
                started_at=started_at,
                card_reader=hw.card_reader,
                scanner=hw.scanner,
                reader_connected=status.reader,
                scanner_connected=status.scanner,
                last_tap_at=kiosk.core.last_tap_at,
                storage_ok=status.store_ok,
                storage_error=None if status.store_ok else "the store cannot write",
                cards_to_merge=kiosk.owner_work.cards_to_merge,
            )

        health = HealthPublisher(kiosk.data_dir, report)
        # off the main loop: the publish writes a file and once a minute runs timedatectl
        # (a fork of this big process and a D-Bus call, up to its 3 s timeout), which
        # would hold up a tap's screen; the watchdog's ping stays on the loop it vouches for
        publish = OffLoop(health.tick, "kanta-health")

        def on_ready() -> None:
            notify.ready()

        def on_tick() -> None:
            dog.tick()
            publish.kick()

    except ImportError:  # pragma: no cover - the appliance module is optional
        on_ready = on_tick = None  # type: ignore[assignment]
    settings = UiSettings(
        shop_name=kiosk.config.shop.name,
        currency=kiosk.config.shop.currency,
        language=kiosk.config.shop.language,
        idle_timeout_seconds=ui.idle_timeout_seconds,
        staff_timeout_seconds=ui.staff_timeout_seconds,
        layout=ui.layout,
        maintenance_interval_seconds=ui.maintenance_interval_seconds,
        demo_help=demo_help,
        logo=_logo(kiosk.config.shop.logo),
        accent=kiosk.config.shop.colour,
        demo_keys=demo_keys or {},
        on_ready=on_ready,
        on_main_loop_tick=on_tick,
    )
    kiosk.core.post = lambda fn: Clock.schedule_once(lambda _dt: fn(), 0)
    return KioskApp(kiosk.core, settings, program_info(kiosk.config, kiosk.service))


class OffLoop:
    """Runs ``work`` on its own daemon thread each time the main loop ``kick()``s it: at
    most one run at a time, and kicks while it runs make one more run, not a queue."""

    def __init__(self, work: Callable[[], object], name: str) -> None:
        self._work = work
        self._kicked = threading.Event()
        threading.Thread(target=self._loop, name=name, daemon=True).start()

    def kick(self) -> None:
        self._kicked.set()

    def _loop(self) -> None:
        while True:
            self._kicked.wait()
            self._kicked.clear()
            try:
                self._work()
            except Exception:  # never let the publisher die with the kiosk running
                log.exception("%s failed", threading.current_thread().name)


def _logo(path: str) -> str:
    """The shop's logo, checked before the window opens: a missing file is said, not blank."""
    if not path:
        return ""
    if not Path(path).is_file():
        raise ConfigError(f"shop.logo = {path!r}: no such file (a PNG image is expected)")
    return path


def run_kiosk(kiosk: Kiosk, app: Any) -> int:
    """Run the app until its window closes or the process is asked to stop (SIGTERM from
    systemd, Ctrl-C in the demo's terminal); then stop the devices and close the store."""
    t0 = time.perf_counter()

    def start() -> None:
        kiosk.core.start()
        kiosk.start_devices()

    try:
        run_until_stopped(app, start)
    finally:
        try:
            from kiosk import notify

            notify.stopping()
        except ImportError:  # pragma: no cover
            pass
        kiosk.close()
    log.debug("kiosk ran %.0f s", time.perf_counter() - t0)
    return 0


def run_until_stopped(app: Any, start: Callable[[], None] | None = None) -> None:
    """Run a Kivy app until its window closes or SIGTERM/SIGINT asks the process to stop;
    ``start`` runs once the signals are caught, before the app."""
    import signal

    from kivy.clock import Clock

    # A signal handler runs on the main thread between any two bytecodes, possibly inside
    # Kivy's Clock while it holds its lock (the dispatcher schedules on it all the time):
    # calling the Clock from the handler could deadlock the kiosk on its way down. The
    # handler only notes the request; the main loop looks for it.
    requested: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        requested.append(signum)

    def look_for_stop(_dt: float) -> None:
        if requested:
            log.info("signal %d: stopping the kiosk", requested[0])
            app.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    Clock.schedule_interval(look_for_stop, 0.1)
    try:
        if start is not None:
            start()
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
