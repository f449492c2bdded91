"""Importing members and balances from a CSV: a bad row refused by its line (nothing
imported), a dry run, the import, the members found with their opening balances, and a
second import continuing the import kiosk's chain."""

from __future__ import annotations

from pathlib import Path

from tests.sync.web.browser import Browser, LiveShop

GOOD = "card;stamps;points;credit (€);phone\r\n0400A1B2C3D4;7;120;15,50;+358401234567\r\n0400A1B2C3D5;;;\r\n"
BAD = GOOD + "0400A1B2C3D6;seven;1;0\r\n0400A1B2C3D4;1;1;1\r\nx;1;1;1\r\n"


def _upload(browser: Browser, folder: Path, name: str, text: str, button: str) -> None:
    browser.go("/import")
    path = folder / name
    path.write_bytes(text.encode("utf-8-sig"))
    browser.find("#members-file").send_keys(str(path))
    browser.submit(button)


def test_import_refuses_bad_rows_by_line_then_imports(
    live: LiveShop, browser: Browser, tmp_path: Path
) -> None:
    browser.login(live.base_url)
    _upload(browser, tmp_path, "bad.csv", BAD, "#import")
    errors = browser.find("#errors").text
    assert "Nothing was imported" in errors
    assert "line 4: stamps 'seven'" in errors
    assert "line 5: card 0400A1B2C3D4 is already on line 2" in errors
    assert "line 6:" in errors and "not a card number" in errors
    assert "line 2:" not in errors and "line 3:" not in errors
    browser.go("/members?q=0400A1B2C3D4")
    assert browser.all("#not-found"), "nothing of the bad file was imported"
    _upload(browser, tmp_path, "good.csv", GOOD, "#dry-run")
    assert "every row is good (2 members)" in browser.find("#dry-ok").text
    assert "phone" in browser.find("#result").text  # said not to be imported
    browser.go("/members?q=0400A1B2C3D4")
    assert browser.all("#not-found"), "a dry run imports nothing"
    _upload(browser, tmp_path, "good.csv", GOOD, "#import")
    assert browser.find("#imported").text.endswith("2 members")
    browser.go("/members?q=0400A1B2C3D4")
    assert browser.find("#balance-stamps").text == "7"
    assert browser.find("#balance-points").text == "120"
    assert browser.find("#balance-credit").text == "€15.50"
    # the same cards again are refused; a new one continues the import kiosk's chain
    _upload(browser, tmp_path, "again.csv", GOOD, "#import")
    assert "already belongs to a member" in browser.find("#errors").text
    _upload(browser, tmp_path, "more.csv", "card,stamps\n0400A1B2C3D7,3\n", "#import")
    assert browser.find("#imported").text.endswith("1 members")
    browser.go("/members?q=0400A1B2C3D7")
    assert browser.find("#balance-stamps").text == "3"
    # opening balances were earned before Kanta: not counted as issued on the overview
    browser.go("/overview")
    assert browser.find("#points-rate .value").text.startswith("0 / 0")
