"""The kiosk's health: what the running app publishes, and what `kanta status` reports.

The contract between the app and everything that asks how it is doing:

* the running kiosk app calls ``write_health(data_dir, HealthReport(...))`` every few
  seconds (from a Kivy Clock interval; it costs one small atomic file write);
* the file is ``health.json`` in the kiosk's *run folder*: ``$KANTA_RUN_DIR``, else
  systemd's ``$RUNTIME_DIRECTORY`` / ``/run/kanta`` (a RAM disk: publishing health never
  wears the SD card), else ``<data>/run`` on a desktop;
* ``read_health(data_dir)`` and ``collect_status(data_dir)`` read it beside the running
  app, never taking the store's lock. ``collect_status`` gathers the whole picture (app,
  reader, scanner, last tap, store, sync, disk, clock) as a JSON-ready dict: the same dict
  ``kanta status --json`` prints and the sync worker sends in its heartbeat.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kiosk import syncstatus
from kiosk.rundir import run_dir
from kiosk.store.disk import write_atomic
from kiosk.store.records import files_status

HEALTH_FILE = "health.json"
#: the app writes every few seconds; older than this, it is taken as hung
STALE_AFTER_S = 30.0
#: free space on the data folder's file system below either of these needs attention
LOW_DISK_BYTES = 200 * 1024 * 1024
LOW_DISK_FRACTION = 0.05
#: unsynced events older than this need attention (they exist only on this SD card)
SYNC_OVERDUE_S = 24 * 3600.0

OK, WARN, FAIL, UNKNOWN = "ok", "warn", "fail", "unknown"


@dataclass
class HealthReport:
    """What the running kiosk app knows about itself. Times are Unix seconds (wall clock)."""

    pid: int = field(default_factory=os.getpid)
    started_at: float = field(default_factory=time.time)
    #: backends in use ("pcsc", "evdev", "sim", "none")
    card_reader: str | None = None
    scanner: str | None = None
    #: None when the backend cannot tell, or there is none
    reader_connected: bool | None = None
    scanner_connected: bool | None = None
    last_tap_at: float | None = None
    taps_today: int | None = None
    #: False once a write failed (full or failing disk): the kiosk refuses taps then
    storage_ok: bool = True
    storage_error: str | None = None
    clock_synced: bool | None = None
    screen: str | None = None
    version: str | None = None
    #: cards held by two members, one of whom joined: the owner merges them
    cards_to_merge: int | None = None
    #: set by write_health
    updated_at: float = 0.0


def write_health(
    data_dir: Path, report: HealthReport, env: Mapping[str, str] | None = None
) -> Path | None:
    """Publish ``report`` atomically (temp file + rename). Never raises: a kiosk with a
    full disk must keep running and the missing/stale file is itself the signal."""
    folder = run_dir(data_dir, env)
    report.updated_at = time.time()
    body = json.dumps(asdict(report), sort_keys=True).encode()
    path = folder / HEALTH_FILE
    try:
        write_atomic(path, body, durable=False)
    except OSError:
        return None
    return path


def clear_health(data_dir: Path, env: Mapping[str, str] | None = None) -> None:
    """Call on a clean exit so `kanta status` says 'not running' at once."""
    with contextlib.suppress(OSError):
        (run_dir(data_dir, env) / HEALTH_FILE).unlink()


def read_health(data_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The last published report as a dict (unknown fields kept), or None."""
    for folder in dict.fromkeys([run_dir(data_dir, env), Path(data_dir) / "run"]):
        try:
            data = json.loads((folder / HEALTH_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return None


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


# ---- the clock -------------------------------------------------------------------------------

_STA_UNSYNC = 0x0040
_TIME_ERROR = 5


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h>; the trailing padding is generous on purpose
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_pad", ctypes.c_int * 32),
    ]


def _clock_synced_adjtimex() -> bool | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        tx = _Timex()
        state = libc.adjtimex(ctypes.byref(tx))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return not (tx.status & _STA_UNSYNC) and state != _TIME_ERROR


_NOTIFY_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


def _clock_synced_timedatectl() -> bool | None:
    exe = shutil.which("timedatectl")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
            # systemd's tools report their own failures to $NOTIFY_SOCKET ("ERRNO=…"),
            # which would reach the kiosk's service manager as if the kiosk had sent it
            env={k: v for k, v in os.environ.items() if k not in _NOTIFY_VARIABLES},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip().lower()
    if out.returncode != 0 or value not in ("yes", "no"):
        return None
    return value == "yes"


def clock_synced() -> bool | None:
    """Is the system clock synchronised (NTP)? None when it cannot be told.

    timedatectl when systemd runs, else the kernel's own flag (adjtimex, STA_UNSYNC).
    The kiosk never waits for this: a wrong clock is reported, not a reason to stop.
    """
    synced = _clock_synced_timedatectl()
    if synced is None:
        synced = _clock_synced_adjtimex()
    return synced


class HealthPublisher:
    """Publishes the app's health every ``every`` seconds from its main loop.

    ``build`` returns the current ``HealthReport`` (the app fills in reader, scanner, last
    tap, storage); ``clock_synced`` is filled in here, probed at most once a minute. Call
    ``tick()`` from the same Kivy Clock interval as ``notify.Watchdog.tick()``, and
    ``close()`` on a clean exit.
    """

    def __init__(
        self,
        data_dir: Path,
        build: Callable[[], HealthReport],
        *,
        every: float = 5.0,
        clock_every: float = 60.0,
        env: Mapping[str, str] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        probe_clock: Callable[[], bool | None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._build = build
        self.every = every
        self.clock_every = clock_every
        self._env = env
        self._now = monotonic
        self._probe = probe_clock or clock_synced
        self._last: float | None = None
        self._clock_at: float | None = None
        self._clock: bool | None = None

    def tick(self) -> bool:
        now = self._now()
        if self._last is not None and now - self._last < self.every:
            return False
        self._last = now
        if self._clock_at is None or now - self._clock_at >= self.clock_every:
            self._clock_at = now
            self._clock = self._probe()
        try:
            report = self._build()
        except Exception:  # a broken report must not stop the kiosk; a stale file says it
            logging.getLogger(__name__).exception("building the health report failed")
            return False
        if report.clock_synced is None:
            report.clock_synced = self._clock
        return write_health(self.data_dir, report, self._env) is not None

    def close(self) -> None:
        clear_health(self.data_dir, self._env)


# ---- collecting the status -------------------------------------------------------------------


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def collect_status(
    data_dir: Path,
    *,
    now: float | None = None,
    env: Mapping[str, str] | None = None,
    clock: bool | str | None = "probe",
    disk_usage: Callable[[Path], Any] | None = None,
) -> dict[str, Any]:
    """Everything `kanta status` shows, as a JSON-ready dict with a ``checks`` list.

    Each check is ``{"name", "level": ok|warn|fail|unknown, "detail"}``; ``attention`` is
    True when any check failed. Never raises for a missing or odd file: it says so.
    ``disk_usage`` tells the data folder's file system's ``total`` and ``free`` bytes
    (``shutil.disk_usage`` unless given).
    """
    data_dir = Path(data_dir)
    now = time.time() if now is None else now
    checks: list[dict[str, Any]] = []

    def check(name: str, level: str, detail: str, code: str = "", **params: str | int) -> None:
        """``detail`` in English for `kanta status`; ``code`` and ``params`` (HEARTBEAT_CODES)
        for the owner's console, which says it in the owner's language."""
        checks.append({"name": name, "level": level, "detail": detail})
        if code:
            checks[-1].update(code=code, params=params)

    # the app
    health = read_health(data_dir, env)
    running = False
    if health is None:
        check("app", FAIL, "the kiosk app is not running (no health report)")
    else:
        pid = health.get("pid")
        age = now - (_num(health.get("updated_at")) or 0.0)
        if not isinstance(pid, int) or not pid_alive(pid):
            check("app", FAIL, f"the kiosk app is not running (pid {pid} is gone)")
        elif age > STALE_AFTER_S:
            check("app", FAIL, f"the kiosk app (pid {pid}) has not reported for {age:.0f} s: hung?")
        else:
            running = True
            started = _num(health.get("started_at"))
            up = f", up {_duration(now - started)}" if started else ""
            check("app", OK, f"running (pid {pid}{up})")
    if running and health is not None:
        for name, key, backend in (
            ("reader", "reader_connected", "card_reader"),
            ("scanner", "scanner_connected", "scanner"),
        ):
            kind = health.get(backend)
            connected = health.get(key)
            named = {"backend": str(kind)[:20]} if kind else {}
            if kind == "none":
                check(name, OK, "not configured", "not_configured")
            elif connected is True:
                check(name, OK, f"connected ({kind})" if kind else "connected", "connected", **named)
            elif connected is False:
                detail = f"not connected ({kind}): check the USB cable" if kind else "not connected"
                check(name, FAIL, detail, "not_connected", **named)
            else:
                check(name, UNKNOWN, "the app cannot tell", "app_cannot_tell")
        if health.get("storage_ok", True) is False:
            check("storage", FAIL, str(health.get("storage_error") or "the store cannot be written"))
        to_merge = health.get("cards_to_merge")
        if isinstance(to_merge, int) and to_merge > 0:
            check(
                "members",
                WARN,
                f"{to_merge} card(s) held by two members, one of whom joined: the owner merges "
                "them (`kanta member duplicates`)",
                "cards_to_merge",
                n=to_merge,
            )
    else:
        check("reader", UNKNOWN, "unknown while the app is not running", "app_not_running")
        check("scanner", UNKNOWN, "unknown while the app is not running", "app_not_running")
    last_tap = _num((health or {}).get("last_tap_at"))
    check("last_tap", OK if last_tap else UNKNOWN,
          f"{_ago(now, last_tap)}" if last_tap else "no tap since the app started")

    # the store
    store = files_status(data_dir)
    if not store["exists"]:
        check("store", FAIL, f"no Kanta store in {data_dir}")
    else:
        snap = store["last_snapshot_at"]
        check(
            "store",
            OK,
            f"{_size(store['total_bytes'])} ({store['ledger_segments']} ledger segments, journal "
            f"{_size(store['journal_bytes'])}); last snapshot {_ago(now, snap) if snap else 'never'}",
        )

    # sync
    sync = syncstatus.summary(data_dir, env)
    if sync is None:
        check("sync", UNKNOWN, "not paired with a server, or the sync worker never ran (no sync status)")
    else:
        pending = sync["pending"]
        last = sync["last_sync_at"]
        count = "?" if pending is None else str(pending)
        detail = f"last sync {_ago(now, last) if last else 'never'}, {count} pending"
        if sync.get("last_error"):
            detail += f"; last error: {sync['last_error']}"
        overdue = pending and (last is None or now - last > SYNC_OVERDUE_S)
        if overdue:
            detail += " (overdue: these events exist only on this kiosk)"
        check("sync", FAIL if overdue else OK, detail)

    # the disk
    disk: dict[str, Any] = {}
    try:
        usage = (disk_usage or shutil.disk_usage)(data_dir if data_dir.exists() else data_dir.parent)
        disk = {"free_bytes": usage.free, "total_bytes": usage.total}
        low = usage.free < LOW_DISK_BYTES or usage.free < usage.total * LOW_DISK_FRACTION
        check("disk", FAIL if low else OK,
              f"{_size(usage.free)} free of {_size(usage.total)}" + (": nearly full" if low else ""),
              "disk_nearly_full" if low else "disk_free", free=usage.free, total=usage.total)
    except OSError as exc:
        check("disk", UNKNOWN, f"cannot tell ({exc.strerror})", "cannot_tell")

    # the clock: a wrong clock is a warning, not a failure: the kiosk works without it
    synced = clock_synced() if clock == "probe" else clock
    if synced is None and health is not None and running:
        synced = health.get("clock_synced")
    if synced is True:
        check("clock", OK, "synchronised", "clock_synchronised")
    elif synced is False:
        check("clock", WARN, "not synchronised (the kiosk keeps working; check the network/NTP)",
              "clock_not_synchronised")
    else:
        check("clock", UNKNOWN, "cannot tell", "cannot_tell")

    return {
        "data": str(data_dir),
        "checked_at": now,
        "attention": any(c["level"] == FAIL for c in checks),
        "checks": checks,
        "app": health,
        "store": store,
        "sync": sync,
        "disk": disk,
        "clock_synced": synced,
    }


#: the checks a kiosk's heartbeat carries to the owner's Kiosks page (sync.client)
HEARTBEAT_CHECKS = ("reader", "scanner", "disk", "clock", "members")
#: a check's detail in a heartbeat is cut to this (the server takes small bodies)
HEARTBEAT_DETAIL_CHARS = 200


def heartbeat_health(status: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The hardware part of a heartbeat, from ``collect_status``'s result: each of
    HEARTBEAT_CHECKS as ``{"level", "code", "params", "detail"}``: the code and its values
    for the owner's console to say in the owner's language (``sync.server.web.kiosk_health``
    knows every code ``collect_status`` gives), the English words `kanta status` shows for
    a server older than the codes."""
    checks = status.get("checks")
    found = {c["name"]: c for c in checks if isinstance(c, dict)} if isinstance(checks, list) else {}
    sent: dict[str, dict[str, Any]] = {}
    for name in HEARTBEAT_CHECKS:
        if name not in found:
            continue
        check = found[name]
        sent[name] = {
            "level": str(check.get("level", UNKNOWN)),
            "detail": str(check.get("detail", ""))[:HEARTBEAT_DETAIL_CHARS],
        }
        if check.get("code"):
            sent[name].update(code=str(check["code"]), params=dict(check.get("params") or {}))
    return sent


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} days"


def _ago(now: float, then: float | None) -> str:
    if then is None:
        return "never"
    if then > now + 60:
        return "in the future (clock moved back?)"
    return f"{_duration(now - then)} ago"
