"""The installer and the kiosk on the Pi's own architecture: systemd/install.sh run in a
Debian bookworm arm64 root under qemu-user (binfmt_misc), twice, then a tap recorded and
the store verified there.

The root is systemd/build-image.sh's cached kiosk root (debootstrap --arch=arm64 plus the
system packages `install.sh --list-packages` names; not the card's kernel, which only the
image test needs), kept in /var/cache/kanta-tests/arm64 keyed by a hash of what goes into
it. Each run works in a fresh copy, where install.sh makes the virtual environment and pip
installs Kanta with its dependencies for aarch64: pyscard and evdev are compiled there
(pip's cache, shared across runs, keeps the wheels it built), Kivy comes from its manylinux
aarch64 wheel.

Cost on this 2-core machine shared with five other engineers' jobs: see COLD_KIOSK in
chroot.py and the README's "A ready-made SD card" for the cold build of the root, which
this test does when the root is absent (a fresh CI machine), within the suite's time.
Skips with the reason where arm64 programs cannot run (no binfmt_misc, no
qemu-user-static) or the mirror is away.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appliance.chroot import (
    REPO,
    Chroot,
    arm64_unavailable,
    arm64_work_root,
    snapshot,
)

INSTALL = "/root/kanta-src/systemd/install.sh"
VENV = "/opt/kanta/venv"
EM_AARCH64 = 183  # ELF e_machine of arm64
# a red frame drawn by Kivy through SDL's offscreen driver (EGL, Mesa's software GL);
# the pixel read back from the frame buffer shows it was really drawn
FRAME = """
import os
os.environ["KIVY_NO_ARGS"] = "1"
from kivy.config import Config
Config.set("graphics", "width", "320")
Config.set("graphics", "height", "200")
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
from kivy.uix.widget import Widget

class Frame(App):
    def build(self):
        w = Widget()
        with w.canvas:
            Color(1, 0, 0)
            Rectangle(pos=(0, 0), size=(320, 200))
        Clock.schedule_interval(self.read, 0.1)
        return w

    def read(self, _dt):
        # once frames have been drawn (emulation is slow to draw the first one)
        if Clock.frames_displayed < 3:
            return True
        pixel = glReadPixels(10, 10, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE)
        print("WINDOW", type(Window).__name__, "FRAMES", Clock.frames_displayed, "PIXEL", list(pixel[:4]))
        self.stop()
        return False

Frame().run()
"""
SNAPSHOT_ROOTS = ("etc", "opt", "usr/local", "var/lib/kanta", "var/lib/dpkg/status")


@pytest.fixture(scope="module")
def arm64() -> Iterator[Chroot]:
    reason = arm64_unavailable()
    if reason:
        pytest.skip(reason)
    with arm64_work_root("install") as box:
        yield box


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_install_tap_and_verify_on_arm64(arm64: Chroot) -> None:
    root = arm64.root
    arch = arm64.run("/usr/bin/dpkg", "--print-architecture")
    assert arch.stdout.strip() == "arm64", arch.stdout + arch.stderr

    first = arm64.run("/bin/sh", INSTALL, timeout=3600, nice=True)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    assert "system packages: all present" in first.stdout  # the cached root has them
    assert "systemd is not running here" in first.stdout
    for unit in ("kanta-kiosk.service", "kanta-sync.service"):
        assert (root / "etc/systemd/system" / unit).read_bytes() == (REPO / "systemd" / unit).read_bytes()
    assert (root / "etc/udev/rules.d/70-kanta-scanner.rules").exists()
    assert (root / "etc/kanta/kiosk.toml").exists()

    # pyscard and evdev were compiled for arm64; Kivy is upstream's aarch64 wheel
    site = next((root / VENV.lstrip("/")).glob("lib/python3.*/site-packages"))
    for pattern in ("smartcard/scard/_scard*.so", "evdev/_input*.so"):
        built = list(site.glob(pattern))
        assert built and _elf_machine(built[0]) == EM_AARCH64, pattern
    wheel = next(site.glob("[Kk]ivy-*.dist-info")) / "WHEEL"
    tags = [line for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
    assert tags and all("manylinux" in t and t.endswith("aarch64") for t in tags), tags
    imports = arm64.run(f"{VENV}/bin/python", "-c", "import smartcard.scard, evdev, kivy, tinydb")
    assert imports.returncode == 0, imports.stderr

    (root / "tmp/kanta-frame.py").write_text(FRAME)  # a file: Kivy's App looks for its source
    frame = arm64.run(f"{VENV}/bin/python", "/tmp/kanta-frame.py", timeout=900, nice=True,
                      env={"SDL_VIDEODRIVER": "offscreen", "KIVY_WINDOW": "sdl2",
                           "KIVY_HOME": "/tmp/kivy-home"})
    said = frame.stdout[-2000:] + frame.stderr[-3000:]
    assert "WINDOW WindowSDL FRAMES" in frame.stdout, said
    assert frame.stdout.rstrip().endswith("PIXEL [255, 0, 0, 255]"), said

    # a second run changes nothing
    before = snapshot(root, SNAPSHOT_ROOTS)
    second = arm64.run("/bin/sh", INSTALL, timeout=1800, nice=True)
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert "up to date" in second.stdout and "installed /" not in second.stdout, second.stdout
    after = snapshot(root, SNAPSHOT_ROOTS)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], changed[:40]

    # the kiosk's user records a tap in the appliance's data folder, and the store verifies
    as_kanta = ("/usr/sbin/runuser", "-u", "kanta", "--")
    env = {"KANTA_DATA": "/var/lib/kanta", "KANTA_CONFIG": "/etc/kanta/kiosk.toml",
           "KANTA_LOG_SALT": "arm64-test"}
    tap = arm64.run(*as_kanta, "/usr/local/bin/kanta", "tap", "04A1B2C3D4E5F6", "--json", env=env,
                    timeout=900, nice=True)
    assert tap.returncode == 0, tap.stdout[-2000:] + tap.stderr[-2000:]
    assert json.loads(tap.stdout)["accepted"] is True, tap.stdout
    assert (root / "var/lib/kanta/journal.log").stat().st_size > 0
    verify = arm64.run(*as_kanta, "/usr/local/bin/kanta", "store", "verify", env=env, timeout=900, nice=True)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    shown = arm64.run(*as_kanta, "/usr/local/bin/kanta", "member", "show", "04A1B2C3D4E5F6", "--json",
                      env=env, timeout=900, nice=True)
    assert shown.returncode == 0, shown.stdout[-2000:] + shown.stderr[-2000:]
    assert json.loads(shown.stdout)["visits"] == 1, shown.stdout
    assert "everything checks out" in verify.stdout, verify.stdout


def test_ui_bench_runs_offscreen_without_a_display(tmp_path: Path) -> None:
    """bench/arm64.py's way of running bench/ui.py (no X server in the arm64 root), here."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["TMPDIR"] = str(tmp_path)
    env["PATH"] = str(tmp_path)  # no Xvfb to start: without --offscreen it would give up
    out = subprocess.run([sys.executable, str(REPO / "bench/ui.py"), "--offscreen", "--screen-timeout", "30",
                          "--members", "60", "--taps", "3", "--purchases", "1", "--json"],
                         capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["window"] == "offscreen" and report["taps"] == 3 and report["staff_purchases"] == 1
    assert 0 < report["tap_to_screen_p50_ms"] <= report["tap_to_screen_max_ms"]
    without = subprocess.run([sys.executable, str(REPO / "bench/ui.py"), "--members", "60"],
                             capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    assert without.returncode != 0 and "needs a display or Xvfb" in without.stderr, without.stderr[-2000:]
    bad = subprocess.run([sys.executable, str(REPO / "bench/ui.py"), "--screen-timeout", "0"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert bad.returncode == 2 and "--screen-timeout must be 0.5..600 seconds" in bad.stderr
