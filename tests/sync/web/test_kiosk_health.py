"""The Kiosks page shows each kiosk's reader, scanner, disk and clock health (and cards to
merge) and its software version as its sync worker's heartbeat reports them: a sound kiosk
and a broken one (reader unplugged, disk nearly full) side by side, through a real browser
and a live server, in English, Finnish and Swedish (the kiosk sends codes with values, the
page says them in the owner's language); an older kiosk's English words are shown marked
as English, and a code the server does not know is shown as such, never as markup.

Each kiosk's app health file is written as the running app writes it (this test process
stands in for the app); the nearly full disk is the disk check's own input (``disk_usage``):
a real file system cannot be filled here."""

from __future__ import annotations

import ast
import re
import shutil
from functools import partial
from pathlib import Path

import httpx
import pytest

from kiosk import __version__
from kiosk.health import HealthReport, collect_status, write_health
from sync.client import SyncClient
from sync.server.web import kiosk_health
from tests.sync.web.browser import Browser, LiveShop, csrf_of, http_login
from tests.sync.web.kiosk import RunningKiosk


def test_the_kiosks_page_shows_each_kiosks_health_and_version(
    live_sqlite: LiveShop, browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = live_sqlite
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    good = RunningKiosk(tmp_path / "good", live.base_url, live.kiosk_tokens["k1"])
    bad = RunningKiosk(tmp_path / "bad", live.base_url, live.kiosk_tokens["k2"])
    try:
        good.tap("04E00001")
        bad.tap("04E00002")
        # each appliance has its own run folder
        monkeypatch.setenv("KANTA_RUN_DIR", str(good.folder / "run"))
        write_health(
            good.folder,
            HealthReport(card_reader="pcsc", reader_connected=True, scanner="evdev", scanner_connected=True),
        )
        good.sync()
        monkeypatch.setenv("KANTA_RUN_DIR", str(bad.folder / "run"))
        write_health(
            bad.folder,
            HealthReport(card_reader="pcsc", reader_connected=False, scanner="none", cards_to_merge=2),
        )
        real = shutil.disk_usage(bad.folder)
        nearly_full = real._replace(free=50 * 1000 * 1000, used=real.total - 50 * 1000 * 1000)
        SyncClient(bad.folder, health=partial(collect_status, disk_usage=lambda _: nearly_full)).cycle()
    finally:
        good.close()
        bad.close()

    browser.login(live.base_url)
    browser.go("/kiosks")
    sound = browser.find("#kiosk-k1").text
    assert "reader: ok — connected (pcsc)" in sound and "scanner: ok — connected (evdev)" in sound
    assert "disk: ok —" in sound and "clock: " in sound and __version__ in sound
    broken = browser.find("#kiosk-k2").text.replace("\u00a0", " ")
    assert "reader: FAIL — not connected (pcsc): check the USB cable" in broken
    assert "disk: FAIL — 50.0 MB free of" in broken and "nearly full" in broken
    assert "scanner: ok — not configured" in broken and __version__ in broken
    assert "members: WARN — 2 cards held by two members, one of whom joined: merge them" in broken
    browser.screenshot("kiosks-health")
    said = {
        "fi": [
            "kortinlukija: VIKA — ei yhdistetty (pcsc): tarkista USB-kaapeli",
            "levy: VIKA — 50,0 Mt vapaana (yhteensä ",
            "viivakoodinlukija: kunnossa — ei käytössä",
            "jäsenet: VAROITUS — 2 korttia kahdella jäsenellä, joista toinen liittyi: yhdistä heidät",
        ],
        "sv": [
            "kortläsare: FEL — inte ansluten (pcsc): kontrollera USB-kabeln",
            "disk: FEL — 50,0 MB ledigt av ",
            "streckkodsläsare: ok — inte konfigurerad",
            "medlemmar: VARNING — 2 kort hos två medlemmar, av vilka en gick med: slå ihop dem",
        ],
    }
    for lang, wanted in said.items():
        browser.find(f"select[name=lang] option[value={lang}]").click()
        browser.submit("header form[action='/language'] button")
        browser.go("/kiosks")
        broken = browser.find("#kiosk-k2").text.replace("\u00a0", " ")
        for text in wanted:
            assert text in broken, (lang, text, broken)
        assert "pcsc" in browser.find("#health-k2-reader code").text, "the backend as the kiosk names it"
        browser.screenshot(f"{lang}-kiosks-health")


def test_an_older_kiosks_words_and_an_unknown_code_are_shown_as_such(live_sqlite: LiveShop) -> None:
    """Heartbeats as an older kiosk sends them (no codes), and codes this server does not
    know or with values it does not take (markup in them included): each shown as such."""
    live = live_sqlite
    beats = {
        "k1": {
            "reader": {"level": "fail", "detail": "not connected (pcsc): check the USB cable"},
            "disk": "full",
        },
        "k2": {
            "reader": {"level": "ok", "code": "<b>teleport</b>", "params": {}},
            "disk": {"level": "ok", "code": "disk_free", "params": {"free": -1, "total": 10}},
            "scanner": {"level": "<i>", "code": "connected", "params": {"backend": "<script>"}},
            "clock": {"level": "ok", "code": "clock_synchronised", "params": {"extra": 1}},
            "members": {"level": "warn", "code": "cards_to_merge", "params": {"n": 10**9}},
        },
    }
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    for kiosk, hardware in beats.items():
        r = httpx.post(
            f"{live.base_url}/api/v1/heartbeat",
            json={"pending": 0, "hardware": hardware},
            headers={"Authorization": f"Bearer {live.kiosk_tokens[kiosk]}"},
        )
        assert r.status_code == 200, r.text
    with http_login(live.base_url) as http:
        r = http.post("/language", data={"csrf": csrf_of(http.get("/kiosks").text), "lang": "fi"})
        assert r.status_code == 303
        page = http.get("/kiosks").text
    older = _cell(page, "k1")
    assert 'kortinlukija: VIKA — <span lang="en">not connected (pcsc): check the USB cable</span>' in older
    assert 'levy: ei tiedossa — <span lang="en">full</span>' in older
    hostile = _cell(page, "k2")
    assert "<b>" not in hostile and "<script>" not in hostile and "<i>" not in hostile
    unknown = "tunnistamaton ilmoitus <code>"
    assert f"kortinlukija: kunnossa — {unknown}&lt;b&gt;teleport&lt;/b&gt;</code>" in hostile
    assert f"levy: kunnossa — {unknown}disk_free</code>" in hostile, "a value out of bounds"
    assert f"viivakoodinlukija: ei tiedossa — {unknown}connected</code>" in hostile, "a backend not a name"
    assert f"kello: kunnossa — {unknown}clock_synchronised</code>" in hostile, "a value it does not take"
    assert f"jäsenet: VAROITUS — {unknown}cards_to_merge</code>" in hostile, "a count out of bounds"


def _cell(page: str, kiosk: str) -> str:
    row = page.split(f'<tr id="kiosk-{kiosk}">', 1)[1].split("</tr>", 1)[0]
    return re.sub(r'<span class="health" id="[^"]*">|</span>(?=, |</td>)', "", row)


def test_the_server_knows_every_code_a_kiosk_sends() -> None:
    """Each ``check(name, level, detail, code, **values)`` of ``collect_status``: its code is
    one the Kiosks page says, with those values (a new code without its words fails here)."""
    source = Path(kiosk_health.__file__).parents[3] / "kiosk" / "health.py"
    sent = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check":
            if len(node.args) < 4:
                continue
            codes = [c.value for c in ast.walk(node.args[3]) if isinstance(c, ast.Constant)]
            values = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords):  # **named: the backend, when known
                values.add("backend")
            sent.extend((code, frozenset(values)) for code in codes)
    assert len(sent) >= 10, "the extraction found the kiosk's codes"
    for code, values in sent:
        assert code in kiosk_health.CODES, code
        assert values in kiosk_health.CODES[code], (code, values)
