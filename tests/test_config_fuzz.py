"""Config fuzzing: kiosk.toml and program files built from random keys and values (deep,
huge, NaN, NUL, odd text, random bytes). Every failure is a KantaError naming the file;
no other exception, no hang, no unbounded read. The issue's own cases are named tests."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import load_config
from kiosk.configcheck import config_problem
from kiosk.domain.program import load_program
from kiosk.errors import ConfigError, KantaError

CONFIG_KEYS = {
    "shop": ["name", "timezone", "currency", "language"],
    "store": ["snapshot_ratio", "snapshot_min_journal_bytes"],
    "rules": ["stamps_per_visit", "points_per_unit", "cooldown_seconds", "require_join", "program"],
    "hardware": ["card_reader", "scanner", "scan_timeout_ms", "card_number_pattern", "gpio"],
    "ui": ["idle_timeout_seconds", "staff_timeout_seconds", "layout", "maintenance_interval_seconds"],
    "sync": ["batch_size", "interval_seconds", "redeem_online_above_cents", "csv_delimiter"],
}
PROGRAM_KEYS = {
    "program": ["id", "version", "name", "timezone", "currency", "require_join"],
    "visits": ["cooldown_seconds", "daily_cap"],
    "points": ["per_unit", "expire_months", "point_value_cents"],
    "credit": ["bonus"],
    "cashback": ["percent", "rounding"],
}

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=40),
    st.sampled_from(["[", "(?P<", "\x00", "\ufeff", "Europe/Helsinki", "EUR", "pcsc", "1e308", "-1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _key(k: str) -> str:
    return json.dumps(k)  # a TOML basic string is a JSON string (for what json.dumps writes)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"


def _document(keys: dict[str, list[str]]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        lines = []
        if draw(st.booleans()):
            lines.append("\ufeff")
        for section in draw(st.lists(st.sampled_from(sorted(keys)), unique=True, max_size=4)):
            lines.append(f"[{section}]")
            names = draw(st.lists(st.sampled_from(keys[section]), unique=True, max_size=4))
            for name in names:
                lines.append(f"{name} = {_value(draw(values))}")
        depth = draw(st.sampled_from([0, 0, 3, 40, 2000]))
        if depth:
            lines.append("deep = " + "[" * depth + "]" * depth)
        return "\n".join(lines) + "\n"

    return build()


FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _loads_or_names_the_file(loader: Any, path: Path, text: str | bytes) -> None:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    try:
        loader(path)
    except KantaError as exc:
        assert str(path) in str(exc), exc


@FUZZ
@given(text=_document(CONFIG_KEYS))
def test_kiosk_toml_fuzz(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("cfg") / "kiosk.toml"
    _loads_or_names_the_file(load_config, path, text)


@FUZZ
@given(text=_document(PROGRAM_KEYS))
def test_program_file_fuzz(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("prog") / "program.toml"
    _loads_or_names_the_file(load_program, path, text)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_fuzz(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("raw")
    _loads_or_names_the_file(load_config, folder / "kiosk.toml", raw)
    _loads_or_names_the_file(load_program, folder / "program.toml", raw)


# ---- the cases the issue names ----------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[store]\nsnapshot_ratio = nan\n", "store.snapshot_ratio"),
        ("[rules]\ncooldown_seconds = 1180591620717411303424\n", "rules.cooldown_seconds"),
        ("[sync]\ninterval_seconds = -1\n", "sync.interval_seconds"),
        ("[hardware]\ncard_number_pattern = '(unclosed'\n", "hardware.card_number_pattern"),
        ("[hardware.gpio]\nbuzzer_pin = 99\n", "pin 99"),
        ("[ui]\nidle_timeout_seconds = inf\n", "ui.idle_timeout_seconds"),
        ("x = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n", "nested"),
        ("x = " + "[" * 10_000 + "]" * 10_000 + "\n", "nested"),
    ],
)
def test_named_bad_settings_are_refused_naming_file_and_setting(
    tmp_path: Path, text: str, names: str
) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and names in str(err.value)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes("\ufeff[shop]\nname = 'Kahvila'\n".encode())
    assert load_config(path).shop.name == "Kahvila"


def test_a_device_a_fifo_or_a_folder_is_refused_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo, tmp_path):
        with pytest.raises(ConfigError, match="not a regular file"):
            load_config(path)
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (2 * 1024 * 1024) + b"\n")
    with pytest.raises(ConfigError, match="at most"):
        load_config(big)


def test_a_program_file_pointing_at_dev_zero_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, "[rules]\nprogram = '/dev/zero'\n")
    problem = config_problem({"KANTA_CONFIG": str(path)})
    assert problem is not None and "/dev/zero" in problem and "not a regular file" in problem


def test_a_huge_rate_is_refused_at_load_not_at_the_first_purchase(tmp_path: Path) -> None:
    path = tmp_path / "program.toml"
    path.write_text(
        "[program]\nid = 'cafe'\nversion = 1\n[points]\nper_unit = 1e308\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"points\.per_unit"):
        load_program(path)


def test_kanta_status_names_a_broken_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.cli.main import main

    path = _config(tmp_path, "[store]\nsnapshot_ratio = nan\n")
    monkeypatch.setenv("KANTA_CONFIG", str(path))
    assert main(["--data", str(tmp_path / "data"), "status"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  config" in out and str(path) in out and "snapshot_ratio" in out
