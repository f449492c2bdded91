"""Switching a kiosk with members from the built-in rule to a program file: refused, naming
the file and the accounts, until the file says where the stamps go; then they are there."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from kiosk.config import KioskConfig
from kiosk.services.factory import open_service
from tests.cli.process import REPO, kanta

CARD = "04A1B2C3D4E5F6"
PROGRAM = REPO / "config" / "programs" / "stamp_card.toml"


def five_stamps_under_the_builtin_rule(data: Path) -> int:
    service = open_service(data, KioskConfig())
    try:
        now = service.clock()
        for day in range(5):
            assert service.tap(CARD, now=now - timedelta(days=5 - day)).accepted
        state = service.ledger.member_for_card(CARD)
        assert state is not None and state.balance("stamps") == 5
        return state.event_count
    finally:
        service.ledger.close()


def test_a_program_change_keeps_the_stamps_members_hold(tmp_path: Path) -> None:
    data = tmp_path / "d"
    events = five_stamps_under_the_builtin_rule(data)

    refused = kanta("tap", CARD, data=data, env={"KANTA_PROGRAM": str(PROGRAM)})
    assert refused.returncode == 78, refused.stderr
    assert str(PROGRAM) in refused.stderr and "stamps" in refused.stderr and "[carry_over]" in refused.stderr
    assert "Traceback" not in refused.stderr
    for verb in (["counter", "show", CARD], ["kiosk", "--window"]):
        assert kanta(*verb, data=data, env={"KANTA_PROGRAM": str(PROGRAM)}).returncode == 78
    shown = json.loads(kanta("member", "show", CARD, "--json", data=data).stdout)
    assert shown["events"] == events  # nothing was recorded

    carried = tmp_path / "massage.toml"
    carried.write_text(PROGRAM.read_text() + '\n[carry_over]\nstamps = "stamps:massage"\n')
    env = {"KANTA_PROGRAM": str(carried)}
    show = kanta("counter", "show", CARD, "--json", data=data, env=env)
    assert show.returncode == 0, show.stderr
    doc = json.loads(show.stdout)
    assert doc["stamps"] == [{"id": "massage", "name": "Hierontakortti", "have": 5, "need": 5}]
    assert [r["id"] for r in doc["rewards_ready"]] == ["massage"]
    assert kanta("counter", "redeem", CARD, data=data, env=env).returncode == 0
    # the switch happens once: a second opening moves nothing more
    again = json.loads(kanta("counter", "show", CARD, "--json", data=data, env=env).stdout)
    assert again["stamps"][0]["have"] == 0 and again["member"]["balances"].get("stamps", 0) == 0
