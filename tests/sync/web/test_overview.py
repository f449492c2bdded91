"""The overview's figures against a history worked out by hand (tests/sync/web/dataset.py),
through the pages and CSV files an owner uses, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import httpx

from tests.sync.web.browser import Browser, LiveShop, csrf_of, http_login
from tests.sync.web.dataset import EXPECTED, EXPECTED_K2, RANGE, TILL_CSV, push_history


def _figures(http: httpx.Client, **extra: str) -> dict[str, str]:
    r = http.get("/overview/figures.csv", params={**RANGE, **extra})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["figure", "value", "unit"]
    return {name: value for name, value, _unit in rows[1:]}


def test_every_figure_worked_out_by_hand(live: LiveShop) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    assert push_history(live.base_url, live.kiosk_tokens) == 16
    with http_login(live.base_url) as http:
        before = _figures(http)
        # without the till's totals: no made-up non-member figure, and the page says why
        assert before["non-member spend"] == before["non-member spend per visit"] == ""
        assert before["extra member revenue"] == ""
        page = http.get("/overview", params=RANGE).text
        assert "missing for 31 days" in page
        r = http.post(
            "/sales/import",
            data={"csrf": csrf_of(http.get("/sales").text)},
            files={"file": ("till.csv", TILL_CSV.encode("utf-8-sig"), "text/csv")},
        )
        assert r.status_code == 303 and r.headers["location"] == "/sales?saved=31"
        assert _figures(http) == EXPECTED
        assert "missing for" not in http.get("/overview", params=RANGE).text
        assert _figures(http, kiosk="k1") != EXPECTED_K2
        assert _figures(http, kiosk="kiosk-k2") == EXPECTED_K2
    # counted again from the events, the figures are the same
    out = subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "server", "rebuild-aggregates", "--db", live.db_url],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "from 16 events" in out.stdout
    with http_login(live.base_url) as http:
        assert _figures(http) == EXPECTED


def test_overview_in_a_browser_chart_and_csv(live: LiveShop, browser: Browser) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    push_history(live.base_url, live.kiosk_tokens)
    till = browser.shots.parent / "till.csv"
    till.write_bytes(TILL_CSV.encode("utf-8-sig"))
    browser.login(live.base_url)
    browser.go("/sales")
    browser.find("#till-file").send_keys(str(till))
    browser.submit("#import-till")
    assert browser.find("#saved").text == "Saved: 31 days"
    browser.go(f"/overview?start={RANGE['start']}&end={RANGE['end']}")
    assert browser.find("#members-active .value").text == "2"
    assert browser.find("#members-dormant .value").text == "1"
    assert browser.find("#spend-visit-members .value").text == "€10.00"
    assert browser.find("#liability .value").text == "€15.00"
    assert len(browser.all("svg.line circle")) == 31, "one point a day of March"
    bars = browser.all("svg.bars rect.bar")
    assert len(bars) == 7 + 24
    drawn = [float(b.get_attribute("height") or 0) for b in bars[:7]]
    assert drawn[0] > 0 and drawn[1] > 0 and drawn[4] > 0 and drawn[2] == drawn[3] == 0  # Mon, Tue, Fri
    browser.driver.set_window_size(1200, 2200)  # the whole page, charts included
    browser.screenshot("overview-march")
    browser.find("#csv-per_day").click()
    per_day = browser.wait_download(".csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(per_day.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["date", "visits"] and len(rows) == 32
    visited = {r[0]: r[1] for r in rows[1:] if r[1] != "0"}
    assert visited == {"2026-03-02": "1", "2026-03-03": "1", "2026-03-20": "1"}
    browser.go("/retention?since=2025-12")
    assert len(browser.all("#retention td.h10")) == 5  # each cohort's first month, and A's March
    browser.screenshot("retention")


def test_retention_cohorts_worked_out_by_hand(live: LiveShop) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    push_history(live.base_url, live.kiosk_tokens)
    with http_login(live.base_url) as http:
        assert http.get("/retention", params={"since": "2025-12"}).status_code == 200
        r = http.get("/retention.csv", params={"since": "2025-12"})
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    got = {row[0]: (row[1], row[2:6]) for row in rows[1:]}
    # B first seen 12/2025 and never again; A 1/2026, back in March; C 2/2026; D 3/2026
    assert got["2025-12"] == ("1", ["1,0000", "0,0000", "0,0000", "0,0000"])
    assert got["2026-01"] == ("1", ["1,0000", "0,0000", "1,0000", "0,0000"])
    assert got["2026-02"] == ("1", ["1,0000", "0,0000", "0,0000", "0,0000"])
    assert got["2026-03"] == ("1", ["1,0000", "0,0000", "0,0000", "0,0000"])
