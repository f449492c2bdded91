"""The kiosks page (pair with a token shown once and as a QR code, revoke) and the staff
page (a PIN set there works on a kiosk after its sync, and offline after that)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest

from kiosk.staff import WrongPin
from sync.backup import verify
from tests.sync.web.browser import Browser, LiveShop
from tests.sync.web.dataset import push_history
from tests.sync.web.kiosk import RunningKiosk


def test_pair_and_revoke_a_kiosk(live: LiveShop, browser: Browser) -> None:
    browser.login(live.base_url)
    browser.go("/kiosks")
    assert browser.find("#kiosk-k1").text.startswith("k1")
    browser.fill("#kiosk-name", "counter-2")
    browser.submit("#pair")
    token = browser.find("#token").text
    assert token.startswith("kt_") and token in browser.find("#pair-command").text
    assert browser.all("#qr svg path"), "the QR code is drawn"
    browser.screenshot("kiosk-paired")
    program = f"{live.base_url}/api/v1/program"
    # the new token works (404: no program yet, not 401)
    assert httpx.get(program, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    browser.go("/kiosks")
    assert token not in browser.text(), "the token is shown once"
    browser.submit("#revoke-counter-2")
    assert "revoked" in browser.find("#kiosk-counter-2").text
    assert httpx.get(program, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _save_staff(browser: Browser, name: str, role: str, pin: str) -> None:
    browser.go("/staff")
    browser.fill("#name", name)
    browser.find(f"#role option[value={role}]").click()
    browser.fill("#pin", pin)
    browser.fill("#pin_again", pin)
    browser.submit("#save-staff")


def test_a_pin_set_on_the_page_works_on_a_kiosk_after_sync(
    live: LiveShop, browser: Browser, tmp_path: Path
) -> None:
    folder = tmp_path / "kiosk"
    kiosk = RunningKiosk(folder, live.base_url, live.kiosk_tokens["k1"])
    try:
        browser.login(live.base_url)
        _save_staff(browser, "Aino", "manager", "1234")
        assert "too easy" in browser.find("#error").text
        _save_staff(browser, "Aino", "manager", "4821")
        assert browser.all("#saved")
        assert "Aino manager" in browser.find("#staff").text
        kiosk.sync()
        with pytest.raises(WrongPin):
            kiosk.staff.verify("4821")  # downloaded, but taken up only at an idle moment
        kiosk.idle()
        assert kiosk.staff.verify("4821", need="manager").name == "Aino"
    finally:
        kiosk.close()
    # offline, after a restart: the staff it last knew
    offline = RunningKiosk(folder, "http://127.0.0.1:9", live.kiosk_tokens["k1"])
    try:
        offline.idle()
        assert offline.staff.verify("4821").name == "Aino"
    finally:
        offline.close()
    # a new PIN and then a removal reach it at its next sync
    _save_staff(browser, "Aino", "manager", "5930")
    kiosk = RunningKiosk(folder, live.base_url, live.kiosk_tokens["k1"])
    try:
        kiosk.sync()
        kiosk.idle()
        assert kiosk.staff.verify("5930").name == "Aino"
        with pytest.raises(WrongPin):
            kiosk.staff.verify("4821")
        browser.go("/staff")
        browser.submit("#staff button[value=remove]")
        assert "Aino" not in browser.find("#staff").text
        kiosk.sync()
        kiosk.idle()
        assert kiosk.staff.members() == []
    finally:
        kiosk.close()


def test_a_backup_downloaded_from_the_page_verifies(live: LiveShop, browser: Browser) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    stored = push_history(live.base_url, live.kiosk_tokens)
    browser.login(live.base_url)
    browser.go("/backups")
    browser.submit("#make-backup")
    browser.wait_for("#download").click()  # the page reloads itself until the file is ready
    path = browser.wait_download(".zip")
    report = verify(path)
    assert report.ok, report.summary()
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["counts"]["events"] == stored


def test_a_manager_login_sees_figures_but_not_the_owners_pages(
    live: LiveShop, browser: Browser
) -> None:
    browser.login(live.base_url)
    browser.go("/staff")
    browser.fill("#manager-email", "manager@cafe.example")
    browser.fill("#manager-password", "manager password 1")
    browser.submit("#add-manager")
    assert browser.all("#saved")
    browser.submit("#logout")
    browser.login(live.base_url, "manager@cafe.example", "manager password 1")
    assert browser.driver.current_url.endswith("/overview")
    nav = [a.text for a in browser.all("header a")]
    assert "Overview" in nav and "Members" in nav and "Staff" not in nav and "Program" not in nav
    for path in ("/staff", "/program", "/import", "/backups"):
        browser.go(path)
        assert "for the shop's owner" in browser.find("#refused").text, path
    browser.go("/kiosks")
    assert browser.all("#kiosk-k1") and not browser.all("#pair"), "a manager sees kiosks but pairs none"
