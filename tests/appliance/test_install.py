"""systemd/install.sh: shellcheck clean, and a real install in a Debian bookworm root made
with debootstrap (a chroot: no systemd running), run twice; the second run changes nothing.

The install is the real one: apt-get installs the system packages inside the chroot from
Debian's mirror, and pip builds and installs Kanta with all its dependencies (pyscard,
evdev, Kivy...) into /opt/kanta/venv from PyPI. Only enable/start is skipped, because no
systemd runs in a chroot, and the script must notice that by itself.

Cost: the bookworm root is cached per day under $KANTA_DEBOOTSTRAP_CACHE (default
/var/cache/kanta-tests/debootstrap), and downloaded .debs and pip's cache are kept there
too, so a cold run takes about 3-4 minutes (debootstrap ~30 s, apt ~2 min, pip ~40 s
here) and a warm one about a minute. Each run works in a fresh copy of the cached root.

The host's CA bundle ($PIP_CERT / $SSL_CERT_FILE, when this machine reaches PyPI through
a TLS-inspecting proxy) is copied into the chroot and named in PIP_CERT: that is this
machine's network, not something the installer needs on a Pi.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appliance.chroot import (
    MIRROR,
    REPO,
    Chroot,
    clean_stale_work,
    copy_source,
    mirror_reachable,
    mounted,
    snapshot,
)

SCRIPT = REPO / "systemd" / "install.sh"
CACHE = Path(os.environ.get("KANTA_DEBOOTSTRAP_CACHE", "/var/cache/kanta-tests/debootstrap"))
SUITE = "bookworm"


def test_shellcheck_clean() -> None:
    exe = shutil.which("shellcheck")
    if exe is None:
        pytest.skip("shellcheck not installed (tests/bootstrap.sh installs it)")
    out = subprocess.run([exe, "--shell=sh", "--severity=style", str(SCRIPT)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_script_basics(tmp_path: Path) -> None:
    assert os.access(SCRIPT, os.X_OK)
    out = subprocess.run(["sh", str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--uninstall" in out.stdout and "--purge-data" in out.stdout
    out = subprocess.run(["sh", str(SCRIPT), "--bogus"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "unknown option" in out.stderr
    out = subprocess.run(["sh", str(SCRIPT), "--purge-data"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "--uninstall" in out.stderr


# ---- the debootstrap chroot ------------------------------------------------------------------


def _base_root() -> Path:
    """A pristine minbase bookworm root, made once a day (one maker at a time)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _make_base_root()


def _make_base_root() -> Path:
    base = CACHE / f"{SUITE}-minbase-{dt.date.today().isoformat()}"
    if (base / "etc" / "debian_version").exists() and (base / ".complete").exists():
        return base
    for old in [*CACHE.glob(f"{SUITE}-minbase-*"), *CACHE.glob("building-*")]:
        shutil.rmtree(old, ignore_errors=True)  # yesterday's root, an interrupted build
    tmp = CACHE / f"building-{os.getpid()}"
    cmd = ["debootstrap", "--variant=minbase"]
    if _supports_cache_dir():  # keeps the base .debs across days
        cmd.append(f"--cache-dir={CACHE / 'debootstrap-debs'}")
    out = subprocess.run([*cmd, SUITE, str(tmp), MIRROR], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise AssertionError(f"debootstrap failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    (tmp / ".complete").write_text("ok\n")
    tmp.rename(base)
    return base


def _supports_cache_dir() -> bool:
    out = subprocess.run(["debootstrap", "--help"], capture_output=True, text=True, timeout=30)
    if "--cache-dir" in out.stdout:
        (CACHE / "debootstrap-debs").mkdir(parents=True, exist_ok=True)
        return True
    return False


@pytest.fixture(scope="module")
def chroot() -> Iterator[Chroot]:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root on Linux (debootstrap, chroot, mount)")
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap not installed (tests/bootstrap.sh installs it)")
    if not mirror_reachable():
        pytest.skip(f"Debian mirror {MIRROR} not reachable")
    base = _base_root()
    # one run at a time on this machine: the cached .debs folder is shared (apt locks it)
    run_lock = (CACHE / ".run.lock").open("w")
    fcntl.flock(run_lock, fcntl.LOCK_EX)
    clean_stale_work(CACHE)
    work = CACHE / f"work-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", str(base), str(work)], check=True, timeout=600)
    box = Chroot(work)
    try:
        copy_source(work / "root" / "kanta-src")
        shutil.copy2("/etc/resolv.conf", work / "etc" / "resolv.conf")
        ca = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
        if ca and Path(ca).is_file():
            shutil.copy2(ca, work / "root" / "host-ca.pem")
        for sub in ("apt-archives", "pip"):
            (CACHE / sub).mkdir(parents=True, exist_ok=True)
        box.mount("-t", "proc", "proc", target="/proc")
        box.mount("--bind", str(CACHE / "apt-archives"), target="/var/cache/apt/archives")
        box.mount("--bind", str(CACHE / "pip"), target="/root/.cache/pip")
        yield box
    finally:
        box.umount_all()
        if not any(str(m).startswith(str(work)) for m in mounted()):
            shutil.rmtree(work, ignore_errors=True)
        run_lock.close()


SNAPSHOT_ROOTS = ("etc", "opt", "usr/local", "var/lib/kanta", "var/lib/dpkg/status", "usr/lib/python3")


def _state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every file the installer could touch."""
    return snapshot(root, SNAPSHOT_ROOTS)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_install_in_debootstrap_root_twice(chroot: Chroot) -> None:
    root = chroot.root
    first = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    assert "systemd is not running here" in first.stdout
    assert not (root / "etc/systemd/system/multi-user.target.wants/kanta-kiosk.service").exists()

    # what the kiosk needs is there
    for unit in ("kanta-kiosk.service", "kanta-sync.service"):
        assert (root / "etc/systemd/system" / unit).read_bytes() == (REPO / "systemd" / unit).read_bytes()
    assert (root / "etc/udev/rules.d/70-kanta-scanner.rules").exists()
    assert (root / "etc/kanta/kiosk.toml").exists()
    assert "KANTA_LOG_SALT=" in (root / "etc/kanta/kanta.env").read_text()
    passwd = (root / "etc/passwd").read_text()
    assert any(line.startswith("kanta:") and "/usr/sbin/nologin" in line for line in passwd.splitlines())
    data = (root / "var/lib/kanta").stat()
    assert stat.S_IMODE(data.st_mode) == 0o750 and data.st_uid != 0
    version = chroot.run("/opt/kanta/venv/bin/kanta", "--version")
    assert version.returncode == 0 and "kanta" in version.stdout, version.stderr
    # the hardware libraries were really built/installed
    imports = chroot.run("/opt/kanta/venv/bin/python", "-c", "import smartcard, evdev, tinydb, requests")
    assert imports.returncode == 0, imports.stderr
    status = chroot.run("/usr/local/bin/kanta", "status")
    assert status.returncode == 1 and "not running" in status.stdout, status.stdout + status.stderr

    # a second run changes nothing
    before = _state(root)
    second = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh")
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert "system packages: all present" in second.stdout
    assert "up to date" in second.stdout
    assert "installed /" not in second.stdout
    after = _state(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], changed[:40]

    # uninstall keeps the data and the settings; --purge-data removes them and the user
    (root / "var/lib/kanta/keep.me").write_text("data")
    gone = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh", "--uninstall")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert not (root / "opt/kanta").exists()
    assert not (root / "etc/systemd/system/kanta-kiosk.service").exists()
    assert not (root / "etc/udev/rules.d/70-kanta-scanner.rules").exists()
    assert not (root / "usr/local/bin/kanta").exists()
    assert (root / "var/lib/kanta/keep.me").exists() and (root / "etc/kanta/kiosk.toml").exists()
    purged = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh", "--uninstall", "--purge-data")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert not (root / "var/lib/kanta").exists() and not (root / "etc/kanta").exists()
    assert "kanta:" not in (root / "etc/passwd").read_text()


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_install_server_role(chroot: Chroot) -> None:
    """`install.sh --server` on "any Linux machine": the server unit and its extras."""
    root = chroot.root
    out = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh", "--server")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert (root / "etc/systemd/system/kanta-server.service").exists()
    assert not (root / "etc/systemd/system/kanta-kiosk.service").exists()
    assert "KANTA_SERVER_DB" in (root / "etc/kanta/server.env").read_text()
    check = chroot.run("/opt/kanta/venv/bin/python", "-c", "import fastapi, sqlalchemy, uvicorn")
    assert check.returncode == 0, check.stderr
    again = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh", "--server")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    gone = chroot.run("/bin/sh", "/root/kanta-src/systemd/install.sh", "--uninstall", "--purge-data")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert not (root / "etc/systemd/system/kanta-server.service").exists()
    assert not (root / "opt/kanta").exists()
