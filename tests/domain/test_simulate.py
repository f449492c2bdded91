"""The owner's simulator: a replayed history, with every total worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain.program import load_program, parse_program
from kiosk.domain.simulate import parse_activity, simulate
from kiosk.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "config" / "programs"

CAFE = """time,card,action,amount,detail
2026-03-02T08:05:00+02:00,04A1B2,enroll,,
2026-03-02T08:05:30+02:00,04A1B2,visit,,
2026-03-02T08:05:50+02:00,04A1B2,visit,,
2026-03-02T08:06:00+02:00,04A1B2,purchase,12.50,
2026-03-03T08:10:00+02:00,04A1B2,redeem,,coffee
2026-03-03T09:00:00+02:00,CARD77,purchase,160.00,
2026-03-03T09:01:00+02:00,CARD77,redeem,,beans-250g
2026-03-03T09:02:00+02:00,CARD77,purchase,abc,
2026-03-03T09:03:00,CARD77,visit,,
"""


def test_default_program_replay() -> None:
    report = simulate(load_program(ROOT / "config" / "program.toml"), CAFE)
    by_card = {m["card"]: m for m in report.members}
    a, b = by_card["04A1B2"], by_card["CARD77"]
    # A: 20 welcome + 12 (12.50 rounds down) = 32 points, 1 stamp (second tap within 60 s)
    assert (a["points"], a["stamps"], a["rewards_redeemed"]) == (32, {"coffee": 1}, 0)
    # B: 160 points - 150 for the beans = 10
    assert (b["points"], b["rewards_redeemed"]) == (10, 1)
    t = report.totals
    assert (t["points_issued"], t["points_redeemed"], t["points_expired"]) == (192, 150, 0)
    assert t["points_outstanding"] == 42
    assert (t["rewards_issued"], t["rewards_redeemed"], t["redemption_rate"]) == (1, 1, 1.0)
    assert t["liability_cents"] == 42  # 42 points at 0.01; the 1 stamp is no reward yet
    assert t["sales"] == 17250 and t["purchases"] == 2
    assert [(r.line, r.code) for r in report.refused] == [(4, "cooldown"), (6, "not_enough")]
    assert report.refused[1].message == "9 stamps to go for a free coffee."
    assert [e.line for e in report.errors] == [9, 10]
    assert "amount 'abc'" in report.errors[0].message
    assert "has no offset" in report.errors[1].message
    assert report.as_of == "2026-03-03T09:01:00+02:00"


def test_expiry_is_settled_at_the_report_time() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    activity = "time,card,action,amount,detail\n2026-03-02T10:00:00+02:00,A1,purchase,50.00,\n"
    rules = load_program(ROOT / "config" / "program.toml")  # points expire after 12 months
    before = simulate(rules, activity, datetime(2027, 3, 2, 9, 59, tzinfo=ZoneInfo("Europe/Helsinki")))
    assert before.totals["points_expired"] == 0
    assert before.members[0]["expiring"] == [
        {"account": "points", "amount": 50, "at": "2027-03-02T10:00:00+02:00"}
    ]
    after = simulate(rules, activity, datetime(2027, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki")))
    assert after.totals["points_expired"] == 50
    assert after.totals["points_outstanding"] == 0 and after.members[0]["expiring"] == []


def test_passes_counts_and_liability() -> None:
    activity = """time,card,action,amount,detail
2026-03-01T10:00:00+02:00,Y1,buy_pass,150.00,yoga10
2026-03-02T10:00:00+02:00,Y1,use_pass,,yoga10
2026-03-03T10:00:00+02:00,Y1,use_pass,,
2026-03-03T10:05:00+02:00,Y1,use_pass,,
2026-03-04T10:00:00+02:00,Y2,use_pass,,yoga10
"""
    report = simulate(load_program(PROGRAMS / "visit_card.toml"), activity)
    y1 = report.members[0]
    assert (y1["pass_uses"], y1["passes"]) == (2, {"yoga10": 9})
    # 9 of 11 uses left on a 150.00 card: 150 * 9 / 11 = 122.727... -> 122.73
    assert report.totals["liability_parts_cents"]["pass_uses"] == 12273
    assert report.totals["pass_revenue"] == 15000 and report.totals["pass_uses"] == 2
    assert [(r.line, r.code) for r in report.refused] == [(5, "cooldown"), (6, "none")]
    assert report.refused[1].message == "There is no 10-class card on this card."


def test_credit_referral_and_coupons_across_cards() -> None:
    credit = simulate(
        load_program(PROGRAMS / "prepaid_credit.toml"),
        "time,card,action,amount,detail\n"
        "2026-03-02T10:00:00+02:00,S1,topup,100.00,\n"
        "2026-03-03T10:00:00+02:00,S1,spend_credit,45.50,\n",
    )
    assert credit.totals["credit_topped_up"] == 10000 and credit.totals["credit_bonus_given"] == 3000
    assert credit.totals["liability_cents"] == 8450
    referral = simulate(
        load_program(PROGRAMS / "referral.toml"),
        "time,card,action,amount,detail\n"
        "2026-03-02T10:00:00+02:00,A1,purchase,10.00,\n"
        "2026-03-03T10:00:00+02:00,A1,refer,,B2\n"
        "2026-03-03T10:01:00+02:00,C3,refer,,B2\n"
        "2026-03-04T10:00:00+02:00,B2,purchase,30.00,\n",
    )
    by_card = {m["card"]: m for m in referral.members}
    assert by_card["B2"]["points"] == 20 + 27 and by_card["A1"]["points"] == 10 + 20
    assert by_card["A1"]["vouchers"] == {"referrer": 1}
    assert referral.totals["discount_given"] == 300
    assert [(r.line, r.code) for r in referral.refused] == [(4, "already_referred")]
    coupons = simulate(
        load_program(PROGRAMS / "coupons.toml"),
        "time,card,action,amount,detail\n"
        "2026-06-01T10:00:00+03:00,A1,coupon,,SUMMER-0001\n"
        "2026-06-02T10:00:00+03:00,B2,coupon,,summer-0001\n",
    )
    assert coupons.totals["coupons_redeemed"] == 1
    assert [(r.line, r.message) for r in coupons.refused] == [(3, "This coupon was already used.")]


def test_require_join_and_action_ids() -> None:
    rules = parse_program(
        {"program": {"id": "p", "version": 1, "require_join": True}, "points": {}, "welcome": {"points": 5}}
    )
    report = simulate(
        rules,
        "time,card,action,amount,detail,id\n"
        "2026-03-02T10:00:00+02:00,A1,purchase,10.00,,r1\n"
        "2026-03-02T10:01:00+02:00,A1,enroll,,,\n"
        "2026-03-02T10:02:00+02:00,A1,purchase,10.00,,r1\n"
        "2026-03-02T10:03:00+02:00,A1,purchase,10.00,,r1\n",
    )
    assert [(r.line, r.code) for r in report.refused] == [(2, "join_required"), (5, "duplicate")]
    assert report.members[0]["points"] == 15
    assert report.members[0]["status"] == "enrolled"


def test_bad_rows_are_reported_and_the_rest_runs() -> None:
    rows, errors = parse_activity(
        "time,card,action,amount,detail\n"
        "# a comment line\n"
        "2026-03-02T10:00:00+02:00,A1,dance,,\n"
        "yesterday,A1,visit,,\n"
        "2026-03-02T10:00:00+02:00,,visit,,\n"
        "2026-03-02T10:00:00+02:00,A1,purchase,-5.00,\n"
        "\n"
        "2026-03-02T10:00:00+02:00,A1,visit,,\n"
    )
    assert [r.line for r in rows] == [8]
    assert [(e.line, e.message.split(" ")[0]) for e in errors] == [
        (3, "action"),
        (4, "time"),
        (5, "card"),
        (6, "amount"),
    ]


def test_header_must_name_the_columns() -> None:
    with pytest.raises(InvalidInput, match="line 1: the header must name the columns"):
        parse_activity("when,who,what\n")
    with pytest.raises(InvalidInput, match="empty"):
        parse_activity("")


def test_report_json_shape() -> None:
    report = simulate(load_program(ROOT / "config" / "program.toml"), CAFE).to_json()
    assert set(report) == {"program", "currency", "as_of", "members", "totals", "refused", "errors"}
    assert report["refused"][0] == {
        "line": 4,
        "card": "04A1B2",
        "action": "visit",
        "code": "cooldown",
        "message": "Already counted: this visit counts once (next one possible in 40 s).",
    }
    assert report["totals"]["liability"] == "0.42 EUR"


def test_as_of_stops_the_replay_there() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    report = simulate(
        load_program(ROOT / "config" / "program.toml"),
        CAFE,
        datetime(2026, 3, 3, 0, 0, tzinfo=ZoneInfo("Europe/Helsinki")),
    )
    assert [m["card"] for m in report.members] == ["04A1B2"]
    assert report.totals["rows_after_as_of"] == 3  # line 10 is unreadable, not later
    assert report.as_of == "2026-03-03T00:00:00+02:00"


def test_empty_activity_reports_nothing() -> None:
    report = simulate(load_program(ROOT / "config" / "program.toml"), "time,card,action,amount,detail\n")
    assert report.members == [] and report.as_of is None
    assert report.totals["rewards_issued"] == 0 and report.totals["redemption_rate"] is None
