"""A program change under a store with members, at opening and when a published program is
taken up at an idle moment: the balances move, or the program is refused and nothing moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain.program import load_program
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.program_change import ProgramChangeRefused, adopt_program
from kiosk.services.program_update import load_if_new
from kiosk.store.downloads import program_path as downloaded_program
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

PROGRAM = Path(__file__).resolve().parents[2] / "config" / "programs" / "stamp_card.toml"
CARD = "04A1B2C3D4E5F6"


def with_five_stamps(service: LoyaltyService, clock: FakeClock) -> None:
    for _ in range(5):
        assert service.tap(CARD).accepted
        clock.advance(days=1)
    adopt_program(service)  # the built-in rule is the store's program now


def test_refused_without_carry_over_then_moved_with_it(
    ledger: Ledger, clock: FakeClock, service: LoyaltyService, tmp_path: Path
) -> None:
    with_five_stamps(service, clock)
    events = ledger.member_for_card(CARD).event_count  # type: ignore[union-attr]
    service.rules = load_program(PROGRAM)
    with pytest.raises(ProgramChangeRefused, match=r"stamps\b.*\[carry_over\]"):
        adopt_program(service)
    assert ledger.member_for_card(CARD).event_count == events  # type: ignore[union-attr]
    carried = tmp_path / "massage.toml"
    carried.write_text(PROGRAM.read_text() + '\n[carry_over]\nstamps = "stamps:massage"\n')
    service.rules = load_program(carried)
    assert adopt_program(service) == 1
    state = ledger.member_for_card(CARD)
    assert state is not None and state.balance("stamps:massage") == 5 and state.balance("stamps") == 0
    assert adopt_program(service) == 0  # once


def test_a_published_program_that_would_hide_stamps_is_not_taken_up(
    ledger: Ledger, clock: FakeClock, service: LoyaltyService
) -> None:
    with_five_stamps(service, clock)
    path = downloaded_program(ledger.storage.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROGRAM.read_text())
    assert load_if_new(service) is None
    assert service.rules.version == "builtin-1"  # the kiosk keeps the rules it had
    path.write_text(
        PROGRAM.read_text().replace("version = 1", "version = 2")
        + '\n[carry_over]\nstamps = "stamps:massage"\n'
    )
    clock.advance(seconds=1)
    assert load_if_new(service) == "massage@2"
    state = ledger.member_for_card(CARD)
    assert state is not None and state.balance("stamps:massage") == 5
