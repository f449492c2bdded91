"""systemd/build-image.sh: the SD card image, and kanta-firstboot, which applies the
settings the owner writes on the card's FAT partition.

The image test builds a real image (the cached arm64 root of tests/appliance/chroot.py,
Kanta installed by install.sh under qemu-user, three partitions made with mkfs.vfat/mtools
and mkfs.ext4 -d, nothing mounted), then reads it back the same way the owner's computer
and the Pi would: the partition table with sfdisk, the FAT partition with mtools, the
ext4 partitions with debugfs. The owner's edit of kanta-settings.txt is made with mcopy
into the image, and kanta-firstboot taken out of the image reads it back in a dry run.
Then the image boots under qemu-system-aarch64 -M virt (the card's kernel and initramfs;
a Pi's firmware stage cannot be emulated here) and its first boot applies the owner's file.

kanta-firstboot itself (stdlib and Kanta's own config checks) is tested on this machine:
good settings applied to a system in a folder, bad ones refused with every reason and
nothing changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.appliance.chroot import ARM64_CACHE, BUILD_IMAGE, REPO, arm64_image_not_cached, arm64_unavailable

FIRSTBOOT = REPO / "systemd" / "image" / "kanta-firstboot"
SETTINGS = """# the owner's edit
SHOP_NAME=Kahvila Testi
LANGUAGE=sv
TIMEZONE=Europe/Stockholm
WIFI_COUNTRY=se
WIFI_SSID=Kahvila
WIFI_PASSWORD="correct horse"
SERVER_URL=https://kanta.example.fi/
PAIRING_TOKEN=kt_abcdefghijklmnopqrstuvwxyz012345
"""


def _firstboot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(FIRSTBOOT), *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def _system(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    (root / "etc/kanta").mkdir(parents=True)
    shutil.copy2(REPO / "config/kiosk.toml", root / "etc/kanta/kiosk.toml")
    (root / "etc/kanta/kanta.env").write_text("# env\nKANTA_LOG_SALT=set-at-first-boot\n")
    (root / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    boot = tmp_path / "boot"
    boot.mkdir()
    return root, boot


# ---- kanta-firstboot on this machine -----------------------------------------------------------


def test_firstboot_applies_the_owners_settings(tmp_path: Path) -> None:
    root, boot = _system(tmp_path)
    (boot / "kanta-settings.txt").write_text(SETTINGS)
    data = tmp_path / "data"
    out = _firstboot("--settings", str(boot / "kanta-settings.txt"), "--root", str(root), "--data", str(data))
    assert out.returncode == 0, out.stdout + out.stderr

    shop = tomllib.loads((root / "etc/kanta/kiosk.toml").read_text())["shop"]
    assert (shop["name"], shop["language"], shop["timezone"]) == ("Kahvila Testi", "sv", "Europe/Stockholm")
    wpa_conf = root / "etc/wpa_supplicant/wpa_supplicant-wlan0.conf"
    wpa = wpa_conf.read_text()
    assert "country=SE" in wpa and f"ssid={b'Kahvila'.hex()}" in wpa and "correct horse" not in wpa
    assert "psk=" in wpa and wpa_conf.stat().st_mode & 0o077 == 0
    link = root / "etc/systemd/system/multi-user.target.wants/wpa_supplicant@wlan0.service"
    assert os.readlink(link) == "/lib/systemd/system/wpa_supplicant@.service"
    salt = (root / "etc/kanta/kanta.env").read_text()
    assert "set-at-first-boot" not in salt and "KANTA_LOG_SALT=" in salt
    state = json.loads((data / "sync/state.json").read_text())
    assert state["server"] == "https://kanta.example.fi" and state["token"].startswith("kt_")

    # the file is renamed and its secrets removed; the machine id stays the card's own
    assert not (boot / "kanta-settings.txt").exists()
    applied = (boot / "kanta-settings.applied.txt").read_text()
    assert "correct horse" not in applied and "kt_abc" not in applied and "SHOP_NAME=Kahvila Testi" in applied
    assert (root / "etc/machine-id").read_text().strip() == "0123456789abcdef0123456789abcdef"

    # a new file later (a new Wi-Fi) changes only that; the salt is not made again
    (boot / "kanta-settings.txt").write_text("WIFI_COUNTRY=FI\nWIFI_SSID=Other\n")
    again = _firstboot("--settings", str(boot / "kanta-settings.txt"), "--root", str(root),
                       "--data", str(data))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "key_mgmt=NONE" in (root / "etc/wpa_supplicant/wpa_supplicant-wlan0.conf").read_text()
    assert (root / "etc/kanta/kanta.env").read_text() == salt
    assert tomllib.loads((root / "etc/kanta/kiosk.toml").read_text())["shop"]["name"] == "Kahvila Testi"


@pytest.mark.parametrize(("text", "reason"), [
    ("SHOP_NAME=x\nBOGUS=1\n", "unknown setting 'BOGUS'"),
    ("LANGUAGE=de\n", "shop.language = 'de'"),
    ("TIMEZONE=Mars/Olympus\n", "time zone"),
    ("WIFI_SSID=shop\n", "WIFI_COUNTRY"),
    ("WIFI_COUNTRY=FI\nWIFI_SSID=shop\nWIFI_PASSWORD=short\n", "8 to 63"),
    ("SERVER_URL=http://evil.example\nPAIRING_TOKEN=kt_abcdefghijkl\n", "plain HTTP"),
    ("SERVER_URL=https://s.example\n", "go together"),
    ("SERVER_URL=https://s.example\nPAIRING_TOKEN=a b c d e f g h\n", "PAIRING_TOKEN"),
    ("SHOP_NAME=a\nSHOP_NAME=b\n", "set twice"),
    ("just words\n", "expected NAME=value"),
    ("SHOP_NAME=" + "x" * 20000 + "\n", "larger than"),
])
def test_firstboot_refuses_bad_settings_and_changes_nothing(tmp_path: Path, text: str, reason: str) -> None:
    root, boot = _system(tmp_path)
    (boot / "kanta-settings.txt").write_text(text)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    out = _firstboot("--settings", str(boot / "kanta-settings.txt"), "--root", str(root),
                     "--data", str(tmp_path / "data"))
    assert out.returncode == 1 and reason in out.stderr, out.stdout + out.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "data").exists()
    assert (boot / "kanta-settings.txt").read_text() == text  # left for the owner to fix
    assert reason in (boot / "kanta-settings.errors.txt").read_text()


def test_firstboot_binary_garbage_is_refused(tmp_path: Path) -> None:
    root, boot = _system(tmp_path)
    (boot / "kanta-settings.txt").write_bytes(b"SHOP_NAME=\xff\xfe\x00\n")
    out = _firstboot("--dry-run", "--settings", str(boot / "kanta-settings.txt"), "--root", str(root))
    assert out.returncode == 1 and "not UTF-8" in out.stderr, out.stderr
    assert not (boot / "kanta-settings.errors.txt").exists()  # a dry run writes nothing


# /proc/self/mountinfo as kanta-firstboot read it on the card booted under qemu -M virt
# (2026-12-05, busybox in the initramfs; trimmed to the mounts it looks at)
BOOTED_MOUNTS = """\
24 32 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:14 - proc proc rw
27 32 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:7 - tmpfs tmpfs rw,size=151440k,mode=755,inode64
28 32 254:2 / /media/root-ro ro,relatime shared:2 - ext4 /dev/vda2 ro
29 32 0:25 / /media/root-rw rw,relatime shared:3 - tmpfs tmpfs-root rw,inode64
32 1 0:26 / / rw,relatime shared:1 - overlay overlayroot rw,lowerdir=/media/root-ro,\
upperdir=/media/root-rw/overlay,workdir=/media/root-rw/overlay-workdir/_
153 32 254:3 / /var/lib/kanta rw,noatime shared:61 - ext4 /dev/vda3 rw
158 32 254:1 / /boot/firmware ro,noatime shared:79 - vfat /dev/vda1 ro,fmask=0022,dmask=0022,flush
"""
ROOT_OVERLAY = ("kanta-firstboot: / is an overlay: /media/root-ro (ext4 on /dev/vda2) read-only below, "
                "its changes in RAM (tmpfs on /media/root-rw) above")
DATA_WRITABLE = "kanta-firstboot: /var/lib/kanta is ext4 on /dev/vda3, writable"
# the card when overlayroot failed in the initramfs (grep: not found): its root mounted writable
WRITABLE_ROOT = "32 1 254:2 / / rw,noatime shared:1 - ext4 /dev/vda2 rw\n"


def _mounts_without(*points: str) -> str:
    return "".join(line + "\n" for line in BOOTED_MOUNTS.splitlines() if line.split()[4] not in points)


@pytest.mark.parametrize(("mountinfo", "said", "code"), [
    (BOOTED_MOUNTS, [ROOT_OVERLAY, DATA_WRITABLE], 0),
    (_mounts_without("/") + WRITABLE_ROOT,
     ["warning: / is ext4 on /dev/vda2, writable, not overlayroot's overlay", DATA_WRITABLE], 1),
    (BOOTED_MOUNTS.replace("/media/root-ro ro,", "/media/root-ro rw,"),
     ["warning: / is an overlay of /media/root-ro (writable) under tmpfs, not a read-only root"], 1),
    (BOOTED_MOUNTS.replace("- tmpfs tmpfs-root", "- ext4 /dev/sda1"),
     ["warning: / is an overlay of /media/root-ro (read-only) under ext4"], 1),
    (_mounts_without("/media/root-ro"), ["warning: / is an overlay but its layers are not mounts"], 1),
    (_mounts_without("/media/root-rw"),
     ["warning: / is an overlay of /media/root-ro (read-only) under overlay"], 1),
    (_mounts_without("/var/lib/kanta"),
     [ROOT_OVERLAY, "warning: /var/lib/kanta is not a mount of its own: the data partition is not"], 1),
    (BOOTED_MOUNTS.replace("/var/lib/kanta rw,", "/var/lib/kanta ro,"),
     ["warning: /var/lib/kanta is ext4 on /dev/vda3, read-only"], 1),
    ("", ["warning: /proc/self/mountinfo lists no root file system"], 1),
])
def test_firstboot_check_mounts_says_whether_the_root_is_read_only(
        tmp_path: Path, mountinfo: str, said: list[str], code: int) -> None:
    (tmp_path / "mountinfo").write_text(mountinfo)
    out = _firstboot("--check-mounts", "--mountinfo", str(tmp_path / "mountinfo"))
    assert out.returncode == code, out.stdout + out.stderr
    for line in said:
        assert line in out.stdout, out.stdout
    assert ("warning" in out.stdout) == bool(code), out.stdout


def test_firstboot_check_mounts_reads_escaped_mount_points(tmp_path: Path) -> None:
    # mountinfo writes a space in a mount point as \040
    (tmp_path / "mountinfo").write_text(BOOTED_MOUNTS.replace("/var/lib/kanta", "/srv/shop\\040data"))
    out = _firstboot("--check-mounts", "--data", "/srv/shop data", "--mountinfo", str(tmp_path / "mountinfo"))
    assert out.returncode == 0 and "/srv/shop data is ext4 on /dev/vda3, writable" in out.stdout, out.stdout


def test_build_image_script_basics() -> None:
    exe = shutil.which("shellcheck")
    if exe is None:
        pytest.skip("shellcheck not installed (tests/bootstrap.sh installs it)")
    out = subprocess.run([exe, "--shell=sh", "--severity=style", str(BUILD_IMAGE)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    out = subprocess.run(["sh", str(BUILD_IMAGE), "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--base-only" in out.stdout
    out = subprocess.run(["sh", str(BUILD_IMAGE), "--data-mb", "12x"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode != 0 and "--data-mb" in out.stderr
    lint = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", str(FIRSTBOOT)],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# ---- the image ----------------------------------------------------------------------------------


class Image:
    def __init__(self, path: Path) -> None:
        self.path = path
        table = json.loads(subprocess.run(["sfdisk", "-J", str(path)], capture_output=True, text=True,
                                          check=True, timeout=60).stdout)["partitiontable"]
        self.table = table
        self.offsets = [p["start"] * table.get("sectorsize", 512) for p in table["partitions"]]

    def fat(self) -> str:
        return f"{self.path}@@{self.offsets[0]}"

    def debugfs(self, part: int, request: str) -> str:
        out = subprocess.run(["debugfs", "-R", request, f"{self.path}?offset={self.offsets[part]}"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def link(self, path: str) -> str:
        stat = self.debugfs(1, f"stat {path}")
        assert "Type: symlink" in stat, f"{path} is not a symlink: {stat[:300]}"
        return stat.split('Fast link dest: "', 1)[1].split('"', 1)[0]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    reason = arm64_unavailable() or arm64_image_not_cached()
    if reason:
        pytest.skip(reason)
    for tool in ("mkfs.vfat", "mcopy", "sfdisk", "debugfs", "mkfs.ext4"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (tests/bootstrap.sh installs dosfstools, mtools, fdisk)")
    out_dir = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    build = subprocess.run(["nice", "-n", "19", "sh", str(BUILD_IMAGE), "--out", str(out_dir / "kanta.img")],
                           capture_output=True, text=True, timeout=5400,
                           env={**os.environ, "KANTA_IMAGE_CACHE": str(ARM64_CACHE)})
    assert build.returncode == 0, build.stderr[-5000:]
    print(f"image built in {time.monotonic() - started:.0f} s: {build.stderr.strip().splitlines()[-2]}")
    return Image(out_dir / "kanta.img")


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_image_partitions_and_boot_files(image: Image) -> None:
    parts = image.table["partitions"]
    assert image.table["label"] == "dos" and len(parts) == 3
    assert [p["type"] for p in parts] == ["c", "83", "83"] and parts[0].get("bootable")
    listing = subprocess.run(["mdir", "-b", "-i", image.fat(), "::/"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    names = {line.rsplit("/", 1)[-1] for line in listing.splitlines()}
    assert {"config.txt", "cmdline.txt", "bcm2711-rpi-4-b.dtb", "kanta-settings.txt",
            "KANTA-README.txt"} <= names, sorted(names)
    assert any(n.startswith("vmlinuz-") for n in names) and any(n.startswith("initrd.img-") for n in names)
    cmdline = subprocess.run(["mtype", "-i", image.fat(), "::/cmdline.txt"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    assert "root=LABEL=kanta-root" in cmdline and "overlayroot=tmpfs:recurse=0" in cmdline, cmdline
    assert "cma=" not in cmdline and "console=tty3" in cmdline, cmdline  # a Pi 4 boots without cma=
    # raspi-firmware's own options and raspi-extra-cmdline's together: none given twice
    # (fsck.repair=yes was; only console= may name several consoles)
    options = cmdline.split()
    assert len(cmdline.splitlines()) == 1 and options.count("fsck.repair=yes") == 1, cmdline
    names = [o.split("=", 1)[0] for o in options if not o.startswith("console=")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == [], cmdline
    labels = [image.debugfs(i, "stats").split("Filesystem volume name:", 1)[1].split()[0] for i in (1, 2)]
    assert labels == ["kanta-root", "kanta-data"]


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_image_root_units_fstab_and_data(image: Image) -> None:
    fstab = image.debugfs(1, "cat /etc/fstab")
    lines = [line.split() for line in fstab.splitlines() if line.strip() and not line.startswith("#")]
    assert ["LABEL=kanta-data", "/var/lib/kanta", "ext4"] in [line[:3] for line in lines], fstab
    assert ["LABEL=kanta-root", "/", "ext4"] in [line[:3] for line in lines], fstab
    assert "nofail" not in next(line for line in lines if line[1] == "/var/lib/kanta")[3]
    assert 'overlayroot="tmpfs:recurse=0"' in image.debugfs(1, "cat /etc/overlayroot.local.conf")
    wants = "/etc/systemd/system/multi-user.target.wants"
    for unit in ("kanta-kiosk.service", "kanta-sync.service", "kanta-firstboot.service",
                 "systemd-networkd.service"):
        assert image.link(f"{wants}/{unit}").endswith(f"/{unit}"), unit
    assert image.debugfs(1, "cat /etc/systemd/system/kanta-kiosk.service") == (
        REPO / "systemd/kanta-kiosk.service").read_text()
    assert image.link("/etc/systemd/system/getty@tty1.service") == "/dev/null"
    assert image.debugfs(1, "cat /etc/machine-id").strip() == ""
    assert "Type: regular" in image.debugfs(1, "stat /opt/kanta/venv/bin/kanta")
    # kanta-firstboot runs on the venv's Python (Kanta's own config checks)
    shebang = FIRSTBOOT.read_text().splitlines()[0].removeprefix("#!")
    assert "Type: symlink" in image.debugfs(1, f"stat {shebang}"), shebang
    assert image.link("/usr/local/bin/kanta") == "/opt/kanta/venv/bin/kanta"
    # the data partition's top is the kiosk user's, like /var/lib/kanta on an installed Pi
    uid = next(line.split(":")[2] for line in image.debugfs(1, "cat /etc/passwd").splitlines()
               if line.startswith("kanta:"))
    top = next(line.split() for line in image.debugfs(2, "ls -l /").splitlines() if line.split()[-1] == ".")
    assert top[1] == "40750" and top[3] == uid, top


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_image_first_boot_reads_the_owners_file(image: Image, tmp_path: Path) -> None:
    # the owner edits kanta-settings.txt on the card's FAT partition
    template = subprocess.run(["mtype", "-i", image.fat(), "::/kanta-settings.txt"], capture_output=True,
                              text=True, check=True, timeout=60).stdout
    assert "SHOP_NAME=" in template and "PAIRING_TOKEN=" in template
    (tmp_path / "kanta-settings.txt").write_text(SETTINGS)
    subprocess.run(["mcopy", "-o", "-i", image.fat(), str(tmp_path / "kanta-settings.txt"), "::/"],
                   check=True, timeout=60)
    # ...and the first-boot script of the image reads it back from the card, in a dry run
    card = tmp_path / "card"
    card.mkdir()
    subprocess.run(["mcopy", "-i", image.fat(), "::/kanta-settings.txt", str(card)], check=True, timeout=60)
    root = tmp_path / "root"
    (root / "etc/kanta").mkdir(parents=True)
    image.debugfs(1, f"dump /etc/kanta/kiosk.toml {root / 'etc/kanta/kiosk.toml'}")
    image.debugfs(1, f"dump /usr/local/sbin/kanta-firstboot {tmp_path / 'kanta-firstboot'}")
    assert (tmp_path / "kanta-firstboot").read_bytes() == FIRSTBOOT.read_bytes()
    assert image.debugfs(1, "cat /etc/systemd/system/kanta-firstboot.service").count(
        "ConditionPathExists=/boot/firmware/kanta-settings.txt") == 1
    out = subprocess.run([sys.executable, str(tmp_path / "kanta-firstboot"), "--dry-run", "--settings",
                          str(card / "kanta-settings.txt"), "--root", str(root)],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "would set shop.name = 'Kahvila Testi'" in out.stdout
    assert "would join Wi-Fi 'Kahvila' (WPA2, country SE)" in out.stdout
    assert "would pair with https://kanta.example.fi" in out.stdout
    assert "would give this card its own log salt" in out.stdout
    assert "correct horse" not in out.stdout and "kt_abc" not in out.stdout


# what the console shows when the first boot is over, one way or the other
BOOT_DONE = "kanta-firstboot: settings applied"
BOOT_FAILED = ("was not applied", "Kernel panic", "emergency mode", "Failed to start kanta-firstboot",
               "Dependency failed for kanta-firstboot", "Cannot open access to console")


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_image_boots_and_applies_the_owners_settings(image: Image, tmp_path: Path) -> None:
    """The card plugged in: its own kernel (Debian's arm64 one, the Pi 4's too) and initramfs
    booted under qemu-system-aarch64 -M virt, software emulation, the card as a virtio disk.
    A Pi's firmware and board cannot be emulated here (QEMU 7.2 has no Raspberry Pi 4
    machine), so the FAT partition's bootloader, config.txt and device tree are not what
    boots; from the kernel's command line on (cmdline.txt, plus a serial console) it is the
    card: the initramfs finds kanta-root by label, overlayroot, fstab mounts KANTA-BOOT and
    kanta-data, systemd starts kanta-firstboot, which applies the owner's file and says what
    the card runs on: / must be overlayroot's overlay on the read-only kanta-root with its
    changes in RAM, and kanta-data mounted writable on /var/lib/kanta (a boot where the
    initramfs could not set up the overlay, as before busybox was in it, fails here)."""
    qemu = shutil.which("qemu-system-aarch64")
    if qemu is None:
        pytest.skip("qemu-system-aarch64 not installed (tests/bootstrap.sh installs qemu-system-arm)")
    disk = tmp_path / "card.img"
    subprocess.run(["cp", "--sparse=always", str(image.path), str(disk)], check=True, timeout=600)
    card = Image(disk)
    names = subprocess.run(["mdir", "-b", "-i", card.fat(), "::/"], capture_output=True, text=True,
                           check=True, timeout=60).stdout.split()
    kernel = next(n.rsplit("/", 1)[-1] for n in names if "/vmlinuz-" in n)
    initrd = next(n.rsplit("/", 1)[-1] for n in names if "/initrd.img-" in n)
    for name in (kernel, initrd):
        subprocess.run(["mcopy", "-i", card.fat(), f"::/{name}", str(tmp_path / name)], check=True,
                       timeout=120)
    cmdline = subprocess.run(["mtype", "-i", card.fat(), "::/cmdline.txt"], capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
    (tmp_path / "kanta-settings.txt").write_text(SETTINGS)
    subprocess.run(["mcopy", "-o", "-i", card.fat(), str(tmp_path / "kanta-settings.txt"), "::/"],
                   check=True, timeout=60)

    console = tmp_path / "console.log"
    # the serial console last: /dev/console, where kanta-firstboot's unit writes too
    append = f"{cmdline} console=ttyAMA0 panic=-1"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [qemu, "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1536", "-nographic",
             "-no-reboot", "-nic", "none", "-kernel", str(tmp_path / kernel),
             "-initrd", str(tmp_path / initrd), "-append", append,
             "-drive", f"file={disk},if=virtio,format=raw"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        while time.monotonic() - started < 1800 and proc.poll() is None:
            said = console.read_text(errors="replace")
            if BOOT_DONE in said or any(bad in said for bad in BOOT_FAILED):
                break
            time.sleep(2)
    finally:
        proc.terminate()
        proc.wait(60)
    said = console.read_text(errors="replace")
    print(f"booted to the first boot's end in {time.monotonic() - started:.0f} s under TCG")
    assert BOOT_DONE in said, said[-6000:]
    assert "set shop.name = 'Kahvila Testi'" in said, said[-6000:]
    # the read-only root the README promises, as the booted card's own mounts show it
    assert "/scripts/init-bottom/overlayroot:" not in said, said[-6000:]  # its errors (grep: not found)
    assert ROOT_OVERLAY in said and DATA_WRITABLE in said, said[-6000:]
    assert "kanta-firstboot: warning" not in said, said[-6000:]
    assert "correct horse" not in said and "kt_abc" not in said

    # what the owner sees on the card afterwards, and what the next boots start from
    after = Image(disk)
    listing = subprocess.run(["mdir", "-b", "-i", after.fat(), "::/"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    assert "kanta-settings.applied.txt" in listing and "/kanta-settings.txt" not in listing, listing
    # on the root partition itself: written through to the overlay's lower layer, so it lasts
    kiosk = tomllib.loads(after.debugfs(1, "cat /etc/kanta/kiosk.toml"))
    assert kiosk["shop"]["name"] == "Kahvila Testi" and kiosk["shop"]["language"] == "sv"
    state = json.loads(after.debugfs(2, "cat /sync/state.json"))
    assert state["server"] == "https://kanta.example.fi"
