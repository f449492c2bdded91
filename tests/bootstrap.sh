#!/bin/sh
# Prepare a development/test environment from a fresh clone:
#  - as root on Debian / Raspberry Pi OS: the system packages the tests and builds need
#  - a virtual environment in .venv with Kanta and its dev tools
# Safe to run again; it only installs what is missing.
set -eu
cd "$(dirname "$0")/.."

# System packages: swig + libpcsclite-dev build pyscard; pcscd + vsmartcard-vpcd give the
# PC/SC tests a real reader stack; xvfb draws Kivy windows without a display; chromium and
# chromium-driver let the owner's console tests drive a real browser; qemu-user-static +
# binfmt-support run the arm64 root of the appliance tests, qemu-system-arm boots the SD card
# image (-M virt), and mtools, dosfstools, fdisk build and read it without mounting it.
APT_PACKAGES="python3-venv python3-dev build-essential swig libpcsclite-dev pcscd vsmartcard-vpcd pcsc-tools xvfb libgl1-mesa-dri libglx-mesa0 postgresql libmtdev1 systemd shellcheck debootstrap chromium chromium-driver qemu-user-static binfmt-support qemu-system-arm mtools dosfstools fdisk"

missing=""
for pkg in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "bootstrap: installing system packages:$missing"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "bootstrap: missing system packages:$missing" >&2
        echo "bootstrap: install them with: sudo apt-get install$missing" >&2
        echo "bootstrap: (tests that need them will skip with a reason)" >&2
    fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.kanta-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev,server]'
    touch "$stamp"
fi
