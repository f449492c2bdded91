"""Every console page in Finnish and Swedish: each text a page can show has both
translations (extracted from the templates and the console's code), and every page drawn
in fi and sv with a shop's data, refusals and bad uploads included, shows no English
(but what is marked as code: a program's settings and values, as the owner wrote them)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import jinja2
import pytest
from jinja2 import nodes

from kiosk.domain import member as member_state
from kiosk.domain.events import EventKind
from kiosk.domain.program import parse_program
from kiosk.errors import SettingError
from kiosk.health import HealthReport, collect_status, heartbeat_health, write_health
from kiosk.staff import ROLES
from sync.server.texts import Msg
from sync.server.web import console, data_requests, figures, i18n, kiosk_health, overview, preview
from sync.server.web.words_data import DATA_WORDS
from sync.server.web.words_loader import LOADER
from sync.server.web.words_messages import MESSAGES, PLURALS
from sync.server.web.words_pages import WORDS
from tests.sync.web.browser import OWNER, Browser, LiveShop, csrf_of, http_login
from tests.sync.web.dataset import push_history

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "sync" / "server" / "web"
#: modules whose Msg(...) texts reach the console's pages
SOURCES = [*sorted(WEB.glob("*.py")), ROOT / "sync" / "server" / "member_import.py"]
FIELD = re.compile(r"\{(\w+)[^}]*\}")


def _template_texts() -> Iterator[tuple[str, str | None]]:
    """(text, plural) of every ``_("...")`` and ``n_(n, "...", "...")`` in the templates."""
    env = jinja2.Environment()
    for path in sorted((WEB / "templates").glob("*.html")):
        for call in env.parse(path.read_text()).find_all(nodes.Call):
            if not isinstance(call.node, nodes.Name):
                continue
            args = [a.value for a in call.args if isinstance(a, nodes.Const) and isinstance(a.value, str)]
            if call.node.name == "_" and args:
                yield args[0], None
            elif call.node.name == "n_" and len(args) == 2:
                yield args[0], args[1]


def _code_texts() -> Iterator[tuple[str, str | None]]:
    """Every ``Msg("...")``, ``Msg.n(n, "...", "...")`` and ``title="..."`` in the console's code."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Msg" and strings:
                yield strings[0], None
            elif isinstance(func, ast.Attribute) and func.attr == "n" and len(strings) == 2:
                yield strings[0], strings[1]
            for kw in node.keywords:
                if (
                    kw.arg == "title"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    yield kw.value.value, None


def _vocabulary() -> Iterator[str]:
    """The words data is shown by: navigation, accounts, states, event kinds, roles, figures."""
    yield from (label for _, label, _ in console.NAV)
    yield from (kind.value for kind in EventKind)
    yield from ROLES
    yield from (member_state.ANONYMOUS, member_state.ENROLLED, member_state.ERASED)
    yield from ("stamps", "points", "credit", "spend", "visits", "passes", "rewards_redeemed")
    yield from preview.COMPARED
    yield from figures.WEEKDAYS
    yield from kiosk_health.HEALTH_KEYS
    yield from kiosk_health.LEVELS.values()
    yield from ("erase", "export-json", "export-csv")
    yield from data_requests.CSV_HEADER
    totals = SimpleNamespace(totals={}, members={})
    totals.totals = {
        k: 0
        for k in (
            "visits",
            "purchases",
            "spend",
            "rewards_redeemed",
            "points_issued",
            "points_redeemed",
            "points_expired",
            "stamps_issued",
            "stamps_redeemed",
        )
    }
    totals.members = {k: 0 for k in ("total", "new", "active", "lapsing", "dormant")}
    for name in (
        "spend_per_visit_members",
        "spend_per_member",
        "nonmember_spend",
        "spend_per_visit_nonmembers",
        "rewards_earned",
        "redemption_rate",
        "points_redemption_rate",
        "points_expiry_rate",
        "liability",
        "reward_cost",
        "extra_member_revenue",
        "lifetime_value",
    ):
        setattr(totals, name, None)
    for figure, _value, unit in overview.figure_rows(totals):  # type: ignore[arg-type]
        yield figure
        yield unit
    yield from ("figure", "value", "unit", "date", "weekday", "hour", "cohort", "members", "month {k}")


def test_every_text_a_page_shows_has_finnish_and_swedish() -> None:
    texts = [*_template_texts(), *_code_texts(), *((w, None) for w in _vocabulary())]
    # what a kiosk's heartbeat codes say on the Kiosks page (a count with its plural)
    texts += [(t, kiosk_health.PLURAL.get(t)) for said in kiosk_health.CODES.values() for t in said.values()]
    assert len(texts) > 300, "the extraction found the console's texts"
    missing, wrong_fields = set(), set()
    for text, plural in texts:
        if plural is None:
            found = WORDS.get(text) or DATA_WORDS.get(text) or MESSAGES.get(text)
            forms = [] if found is None else list(found)
        else:
            pair = PLURALS.get(text)
            forms = [] if pair is None else [*pair[0], *pair[1]]
        if not forms or not all(f.strip() for f in forms):
            missing.add(text)
            continue
        wanted = set(FIELD.findall(text)) | set(FIELD.findall(plural or ""))
        if any(set(FIELD.findall(f)) != wanted and set(FIELD.findall(f)) != wanted - {"n"} for f in forms):
            wrong_fields.add(text)
    assert not missing, f"texts without a Finnish or Swedish translation: {sorted(missing)}"
    assert not wrong_fields, f"translations whose {{values}} differ from the English: {sorted(wrong_fields)}"


def test_the_tables_have_no_key_twice_and_a_message_with_values_translates() -> None:
    tables = (WORDS, DATA_WORDS, MESSAGES, LOADER)
    for i, table in enumerate(tables):
        assert not any(set(table) & set(other) for other in tables[i + 1 :]), "each text is in one table"
    bad = Msg(
        "line {line}: {problem}", line=1234, problem=Msg("credit {value!r} is out of range", value="9e9")
    )
    assert i18n.translate("fi", bad) == "rivi 1\u00a0234: saldo '9e9' on sallitun alueen ulkopuolella"
    assert i18n.translate("sv", bad) == "rad 1\u00a0234: saldot '9e9' är utanför tillåtet intervall"
    assert str(bad) == "line 1,234: credit '9e9' is out of range"
    assert i18n.translate("fi", "that PIN is too easy to guess (it repeats one digit); choose another") == (
        "tämä PIN on liian helppo arvata (se toistaa yhtä numeroa); valitse toinen"
    )
    one, many = (Msg.n(n, "Imported: {n} member", "Imported: {n} members") for n in (1, 5))
    assert [i18n.translate("fi", one), i18n.translate("fi", many)] == ["Tuotu: 1 jäsen", "Tuotu: 5 jäsentä"]
    assert [i18n.translate("sv", one), str(many)] == ["Importerat: 1 medlem", "Imported: 5 members"]
    assert i18n.day("2026-03-05", "fi") == "5.3.2026" and i18n.day("2026-03-05", "sv") == "2026-03-05"
    assert i18n.moment("2026-03-05T10:07:00+02:00", "fi") == "5.3.2026 klo 10.07"
    assert i18n.money(123456, "sv") == "1\u00a0234,56\u00a0€"
    # the kiosk's program loader: the setting named apart, what is wrong translated, the
    # values as written (on a page in <code>, escaped)
    card = {"id": "c", "name": "C", "reward": "R", "reward_at": "<ten>"}
    with pytest.raises(SettingError) as refused:
        parse_program({"program": {"id": "cafe", "version": 1}, "stamp_card": [card]}, "program")
    assert refused.value.setting == "stamp_card[0].reward_at"
    assert i18n.translate("fi", refused.value.problem) == "odotettiin: kokonaisluku ≥ 1, saatiin '<ten>'"
    assert i18n.translate("sv", refused.value.problem) == "förväntade: ett heltal ≥ 1, fick '<ten>'"
    assert i18n.marked("fi", refused.value.problem) == (
        "odotettiin: kokonaisluku ≥ 1, saatiin <code>&#39;&lt;ten&gt;&#39;</code>"
    )
    assert str(refused.value) == "program: stamp_card[0].reward_at: expected a whole number ≥ 1, got '<ten>'"


#: English words no Finnish or Swedish sentence has (whole words, any case)
ENGLISH = re.compile(
    r"\b(the|and|of|is|are|was|not|this|that|with|from|for|your|nothing|every|members|events|line|"
    r"choose|file|page|none|only|more|than|already|days|visits|points|stamps|rewards|per day)\b",
    re.IGNORECASE,
)


def _visible(html: str, *known: str) -> str:
    """The page's text as a reader sees it, without the values it shows (ids, e-mails, codes)."""
    html = re.sub(r"<(textarea|code|style|script)\b.*?</\1>", " ", html, flags=re.S)
    # what is marked as English on purpose: the kiosk's program loader names a setting
    html = re.sub(r'<span lang="en">.*?</span>', " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for value in known:
        text = text.replace(value, " ")
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)
    text = re.sub(r"\[\[?[\w.]+\]\]?", " ", text)  # a program's TOML tables, as the owner writes them
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", " ", text)


def _pages(http: httpx.Client, member: str) -> Iterator[tuple[str, str]]:
    """Every page of the console, and the pages its refusals and bad uploads show."""
    for path in (
        "/overview?start=2026-03-01&end=2026-03-31",
        "/retention?since=2025-12",
        "/sales",
        "/members",
        f"/members/{member}",
        f"/members/{member}/erase",
        "/import",
        "/program",
        "/kiosks",
        "/staff",
        "/backups",
        "/overview?start=2026-04-01&end=2026-03-01",
        "/members/no-such-member",
    ):
        yield path, http.get(path).text
    uploads = {
        "bad till CSV": (
            "/sales",
            "/sales/import",
            "date;total;receipts\r\n2026-03-01;12,x;3\r\nyesterday;1;1\r\n",
        ),
        "bad member CSV": (
            "/import",
            "/import",
            "card;stamps;points\r\n0400AA;seven;1\r\nx;1;1\r\n0400AA;1;1\r\n",
        ),
        "dry run": ("/import", "/import", "card;stamps\r\n0400BB01;3\r\n"),
    }
    for name, (form_page, action, text) in uploads.items():
        form = {"csrf": csrf_of(http.get(form_page).text), "action": "dry"}
        yield name, http.post(action, data=form, files={"file": ("f.csv", text.encode(), "text/csv")}).text
    pins = {"name": "Aino", "role": "staff", "pin": "1111", "pin_again": "1111", "action": "save"}
    yield "trivial PIN", http.post("/staff", data={"csrf": csrf_of(http.get("/staff").text), **pins}).text
    yield (
        "kiosk paired",
        http.post("/kiosks/pair", data={"csrf": csrf_of(http.get("/kiosks").text), "name": "k9"}).text,
    )
    yield (
        "pairing refused",
        http.post("/kiosks/pair", data={"csrf": csrf_of(http.get("/kiosks").text), "name": ""}).text,
    )
    refused_programs = {
        "program without a card": '[program]\nid = "cafe"\n[carry_over]\n',
        "program setting refused": '[program]\nid = "cafe"\n[[stamp_card]]\nid = "c"\nname = "C"\n'
        'reward = "R"\nreward_at = "ten"\n',
        "program not TOML": '[program\nid = "cafe"\n',
        "program setting unknown": '[program]\nid = "cafe"\n[[stamp_card]]\nid = "c"\nname = "C"\n'
        'reward = "R"\nreward_at = 10\ncolour = "red"\n',
        "program ends before it starts": '[program]\nid = "cafe"\nstarts = 2026-05-01\nends = 2026-04-01\n'
        "[points]\n",
        "program id used twice": '[program]\nid = "cafe"\n[[stamp_card]]\nid = "c"\nname = "C"\n'
        'reward = "R"\nreward_at = 10\n[[visit_card]]\nid = "c"\nname = "V"\nprice = "9.00"\nuses = 5\n',
    }
    for name, toml in refused_programs.items():
        form = {"csrf": csrf_of(http.get("/program").text), "action": "check", "toml": toml}
        page = http.post("/program", data=form).text
        assert 'id="problem"' in page and 'lang="en"' not in page, name
        yield name, page


def _heartbeats(live: LiveShop, folder: Path) -> None:
    """k1 reports its health as a kiosk does (codes with values: a reader unplugged, a disk
    nearly full, cards to merge, a clock not synchronised); k2 as an older kiosk did, in
    English words (shown marked as English)."""
    env = {"KANTA_RUN_DIR": str(folder / "run")}
    report = HealthReport(card_reader="pcsc", reader_connected=False, scanner="none", cards_to_merge=3)
    write_health(folder, report, env)
    full = SimpleNamespace(free=50 * 1000**2, total=32 * 1000**3)
    hardware = heartbeat_health(collect_status(folder, env=env, clock=False, disk_usage=lambda _: full))
    assert {h.get("code") for h in hardware.values()} >= {
        "not_connected",
        "disk_nearly_full",
        "cards_to_merge",
    }
    older = {"reader": {"level": "ok", "detail": "connected (pcsc)"}, "disk": "fine"}
    for kiosk, sent in (("k1", hardware), ("k2", older)):
        r = httpx.post(
            f"{live.base_url}/api/v1/heartbeat",
            json={"pending": 0, "hardware": sent},
            headers={"Authorization": f"Bearer {live.kiosk_tokens[kiosk]}"},
        )
        assert r.status_code == 200, r.text


def test_every_page_in_finnish_and_swedish_shows_no_english(live_sqlite: LiveShop, tmp_path: Path) -> None:
    live_sqlite.kiosk_tokens["k2"] = live_sqlite.add_kiosk("k2")
    push_history(live_sqlite.base_url, live_sqlite.kiosk_tokens)
    _heartbeats(live_sqlite, tmp_path / "kiosk")
    with http_login(live_sqlite.base_url) as http:
        member = "A"  # the data set's member ids are letters
        for lang in ("fi", "sv"):
            r = http.post("/language", data={"csrf": csrf_of(http.get("/overview").text), "lang": lang})
            assert r.status_code == 303
            shown = 0
            for name, page in _pages(http, member):
                assert f'<html lang="{lang}">' in page, name
                if name == "/kiosks":  # the health as the kiosks report it is on the page
                    assert 'id="health-k1-members"' in page and 'id="health-k1-disk"' in page
                    assert '<span lang="en">connected (pcsc)</span>' in page, "k2's words as it sent them"
                words = ENGLISH.findall(_visible(page, OWNER, "kanta-"))
                assert not words, f"{name} in {lang} shows English: {words}"
                shown += 1
            assert shown == 25
            # before any login: the login page in the browser's language, and a wrong password
            with httpx.Client(base_url=live_sqlite.base_url, headers={"Accept-Language": lang}) as visitor:
                login = visitor.get("/").text
                wrong = {"csrf": csrf_of(login), "email": OWNER, "password": "not the password"}
                for page in (login, visitor.post("/login", data=wrong).text):
                    assert f'<html lang="{lang}">' in page
                    assert not ENGLISH.findall(_visible(page, OWNER)), page


def test_a_browser_switches_to_finnish_and_sees_it_on_every_page(live: LiveShop, browser: Browser) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    push_history(live.base_url, live.kiosk_tokens)
    browser.login(live.base_url)
    browser.find("select[name=lang] option[value=fi]").click()
    browser.submit("header form[action='/language'] button")
    headings = {
        "/overview?start=2026-03-01&end=2026-03-31": "Yleiskuva",
        "/retention?since=2025-12": "Pysyvyys kuukausittain",
        "/sales": "Muiden kuin jäsenten myynti",
        "/members": "Jäsenet",
        "/import": "Tuo jäseniä",
        "/program": "Ohjelma",
        "/kiosks": "Kioskit",
        "/staff": "Henkilökunta",
        "/backups": "Varmuuskopiot",
    }
    for path, heading in headings.items():
        browser.go(path)
        assert browser.find("h1").text == heading, path
        assert "Kirjaudu ulos" in browser.text()
    browser.go("/overview?start=2026-03-01&end=2026-03-31")
    assert browser.find("#members-total .label").text == "Jäsenet"
    assert "ma" in [t.text for t in browser.all("svg.bars text")], "weekdays in Finnish on the chart"
    assert "€" in browser.find("#spend-visit-members .value").text
    browser.screenshot("fi-overview")
    browser.go("/members/A")
    history = browser.find("#history").text.replace("\u00a0", " ")
    assert "Historia" in browser.text() and "käynti leimattu" in history
    assert "ostot +12,00 €" in history, "money as Finnish writes it"
    assert "2.3.2026 klo 10.16" in history, "times as Finnish writes them, in the shop's zone"
    browser.screenshot("fi-member")
    browser.go("/sales")
    browser.screenshot("fi-sales")
