#!/bin/sh
# Kanta appliance installer for Raspberry Pi OS Bookworm (64-bit) and Debian bookworm.
#
#   sudo systemd/install.sh                 install, or upgrade to the source beside it
#   sudo systemd/install.sh --server        the shop's server instead of a kiosk
#   sudo systemd/install.sh --uninstall     remove Kanta; keep /var/lib/kanta and /etc/kanta
#   sudo systemd/install.sh --uninstall --purge-data   ...and delete the data and settings
#   systemd/install.sh --list-packages      print the system packages it installs (and exit)
#
# It installs the system packages, the `kanta` user, /var/lib/kanta, a virtual
# environment in /opt/kanta/venv with this source tree, the udev/polkit rules, the units,
# and enables and starts them. Safe to run again: each step checks first and changes only
# what differs, so a second run changes nothing and a run from a newer source upgrades.
# Without a running systemd (a chroot, an image build) it does everything except enable
# and start, and says so.
#
# Environment: KANTA_PREFIX (default /opt/kanta), KANTA_PIP_ARGS (extra pip options),
# KANTA_KIVY_FROM_SOURCE=1 (build Kivy against the system's SDL2, see the README).
set -eu

PREFIX="${KANTA_PREFIX:-/opt/kanta}"
VENV="$PREFIX/venv"
SRC="$PREFIX/src"
DATA=/var/lib/kanta
ETC=/etc/kanta
UNIT_DIR=/etc/systemd/system
UDEV_DIR=/etc/udev/rules.d
POLKIT_DIR=/etc/polkit-1/rules.d
JOURNALD_DROPIN=/etc/systemd/journald.conf.d/50-kanta.conf
USER_NAME=kanta

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

# what pyscard (swig, libpcsclite-dev) and evdev (kernel headers via libc6-dev) need to
# build, the PC/SC daemon, and the display/input libraries Kivy uses on the console
# (SDL2 with KMS/DRM, Mesa's GL/EGL/GBM, mtdev for multitouch)
KIOSK_PACKAGES="python3 python3-venv python3-dev build-essential pkg-config swig libpcsclite-dev
pcscd libusb-1.0-0 libsdl2-2.0-0 libsdl2-image-2.0-0 libsdl2-mixer-2.0-0 libsdl2-ttf-2.0-0
libgl1 libegl1 libgles2 libgbm1 libdrm2 libgl1-mesa-dri libmtdev1 libinput10 fonts-dejavu-core"
SERVER_PACKAGES="python3 python3-venv python3-dev build-essential"
# groups the kiosk user needs where they exist: touch and scanner (input), the display
# (video, render), buzzer/LEDs (gpio), USB devices (plugdev)
KIOSK_GROUPS="input video render gpio plugdev"

ROLE=kiosk
ACTION=install
PURGE=no

log() { printf 'kanta-install: %s\n' "$*"; }
die() { printf 'kanta-install: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --uninstall) ACTION=uninstall ;;
        --purge-data) PURGE=yes ;;
        --server) ROLE=server ;;
        --list-packages) ACTION=list ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
    shift
done
[ "$PURGE" = no ] || [ "$ACTION" = uninstall ] || die "--purge-data goes with --uninstall"
if [ "$ACTION" = list ]; then
    # the SD card image builder preinstalls these (systemd/build-image.sh)
    # shellcheck disable=SC2086  # one line of package names
    if [ "$ROLE" = server ]; then echo $SERVER_PACKAGES; else echo $KIOSK_PACKAGES; fi
    exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (sudo $0)"

if [ "$ROLE" = server ]; then
    UNITS="kanta-server.service"
else
    UNITS="kanta-kiosk.service kanta-sync.service"
fi

# systemd is running (not a chroot or a container build): the same test as sd_booted()
systemd_running() {
    [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# ---- small idempotent helpers ---------------------------------------------------------

# install_file SRC DEST MODE: copy only when the content or mode differs; prints the change
CHANGED=no
install_file() {
    if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = "$3" ]; then
        return 0
    fi
    mkdir -p "$(dirname "$2")"
    install -m "$3" "$1" "$2"
    CHANGED=yes
    log "installed $2"
}

# write_file DEST MODE: like install_file, with the content on stdin
write_file() {
    tmp=$(mktemp)
    cat >"$tmp"
    install_file "$tmp" "$1" "$2"
    rm -f "$tmp"
}

remove_path() {
    if [ -e "$1" ] || [ -L "$1" ]; then
        rm -rf "$1"
        log "removed $1"
    fi
}

# ---- install ---------------------------------------------------------------------------------

check_system() {
    if [ -r /etc/os-release ]; then
        # shellcheck disable=SC1091
        . /etc/os-release
        if [ "${VERSION_CODENAME:-}" != bookworm ]; then
            log "warning: made for Debian/Raspberry Pi OS bookworm; this is ${PRETTY_NAME:-unknown}"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this installer is for Debian-based systems"
}

install_packages() {
    if [ "$ROLE" = server ]; then wanted=$SERVER_PACKAGES; else wanted=$KIOSK_PACKAGES; fi
    missing=""
    for pkg in $wanted; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
            missing="$missing $pkg"
        fi
    done
    if [ -z "$missing" ]; then
        log "system packages: all present"
        return 0
    fi
    log "installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086  # a list of package names
    apt-get install -y -q --no-install-recommends $missing
}

create_user() {
    [ "$ROLE" = kiosk ] || return 0  # the server unit runs as a dynamic user
    if ! getent group "$USER_NAME" >/dev/null; then
        groupadd --system "$USER_NAME"
        log "created group $USER_NAME"
    fi
    if ! getent passwd "$USER_NAME" >/dev/null; then
        useradd --system --gid "$USER_NAME" --home-dir "$DATA" --no-create-home \
            --shell /usr/sbin/nologin --comment "Kanta kiosk" "$USER_NAME"
        log "created user $USER_NAME"
    fi
    for group in $KIOSK_GROUPS; do
        getent group "$group" >/dev/null || continue
        if ! id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx "$group"; then
            usermod -a -G "$group" "$USER_NAME"
            log "added $USER_NAME to group $group"
        fi
    done
}

ensure_dir() { # PATH MODE OWNER
    if [ ! -d "$1" ]; then
        install -d -m "$2" -o "${3%:*}" -g "${3#*:}" "$1"
        log "created $1"
        return 0
    fi
    [ "$(stat -c %a "$1")" = "$2" ] || chmod "$2" "$1"
    [ "$(stat -c %U:%G "$1")" = "$3" ] || chown "$3" "$1"
}

create_folders() {
    ensure_dir "$PREFIX" 755 root:root
    ensure_dir "$ETC" 755 root:root
    if [ "$ROLE" = server ]; then
        if [ ! -f "$ETC/server.env" ]; then
            write_file "$ETC/server.env" 640 <<'EOF'
# Settings for kanta-server.service (kept on upgrade). The default database is SQLite in
# /var/lib/kanta-server; for PostgreSQL:
# KANTA_SERVER_DB=postgresql://kanta:PASSWORD@localhost/kanta
# KANTA_SERVER_ARGS=
EOF
        fi
        return 0
    fi
    # the data folder: on a read-only-root appliance a writable partition is mounted here
    ensure_dir "$DATA" 750 "$USER_NAME:$USER_NAME"
    if [ ! -f "$ETC/kiosk.toml" ]; then
        install -m 0644 "$REPO/config/kiosk.toml" "$ETC/kiosk.toml"
        log "created $ETC/kiosk.toml (the shop's settings: edit it; upgrades keep it)"
    fi
    if [ ! -f "$ETC/kanta.env" ]; then
        salt=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
        write_file "$ETC/kanta.env" 640 <<EOF
# Environment for the Kanta services (kept on upgrade).
# Salt for the hashed card references in the logs: keep it secret, keep it stable.
KANTA_LOG_SALT=$salt
# KANTA_LOG_LEVEL=debug
EOF
        chgrp "$USER_NAME" "$ETC/kanta.env"
    fi
}

# a fingerprint of the source tree that gets installed: an unchanged source is not
# reinstalled, so a second run is a no-op and a newer one is an upgrade
source_fingerprint() {
    (cd "$REPO" && find pyproject.toml README.md kiosk hardware sync config -type f \
        ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 2>/dev/null | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-64)
}

install_venv() {
    [ -f "$REPO/pyproject.toml" ] || die "no pyproject.toml in $REPO: run the install.sh inside a Kanta source tree"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
        log "created $VENV"
    fi
    # the role is part of it: the server's extras make a different install
    fingerprint="$(source_fingerprint) $ROLE"
    stamp="$PREFIX/installed-source.sha256"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ] && [ -x "$VENV/bin/kanta" ]; then
        log "Kanta in $VENV is up to date"
        return 0
    fi
    # a clean copy of the source: builds happen there, never in the tree we were run from
    rm -rf "$SRC.new"
    mkdir -p "$SRC.new"
    (cd "$REPO" && tar -cf - --exclude=__pycache__ --exclude='*.pyc' \
        pyproject.toml README.md kiosk hardware sync config) | tar -xf - -C "$SRC.new"
    rm -rf "$SRC"
    mv "$SRC.new" "$SRC"
    if [ "$ROLE" = server ]; then target="${SRC}[server]"; else target="$SRC"; fi
    log "installing Kanta into $VENV (this builds pyscard and evdev; a few minutes on a Pi)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    if [ "${KANTA_KIVY_FROM_SOURCE:-0}" = 1 ]; then
        # shellcheck disable=SC2086  # extra options are words
        "$VENV/bin/python" -m pip install -q ${KANTA_PIP_ARGS:-} --no-binary kivy "$target"
    else
        # shellcheck disable=SC2086
        "$VENV/bin/python" -m pip install -q ${KANTA_PIP_ARGS:-} "$target"
    fi
    rm -rf "$SRC/build"
    "$VENV/bin/kanta" --version >/dev/null || die "the installed kanta command does not run"
    printf '%s\n' "$fingerprint" >"$stamp"
    # `kanta` on the PATH for the shop owner (kanta status, kanta store info, ...)
    if [ "$(readlink /usr/local/bin/kanta 2>/dev/null || true)" != "$VENV/bin/kanta" ]; then
        ln -sfn "$VENV/bin/kanta" /usr/local/bin/kanta
    fi
    log "installed $("$VENV/bin/kanta" --version)"
}

install_rules() {
    [ "$ROLE" = kiosk ] || return 0
    udev_changed=no
    for rule in "$HERE"/*.rules; do
        [ -f "$rule" ] || continue
        name=$(basename "$rule")
        if grep -q 'polkit.addRule' "$rule"; then
            # only where polkit is installed (pcscd built with polkit asks it)
            [ -d /etc/polkit-1 ] || continue
            install_file "$rule" "$POLKIT_DIR/$name" 644
        else
            CHANGED=no
            install_file "$rule" "$UDEV_DIR/$name" 644
            [ "$CHANGED" = no ] || udev_changed=yes
        fi
    done
    if [ "$udev_changed" = yes ] && systemd_running && command -v udevadm >/dev/null 2>&1; then
        udevadm control --reload
        udevadm trigger --subsystem-match=input --subsystem-match=usb
    fi
}

install_units() {
    UNITS_CHANGED=no
    for unit in $UNITS; do
        CHANGED=no
        install_file "$HERE/$unit" "$UNIT_DIR/$unit" 644
        [ "$CHANGED" = no ] || UNITS_CHANGED=yes
    done
    # bounded logs: the journal may use this much and no more (see README, disk care)
    write_file "$JOURNALD_DROPIN" 644 <<'EOF'
# Kanta: keep the system journal bounded on the SD card (and in RAM).
[Journal]
SystemMaxUse=64M
SystemMaxFileSize=8M
RuntimeMaxUse=32M
MaxLevelStore=info
EOF
}

enable_units() {
    if ! systemd_running; then
        log "systemd is not running here (chroot or image build): units installed, not enabled or started"
        log "on the running system: systemctl enable --now $UNITS"
        return 0
    fi
    if [ "$UNITS_CHANGED" = yes ]; then
        systemctl daemon-reload
    fi
    for unit in $UNITS; do
        if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
            systemctl enable "$unit"
        fi
        if systemctl is-active --quiet "$unit"; then
            if [ "$UNITS_CHANGED" = yes ] || [ "${VENV_CHANGED:-no}" = yes ]; then
                systemctl restart "$unit"
                log "restarted $unit"
            fi
        else
            systemctl start --no-block "$unit"
            log "started $unit"
        fi
    done
}

do_install() {
    check_system
    install_packages
    create_user
    create_folders
    before=$(cat "$PREFIX/installed-source.sha256" 2>/dev/null || true)
    install_venv
    after=$(cat "$PREFIX/installed-source.sha256" 2>/dev/null || true)
    VENV_CHANGED=no
    [ "$before" = "$after" ] || VENV_CHANGED=yes
    install_rules
    install_units
    enable_units
    log "done. Check the kiosk with: kanta status"
}

# ---- uninstall ------------------------------------------------------------------------------

do_uninstall() {
    all_units="kanta-kiosk.service kanta-sync.service kanta-server.service"
    if systemd_running; then
        for unit in $all_units; do
            if systemctl list-unit-files "$unit" >/dev/null 2>&1; then
                systemctl disable --now "$unit" >/dev/null 2>&1 || true
            fi
        done
    fi
    for unit in $all_units; do
        remove_path "$UNIT_DIR/$unit"
        # links left by an enable done while systemd was not running
        remove_path "$UNIT_DIR/multi-user.target.wants/$unit"
    done
    for rule in "$HERE"/*.rules; do
        [ -f "$rule" ] || continue
        remove_path "$UDEV_DIR/$(basename "$rule")"
        remove_path "$POLKIT_DIR/$(basename "$rule")"
    done
    remove_path "$JOURNALD_DROPIN"
    if [ "$(readlink /usr/local/bin/kanta 2>/dev/null || true)" = "$VENV/bin/kanta" ]; then
        remove_path /usr/local/bin/kanta
    fi
    remove_path "$PREFIX"
    if systemd_running; then
        systemctl daemon-reload
    fi
    if [ "$PURGE" = yes ]; then
        remove_path "$DATA"
        remove_path /var/lib/kanta-server
        remove_path /var/lib/private/kanta-server
        remove_path "$ETC"
        if getent passwd "$USER_NAME" >/dev/null; then
            userdel "$USER_NAME"
            log "removed user $USER_NAME"
        fi
        if getent group "$USER_NAME" >/dev/null; then
            groupdel "$USER_NAME"
        fi
    else
        log "kept the data in $DATA and the settings in $ETC (remove them with --uninstall --purge-data)"
    fi
    log "system packages were left installed (other software may use them)"
}

if [ "$ACTION" = uninstall ]; then
    do_uninstall
else
    do_install
fi
