"""Importing members and balances from a CSV: a bad row refused by its line (nothing
imported), a dry run, the import, the members found with their opening balances, and a
second import continuing the import kiosk's chain; an opening tier the running program has
(one it has not refused by line); hostile uploads to the import and the till's page
refused naming the line, changing nothing."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import httpx

from kiosk.domain.programs.view import member_view
from tests.sync.web.browser import OWNER, PASSWORD, Browser, LiveShop, csrf_of, http_login
from tests.sync.web.kiosk import RunningKiosk

ROOT = Path(__file__).resolve().parents[3]

GOOD = "card;stamps;points;credit (€);note\r\n0400A1B2C3D4;7;120;15,50;paper card\r\n0400A1B2C3D5;;;\r\n"
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
    assert "Columns not imported: note" in browser.find("#result").text
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
    assert browser.find("#imported").text == "Imported: 1 member"  # one, not "1 members"
    browser.go("/members?q=0400A1B2C3D7")
    assert browser.find("#balance-stamps").text == "3"
    # opening balances were earned before Kanta: not counted as issued on the overview
    browser.go("/overview")
    assert browser.find("#points-rate .value").text.startswith("0 / 0")


TIERS_PROGRAM = ROOT / "config" / "programs" / "tiers.toml"


def _post_file(http: httpx.Client, page: str, action: str, raw: bytes, button: str = "dry") -> httpx.Response:
    form = {"csrf": csrf_of(http.get(page).text), "action": button}
    return http.post(action, data=form, files={"file": ("upload.csv", raw, "text/csv")})


def test_import_an_opening_tier_the_program_has_and_refuse_one_it_has_not(
    live_sqlite: LiveShop, tmp_path: Path
) -> None:
    base = live_sqlite.base_url
    r = httpx.put(f"{base}/api/v1/program", json={"toml": TIERS_PROGRAM.read_text()}, auth=(OWNER, PASSWORD))
    assert r.status_code == 200, r.text
    with http_login(base) as http:
        assert "Basic, Silver, Gold" in http.get("/import").text, "the page names the program's tiers"
        bad = "card;tier\r\n0400E0000001;Silver\r\n0400E0000002;Platinum\r\n0400E0000003;basic\r\n"
        r = _post_file(http, "/import", "/import", bad.encode("utf-8-sig"))
        assert r.status_code == 422
        assert (
            "line 3: tier &#39;Platinum&#39; is not one of the program&#39;s tiers: Basic, Silver, Gold"
            in r.text
        )
        assert "line 2:" not in r.text and "line 4:" not in r.text
        # a Finnish spreadsheet's column names, any case of the tier's name
        good = "kortti;taso;pisteet\r\n0400E0000001;silver;10\r\n0400E0000003;Basic;\r\n"
        r = _post_file(http, "/import", "/import", good.encode("utf-8-sig"), "import")
        assert r.status_code == 200 and "Imported: 2 members" in r.text, r.text
    kiosk = RunningKiosk(tmp_path / "kiosk", base, live_sqlite.kiosk_tokens["k1"])
    try:
        kiosk.sync()
        kiosk.import_pulled()
        kiosk.idle()  # takes up the published program
        now = datetime.now(UTC)
        silver = member_view(kiosk.service.rules, kiosk.service.member_for_card("0400E0000001"), now)
        basic = member_view(kiosk.service.rules, kiosk.service.member_for_card("0400E0000003"), now)
    finally:
        kiosk.close()
    assert (silver.tier, silver.points, silver.qualifying) == ("Silver", 10, 35000)  # 350,00 € of spend
    assert silver.next_tier is not None and silver.next_tier[0] == "Gold"
    assert (basic.tier, basic.qualifying) == ("Basic", 0)


def test_a_tier_without_tiers_in_the_program_is_refused_by_line(live_sqlite: LiveShop) -> None:
    with http_login(live_sqlite.base_url) as http:
        r = _post_file(http, "/import", "/import", b"card;tier\n0400E0000009;Gold\n", "import")
        assert r.status_code == 422
        assert "line 2: tier &#39;Gold&#39;: the program has no tiers" in r.text
        assert 'id="not-found"' in http.get("/members", params={"q": "0400E0000009"}).text


#: (what is wrong, the file, what the page says): each answered 4xx, nothing stored
HOSTILE = [
    (
        "a megabyte on one line",
        b"card;stamps\n0400F0000001;" + b"9" * 1_000_000 + b"\n",
        "line 2: longer than 1",
    ),
    ("NUL bytes", b"card;stamps\n0400F0000001;1\n04\x0000;1\n", "line 3: holds a NUL byte"),
    ("deep quoting", b'card;stamps\n0400F0000001;1\n"' + b'"' * 800 + b";1\n", "line 3: a quote"),
    ("a quote running on over lines", b'card;stamps\n"0400F0000001\n0400F0000002";1\n', "line 2: a quote"),
    ("a field too long", b"card;stamps\n" + b"4" * 300 + b";1\n", "line 2: a field longer than 200"),
    ("not UTF-8", b"card;stamps\n0400F0000001;1\n0400F\xff;1\n", "line 3: not UTF-8"),
]


def test_hostile_uploads_are_refused_naming_the_line_and_change_nothing(live_sqlite: LiveShop) -> None:
    with http_login(live_sqlite.base_url) as http:
        for what, raw, said in HOSTILE:
            for page, action in (("/import", "/import"), ("/sales", "/sales/import")):
                till = raw.replace(b"card;stamps", b"date;total;receipts")
                r = _post_file(http, page, action, till if page == "/sales" else raw, "import")
                assert r.status_code == 422, (what, page, r.status_code)
                assert said in html.unescape(r.text), (what, page)
        # ten megabytes: refused before it is read, with a message
        for page, action in (("/import", "/import"), ("/sales", "/sales/import")):
            r = _post_file(http, page, action, b"card;stamps\n" + b"0400F0000001;1\n" * 700_000, "import")
            assert r.status_code == 413 and "request too large" in r.text, page
        # a file just over the import's bound but under the form's: refused by its size
        over = b"card;stamps\n" + b"0400F0000001;1\n" * (4 * 1024 * 1024 // 15 + 10)
        r = _post_file(http, "/import", "/import", over, "import")
        assert r.status_code == 413 and "bytes; at most 4,194,304 bytes" in r.text
        # the till's rows bounded: ten years of days
        rows = ("date;total;receipts\n" + "1.2.2020;1;1\n" * 3700).encode()
        r = _post_file(http, "/sales", "/sales/import", rows, "import")
        assert r.status_code == 422 and "more than 3,660 rows" in r.text
        # nothing of any of them was stored
        assert 'id="not-found"' in http.get("/members", params={"q": "0400F0000001"}).text
        assert '<td class="num">' not in http.get("/sales").text.split('id="till-days"')[1]
        # a byte-order mark and Windows line ends (what Excel writes) are read
        r = _post_file(http, "/import", "/import", "card;stamps\r\n0400F0000001;1\r\n".encode("utf-8-sig"))
        assert r.status_code == 200 and "every row is good (1 member)" in r.text
