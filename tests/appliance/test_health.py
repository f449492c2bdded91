"""`kanta status` and the health contract: what the app publishes, what status makes of
it, and the exit status (1 when something needs attention)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import health, rundir, syncstatus
from kiosk.cli import status as status_cli
from kiosk.config import KioskConfig
from kiosk.health import HealthReport, collect_status, read_health, write_health
from kiosk.services.factory import open_service


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    env = {"KANTA_RUN_DIR": str(tmp_path / "run")}
    return env


@pytest.fixture
def store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    svc = open_service(data, KioskConfig())
    svc.tap("04AABBCCDDEE11")
    svc.ledger.storage.snapshot()
    svc.tap("04AABBCCDDEE22")
    svc.ledger.close()
    return data


def levels(report: dict[str, object]) -> dict[str, str]:
    return {c["name"]: c["level"] for c in report["checks"]}  # type: ignore[attr-defined,index]


def good_report(**changes: object) -> HealthReport:
    report = HealthReport(
        card_reader="pcsc", scanner="evdev", reader_connected=True, scanner_connected=True,
        last_tap_at=time.time() - 60, clock_synced=True,
    )
    for key, value in changes.items():
        setattr(report, key, value)
    return report


def test_write_and_read_health(store: Path, run_env: dict[str, str]) -> None:
    path = write_health(store, good_report(), run_env)
    assert path == Path(run_env["KANTA_RUN_DIR"]) / "health.json"
    data = read_health(store, run_env)
    assert data is not None and data["pid"] == os.getpid() and data["updated_at"] > 0
    assert not list(path.parent.glob(".*tmp"))  # atomic: no temp left behind
    health.clear_health(store, run_env)
    assert read_health(store, run_env) is None


def test_run_dir_choice(tmp_path: Path) -> None:
    assert rundir.run_dir(tmp_path, {"KANTA_RUN_DIR": "/x"}) == Path("/x")
    assert rundir.run_dir(tmp_path, {"RUNTIME_DIRECTORY": "/run/kanta"}) == Path("/run/kanta")
    if not rundir.SYSTEM_RUN_DIR.is_dir():
        assert rundir.run_dir(tmp_path, {}) == tmp_path / "run"


def test_write_health_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert write_health(tmp_path, good_report(), {"KANTA_RUN_DIR": str(blocker / "run")}) is None


def test_all_good(store: Path, run_env: dict[str, str]) -> None:
    write_health(store, good_report(), run_env)
    report = collect_status(store, env=run_env, clock=True)
    assert report["attention"] is False, report["checks"]
    lv = levels(report)
    assert lv["app"] == lv["reader"] == lv["scanner"] == lv["store"] == lv["disk"] == lv["clock"] == "ok"
    assert report["store"]["ledger_segments"] == 1
    assert report["store"]["last_snapshot_at"] is not None
    json.dumps(report)  # heartbeat-ready


def test_app_not_running(store: Path, run_env: dict[str, str]) -> None:
    report = collect_status(store, env=run_env, clock=None)
    assert report["attention"] is True
    assert levels(report)["app"] == "fail"
    # a report left by a process that is gone
    write_health(store, good_report(pid=2**22 + 12345), run_env)
    report = collect_status(store, env=run_env, clock=None)
    assert levels(report)["app"] == "fail" and "gone" in report["checks"][0]["detail"]


def test_hung_app_is_stale(store: Path, run_env: dict[str, str]) -> None:
    write_health(store, good_report(), run_env)
    report = collect_status(store, env=run_env, clock=True, now=time.time() + 120)
    assert levels(report)["app"] == "fail"
    assert "hung" in report["checks"][0]["detail"]


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"reader_connected": False}, "reader"),
        ({"scanner_connected": False}, "scanner"),
        ({"storage_ok": False, "storage_error": "No space left on device"}, "storage"),
    ],
)
def test_attention(store: Path, run_env: dict[str, str], change: dict[str, object], check: str) -> None:
    write_health(store, good_report(**change), run_env)
    report = collect_status(store, env=run_env, clock=True)
    assert report["attention"] is True
    assert levels(report)[check] == "fail"


def test_unsynced_clock_is_a_warning_only(store: Path, run_env: dict[str, str]) -> None:
    write_health(store, good_report(), run_env)
    report = collect_status(store, env=run_env, clock=False)
    assert levels(report)["clock"] == "warn"
    assert report["attention"] is False


def test_cards_the_owner_must_merge_are_a_warning_only(store: Path, run_env: dict[str, str]) -> None:
    write_health(store, good_report(cards_to_merge=0), run_env)
    assert "members" not in levels(collect_status(store, env=run_env, clock=True))
    write_health(store, good_report(cards_to_merge=2), run_env)
    report = collect_status(store, env=run_env, clock=True)
    assert levels(report)["members"] == "warn" and report["attention"] is False
    detail = next(c["detail"] for c in report["checks"] if c["name"] == "members")
    assert detail.startswith("2 card(s)") and "kanta member duplicates" in detail


def test_no_backend_is_fine(store: Path, run_env: dict[str, str]) -> None:
    write_health(store, good_report(scanner="none", scanner_connected=None), run_env)
    assert levels(collect_status(store, env=run_env, clock=True))["scanner"] == "ok"


def test_sync_state(store: Path, run_env: dict[str, str]) -> None:
    """The worker's status as kiosk.syncstatus (its one reader and writer) keeps it."""
    write_health(store, good_report(), run_env)
    syncstatus.save_status(store, {"server": "https://shop.example", "last_ok": dt_iso(time.time() - 30),
                                   "pending": 3, "new_field": [1]}, run_env)
    report = collect_status(store, env=run_env, clock=True)
    assert levels(report)["sync"] == "ok" and report["sync"]["pending"] == 3
    syncstatus.save_status(store, {"last_ok": dt_iso(time.time() - 3 * 86400), "pending": 40}, run_env)
    report = collect_status(store, env=run_env, clock=True)
    assert levels(report)["sync"] == "fail" and report["attention"] is True
    (Path(run_env["KANTA_RUN_DIR"]) / "sync-status.json").write_text("{not json")
    assert levels(collect_status(store, env=run_env, clock=True))["sync"] == "unknown"


def test_sync_worker_files(store: Path, run_env: dict[str, str]) -> None:
    """The sync worker's own files as it writes them: state.json and status.json."""
    write_health(store, good_report(), run_env)
    (store / "sync").mkdir()
    (store / "sync" / "state.json").write_text(json.dumps(
        {"server": "https://shop.example", "token": "t", "pushed_seq": 10, "extra": {}}))
    (store / "sync" / "status.json").write_text(json.dumps(
        {"last_attempt": "2026-01-01T10:00:00+00:00", "last_ok": "2026-01-01T10:00:00+00:00",
         "pending": 0, "server": "https://shop.example"}))
    report = collect_status(store, env=run_env, clock=True)
    assert report["sync"]["server"] == "https://shop.example"
    assert report["sync"]["pending"] == 0 and levels(report)["sync"] == "ok"
    assert "token" not in json.dumps(report["sync"])
    (store / "sync" / "status.json").write_text(json.dumps(
        {"last_attempt": dt_iso(time.time()), "last_ok": "2026-01-01T10:00:00+00:00",
         "last_error": "server unreachable", "pending": 12}))
    report = collect_status(store, env=run_env, clock=True, now=1767261600 + 3 * 86400)
    assert levels(report)["sync"] == "fail"
    sync_check = next(c for c in report["checks"] if c["name"] == "sync")
    assert "server unreachable" in sync_check["detail"]


def dt_iso(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).isoformat()


def test_full_disk_is_reported(store: Path, run_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from shutil import _ntuple_diskusage  # type: ignore[attr-defined]

    write_health(store, good_report(), run_env)
    monkeypatch.setattr(health.shutil, "disk_usage", lambda p: _ntuple_diskusage(8 << 30, 8 << 30, 0))
    report = collect_status(store, env=run_env, clock=True)
    assert levels(report)["disk"] == "fail" and "nearly full" in report["checks"][-2]["detail"]


def test_missing_store(tmp_path: Path, run_env: dict[str, str]) -> None:
    report = collect_status(tmp_path / "nothing", env=run_env, clock=None)
    assert levels(report)["store"] == "fail"


def test_clock_probe_gives_a_tristate() -> None:
    assert health.clock_synced() in (True, False, None)
    assert health._clock_synced_adjtimex() in (True, False, None)


def test_status_verb_exit_codes(
    store: Path, run_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KANTA_RUN_DIR", run_env["KANTA_RUN_DIR"])
    args = argparse.Namespace(data=str(store), json=False)
    assert status_cli.status(args) == 1
    assert "not running" in capsys.readouterr().out
    write_health(store, good_report(), run_env)
    monkeypatch.setattr(health, "clock_synced", lambda: True)
    assert status_cli.status(args) == 0
    out = capsys.readouterr().out
    assert "all good" in out
    assert status_cli.status(argparse.Namespace(data=str(store), json=True)) == 0
    assert json.loads(capsys.readouterr().out)["attention"] is False


def test_status_is_a_registered_verb() -> None:
    from kiosk.cli.main import COMMAND_MODULES

    assert "status" in COMMAND_MODULES


def test_kanta_status_command(store: Path, run_env: dict[str, str]) -> None:
    env = {**os.environ, "KANTA_RUN_DIR": run_env["KANTA_RUN_DIR"]}
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "--data", str(store), "status"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1, out.stderr
    assert "not running" in out.stdout


def test_health_publisher_rate_and_clock_cache(store: Path, run_env: dict[str, str]) -> None:
    from kiosk.health import HealthPublisher

    now = [0.0]
    probes = [0]
    taps = [0]

    def probe() -> bool:
        probes[0] += 1
        return True

    def build() -> HealthReport:
        return HealthReport(card_reader="sim", scanner="sim", reader_connected=True,
                            scanner_connected=True, taps_today=taps[0])

    pub = HealthPublisher(store, build, env=run_env, monotonic=lambda: now[0], probe_clock=probe)
    assert pub.tick()
    assert not pub.tick()  # within 5 s
    for _ in range(30):
        now[0] += 5
        taps[0] += 1
        assert pub.tick()
    assert probes[0] == 3  # t = 0, 60 and 120 s over 150 s: at most once a minute
    data = read_health(store, run_env)
    assert data is not None and data["taps_today"] == 30 and data["clock_synced"] is True
    assert collect_status(store, env=run_env, clock=None)["attention"] is False
    pub.close()
    assert read_health(store, run_env) is None


def test_health_publisher_survives_a_broken_report(store: Path, run_env: dict[str, str]) -> None:
    from kiosk.health import HealthPublisher

    def broken() -> HealthReport:
        raise RuntimeError("boom")

    assert HealthPublisher(store, broken, env=run_env, probe_clock=lambda: None).tick() is False
