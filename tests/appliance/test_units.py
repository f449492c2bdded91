"""The systemd units: `systemd-analyze verify` passes, and the properties the appliance
relies on are there (notify + watchdog, restart for ever, no wait for network or time)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS_DIR = Path(__file__).resolve().parents[2] / "systemd"
UNITS = ("kanta-kiosk.service", "kanta-sync.service", "kanta-server.service")
INSTALLED_EXE = "/opt/kanta/venv/bin/kanta"


def parse(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values...]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in (UNITS_DIR / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{name}: setting outside a section: {line}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = unit[section][key]
    return values[-1]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("name", UNITS)
def test_systemd_analyze_verify(name: str, tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists; the units name the appliance's
    # /opt/kanta path, so the copy verified here points at a real executable instead
    # (nothing else in the file changes)
    exe = shutil.which("true")
    assert exe
    text = (UNITS_DIR / name).read_text()
    assert INSTALLED_EXE in text
    (tmp_path / name).write_text(text.replace(INSTALLED_EXE, exe))
    out = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "kanta" not in out.stderr, out.stderr  # no warnings about our units


def test_units_parse_as_ini() -> None:
    for name in UNITS:
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        cp.optionxform = str  # type: ignore[assignment,method-assign]
        cp.read_string((UNITS_DIR / name).read_text())
        assert {"Unit", "Service", "Install"} <= set(cp.sections())


def test_kiosk_unit_is_a_watched_notify_service() -> None:
    u = parse("kanta-kiosk.service")
    svc = u["Service"]
    assert one(u, "Service", "Type") == "notify"
    assert int(one(u, "Service", "WatchdogSec")) > 0
    assert one(u, "Service", "Restart") == "always"
    assert one(u, "Unit", "StartLimitIntervalSec") == "0"
    assert one(u, "Service", "User") == "kanta"
    assert one(u, "Service", "ExecStart").split() == [INSTALLED_EXE, "kiosk"]
    assert one(u, "Service", "ProtectSystem") == "strict"
    assert one(u, "Service", "NoNewPrivileges") == "yes"
    assert one(u, "Service", "PrivateTmp") == "yes"
    assert one(u, "Service", "StateDirectory") == "kanta"  # /var/lib/kanta stays writable
    # hardware access must survive the hardening
    for breaking in ("PrivateDevices", "DevicePolicy", "DeviceAllow", "ProtectClock",
                     "MemoryDenyWriteExecute", "PrivateUsers"):
        assert breaking not in svc, breaking


def test_kiosk_never_waits_for_network_or_time() -> None:
    u = parse("kanta-kiosk.service")
    deps = " ".join(v for k in ("After", "Wants", "Requires", "BindsTo") for v in u["Unit"].get(k, []))
    for target in ("network-online.target", "network.target", "time-sync.target",
                   "systemd-time-wait-sync.service"):
        assert target not in deps
    assert u["Install"]["WantedBy"] == ["multi-user.target"]


def test_sync_waits_for_network_and_restarts_with_delay() -> None:
    u = parse("kanta-sync.service")
    assert "network-online.target" in " ".join(u["Unit"]["After"])
    assert "network-online.target" in " ".join(u["Unit"]["Wants"])
    assert one(u, "Service", "Restart") == "always"
    assert int(one(u, "Service", "RestartSec")) >= 5
    assert one(u, "Service", "ExecStart").split() == [INSTALLED_EXE, "sync", "run"]
    assert one(u, "Service", "ProtectSystem") == "strict"


def test_server_unit() -> None:
    u = parse("kanta-server.service")
    assert one(u, "Service", "ExecStart").startswith(f"{INSTALLED_EXE} server --db ")
    assert one(u, "Service", "ProtectSystem") == "strict"
    assert one(u, "Service", "StateDirectory") == "kanta-server"
