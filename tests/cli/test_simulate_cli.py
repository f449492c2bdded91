"""`kanta simulate` as an owner runs it: text and JSON reports, exit statuses, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = str(ROOT / "config" / "program.toml")

ACTIVITY = """time,card,action,amount,detail
2026-03-02T08:05:00+02:00,04A1B2,enroll,,
2026-03-02T08:05:30+02:00,04A1B2,visit,,
2026-03-02T08:06:00+02:00,04A1B2,purchase,12.50,
2026-03-03T08:10:00+02:00,04A1B2,redeem,,coffee
"""


def write(tmp_path: Path, text: str, name: str = "activity.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["simulate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write(tmp_path, ACTIVITY)
    status, out, _ = run(capsys, "--program", PROGRAM, "--activity", str(csv))
    assert status == 0
    assert "Program cafe@1" in out
    assert "04A1B2: stamps coffee 1, points 32" in out
    assert "line 5: 04A1B2 redeem: 9 stamps to go for a free coffee. [not_enough]" in out
    assert "outstanding liability 0.32 EUR" in out


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write(tmp_path, ACTIVITY)
    status, out, _ = run(capsys, "--program", PROGRAM, "--activity", str(csv), "--json")
    assert status == 0
    report = json.loads(out)
    assert report["program"] == "cafe@1" and report["currency"] == "EUR"
    member = report["members"][0]
    assert member["points"] == 32 and member["stamps"] == {"coffee": 1}
    assert member["rewards_redeemed"] == 0 and member["pass_uses"] == 0
    assert report["totals"]["points_issued"] == 32
    assert report["refused"] == [
        {
            "line": 5,
            "card": "04A1B2",
            "action": "redeem",
            "code": "not_enough",
            "message": "9 stamps to go for a free coffee.",
        }
    ]
    assert report["errors"] == []


def test_bad_rows_exit_65_after_running_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write(tmp_path, ACTIVITY + "2026-03-03T09:00:00+02:00,04A1B2,purchase,ten,\n")
    status, out, _ = run(capsys, "--program", PROGRAM, "--activity", str(csv), "--json")
    assert status == 65
    report = json.loads(out)
    assert report["errors"] == [{"line": 6, "message": "amount 'ten' is not an amount like 12.50"}]
    assert report["members"][0]["points"] == 32


def test_bad_program_names_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = write(tmp_path, '[program]\nid = "x"\nversion = 1\n[points]\nrounding = "sideways"\n', "p.toml")
    csv = write(tmp_path, ACTIVITY)
    status, _, err = run(capsys, "--program", str(program), "--activity", str(csv))
    assert status == 78
    assert f"{program}: points.rounding: expected one of" in err


def test_missing_activity_file_and_bad_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = PROGRAM
    status, _, err = run(capsys, "--program", program, "--activity", str(tmp_path / "nope.csv"))
    assert status == 65 and "cannot read the activity file" in err
    bad = write(tmp_path, "when,who\n")
    status, _, err = run(capsys, "--program", program, "--activity", str(bad))
    assert status == 65 and "the header must name the columns" in err


def test_as_of_reports_expiry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write(tmp_path, ACTIVITY)
    status, out, _ = run(
        capsys,
        "--program",
        PROGRAM,
        "--activity",
        str(csv),
        "--as-of",
        "2027-06-01T00:00:00+03:00",
        "--json",
    )
    assert status == 0
    report = json.loads(out)
    assert report["totals"]["points_expired"] == 32 and report["totals"]["stamps_expired"] == 1
    status, _, err = run(
        capsys,
        "--program",
        PROGRAM,
        "--activity",
        str(csv),
        "--as-of",
        "2027-06-01",
    )
    assert status == 65 and "needs a time zone offset" in err


@pytest.mark.parametrize(
    "example", sorted((ROOT / "config" / "programs").glob("*.toml")), ids=lambda p: p.stem
)
def test_every_example_program_runs_in_the_simulator(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    activity = """time,card,action,amount,detail
2026-03-02T10:00:00+02:00,A1,enroll,,
2026-03-02T10:01:00+02:00,A1,visit,,
2026-03-02T10:02:00+02:00,A1,purchase,20.00,
2026-03-02T10:03:00+02:00,A1,redeem,,
2026-03-02T10:04:00+02:00,A1,topup,100.00,
2026-03-02T10:05:00+02:00,A1,buy_pass,,
2026-03-02T10:06:00+02:00,A1,subscribe,,
2026-03-02T10:07:00+02:00,A1,refer,,B2
2026-03-02T10:08:00+02:00,A1,coupon,,NEWS-7
"""
    csv = write(tmp_path, activity)
    status, out, _ = run(capsys, "--program", str(example), "--activity", str(csv), "--json")
    assert status == 0
    report = json.loads(out)
    assert report["members"][0]["card"] == "A1"
    assert report["totals"]["bad_rows"] == 0
