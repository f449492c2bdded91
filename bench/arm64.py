"""Benchmark the store and the kiosk app on arm64 (under qemu-user emulation) and on this
machine in the same run, and report the ratio.

    sudo .venv/bin/python bench/arm64.py --json      # reduced sizes, 41 min on a busy 2-core machine

It takes a fresh copy of the cached arm64 bookworm root (tests/appliance/chroot.py,
made by systemd/build-image.sh --base-only), installs Kanta there with systemd/install.sh,
then runs bench/store.py and bench/ui.py inside it and on this machine with the same
arguments. bench/ui.py draws with SDL's offscreen driver on both (--offscreen: EGL with
Mesa's software GL, no X server) and waits up to --screen-timeout seconds for a screen
(emulation draws the first frames slowly; the kiosk's own 5 s would end the run).

The ratio is emulated arm64 time / native time for each timing: qemu-user's slowdown on
this machine (it translates every arm64 instruction), not a Raspberry Pi's speed. It shows
the same code running on arm64 and which figures are CPU-bound (they slow down by the
whole ratio) and which wait on the disk (less). The emulation's own slowdown is measured
first, the same way on both: a fixed pure-Python loop (``python_loop_s``), its ratio
``emulation_slowdown``. A Pi's own figures are measured on a Pi.
Prints one JSON line with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.appliance.chroot import Chroot, arm64_unavailable, arm64_work_root  # noqa: E402

VENV = "/opt/kanta/venv/bin/python"
# CPU-bound Python and nothing else: the emulation's slowdown, with no disk or GL in it
PYTHON_LOOP = """
import time
started = time.perf_counter()
total = 0
for i in range(2_000_000):
    total += i * i % 7
print('{"python_loop_s": %.3f}' % (time.perf_counter() - started))
"""
# the timings compared (a larger ratio: slower under emulation)
STORE_KEYS = ("build_s", "p50_ms", "p99_ms", "lookup_p50_ms", "cold_start_s", "baseline_p50_ms")
UI_KEYS = ("tap_to_screen_p50_ms", "tap_to_screen_p99_ms", "start_to_ready_s", "build_s")


def last_json(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The benchmark's JSON line, or what it said when it failed (reported, not dropped:
    bench/ui.py gives up on a result screen not drawn within 5 s, which emulation can miss)."""
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        said = (out.stderr.strip() or out.stdout.strip()).splitlines()
        return {"error": said[-1][:300] if said else f"exit status {out.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def best_of(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The fastest of a few runs of a short timing (the least disturbed on a busy machine)."""
    timed = [r for r in runs if isinstance(r.get(key), int | float)]
    return min(timed, key=lambda r: float(r[key])) if timed else runs[-1]


def run_native(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(["nice", "-n", "19", sys.executable, *args], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, **(env or {})}, timeout=3600)
    return last_json(out)


def run_arm64(box: Chroot, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    out = box.run(VENV, *[f"/root/kanta-src/{a}" if a.startswith("bench/") else a for a in args],
                  env={"TMPDIR": "/tmp", "KIVY_HOME": "/tmp/kivy-home", **(env or {})},
                  timeout=7200, nice=True)
    return last_json(out)


def ratios(arm: dict[str, Any], native: dict[str, Any], keys: tuple[str, ...]) -> dict[str, float]:
    return {k: round(arm[k] / native[k], 1) for k in keys
            if isinstance(arm.get(k), int | float) and isinstance(native.get(k), int | float) and native[k]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--taps", type=int, default=200, help="store taps (the UI makes a tenth)")
    parser.add_argument("--screen-timeout", type=float, default=120.0, metavar="SECONDS",
                        help="bench/ui.py's longest wait for a screen (default 120: emulation)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    reason = arm64_unavailable()
    if reason:
        raise SystemExit(f"bench/arm64.py: {reason}")
    store = ["bench/store.py", "--members", str(args.members), "--events", str(args.events),
             "--taps", str(args.taps), "--baseline-events", str(args.members), "--json"]
    ui = ["bench/ui.py", "--members", str(args.members), "--taps", str(max(args.taps // 10, 5)),
          "--purchases", "5", "--offscreen", "--screen-timeout", str(args.screen_timeout), "--json"]
    loop = ["-c", PYTHON_LOOP]
    started = time.monotonic()
    with arm64_work_root("bench") as box:
        install = box.run("/bin/sh", "/root/kanta-src/systemd/install.sh", timeout=3600, nice=True)
        if install.returncode != 0:
            raise SystemExit(f"bench/arm64.py: install.sh failed:\n{install.stderr[-3000:]}")
        box.mount("-t", "tmpfs", "tmpfs", target="/tmp")
        arm = {"python": best_of([run_arm64(box, loop) for _ in range(3)], "python_loop_s"),
               "store": run_arm64(box, store), "ui": run_arm64(box, ui)}
    native = {"python": best_of([run_native(loop) for _ in range(3)], "python_loop_s"),
              "store": run_native(store), "ui": run_native(ui)}
    slowdown = ratios(arm["python"], native["python"], ("python_loop_s",))
    report = {
        "members": args.members, "events": args.events, "taps": args.taps,
        "native_machine": os.uname().machine,
        "emulation_slowdown": slowdown.get("python_loop_s"),
        "arm64_qemu": arm, "native": native,
        "ratio_arm64_qemu_to_native": {"store": ratios(arm["store"], native["store"], STORE_KEYS),
                                       "ui": ratios(arm["ui"], native["ui"], UI_KEYS)},
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "wall_s": round(time.monotonic() - started),
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
