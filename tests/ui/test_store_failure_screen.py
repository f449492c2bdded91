"""A store the kiosk cannot open, on the kiosk's screen: a damaged last record (a byte
flipped inside the last complete, acknowledged journal record) and a read-only data
folder (a real tmpfs remounted read-only; skipped where it cannot be mounted).

`kanta kiosk` runs as a process on Xvfb, as systemd runs it (READY and watchdog pings on
a notify socket): it says the error on stderr, shows the store-failure screen, opens no
card reader (the simulated reader's socket never appears, so `kanta sim tap` reaches
nothing), and exits 74 on SIGTERM with the store's files unchanged. What the screen says,
in each language, is checked in-process by touch on the same view."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import StoreCorrupt, StoreWriteError
from tests.appliance.notifysock import NotifyListener
from tests.cli.test_store_failures import mounted as tmpfs  # noqa: F401  (skips without root)
from tests.ui.touch import TouchTest

REPO = Path(__file__).resolve().parents[2]
CARD = "04A1B2C3D4E5F6"


def kanta(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KANTA_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli.main", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


def flip_in_last_record(journal: Path) -> None:
    """Change one byte inside the last record's JSON; its newline stays, so the record was
    complete (acknowledged) and is damage, not a torn write."""
    data = bytearray(journal.read_bytes())
    assert data.endswith(b"\n")
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    at = data.index(b'"n":', start) + 4  # the record number's first digit
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    journal.write_bytes(bytes(data))


def files_of(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data.iterdir()) if p.is_file() and p.name != "lock"}


def kiosk_shows_the_failure(data: Path, tmp: Path) -> str:
    """Run `kanta kiosk --window` until its screen is up, stop it, return its stderr."""
    env = {**os.environ, "KANTA_DATA": str(data), "KANTA_CARD_READER": "sim",
           "KANTA_SCANNER": "sim", "KANTA_FEEDBACK": "sim", "WATCHDOG_USEC": "2000000"}
    with NotifyListener() as listener:
        env["NOTIFY_SOCKET"] = listener.address
        err = (tmp / "stderr").open("w+")
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "kiosk", "--window"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            listener.wait_for("READY=1", timeout=120)  # the first frame of the screen is drawn
            listener.wait_for("WATCHDOG=1", timeout=60)  # its main loop keeps systemd content
            assert not (data / "sim-reader.sock").exists()  # no reader: no tap can be taken
            assert kanta("sim", "tap", CARD, data=data).returncode != 0
            assert proc.poll() is None  # the screen stays until the kiosk is stopped
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 74
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        text = err.read()
        err.close()
    assert "Traceback" not in text, text[-3000:]
    return text


@pytest.mark.usefixtures("xvfb")
def test_a_damaged_last_record_shows_the_failure_screen_and_records_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert kanta("tap", CARD, data=data).returncode == 0
    flip_in_last_record(data / "journal.log")
    before = files_of(data)
    stderr = kiosk_shows_the_failure(data, tmp_path)
    assert "journal.log is damaged at byte" in stderr and "its last record" in stderr
    assert files_of(data) == before  # nothing written, nothing cut away
    tapped = kanta("tap", CARD, data=data)
    assert tapped.returncode == 74 and "journal.log is damaged" in tapped.stderr


@pytest.mark.usefixtures("xvfb")
def test_a_read_only_data_folder_shows_the_failure_screen_and_kanta_tap_exits_74(
    tmpfs: Path, tmp_path: Path  # noqa: F811  (the fixture imported above)
) -> None:
    data = tmpfs / "kanta"
    assert kanta("tap", CARD, data=data).returncode == 0
    before = files_of(data)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True, timeout=30)
    try:
        stderr = kiosk_shows_the_failure(data, tmp_path)
        assert str(data) in stderr and "nothing was changed" in stderr
        tapped = kanta("tap", CARD, data=data)
        assert tapped.returncode == 74 and str(data) in tapped.stderr
        assert "Traceback" not in tapped.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True, timeout=30)
    assert files_of(data) == before  # nothing half-written


class FailureScreen(TouchTest):
    def show(self, error: Exception, lang: str = "en") -> None:
        from kiosk.ui.storefailure import StoreFailureApp

        self.Window.size = (800, 480)
        self.app = StoreFailureApp(error, "/var/lib/kanta", language=lang, layout="landscape")
        self.view = self.app.build()
        self.render(self.view)

    def words(self) -> str:
        return "\n".join(w.text for w in self.view.walk() if isinstance(getattr(w, "text", None), str))

    def lang_button(self, name: str) -> object:
        return next(w for w in self.view.walk() if getattr(w, "text", None) == name)

    def test_a_damaged_record_says_what_nothing_and_what_to_do_in_three_languages(self) -> None:
        self.show(StoreCorrupt("/var/lib/kanta/journal.log is damaged at byte 1294: its last "
                               "record (record 4: checksum mismatch) was written whole. Nothing "
                               "was changed. Restore the data folder from a backup."))
        shown = self.words()
        assert "The kiosk's records are damaged" in shown
        assert "Nothing is recorded" in shown
        assert "kanta store verify" in shown and "kanta store repair" in shown
        assert "Call the owner" in shown
        assert "journal.log is damaged at byte 1294" in shown  # the store's own words, cut
        assert "Restore the data folder" not in shown  # ... before its advice in English
        self.touch(self.lang_button("Suomi"))
        shown = self.words()
        assert "Kioskin tallenteet ovat vahingoittuneet" in shown and "Mitään ei tallenneta" in shown
        assert "kanta store repair" in shown and "Soita omistajalle" in shown
        self.touch(self.lang_button("Svenska"))
        assert "Kioskens sparade poster är skadade" in self.words()

    def test_a_read_only_folder_names_the_folder(self) -> None:
        self.show(StoreWriteError("cannot write in the data folder /var/lib/kanta (Read-only "
                                  "file system); nothing was changed. Is it read-only, or the "
                                  "disk full or failing?"), lang="fi")
        shown = self.words()
        assert "Kioski ei voi tallentaa mitään" in shown
        assert "/var/lib/kanta" in shown and "vain luku" in shown
        assert "kanta status" in shown and "kanta store repair" not in shown
