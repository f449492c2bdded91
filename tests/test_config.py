"""Typed config: documented defaults load; mistakes name the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import KioskConfig, default_config_path, load_config, parse_config
from kiosk.errors import ConfigError


def test_shipped_defaults_match_the_dataclass_defaults() -> None:
    shipped = load_config(default_config_path(), env={})
    assert shipped.shop == KioskConfig().shop
    assert shipped.rules == KioskConfig().rules
    assert shipped.hardware.card_reader == "pcsc"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[shop]\ntimezone = "Mars/Olympus"\n', "shop.timezone"),
        ('[shop]\nlanguage = "de"\n', "shop.language"),
        ('[shop]\ncurrency = "euro"\n', "shop.currency"),
        ("[rules]\ncooldown_seconds = -1\n", "cooldown_seconds"),
        ('[rules]\nrequire_join = "yes"\n', "rules.require_join"),
        ("[rules]\nstamps_per_visit = 1.5\n", "rules.stamps_per_visit"),
        ("[rulez]\n", "rulez"),
        ('[hardware]\ncard_reader = "magic"\n', "hardware.card_reader"),
        ("shop = 3\n", "[shop]"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(path) in str(info.value) and expected in str(info.value)


def test_not_toml_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[shop\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", env={})


def test_environment_overrides_backends() -> None:
    cfg = load_config(default_config_path(), env={"KANTA_CARD_READER": "sim", "KANTA_FEEDBACK": "none"})
    assert cfg.hardware.card_reader == "sim" and cfg.hardware.feedback == "none"
    with pytest.raises(ConfigError, match="KANTA_"):
        load_config(default_config_path(), env={"KANTA_SCANNER": "telepathy"})


def test_partial_file_keeps_other_defaults() -> None:
    cfg = parse_config({"shop": {"name": "Kahvila Kanta"}}, "test.toml")
    assert cfg.shop.name == "Kahvila Kanta" and cfg.shop.timezone == "Europe/Helsinki"


def test_program_setting_selects_the_engine(tmp_path: Path) -> None:
    from kiosk.domain.rules import SimpleRules
    from kiosk.services.factory import rules_for

    programs = Path(__file__).resolve().parents[1] / "config"
    (tmp_path / "program.toml").write_text((programs / "program.toml").read_text())
    site = tmp_path / "kiosk.toml"
    site.write_text('[rules]\nprogram = "program.toml"\n')
    cfg = load_config(site, env={})
    assert cfg.program_path == tmp_path / "program.toml"  # relative to the config file
    assert rules_for(cfg).version == "cafe@1"
    assert isinstance(rules_for(load_config(default_config_path(), env={})), SimpleRules)
    by_env = load_config(
        default_config_path(), env={"KANTA_PROGRAM": str(programs / "programs" / "tiers.toml")}
    )
    assert rules_for(by_env).version != "builtin-1"
