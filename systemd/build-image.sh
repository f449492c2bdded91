#!/bin/sh
# Build an SD card image of a Kanta kiosk for a Raspberry Pi 4 (64-bit Debian bookworm),
# from Debian's packages only (Debian's raspi-firmware and linux-image-arm64).
#
#   sudo systemd/build-image.sh [--out FILE] [--cache DIR] [--data-mb N]
#   sudo systemd/build-image.sh --base-only [--cache DIR]   make or find the cached arm64
#                                     root (Debian + Kanta's system packages), print its path
#   sudo systemd/build-image.sh --cached-only [--cache DIR] print it only if it is cached
#                                     (exit status 3 if not)
#   sudo systemd/build-image.sh --kiosk-only [--cache DIR]  the arm64 root without the card's
#                                     kernel (Debian + what install.sh installs), its path
#   sudo systemd/build-image.sh --kiosk-cached-only         the same, only if it is cached
#
# The card: a FAT partition KANTA-BOOT (firmware, kernel, and kanta-settings.txt, the file
# the owner edits before the first boot), the root file system kanta-root (read-only: an
# overlay in RAM on top, as the README recommends) and kanta-data, mounted writable on
# /var/lib/kanta. Kanta is installed with systemd/install.sh; the kiosk, sync and first-boot
# units are enabled. On a machine that is not arm64 it needs qemu-user-static with
# binfmt_misc (apt-get install qemu-user-static binfmt-support).
#
# Environment: KANTA_IMAGE_CACHE (default /var/cache/kanta-image), KANTA_DEBIAN_MIRROR,
# PIP_CERT (a CA bundle pip needs on this network; not put in the image).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SUITE=bookworm
MIRROR="${KANTA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${KANTA_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE="${KANTA_IMAGE_CACHE:-/var/cache/kanta-image}"
OUT=kanta-pi4.img
BOOT_MB=256
DATA_MB=1024
ACTION=image
# what the card needs besides Kanta's own packages: init, the Pi's kernel and firmware
# (Wi-Fi firmware is in non-free-firmware), networking, time, the read-only root overlay.
# busybox: overlayroot's initramfs script runs grep, sed, mktemp, stat and rm, which only
# busybox puts in the initramfs (initramfs.conf's BUSYBOX=auto takes it when installed;
# overlayroot only Recommends it, and --no-install-recommends left it out: the root was
# then mounted writable, with "grep: not found" on the console)
IMAGE_PACKAGES="systemd-sysv udev kmod linux-image-arm64 raspi-firmware firmware-brcm80211
wpasupplicant iproute2 systemd-timesyncd ca-certificates tzdata overlayroot busybox e2fsprogs
dosfstools systemd-resolved"
# the programs overlayroot's init-bottom script runs (from its text, overlayroot 0.48):
# the build fails when the initramfs lacks one, so the read-only root cannot silently go
OVERLAYROOT_NEEDS="sh grep sed mktemp stat rm rmdir cat cp mv mkdir mount umount modprobe head
sha512sum wipefs mke2fs cryptsetup udevadm"
# the recipes of the cached roots: a change here makes a new one
KIOSK_RECIPE=1
BASE_RECIPE=5

log() { printf 'kanta-image: %s\n' "$*" >&2; }
die() {
    printf 'kanta-image: error: %s\n' "$*" >&2
    # a stage runs in a subshell, where the EXIT trap does not: unmount what it mounted
    for where in ${MOUNTS:-}; do umount -l "$where" 2>/dev/null || true; done
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift ;;
        --cache) CACHE="$2"; shift ;;
        --data-mb) DATA_MB="$2"; shift ;;
        --base-only) ACTION=base ;;
        --cached-only) ACTION=cached ;;
        --kiosk-only) ACTION=kiosk ;;
        --kiosk-cached-only) ACTION=kiosk_cached ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
    shift
done
case "$DATA_MB" in ''|*[!0-9]*) die "--data-mb wants a number of MiB" ;; esac
{ [ "$DATA_MB" -ge 64 ] && [ "$DATA_MB" -le 65536 ]; } || die "--data-mb must be 64..65536"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot and mount need it)"

# ---- host checks --------------------------------------------------------------------------

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found: apt-get install $2"
}

# arm64 programs run here natively, or through qemu-user with binfmt_misc
check_arm64() {
    [ "$(uname -m)" = aarch64 ] && return 0
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
            die "binfmt_misc is not mounted and cannot be (a container without it?)"
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && command -v update-binfmts >/dev/null 2>&1; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    fi
    grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
        die "this machine cannot run arm64 programs: apt-get install qemu-user-static binfmt-support"
}

# ---- the chroot -----------------------------------------------------------------------------

MOUNTS=""
mount_in() { # ROOT TARGET MOUNT-ARGS...
    where="$1$2"
    shift 2
    mkdir -p "$where"
    mount "$@" "$where"
    MOUNTS="$where $MOUNTS"
}

umount_all() {
    for where in $MOUNTS; do
        umount -l "$where" 2>/dev/null || true
    done
    # nothing is deleted in a root while the host's folders are still bound into it
    for where in $MOUNTS; do
        ! grep -q " $where " /proc/mounts || die "could not unmount $where"
    done
    MOUNTS=""
}

WORK=""
cleanup() {
    umount_all
    if [ -n "$WORK" ] && ! grep -q " $WORK/" /proc/mounts; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_root() { # ROOT COMMAND...
    root="$1"
    shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        HOME=/root DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 \
        ${PIP_CERT_IN_ROOT:+PIP_CERT=$PIP_CERT_IN_ROOT} nice -n 19 chroot "$root" "$@"
}

# the host's resolver while we install; the image's own (systemd-resolved's stub) after
with_host_resolver() { # ROOT
    if [ -L "$1/etc/resolv.conf" ] || [ -e "$1/etc/resolv.conf" ]; then
        mv "$1/etc/resolv.conf" "$1/etc/resolv.conf.kanta-image"
    fi
    cp /etc/resolv.conf "$1/etc/resolv.conf"
}
restore_resolver() { # ROOT
    rm -f "$1/etc/resolv.conf"
    if [ -L "$1/etc/resolv.conf.kanta-image" ] || [ -e "$1/etc/resolv.conf.kanta-image" ]; then
        mv "$1/etc/resolv.conf.kanta-image" "$1/etc/resolv.conf"
    fi
}

key_of() {
    printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# ---- stage 1: debootstrap (cached) ----------------------------------------------------------

debootstrap_root() {
    key=$(key_of "$SUITE" "$MIRROR" arm64 minbase main,non-free-firmware)
    dir="$CACHE/debootstrap-$key"
    if [ -f "$dir/.complete" ]; then
        printf '%s\n' "$dir"
        return 0
    fi
    rm -rf "$dir.building"
    mkdir -p "$CACHE/debs"
    log "debootstrap of arm64 $SUITE (a few minutes under emulation)"
    nice -n 19 debootstrap --arch=arm64 --variant=minbase --components=main,non-free-firmware \
        --cache-dir="$CACHE/debs" "$SUITE" "$dir.building" "$MIRROR" >&2 ||
        die "debootstrap failed"
    touch "$dir.building/.complete"
    mv "$dir.building" "$dir"
    printf '%s\n' "$dir"
}

# ---- stage 2: the kiosk's system packages (cached) -------------------------------------------

# the chroot as an apt-get install needs it: Debian's sources, no service started
prepare_apt() { # ROOT
    cat >"$1/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main non-free-firmware
deb $MIRROR $SUITE-updates main non-free-firmware
deb $SECURITY_MIRROR $SUITE-security main non-free-firmware
EOF
    printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
    chmod 755 "$1/usr/sbin/policy-rc.d"
    mkdir -p "$CACHE/apt-archives"
    with_host_resolver "$1"
    mount_in "$1" /proc -t proc proc
    mount_in "$1" /var/cache/apt/archives --bind "$CACHE/apt-archives"
    in_root "$1" apt-get update -q >&2 || die "apt-get update in the arm64 root failed"
}

finish_root() { # BUILD DIR
    in_root "$1" apt-get clean
    umount_all
    restore_resolver "$1"
    rm -f "$1/usr/sbin/policy-rc.d"
    touch "$1/.complete"
    mv "$1" "$2"
}

# One build at a time per cache. Taken only to build (or copy) a root: a cached one is
# found without waiting for a build of another. A stage runs in a subshell, which keeps
# the lock until it ends; one it starts inherits it (LOCKED), not locking twice.
LOCKED=no
lock_cache() {
    [ "$LOCKED" = yes ] && return 0
    exec 9>"$CACHE/.lock"
    flock 9
    LOCKED=yes
}

# The image root's build (an hour cold) has a lock of its own: an image build copying a
# cached root under the cache's lock does not wait for it. Its old root is deleted only
# when the new one is complete, under the cache's lock (no image build is copying it).
lock_base_build() {
    exec 8>"$CACHE/.base.lock"
    flock 8
}

# an older recipe's root or an interrupted build of this kind (none in use)
drop_others() { # PREFIX KEEP
    for old in "$CACHE/$1"-*; do
        [ -d "$old" ] && [ "$old" != "$2" ] && ! grep -q " $old/" /proc/mounts && rm -rf "$old"
    done
    return 0
}

# Debian and what install.sh installs: the root of the arm64 install test and bench/arm64.py
# (no kernel: the initramfs, the longest step under emulation, is the image's alone)
kiosk_root() {
    kiosk_packages=$(sh "$HERE/install.sh" --list-packages)
    key=$(key_of "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$kiosk_packages" "$KIOSK_RECIPE")
    dir="$CACHE/kiosk-$key"
    if [ -f "$dir/.complete" ]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if [ "$ACTION" = kiosk_cached ] || [ "$ACTION" = cached ]; then
        log "no arm64 kiosk root for this recipe in $CACHE yet (--kiosk-only builds it)"
        exit 3
    fi
    lock_cache
    if [ -f "$dir/.complete" ]; then  # built while we waited
        printf '%s\n' "$dir"
        return 0
    fi
    first=$(debootstrap_root)
    drop_others kiosk "$dir"
    build="$dir.building"
    rm -rf "$build"
    cp -a "$first" "$build"
    rm -f "$build/.complete"
    prepare_apt "$build"
    log "installing the kiosk's system packages"
    # shellcheck disable=SC2086  # a package list
    in_root "$build" apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confold $kiosk_packages >&2 ||
        die "apt-get install in the arm64 root failed"
    finish_root "$build" "$dir"
    printf '%s\n' "$dir"
}

# ---- stage 2b: the card's kernel, firmware and initramfs (cached) ------------------------------

base_root() {
    kiosk=$(kiosk_root)
    key=$(key_of "$kiosk" "$IMAGE_PACKAGES" "$BASE_RECIPE")
    dir="$CACHE/base-$key"
    if [ -f "$dir/.complete" ]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if [ "$ACTION" = cached ]; then
        log "no arm64 image root for this recipe in $CACHE yet (--base-only builds it)"
        exit 3
    fi
    lock_base_build
    if [ -f "$dir/.complete" ]; then  # built while we waited
        printf '%s\n' "$dir"
        return 0
    fi
    build="$dir.building"
    rm -rf "$build"
    cp -a "$kiosk" "$build"
    rm -f "$build/.complete"
    # raspi-firmware writes cmdline.txt when the kernel is installed; the card's own
    # (with raspi-extra-cmdline) is written again in stage 3, so a change there reuses this root
    printf 'ROOTPART=LABEL=kanta-root\nCONSOLES="tty3"\n' >"$build/etc/default/raspi-firmware"
    mkdir -p "$build/boot/firmware"
    prepare_apt "$build"
    mount_in "$build" /boot/firmware --bind "$build/boot/firmware"  # raspi-firmware wants a mount
    log "installing the card's kernel and firmware"
    # INITRD=No: the initramfs is made once below, not by each package that asks for it
    # (a quarter of an hour each under emulation)
    # shellcheck disable=SC2086  # a package list
    in_root "$build" env INITRD=No apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confold $IMAGE_PACKAGES >&2 ||
        die "apt-get install in the arm64 root failed"
    for modules in "$build"/lib/modules/*; do
        version=$(basename "$modules")
        log "making the initramfs of $version (the longest step under emulation)"
        # its post-update hook puts the kernel, initrd, dtbs, config.txt, cmdline.txt in place
        in_root "$build" update-initramfs -c -k "$version" >&2 || die "update-initramfs failed"
        check_initramfs "$build" "$version"
    done
    finish_root "$build" "$dir"
    lock_cache
    drop_others base "$dir"
    printf '%s\n' "$dir"
}

# the made initramfs can set up the read-only root: overlayroot's script, the overlay
# module and every program the script runs are in it (else the card boots writable)
check_initramfs() { # ROOT VERSION
    listing=$(in_root "$1" lsinitramfs "/boot/initrd.img-$2") ||
        die "lsinitramfs could not read the initramfs of $2"
    missing=""
    printf '%s\n' "$listing" | grep -qx scripts/init-bottom/overlayroot ||
        missing="$missing scripts/init-bottom/overlayroot"
    printf '%s\n' "$listing" | grep -qxE "usr/lib/modules/$2/kernel/fs/overlayfs/overlay\.ko(\.[a-z]+)?" ||
        missing="$missing overlay.ko"
    for program in $OVERLAYROOT_NEEDS; do
        printf '%s\n' "$listing" | grep -qxE "(usr/)?s?bin/$program" || missing="$missing $program"
    done
    [ -z "$missing" ] ||
        die "the initramfs of $2 lacks what overlayroot needs for the read-only root:$missing"
    log "the initramfs of $2 has overlayroot's script, the overlay module and the programs it runs"
}

# ---- stage 3: Kanta and the appliance's settings (every build) -------------------------------

copy_source() { # DEST
    mkdir -p "$1"
    (cd "$REPO" && tar -cf - --exclude=__pycache__ --exclude='*.pyc' \
        pyproject.toml README.md kiosk hardware sync config systemd) | tar -xf - -C "$1"
}

install_kanta() { # ROOT
    root="$1"
    copy_source "$root/root/kanta-src"
    with_host_resolver "$root"
    PIP_CERT_IN_ROOT=""
    ca="${PIP_CERT:-${SSL_CERT_FILE:-}}"
    if [ -n "$ca" ] && [ -f "$ca" ]; then
        cp "$ca" "$root/root/host-ca.pem"
        PIP_CERT_IN_ROOT=/root/host-ca.pem
    fi
    mkdir -p "$CACHE/pip"
    mount_in "$root" /proc -t proc proc
    mount_in "$root" /root/.cache/pip --bind "$CACHE/pip"
    log "installing Kanta with systemd/install.sh"
    in_root "$root" /bin/sh /root/kanta-src/systemd/install.sh >&2 ||
        die "systemd/install.sh failed in the image"
    umount_all
    rm -rf "$root/root/kanta-src" "$root/root/host-ca.pem" "$root/root/.cache"
    restore_resolver "$root"
}

configure() { # ROOT
    root="$1"
    img="$HERE/image"
    echo kanta >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tkanta\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
        >"$root/etc/hosts"
    install -m 644 "$img/fstab" "$root/etc/fstab"
    install -m 644 "$img/overlayroot.local.conf" "$root/etc/overlayroot.local.conf"
    install -D -m 644 "$img/20-wired.network" "$root/etc/systemd/network/20-wired.network"
    install -D -m 644 "$img/25-wireless.network" "$root/etc/systemd/network/25-wireless.network"
    install -m 755 "$img/kanta-firstboot" "$root/usr/local/sbin/kanta-firstboot"
    install -m 644 "$img/kanta-firstboot.service" "$root/etc/systemd/system/kanta-firstboot.service"
    install -m 644 "$img/kanta-settings.txt" "$root/boot/firmware/kanta-settings.txt"
    install -m 644 "$img/README.txt" "$root/boot/firmware/KANTA-README.txt"
    # every card gets its own identity at its first boot (machine id, log salt)
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    # the card's settings come from kanta-settings.txt: the build's salt is not a secret
    sed -i 's/^KANTA_LOG_SALT=.*/KANTA_LOG_SALT=set-at-first-boot/' "$root/etc/kanta/kanta.env"
    for unit in kanta-kiosk.service kanta-sync.service kanta-firstboot.service \
        systemd-networkd.service systemd-resolved.service systemd-timesyncd.service; do
        in_root "$root" systemctl enable "$unit" >/dev/null 2>&1 ||
            die "systemctl enable $unit failed in the image"
    done
    in_root "$root" systemctl mask getty@tty1.service >/dev/null 2>&1  # the kiosk owns tty1
    # config.txt and cmdline.txt written again from the card's settings (raspi-firmware's hook)
    install -m 644 "$img/raspi-firmware" "$root/etc/default/raspi-firmware"
    install -m 644 "$img/raspi-extra-cmdline" "$root/etc/default/raspi-extra-cmdline"
    mount_in "$root" /proc -t proc proc
    mount_in "$root" /boot/firmware --bind "$root/boot/firmware"
    in_root "$root" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware >&2 ||
        die "raspi-firmware could not write the boot files"
    umount_all
    [ -f "$root/boot/firmware/cmdline.txt" ] || die "raspi-firmware wrote no cmdline.txt"
    ! grep -q 'cma=' "$root/boot/firmware/cmdline.txt" || die "cmdline.txt sets cma= (wrong on a Pi 4)"
    # raspi-firmware's options plus raspi-extra-cmdline's: an option in both is given twice
    twice=$(tr ' ' '\n' <"$root/boot/firmware/cmdline.txt" | grep -v '^console=' | sed 's/=.*//' |
        grep . | sort | uniq -d | tr '\n' ' ')
    [ -z "$twice" ] || die "cmdline.txt gives $twice twice (raspi-firmware sets it already?)"
    grep -q 'root=LABEL=kanta-root' "$root/boot/firmware/cmdline.txt" ||
        die "cmdline.txt does not boot kanta-root: $(cat "$root/boot/firmware/cmdline.txt")"
}

# ---- the image: three partitions, made without mounting anything ------------------------------

make_image() { # ROOT
    root="$1"
    stage="$WORK/stage"
    mkdir -p "$stage/boot" "$stage/data"
    # the FAT and data partitions' files leave the root: there they are mount points
    cp -a "$root/boot/firmware/." "$stage/boot/"
    find "$root/boot/firmware" -mindepth 1 -delete
    cp -a "$root/var/lib/kanta/." "$stage/data/"
    find "$root/var/lib/kanta" -mindepth 1 -delete
    chown --reference="$root/var/lib/kanta" "$stage/data"
    chmod --reference="$root/var/lib/kanta" "$stage/data"
    find "$root/proc" "$root/sys" "$root/run" "$root/tmp" -mindepth 1 -delete 2>/dev/null || true
    rm -f "$root/.complete"

    used_mb=$(du -sm "$root" | cut -f1)
    root_mb=$(( used_mb + used_mb / 4 + 128 ))
    inodes=$(( $(find "$root" -xdev | wc -l) * 5 / 4 + 8192 ))
    log "root file system: $used_mb MiB of files in a $root_mb MiB partition"
    mkfs.vfat -F 32 -n KANTA-BOOT -C "$WORK/boot.img" $(( BOOT_MB * 1024 )) >/dev/null
    mcopy -s -p -m -i "$WORK/boot.img" "$stage/boot/"* ::/
    mkfs.ext4 -q -L kanta-root -N "$inodes" -d "$root" -E root_owner=0:0 "$WORK/root.img" "${root_mb}M" >&2
    mkfs.ext4 -q -L kanta-data -E root_owner="$(stat -c %u:%g "$stage/data")" -d "$stage/data" \
        "$WORK/data.img" "${DATA_MB}M" >&2
    # its top is /var/lib/kanta: mode 750 like the installer's (mkfs makes it 755)
    debugfs -w -R "set_inode_field / mode 040750" "$WORK/data.img" >/dev/null 2>&1 ||
        die "could not set the data partition's mode"

    start=8192  # 4 MiB: the first partition on an erase-block boundary
    boot_s=$(( BOOT_MB * 2048 ))
    root_s=$(( root_mb * 2048 ))
    data_s=$(( DATA_MB * 2048 ))
    total_s=$(( start + boot_s + root_s + data_s ))
    rm -f "$OUT.part"
    truncate -s $(( total_s * 512 )) "$OUT.part"
    sfdisk --quiet "$OUT.part" <<EOF
label: dos
start=$start, size=$boot_s, type=c, bootable
start=$(( start + boot_s )), size=$root_s, type=83
start=$(( start + boot_s + root_s )), size=$data_s, type=83
EOF
    dd if="$WORK/boot.img" of="$OUT.part" bs=512 seek=$start conv=notrunc,sparse status=none
    dd if="$WORK/root.img" of="$OUT.part" bs=512 seek=$(( start + boot_s )) conv=notrunc,sparse status=none
    dd if="$WORK/data.img" of="$OUT.part" bs=512 seek=$(( start + boot_s + root_s )) \
        conv=notrunc,sparse status=none
    mv "$OUT.part" "$OUT"
}

# ---- main ------------------------------------------------------------------------------------

need debootstrap debootstrap
check_arm64
mkdir -p "$CACHE"

if [ "$ACTION" = kiosk ] || [ "$ACTION" = kiosk_cached ]; then
    kiosk_root
    exit 0
fi
base=$(base_root)
if [ "$ACTION" = base ] || [ "$ACTION" = cached ]; then
    printf '%s\n' "$base"
    exit 0
fi

need mkfs.ext4 e2fsprogs
need debugfs e2fsprogs
need mkfs.vfat dosfstools
need mcopy mtools
need sfdisk fdisk
started=$(date +%s)
WORK="$CACHE/work-$$"
rm -rf "$WORK"
mkdir -p "$WORK"
lock_cache
log "copying the cached root"
cp -a "$base" "$WORK/root"
exec 9>&-  # the cache is free for others once we have our copy
LOCKED=no
install_kanta "$WORK/root"
configure "$WORK/root"
make_image "$WORK/root"
size_mb=$(( $(stat -c %s "$OUT") / 1048576 ))
log "wrote $OUT: $size_mb MiB in $(( $(date +%s) - started )) s (the cached root reused)"
log "write it to a card: dd if=$OUT of=/dev/sdX bs=4M conv=fsync (or Raspberry Pi Imager)"
