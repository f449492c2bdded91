"""The program page: edit (errors by line and setting), preview on the shop's history,
publish; a running kiosk loads it at its next idle moment and its next tap carries it."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from kiosk.domain.program import default_program_path
from tests.sync.web.browser import Browser, LiveShop
from tests.sync.web.kiosk import RunningKiosk


def _edit(browser: Browser, text: str, button: str) -> None:
    area = browser.find("#toml")
    area.clear()
    area.send_keys(text)
    browser.submit(button)


def test_edit_preview_publish_and_a_kiosk_runs_it(live: LiveShop, browser: Browser, tmp_path: Path) -> None:
    kiosk = RunningKiosk(tmp_path / "kiosk", live.base_url, live.kiosk_tokens["k1"])
    try:
        for card in ("04A1B2C3D4E5F6", "04A1B2C3D4E5F7", "04A1B2C3D4E5F6"):
            assert kiosk.tap(card) == "builtin-1"
        kiosk.sync()
        # the kiosk's members hold built-in stamps: the program says where they go
        carry = '\n[carry_over]\nstamps = "stamps:coffee"\n'
        program = default_program_path().read_text(encoding="utf-8") + carry
        browser.login(live.base_url)
        browser.go("/program")
        assert browser.find("#current-version").text == "—"
        # the kiosk's own loader decides, and the message names the line and the setting
        bad = program.replace("reward_at = 10", 'reward_at = "ten"', 1)
        bad_line = next(i for i, line in enumerate(bad.splitlines(), 1) if '"ten"' in line)
        _edit(browser, bad, "#check")
        problem = browser.find("#problem").text
        assert f"line {bad_line}:" in problem and "stamp_card[0].reward_at" in problem
        assert browser.find("#current-version").text == "—", "nothing was published"
        # the kiosks' members hold built-in stamps this program does not use: refused, as a
        # kiosk would refuse to switch to it
        _edit(browser, program.replace(carry, ""), "#check")
        assert "[carry_over]" in browser.find("#problem").text and "stamps" in browser.find("#problem").text
        _edit(browser, program, "#check")
        assert browser.find("#checked").text.endswith("cafe@1")
        preview = browser.find("#preview").text
        assert "3 actions replayed" in preview
        browser.screenshot("program-preview")
        browser.submit("#publish")
        assert browser.find("#published").text.startswith("Published version 1")
        assert browser.find("#current-version").text == "1"
        assert "version = 1" in browser.find("#toml").get_attribute("value")
        # the running kiosk: the sync worker downloads it, the idle moment loads it
        kiosk.sync()
        assert kiosk.tap("04A1B2C3D4E5F8") == "builtin-1", "not before an idle moment"
        kiosk.idle()
        assert kiosk.tap("04A1B2C3D4E5F9") == "cafe@1"
        kiosk.sync()
        browser.go("/program")
        rows = [r.text for r in browser.all("#kiosk-programs tr")]
        assert any(r.startswith("k1 cafe@1") for r in rows), rows
        # publishing again gives the next number, whatever the file says
        _edit(browser, program.replace("version = 1 ", "version = 99 ", 1), "#publish")
        assert browser.find("#current-version").text == "2"
        kiosk.sync()
        kiosk.idle()
        assert kiosk.tap("04A1B2C3D4E5FA") == "cafe@2"
    finally:
        kiosk.close()


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fi", "odotettiin: kokonaisluku ≥ 1, saatiin 'ten'"),
        ("sv", "förväntade: ett heltal ≥ 1, fick 'ten'"),
    ],
)
def test_a_refused_setting_is_explained_in_the_owners_language(
    live_sqlite: LiveShop, browser: Browser, lang: str, said: str
) -> None:
    browser.login(live_sqlite.base_url)
    browser.find(f"select[name=lang] option[value={lang}]").click()
    browser.submit("header form[action='/language'] button")
    browser.go("/program")
    program = default_program_path().read_text(encoding="utf-8")
    bad = program.replace("reward_at = 10", 'reward_at = "ten"', 1)
    bad_line = next(i for i, line in enumerate(bad.splitlines(), 1) if '"ten"' in line)
    _edit(browser, bad, "#check")
    problem = browser.find("#problem")
    line = {"fi": "rivi", "sv": "rad"}[lang]
    assert problem.text == f"{line} {bad_line}: stamp_card[0].reward_at: {said}"
    assert browser.find("#problem-setting").text == "stamp_card[0].reward_at"
    assert [c.text for c in problem.find_elements(By.CSS_SELECTOR, "code")] == [
        "stamp_card[0].reward_at",
        "'ten'",
    ]
    assert not problem.get_attribute("lang") and not problem.find_elements(By.CSS_SELECTOR, "[lang=en]")
    browser.screenshot(f"{lang}-program-refused")
