"""Program files: every shipped example loads; errors name the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.program import default_program_path, load_program, parse_program
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "config" / "programs").glob("*.toml"))


def minimal(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "program": {"id": "shop", "version": 1},
        "stamp_card": [{"id": "coffee", "name": "Coffee", "reward": "a coffee", "reward_at": 10}],
    }
    doc.update(extra)
    return doc


def test_default_program_loads() -> None:
    rules = load_program(default_program_path())
    assert rules.version == "cafe@1"
    assert [c.id for c in rules.spec.stamp_cards] == ["coffee"]
    assert rules.spec.points is not None and rules.spec.points.rewards[0].points == 150


def test_every_program_kind_has_an_example() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {
        "stamp_card",
        "visit_card",
        "time_pass",
        "prepaid_credit",
        "points",
        "tiers",
        "subscription",
        "referral",
        "cashback",
        "discount_fixed",
        "discount_cumulative",
        "coupons",
        "promotions",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_loads(path: Path) -> None:
    rules = load_program(path)
    assert rules.version.endswith("@1")
    assert rules.spec.source == str(path)


def test_minimal_dict_validates_without_io() -> None:
    rules = parse_program(minimal())
    assert rules.version == "shop@1"
    assert rules.spec.timezone == "Europe/Helsinki"
    assert rules.spec.visits.cooldown_seconds == 60


def test_money_is_cents_and_never_float() -> None:
    rules = parse_program(
        minimal(credit={"bonus": [{"min_topup": "100.00", "bonus": 30}]}),
    )
    assert rules.spec.credit is not None
    assert rules.spec.credit.bonuses[0].min_topup == 10000
    assert rules.spec.credit.bonuses[0].bonus == 3000
    with pytest.raises(ConfigError, match=r"f\.toml: credit\.bonus\[0\]\.bonus: expected an amount of money"):
        parse_program(minimal(credit={"bonus": [{"min_topup": "100.00", "bonus": 30.5}]}), "f.toml")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"stamp_card": []}, r"p\.toml: program: missing; expected a \[program\] table"),
        (
            {"program": {"id": "shop", "version": 1}},
            r"p\.toml: expected at least one program",
        ),
        (
            minimal(program={"id": "Shop!", "version": 1}),
            r"p\.toml: program\.id: expected an id of lowercase letters",
        ),
        (
            minimal(program={"id": "shop", "version": 1, "timezone": "Mars/Base"}),
            r"p\.toml: program\.timezone: expected an IANA time zone .*'Mars/Base'",
        ),
        (
            minimal(stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 0}]),
            r"p\.toml: stamp_card\[0\]\.reward_at: expected a whole number ≥ 1, got 0",
        ),
        (
            minimal(stamp_card=[{"id": "c", "name": "C", "reward": "r"}]),
            r"p\.toml: stamp_card\[0\]\.reward_at: missing; expected a whole number",
        ),
        (
            minimal(stamp_card=[{"id": "c", "name": "C", "reward": "r", "reward_at": 5, "colour": "red"}]),
            r"p\.toml: stamp_card\[0\]\.colour: unknown setting",
        ),
        (
            minimal(points={"rounding": "nearest"}),
            r"p\.toml: points\.rounding: expected one of 'down', 'up', 'half_up', 'half_even', got 'nearest'",
        ),
        (
            minimal(tiers={"level": [{"name": "Silver", "at": "350.00"}]}),
            r"p\.toml: tiers\.level\[0\]\.at: expected 0",
        ),
        (
            minimal(
                tiers={"level": [{"name": "Basic", "at": "0"}, {"name": "Gold", "at": "0"}]},
            ),
            r"p\.toml: tiers\.level\[1\]\.at: expected more than the tier before it",
        ),
        (
            minimal(promotion=[{"name": "x", "days": ["funday"]}]),
            r"p\.toml: promotion\[0\]\.days: expected day names",
        ),
        (
            minimal(welcome={"points": 5}),
            r"p\.toml: points: missing; expected a \[points\] table",
        ),
        (
            minimal(welcome={"stamps": 1, "stamp_card": "tea"}),
            r"p\.toml: welcome\.stamp_card: expected the id of a \[\[stamp_card\]\]",
        ),
        (
            minimal(visits={"cooldown_seconds": -1}),
            r"p\.toml: visits\.cooldown_seconds: expected a whole number ≥ 0, got -1",
        ),
        (
            minimal(discount={"percent": 120}),
            r"p\.toml: discount\.percent: expected a number ≥ 0 and ≤ 100, got 120",
        ),
        (
            minimal(coupon=[{"id": "c", "name": "C", "points": 0, "codes": ["A"]}]),
            r"p\.toml: coupon\[0\]\.points: expected something the coupon gives",
        ),
        (
            minimal(
                visit_card=[{"id": "coffee", "name": "Dup", "price": "1.00", "uses": 1}],
            ),
            r"the id 'coffee' is used twice",
        ),
    ],
)
def test_errors_name_file_key_and_expectation(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_program(doc, "p.toml")


def test_load_reports_toml_syntax_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[program\nid = 1\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_program(bad)
    with pytest.raises(ConfigError, match=r"missing\.toml: program file not found"):
        load_program(tmp_path / "missing.toml")
