"""Debian roots for the appliance tests and bench/arm64.py: a chroot to run commands in,
the source tree copied into it, and the cached arm64 bookworm roots that
systemd/build-image.sh makes, run under qemu-user where this machine is not arm64: the
kiosk root (Debian plus Kanta's system packages: the install test, bench/arm64.py) and the
image root (that plus the card's kernel, firmware and initramfs: the image test).

Every root a test changes is a fresh copy of a cached one, so the cache stays pristine;
copies left by a killed run are cleaned up by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MIRROR = os.environ.get("KANTA_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# the arm64 roots: fixed, outside the clone, so CI on this machine finds them warm
ARM64_CACHE = Path(os.environ.get("KANTA_ARM64_CACHE", "/var/cache/kanta-tests/arm64"))
BUILD_IMAGE = REPO / "systemd" / "build-image.sh"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def mirror_reachable() -> bool:
    host = MIRROR.split("//", 1)[-1].split("/", 1)[0]
    try:
        with socket.create_connection((host, 80), timeout=10):
            return True
    except OSError:
        return False


class Chroot:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.mounts: list[Path] = []

    def mount(self, *args: str, target: str) -> None:
        where = self.root / target.lstrip("/")
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", *args, str(where)], check=True, timeout=60)
        self.mounts.append(where)

    def umount_all(self) -> None:
        for where in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(where)], check=False, timeout=60)
        self.mounts.clear()

    def run(self, *cmd: str, timeout: float = 1200, env: dict[str, str] | None = None,
            nice: bool = False) -> subprocess.CompletedProcess[str]:
        full = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        if (self.root / "root" / "host-ca.pem").exists():
            full["PIP_CERT"] = "/root/host-ca.pem"
        full.update(env or {})
        prefix = ["nice", "-n", "19"] if nice else []
        return subprocess.run([*prefix, "chroot", str(self.root), *cmd], capture_output=True,
                              text=True, env=full, timeout=timeout)

    def prepare_network(self) -> None:
        """The host's resolver and CA bundle (a TLS-inspecting proxy's) for apt and pip."""
        resolv = self.root / "etc" / "resolv.conf"
        if resolv.is_symlink() or resolv.exists():
            resolv.unlink()
        shutil.copy2("/etc/resolv.conf", resolv)
        ca = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
        if ca and Path(ca).is_file():
            shutil.copy2(ca, self.root / "root" / "host-ca.pem")


def copy_source(dest: Path) -> None:
    """The working tree as git sees it (tracked and new files), without .venv."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True, timeout=60).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = raw.decode()
        src = REPO / rel
        if rel.startswith(".venv/") or not src.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def mounted() -> list[str]:
    with contextlib.suppress(OSError):
        return [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    return []


def clean_stale_work(cache: Path) -> None:
    """Work roots left by a run that was killed: unmount what it mounted, delete it."""
    for stale in cache.glob("work-*"):
        with contextlib.suppress(ValueError, IndexError):
            pid = int(stale.name.split("-")[1])
            if pid != os.getpid() and Path(f"/proc/{pid}").exists():
                continue  # its run is still going
        for where in sorted((m for m in mounted() if m.startswith(f"{stale}/")), reverse=True):
            subprocess.run(["umount", "-l", where], check=False, timeout=60)
        if not any(m.startswith(f"{stale}/") for m in mounted()):
            shutil.rmtree(stale, ignore_errors=True)


def snapshot(root: Path, tops: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    """Every file under tops: type, mode, owner, size, mtime, link target."""
    seen: dict[str, tuple[object, ...]] = {}
    for top in tops:
        start = root / top
        if not start.exists():
            continue
        paths = [start] if not start.is_dir() else [start, *start.rglob("*")]
        for p in paths:
            st = p.lstat()
            link = os.readlink(p) if stat.S_ISLNK(st.st_mode) else None
            seen[str(p.relative_to(root))] = (
                stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                st.st_size if not stat.S_ISDIR(st.st_mode) else 0,
                st.st_mtime_ns if not stat.S_ISDIR(st.st_mode) else 0, link,
            )
    return seen


# ---- arm64 --------------------------------------------------------------------------------


def arm64_unavailable() -> str | None:
    """Why arm64 programs cannot run here (None: they can)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs root on Linux (debootstrap, chroot, mount)"
    if shutil.which("debootstrap") is None:
        return "debootstrap not installed (tests/bootstrap.sh installs it)"
    if os.uname().machine == "aarch64":
        return None
    status = Path("/proc/sys/fs/binfmt_misc/status")
    if not status.exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"],
                       capture_output=True, check=False, timeout=30)
        if not status.exists():
            return "binfmt_misc is not mounted and cannot be mounted here: arm64 programs cannot run"
    entry = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")
    if not entry.exists() and shutil.which("update-binfmts"):
        subprocess.run(["update-binfmts", "--enable", "qemu-aarch64"], capture_output=True,
                       check=False, timeout=30)
    if not entry.exists() or "enabled" not in entry.read_text():
        return ("no qemu-aarch64 binfmt_misc handler: arm64 programs cannot run here "
                "(apt-get install qemu-user-static binfmt-support; tests/bootstrap.sh does)")
    if "flags: " in entry.read_text() and "F" not in entry.read_text().split("flags: ", 1)[1].split()[0]:
        return "the qemu-aarch64 binfmt handler lacks the F flag, so it cannot run inside a chroot"
    if not mirror_reachable():
        return f"Debian mirror {MIRROR} not reachable (the arm64 root is built from it)"
    return None


# Cold builds measured on this 2-core machine shared with five other engineers' jobs
# (load 4-12; see the README's "A ready-made SD card"): the kiosk root in COLD_KIOSK, the
# image root on top of it COLD_IMAGE more, most of it making the initramfs (29 min on
# 2026-12-05 at load 7-10 with busybox in it; 65 min in an earlier run at load 7-12).
COLD_KIOSK = "7 min"
COLD_IMAGE = "30-65 min"


def arm64_image_not_cached() -> str | None:
    """Why the image test will not build the image root here (None: it is cached, or allowed).

    Its cold build (the kernel's initramfs under emulation) takes longer than the whole
    suite may, so the suite uses it only when it is cached unless KANTA_ARM64_BUILD=1 says
    to build it; the install test's kiosk root, quicker, is built when absent."""
    if os.environ.get("KANTA_ARM64_BUILD") == "1":
        return None
    env = {**os.environ, "KANTA_IMAGE_CACHE": str(ARM64_CACHE)}
    out = subprocess.run(["sh", str(BUILD_IMAGE), "--cached-only"], capture_output=True, text=True,
                         env=env, timeout=600)
    if out.returncode == 0:
        return None
    return (f"the arm64 image root is not cached in {ARM64_CACHE} ({out.stderr.strip()[-200:]}); "
            f"building it cold takes {COLD_KIOSK} + {COLD_IMAGE} under emulation, more than the suite "
            f"may take, so the suite does not: build it once with `sudo KANTA_IMAGE_CACHE={ARM64_CACHE} "
            "sh systemd/build-image.sh --base-only` or run the tests with KANTA_ARM64_BUILD=1")


def arm64_root() -> Path:
    """The cached arm64 kiosk root, built first if absent (systemd/build-image.sh --kiosk-only;
    COLD_KIOSK cold, so a fresh CI machine builds it within the suite's time)."""
    env = {**os.environ, "KANTA_IMAGE_CACHE": str(ARM64_CACHE)}
    out = subprocess.run(["sh", str(BUILD_IMAGE), "--kiosk-only"], capture_output=True, text=True,
                         env=env, timeout=3600)
    if out.returncode != 0:
        raise AssertionError(f"build-image.sh --kiosk-only failed:\n{out.stderr[-4000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def arm64_work_root(name: str) -> Iterator[Chroot]:
    """A fresh copy of the cached arm64 kiosk root with this source tree in /root/kanta-src,
    /proc mounted and pip's cache shared across runs."""
    base = arm64_root()
    ARM64_CACHE.mkdir(parents=True, exist_ok=True)
    with (ARM64_CACHE / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one run of each kind at a time
        clean_stale_work(ARM64_CACHE)
        work = ARM64_CACHE / f"work-{os.getpid()}-{name}"
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(["cp", "-a", str(base), str(work)], check=True, timeout=1200)
        box = Chroot(work)
        try:
            copy_source(work / "root" / "kanta-src")
            box.prepare_network()
            (ARM64_CACHE / "pip").mkdir(parents=True, exist_ok=True)
            box.mount("-t", "proc", "proc", target="/proc")
            box.mount("--bind", str(ARM64_CACHE / "pip"), target="/root/.cache/pip")
            yield box
        finally:
            box.umount_all()
            if not any(m.startswith(f"{work}/") for m in mounted()):
                shutil.rmtree(work, ignore_errors=True)
