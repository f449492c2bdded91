"""A PNG of every screen, both layouts, all three languages, for people to look at.

Each layout is drawn by its own process (Kivy has one window per process, sized at
start), both at once. The files land in tests/output/screenshots/ (ignored by git);
`python -m tests.ui.shots --publish` copies the reviewed set to tests/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui.i18n import LANGS

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "output" / "screenshots"


@pytest.mark.usefixtures("xvfb")
def test_every_screen_in_both_layouts_and_all_languages() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = {
        layout: subprocess.Popen(
            [sys.executable, "-m", "tests.ui.shots", layout, str(OUT)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for layout in ("landscape", "portrait")
    }
    try:
        for layout, proc in procs.items():
            out, _ = proc.communicate(timeout=900)  # a busy machine draws slowly
            assert proc.returncode == 0, f"{layout}:\n{out[-3000:]}"
    finally:  # never leave a drawing process behind
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    from tests.ui.shots import STEPS

    for layout, size in (("landscape", (800, 480)), ("portrait", (720, 1280))):
        for lang in LANGS:
            for name in STEPS:
                png = OUT / f"{layout}-{lang}-{name}.png"
                assert png.exists(), png
                data = png.read_bytes()
                assert data[:8] == b"\x89PNG\r\n\x1a\n"
                width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
                assert (width, height) == size, (png, width, height)
