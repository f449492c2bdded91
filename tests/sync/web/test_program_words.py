"""Everything the kiosk's program loader can say about a program file has a Finnish and a
Swedish wording on the program page: each ``Msg`` of the loader's source is listed from the
source and found in the console's table (a new message without them fails here), and bad
programs refused by the loader are said in fi and sv with no English left but the setting
and the values as written."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from tomllib import _parser as tomllib_parser
from typing import Any

import pytest

from kiosk.domain.program import parse_program
from kiosk.errors import SettingError
from kiosk.texts import Msg, Verbatim
from sync.server.web import i18n, program_text
from sync.server.web.words_loader import LOADER, TOML_REASONS
from tests.domain.test_program_loading import minimal

ROOT = Path(__file__).resolve().parents[3]
#: the loader: the program modules and the program file's own entry point
LOADER_SOURCES = [
    *sorted((ROOT / "kiosk" / "domain" / "programs").glob("*.py")),
    ROOT / "kiosk" / "domain" / "program.py",
]
FIELD = re.compile(r"\{(\w+)[^}]*\}")
#: English words no Finnish or Swedish wording has (whole words; "text" is Swedish too)
ENGLISH = re.compile(
    r"\b(the|and|of|is|are|not|this|that|with|from|for|expected|got|missing|unknown|setting|"
    r"table|tables|list|number|whole|name|names|date|time|one|at|least|most|used|twice|"
    r"like|such|as|or|an|a|defined|there)\b"
)


def _loader_calls() -> Iterator[tuple[Path, ast.Call]]:
    for path in LOADER_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                yield path, node


def test_every_message_of_the_loader_has_finnish_and_swedish() -> None:
    texts: set[str] = set()
    for path, call in _loader_calls():
        name = call.func.id  # type: ignore[attr-defined]
        where = f"{path.name}:{call.lineno}"
        assert name not in ("ConfigError", "KantaError", "InvalidInput"), (
            f"{where}: the loader refuses with a SettingError and a Msg, which the console translates"
        )
        if name != "Msg":
            continue
        first = call.args[0] if call.args else None
        assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
            f"{where}: a Msg's text is written out, so this test can find it"
        )
        texts.add(first.value)
    assert len(texts) > 40, "the extraction found the loader's texts"
    missing = sorted(t for t in texts if t not in LOADER or not all(f.strip() for f in LOADER[t]))
    assert not missing, f"the loader says these without a Finnish or Swedish wording: {missing}"
    for text in texts:
        for wording in LOADER[text]:
            assert set(FIELD.findall(wording)) == set(FIELD.findall(text)), f"{{values}} differ: {text}"
    assert not set(LOADER) - texts, f"words the loader no longer says: {sorted(set(LOADER) - texts)}"


CARD = {"id": "c", "name": "C", "reward": "r", "reward_at": 5}
#: programs the loader refuses, one or more for each thing it can say
REFUSED: list[dict[str, Any]] = [
    {"stamp_card": []},
    {"program": {"id": "shop", "version": 1}},
    {"program": {"version": 1}, "stamp_card": [CARD]},
    minimal(program={"id": "Shop!", "version": 1}),
    minimal(program={"id": "shop"}),
    minimal(program={"id": "shop", "version": "a b"}),
    minimal(program={"id": "shop", "version": 1, "timezone": "Mars/Base"}),
    minimal(program={"id": "shop", "version": 1, "timezone": ""}),
    minimal(program={"id": "shop", "version": 1, "currency": "EURO"}),
    minimal(program={"id": "shop", "version": 1, "language": "de"}),
    minimal(program={"id": "shop", "version": 1, "require_join": "yes"}),
    minimal(program={"id": "shop", "version": 1, "starts": "soon"}),
    minimal(program={"id": "shop", "version": 1, "starts": "2026-05-01", "ends": "2026-04-01"}),
    minimal(program="shop"),
    minimal(stamp_card=[{**CARD, "reward_at": 0}]),
    minimal(stamp_card=[{**CARD, "reward_at": 10**10}]),
    minimal(stamp_card=[{k: v for k, v in CARD.items() if k != "reward_at"}]),
    minimal(stamp_card=[{k: v for k, v in CARD.items() if k != "name"}]),
    minimal(stamp_card=[{**CARD, "colour": "red"}]),
    minimal(stamp_card=[{**CARD, "name": ""}]),
    minimal(stamp_card=[{**CARD, "name": 3}]),
    minimal(stamp_card=[{**CARD, "name": {"de": "Kaffee"}}]),
    minimal(stamp_card=[{**CARD, "name": {"fi": ""}}]),
    minimal(stamp_card=[{**CARD, "min_purchase": "3.505"}]),
    minimal(stamp_card=[{**CARD, "categories": "tea"}]),
    minimal(stamp_card=[{**CARD, "categories": ["tea"]}]),
    minimal(stamp_card="c"),
    minimal(stamp_card=[CARD, CARD]),
    minimal(points={"rounding": "nearest"}),
    minimal(points={"per_unit": "lots"}),
    minimal(points={"per_unit": 10**7}),
    minimal(points={"expire_months": 0}),
    minimal(discount={"percent": 120}),
    minimal(tiers={"level": []}),
    minimal(tiers={"level": [{"name": "Silver", "at": "350.00"}]}),
    minimal(tiers={"level": [{"name": "Basic", "at": "0"}, {"name": "Gold", "at": "0"}]}),
    minimal(tiers={"level": [{"name": "Basic", "at": "0", "perks": [1]}]}),
    minimal(promotion=[{"name": "x", "days": ["funday"]}]),
    minimal(promotion=[{"name": "x", "applies_to": ["credit"]}]),
    minimal(promotion=[{"name": "x", "from": "late"}]),
    minimal(promotion=[{"name": "x", "from_date": "2026-05-01", "until_date": "2026-04-01"}]),
    minimal(promotion=[{"name": "x", "extra_points": 5}]),
    minimal(welcome={"points": 5}),
    minimal(welcome={"stamps": 1, "stamp_card": "tea"}),
    minimal(coupon=[{"id": "c", "name": "C", "points": 0, "codes": ["A"]}]),
    minimal(coupon=[{"id": "c", "name": "C", "stamps": 1, "codes": ["A"]}]),
    minimal(coupon=[{"id": "c", "name": "C", "credit": "1.00"}]),
    minimal(coupon=[{"id": "c", "credit": "1.00", "codes": ["A"]}]),
    minimal(coupon=[{"id": "c", "name": "C", "credit": "1.00", "codes": ["A"], "online_only": 1}]),
    minimal(subscription=[{"id": "s", "name": "S", "price": "9.00", "free_per_week": 1}]),
    minimal(codes={"card_prefixes": ["X" * 30]}),
    minimal(carry_over={"Stamps!": "stamps"}),
    minimal(carry_over={"stamps": 3}),
    minimal(carry_over={"stamps": "stamps:latte"}),
    minimal(carry_over={f"old{i}": False for i in range(101)}),
    minimal(category=[{"id": "tea", "name": "Tea"}, {"id": "tea", "name": "Tea 2"}]),
]


def _templates(said: Msg) -> Iterator[str]:
    yield said.text
    for value in said.params.values():
        if isinstance(value, Msg):
            yield from _templates(value)
        else:
            assert isinstance(value, Verbatim | int), (
                f"{said.text}: {value!r} is shown as written or as a number"
            )


@pytest.mark.parametrize("doc", REFUSED, ids=range(len(REFUSED)))
def test_what_the_loader_refuses_is_said_in_finnish_and_swedish(doc: dict[str, Any]) -> None:
    with pytest.raises(SettingError) as refused:
        parse_program(doc, program_text.SOURCE)
    said = refused.value.problem
    for text in _templates(said):
        assert text in LOADER, text
    for lang in ("fi", "sv"):
        shown = i18n.translate(lang, said)
        values = [str(v) for v in _values(said)]
        for value in values:
            shown = shown.replace(value, " ")
        assert not ENGLISH.findall(shown), f"{lang}: {shown!r} ({said})"
    assert str(refused.value).startswith(f"{program_text.SOURCE}: "), "the English names the file"


def _values(said: Msg) -> Iterator[object]:
    for value in said.params.values():
        if isinstance(value, Msg):
            yield from _values(value)
        else:
            yield value


def test_the_refused_programs_reach_everything_the_loader_can_say() -> None:
    reached: set[str] = set()
    for doc in REFUSED:
        with pytest.raises(SettingError) as refused:
            parse_program(doc, program_text.SOURCE)
        reached.update(_templates(refused.value.problem))
    # said only of a missing key, and these keys may be left out (an optional list of
    # tables, a [carry_over] key is there when it is read)
    never_missing = {"a list of tables ([[...]])", "an account name or false"}
    unreached = set(LOADER) - reached - never_missing
    assert not unreached, f"not reached by a refused program here: {sorted(unreached)}"


def _tomllib_reasons() -> Iterator[str]:
    """Each reason Python's TOML reader can give, from its source, a value in it as 'x'."""
    source = Path(tomllib_parser.__file__).read_text(encoding="utf-8")
    functions = [f for f in ast.walk(ast.parse(source)) if isinstance(f, ast.FunctionDef)]
    # suffixed_err itself adds where ("(at line 3, column 7)"), which the page says apart
    calls = [n for f in functions if f.name != "suffixed_err" for n in ast.walk(f)]
    for node in calls:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id == "suffixed_err" and len(node.args) >= 3:
            said = node.args[2]  # suffixed_err(src, pos, message): Python 3.11, 3.12
        elif node.func.id == "TOMLDecodeError" and node.args:
            said = node.args[0]  # TOMLDecodeError(message, doc, pos): later Pythons
        else:
            continue
        if isinstance(said, ast.Constant) and isinstance(said.value, str):
            yield said.value
        elif isinstance(said, ast.JoinedStr):
            yield "".join(v.value if isinstance(v, ast.Constant) else "'x'" for v in said.values)
        else:
            raise AssertionError(f"a reason tomllib builds at run time: {ast.unparse(said)}")


def test_every_reason_pythons_toml_reader_gives_has_finnish_and_swedish() -> None:
    reasons = sorted(set(_tomllib_reasons()))
    assert len(reasons) > 15, "the extraction found tomllib's reasons"
    for reason in reasons:
        said = program_text.toml_reason(reason)
        assert isinstance(said, Msg) and said.text in TOML_REASONS, f"no Finnish or Swedish for {reason!r}"
        assert str(said) == reason
        for wording in TOML_REASONS[said.text]:
            assert set(FIELD.findall(wording)) == set(FIELD.findall(said.text)), said.text


@pytest.mark.parametrize(
    "text", ["[program\n", 'a = "b\n', "a = 1\na = 2\n", "a = {b = 1, b = 2}\n", "a = \n"]
)
def test_a_program_that_is_not_toml_is_said_in_finnish_and_swedish(text: str) -> None:
    problem = program_text.check(text)
    assert isinstance(problem, program_text.Problem) and problem.line is not None
    for lang in ("fi", "sv"):
        shown = re.sub(r"<code>.*?</code>", " ", i18n.marked(lang, problem.message))
        assert "TOML" in shown and not ENGLISH.findall(shown), (lang, shown)
