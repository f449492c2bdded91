"""Every word a screen can show exists in Finnish, Swedish and English: each key the
screens name (in the kv files and the UI's Python), each key built from a name (menu
tasks, roles, history kinds), and the text of every refusal code the engine, the counter
service, the code classifier or the core can emit. Found by reading the source, so a new
string or refusal code without its translations fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hardware import codes
from kiosk.services.counter import CounterAction
from kiosk.services.loyalty import UNDOABLE
from kiosk.staff import ROLES
from kiosk.ui.i18n import LANGS, PLURALS, STRINGS, TABLES, count, money
from kiosk.ui.staff_flows import ALWAYS, AMOUNT_TASKS

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "kiosk" / "ui"
#: a call that names a key: tr('key' ...), app.tr('key', ...), sh.tr("key" ...), t("key")
KEY_CALL = re.compile(r"""\b(?:tr|t|_tr)\(\s*(?:[a-z_.]+,\s*)?['"]([a-z][a-z0-9_]+)['"]""")
#: keys given to a helper that translates them (headline keys, title keys, ok keys)
KEY_ARG = re.compile(
    r"""(?:_key|headline_key|title_key|ok_key)\s*=\s*['"]([a-z][a-z0-9_]+)['"]|"""
    r"""['"]((?:res|confirm|wait|reason|btn|pin|amount)_[a-z0-9_]+)['"]"""
)
#: refusal codes the core itself reports (taps, scans, cards it cannot read)
CORE_CODES = {"random_uid", "unknown_code", "unreadable", "other", "coupon_at_counter",
              "gift_at_counter", "bad_input", "not_enough", "no_pass", "unknown_card"}


def keys_named_in_ui() -> set[str]:
    found: set[str] = set()
    for path in [*UI.rglob("*.py"), *UI.rglob("*.kv")]:
        if path.name.startswith("i18n"):  # the tables themselves, not what screens name
            continue
        text = path.read_text()
        found |= set(KEY_CALL.findall(text))
        for a, b in KEY_ARG.findall(text):
            found.add(a or b)
    # a prefix joined to a name ('st_' + task) is checked by keys_built_from_names
    return {key for key in found if not key.endswith("_") and key not in LANGS}


def keys_built_from_names() -> set[str]:
    tasks = [a.value for a in CounterAction] + list(ALWAYS)
    return (
        {f"st_{t}" for t in tasks}
        | {f"role_{r}" for r in ROLES}
        | {f"kind_{k.value}" for k in UNDOABLE}
        | {f"amount_{t}" for t in AMOUNT_TASKS}
    )


def refusal_codes() -> set[str]:
    """Every literal refusal code in the engine, the rules, the services and the codes."""
    found = set(CORE_CODES) | {codes.GARBLED, codes.PRODUCT, codes.UNKNOWN}
    for folder in ("kiosk/domain", "kiosk/services", "kiosk/app", "hardware"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                position = {"refuse": 0, "Refusal": 0, "_refused": 2}.get(name)
                if position is None or len(node.args) <= position:
                    continue
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def missing(keys: set[str]) -> list[str]:
    return sorted(
        f"{key}:{lang}" for key in keys for lang in LANGS if not STRINGS.get(key, {}).get(lang)
    )


def test_every_key_a_screen_names_is_in_three_languages() -> None:
    keys = keys_named_in_ui() | keys_built_from_names()
    assert len(keys) > 150  # the scan found the screens' words
    assert missing(keys) == []


def test_every_refusal_code_the_kiosk_can_emit_is_translated() -> None:
    found = refusal_codes()
    assert {"cooldown", "coupon_used", "not_offered", "product_code"} <= found
    assert missing({f"ref_{code}" for code in found}) == []


def test_every_string_has_all_three_languages() -> None:
    assert missing(set(STRINGS)) == []
    for key, texts in STRINGS.items():  # the same placeholders in every language
        names = {lang: set(re.findall(r"\{(\w+)", text)) for lang, text in texts.items()}
        assert len({frozenset(n) for n in names.values()}) == 1, (key, names)


def test_each_key_is_defined_in_one_table_only() -> None:
    """The words are split by area (i18n.py, i18n_refusals, i18n_staff, i18n_mydata): a key
    in two tables would silently take the later table's words."""
    seen: dict[str, int] = {}
    source = (UI / "i18n.py").read_text().split("\nPLURALS")[0]  # STRINGS' own block
    own = set(re.findall(r'^    "([a-z][a-z0-9_]+)": \{', source, re.M))
    for index, table in enumerate([own, *TABLES]):
        for key in table:
            assert key not in seen, (key, seen[key], index)
            seen[key] = index
    assert set(seen) == set(STRINGS)


def test_plurals_and_money_follow_the_language() -> None:
    assert count("fi", "stamps", 1) == "1 leima" and count("fi", "stamps", 5) == "5 leimaa"
    assert count("sv", "stamps", 1, sign=True) == "+1 stämpel"
    assert count("sv", "stamps", 2, sign=True) == "+2 stämplar"
    assert count("en", "points", -1, sign=True) == "-1 point"
    assert set(PLURALS["stamps"]) == set(LANGS)
    assert money("fi", 1250) == "12,50\u00a0€" and money("sv", 123456) == "1\u00a0234,56\u00a0€"
    assert money("en", 1250) == "€12.50"
