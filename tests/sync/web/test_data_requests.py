"""A customer's data request answered from the owner's console, in a browser: the member
page's export downloaded (JSON and CSV) and read back, an erasure planned then confirmed,
a kiosk that syncs afterwards holding nothing of the person, and a manager refused."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kiosk.cli.main import main as kanta
from kiosk.config import ConsentConfig
from kiosk.services.privacy import PrivacyService
from tests.sync.web.browser import Browser, LiveShop, csrf_of, http_login
from tests.sync.web.kiosk import RunningKiosk

CARD = "04C0FFEE00D47A"
PHONE = "+358 40 111 2233"
EMAIL = "aino.console@example.org"
MANAGER, MANAGER_PASSWORD = "manager@cafe.example", "manager password 1"


def _joined_member(live: LiveShop, folder: Path) -> tuple[str, str]:
    """A customer joins at kiosk k1 with a phone and an e-mail, visits twice; the kiosk
    syncs. Returns (member id, the kiosk's id)."""
    kiosk = RunningKiosk(folder, live.base_url, live.kiosk_tokens["k1"])
    try:
        kiosk.tap(CARD)
        privacy = PrivacyService(kiosk.service, ConsentConfig(terms_version="cafe-terms-3"))
        joined = privacy.join(CARD, consents={"terms", "marketing"}, phone=PHONE, email=EMAIL)
        assert joined.accepted and joined.after is not None
        kiosk.tap(CARD)
        kiosk.sync()
        return joined.after.member_id, kiosk.service.ledger.kiosk_id
    finally:
        kiosk.close()


def test_export_then_erase_from_the_member_page_reaches_the_kiosk(
    live: LiveShop, browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "kiosk"
    member, kiosk_id = _joined_member(live, folder)
    assert json.loads((folder / "member-keys.json").read_text())["keys"], "the kiosk holds the member's key"
    browser.login(live.base_url)
    browser.go(f"/members?q={CARD}")
    assert "never on the server" in browser.find("#data-requests").text

    # export: JSON, downloaded and read back
    browser.find("#export-json").click()
    exported = json.loads(browser.wait_download(".json").read_text(encoding="utf-8"))
    assert exported["member"] == member and exported["cards"] == [CARD]
    assert exported["balances"]["stamps"] == 2
    given = {c["scope"]: c for c in exported["consents"]}
    assert (
        given["program"]["wording"] == "cafe-terms-3"
        and given["marketing"]["wording"] == "kanta-marketing-v1"
    )
    assert given["program"]["at"].startswith("20") and given["program"]["kiosk"] == kiosk_id
    assert exported["contact"] is None and "never kept on the server" in exported["contact_details"]
    assert exported["contact_given_at_kiosks"] == [kiosk_id]
    kinds = [e["kind"] for e in exported["events"]]
    assert kinds.count("visit_stamped") == 2 and "consent_given" in kinds and "member_enrolled" in kinds
    raw = json.dumps(exported)
    assert PHONE not in raw and EMAIL not in raw and "401112233" not in raw

    # export: CSV as the console's other CSVs (BOM, ';', card numbers as text)
    browser.find("#export-csv").click()
    data = browser.wait_download(".csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["time", "what", "card", "change"]
    assert rows[1][1] == "note" and "never kept on the server" in rows[1][3]
    visits = [r for r in rows[2:] if r[1] == "visit_stamped"]
    assert len(visits) == 2 and visits[0][2] == f'="{CARD}"' and "stamps +1" in visits[0][3]
    consents = {r[6]: r[7] for r in rows[2:] if r[1] == "consent_given"}
    assert consents == {"program": "cafe-terms-3", "marketing": "kanta-marketing-v1"}

    browser.go(f"/members/{member}")
    log = browser.find("#request-log").text
    assert "export-json" in log and "export-csv" in log
    assert CARD not in log and member not in log, "the request log shows no personal data"
    browser.screenshot("member-requests")

    # erase: the plan first, which changes nothing
    browser.find("#erase").click()
    plan = browser.wait_for("#erase-plan").text
    assert (
        "nothing has changed yet" in plan
        and CARD in plan
        and "stamps 2" in plan
        and f"k1 ({kiosk_id})" in plan
    )
    browser.screenshot("erase-plan")
    browser.go(f"/members/{member}")
    assert browser.find("#balance-stamps").text == "2", "the plan erased nothing"
    browser.find("#erase").click()
    browser.wait_for("#confirm-erase")
    browser.submit("#confirm-erase")
    assert browser.driver.current_url.endswith(f"/members/{member}")
    assert (
        browser.all("#erased-note") and not browser.all("#balance-stamps") and not browser.all("#export-json")
    )
    assert browser.find("#cards").text == "—"
    erase_row = next(r.text for r in browser.all("#request-log tr")[1:] if r.text.startswith("erase"))
    assert "not yet: k1" in erase_row, "k1 has not synced since"
    browser.screenshot("member-erased")
    browser.go(f"/members/{member}/export.json")
    assert "erased at their request" in browser.find("#refused").text
    browser.go(f"/members?q={CARD}")
    assert browser.all("#not-found"), "the card no longer identifies the person"

    # the kiosk syncs once: the key is destroyed and the card no longer identifies anyone
    capsys.readouterr()
    assert kanta(["--data", str(folder), "sync", "once"]) == 0
    assert json.loads((folder / "member-keys.json").read_text())["keys"] == {}
    browser.go(f"/members/{member}")
    erase_row = next(r.text for r in browser.all("#request-log tr")[1:] if r.text.startswith("erase"))
    assert "synced since: k1" in erase_row and "not yet" not in erase_row
    assert kanta(["--data", str(folder), "member", "show", CARD]) != 0
    captured = capsys.readouterr()
    assert "erased" in captured.err and "stamps" not in captured.out


def test_a_manager_can_neither_export_nor_erase(
    live_sqlite: LiveShop, browser: Browser, tmp_path: Path
) -> None:
    member, _ = _joined_member(live_sqlite, tmp_path / "kiosk")
    browser.login(live_sqlite.base_url)
    browser.go("/staff")
    browser.fill("#manager-email", MANAGER)
    browser.fill("#manager-password", MANAGER_PASSWORD)
    browser.submit("#add-manager")
    assert browser.all("#saved")
    browser.submit("#logout")
    browser.login(live_sqlite.base_url, MANAGER, MANAGER_PASSWORD)
    browser.go(f"/members/{member}")
    assert browser.find("#balance-stamps").text == "2"
    assert not browser.all("#erase") and not browser.all("#export-json"), "no request buttons for a manager"
    browser.go(f"/members/{member}/erase")
    assert "for the shop's owner" in browser.find("#refused").text
    with http_login(live_sqlite.base_url, MANAGER, MANAGER_PASSWORD) as http:
        token = csrf_of(http.get(f"/members/{member}").text)
        for path in (f"/members/{member}/export.json", f"/members/{member}/export.csv"):
            assert http.get(path).status_code == 403, path
        r = http.post(f"/members/{member}/erase", data={"csrf": token, "members": member})
        assert r.status_code == 403
    with http_login(live_sqlite.base_url) as http:
        page = http.get(f"/members/{member}").text
        assert 'id="balance-stamps">2<' in page, "the manager's attempts changed nothing"
        assert 'id="request-log"' not in page, "nor were they logged as requests"
        # the owner's confirmation without the plan's member list erases nothing either
        r = http.post(f"/members/{member}/erase", data={"csrf": csrf_of(page), "members": ""})
        assert r.status_code == 409 and "plan changed" in r.text


def test_the_csv_export_names_its_columns_in_the_owners_language(
    live_sqlite: LiveShop, tmp_path: Path
) -> None:
    member, _ = _joined_member(live_sqlite, tmp_path / "kiosk")
    wanted = {
        "en": ["time", "what", "card", "change", "who", "kiosk", "consent", "wording version", "event id"],
        "fi": [
            "aika",
            "mitä",
            "kortti",
            "muutos",
            "kuka",
            "kioski",
            "suostumus",
            "ehtojen versio",
            "tapahtuman tunnus",
        ],
        "sv": [
            "tid",
            "vad",
            "kort",
            "ändring",
            "vem",
            "kiosk",
            "samtycke",
            "villkorens version",
            "händelsens id",
        ],
    }
    downloaded = {}
    with http_login(live_sqlite.base_url) as http:
        for lang in wanted:
            r = http.post("/language", data={"csrf": csrf_of(http.get("/members").text), "lang": lang})
            assert r.status_code == 303
            got = http.get(f"/members/{member}/export.csv")
            assert got.status_code == 200 and got.content.startswith("\ufeff".encode())
            downloaded[lang] = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    for lang, header in wanted.items():
        assert downloaded[lang][0] == header, lang
    # the same file otherwise: every row as in English, card numbers as text
    assert downloaded["fi"][1:] == downloaded["en"][1:] == downloaded["sv"][1:]
    assert any(row[2] == f'="{CARD}"' for row in downloaded["fi"][2:])
