"""Wording and arithmetic of the screens, without a window; and the UI's import rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kiosk.domain.rules import Refusal
from kiosk.services.loyalty import LoyaltyService
from kiosk.ui import i18n
from kiosk.ui.viewmodel import ProgramInfo, refusal_view, tap_view

INFO = ProgramInfo("Shop", stamps_target=10)
UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"


def test_every_string_exists_in_all_three_languages() -> None:
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == set(i18n.LANGS), key
        assert all(text.strip() for text in entry.values()), key


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_refusal_code_of_the_rules_is_translated(lang: str) -> None:
    for code in ("cooldown", "join_required", "not_enough", "card_replaced", "erased",
                 "unknown_code", "random_uid", "bad_amount", "not_offered", "already_member",
                 "coupon_online_only"):
        text = i18n.refusal_text(lang, code, "ENGLISH FALLBACK", {"seconds": 5, "to_go": 2})
        assert text and "ENGLISH FALLBACK" not in text and "{" not in text, (lang, code)


def test_first_tap_on_a_new_card(service: LoyaltyService) -> None:
    view = tap_view("en", service.tap("04AABBCCDDEEFF"), INFO)
    assert view.headline == "+1 stamp" and view.tone == "ok"
    assert view.lines[0] == "New card: visit recorded"
    assert "1/10 stamps – 9 to go for a reward" in view.lines
    assert view.offer_join and view.stamps_have == 1


def test_refusal_says_why_in_each_language() -> None:
    refusal = Refusal("not_enough", "3 stamps to go.", {"to_go": 3})
    assert refusal_view("en", refusal).lines == ("3 stamps still to go for the reward.",)
    assert refusal_view("fi", refusal).lines == ("Palkintoon puuttuu vielä 3 leimaa.",)
    assert refusal_view("sv", refusal).headline == "Inte registrerat"
    unknown = refusal_view("fi", Refusal("brand_new_code", "Shown as the rules say it."))
    assert unknown.lines == ("Shown as the rules say it.",)


def test_the_ui_never_imports_hardware_or_storage() -> None:
    for path in UI.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("hardware", "kiosk.store", "kiosk.app")), (path, name)


def test_program_engine_members_show_tier_and_named_rewards(tmp_path: Path) -> None:
    from kiosk.app.wiring import program_info
    from kiosk.config import KioskConfig
    from kiosk.domain.program import load_program
    from kiosk.store.ledger import Ledger
    from kiosk.ui.viewmodel import action_view
    from tests.conftest import FakeClock

    programs = Path(__file__).resolve().parents[2] / "config" / "programs"
    clock = FakeClock()
    with Ledger.open(tmp_path / "tiers") as ledger:
        service = LoyaltyService(ledger, load_program(programs / "tiers.toml"), clock)
        info = program_info(KioskConfig(), service)
        first = tap_view("en", service.tap("04AABBCCDDEEFF"), info, clock())
        assert first.headline == "Visit recorded"
        assert "Tier: Basic – €350.00 more for Silver" in first.lines
        bought = action_view("en", service.purchase("04AABBCCDDEEFF", 40000), info, "res_purchase", clock())
        assert "Points: 400 (+400)" in bought.lines
        assert "Tier: Silver – €600.00 more for Gold" in bought.lines
    with Ledger.open(tmp_path / "points") as ledger:
        service = LoyaltyService(ledger, load_program(programs / "points.toml"), clock)
        info = program_info(KioskConfig(), service)
        service.tap("04AABBCCDDEE01")
        view = action_view("fi", service.purchase("04AABBCCDDEE01", 42500), info, "res_purchase", clock())
        assert view.reward_ready and view.reward_id is not None
        assert view.lines[0].startswith("PALKINTO VALMIINA: Coffee of the day")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_double_use_names_what_and_both_kiosks(lang: str) -> None:
    from kiosk.domain.member import Conflict, Use
    from kiosk.ui.viewmodel import used_twice_lines

    welcome = Conflict("meta:welcome", "e2", "till-2", "m2", Use("e1", "till-1", "m1"), 1)
    (line,) = used_twice_lines(lang, (welcome,))
    assert "till-1" in line and "till-2" in line and i18n.tr(lang, "used_welcome") in line
