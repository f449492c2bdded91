"""The counter's use cases over a real store on disk."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kiosk.config import RulesConfig
from kiosk.domain.events import CREDIT, POINTS, SPEND, STAMPS, VISITS, EventKind
from kiosk.domain.member import ENROLLED, ERASED
from kiosk.domain.rules import SimpleRules
from kiosk.errors import InvalidInput, Refused, StoreWriteError, UnknownCard
from kiosk.services.loyalty import LoyaltyService, normalize_card
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock


def reopen(service: LoyaltyService, path: Path, clock: FakeClock) -> LoyaltyService:
    service.ledger.close()
    return LoyaltyService(Ledger.open(path), service.rules, clock)


def test_first_tap_makes_an_anonymous_member_and_stamps(service: LoyaltyService) -> None:
    outcome = service.tap("04a1b2c3d4e5f6")
    assert outcome.accepted and outcome.new_member
    assert outcome.after is not None
    assert outcome.after.cards == ("04A1B2C3D4E5F6",)
    assert outcome.after.balance(STAMPS) == 1 and outcome.after.balance(VISITS) == 1
    assert [e.kind for e in outcome.events] == [EventKind.MEMBER_CREATED, EventKind.VISIT_STAMPED]
    assert service.ledger.profile(outcome.after.member_id) is None  # no personal data


def test_cooldown_counts_a_held_card_once(service: LoyaltyService, clock: FakeClock) -> None:
    service.tap("04AA01")
    clock.advance(seconds=59)
    second = service.tap("04AA01")
    assert not second.accepted and second.refusal is not None and second.refusal.code == "cooldown"
    assert second.events == ()
    clock.advance(seconds=1)
    third = service.tap("04AA01")
    assert third.accepted and third.after is not None and third.after.balance(STAMPS) == 2


def test_acknowledged_taps_survive_a_reopen(
    service: LoyaltyService, clock: FakeClock, tmp_path: Path
) -> None:
    for _ in range(5):
        service.tap("04BB02")
        clock.advance(minutes=2)
    service.purchase("04BB02", 1299)
    service = reopen(service, tmp_path / "data", clock)
    state = service.member_for_card("04BB02")
    assert state.balance(STAMPS) == 5
    assert state.balance(POINTS) == 12  # 12.99 -> 12 whole units, rounding down
    assert state.balance(SPEND) == 1299
    # the stamper continues its chain after a restart
    clock.advance(minutes=2)
    outcome = service.tap("04BB02")
    assert outcome.events[0].seq == 8
    history = list(service.ledger.events(state.member_id))
    assert [e.seq for e in history] == list(range(1, 9))
    assert all(b.prev == a.hash for a, b in itertools.pairwise(history))
    service.ledger.close()


def test_redeem_needs_enough_stamps(service: LoyaltyService, clock: FakeClock) -> None:
    for _ in range(8):
        service.tap("04CC03")
        clock.advance(hours=1)
    refused = service.redeem("04CC03")
    assert refused.refusal is not None and refused.refusal.message == "2 stamps to go."
    for _ in range(2):
        service.tap("04CC03")
        clock.advance(hours=1)
    done = service.redeem("04CC03", actor="staff-anna")
    assert done.accepted and done.after is not None and done.after.balance(STAMPS) == 0
    assert done.events[0].actor == "staff-anna"


def test_undo_reverses_with_a_correction_and_keeps_the_original(service: LoyaltyService) -> None:
    service.tap("04DD04")
    topup = service.topup("04DD04", 2000, actor="staff-1")
    assert topup.after is not None and topup.after.balance(CREDIT) == 2000
    undo = service.undo(topup.events[0].id, "typed 20 instead of 2", actor="manager-1")
    assert undo.after is not None and undo.after.balance(CREDIT) == 0
    correction = undo.events[0]
    assert correction.kind is EventKind.CORRECTION and correction.reverses == topup.events[0].id
    assert service.ledger.find_event(topup.events[0].id) == topup.events[0]
    with pytest.raises(Refused):
        service.undo(topup.events[0].id, "again", actor="manager-1")
    with pytest.raises(InvalidInput):
        service.undo(topup.events[0].id, "  ")


def test_enroll_with_consent_and_separate_marketing(service: LoyaltyService) -> None:
    service.tap("04EE05")
    outcome = service.enroll(
        "04EE05",
        terms_wording="terms-2026-01",
        marketing_wording="mkt-2026-01",
        contact={"phone": "+358401234567"},
    )
    state = outcome.after
    assert state is not None and state.status == ENROLLED
    assert set(state.consents) == {"program", "marketing"}
    assert service.ledger.profile(state.member_id) == {"phone": "+358401234567"}
    # personal data is not in the ledger
    assert all("+358401234567" not in str(e.to_dict()) for e in service.ledger.events(state.member_id))
    with pytest.raises(InvalidInput):
        service.enroll("04EE06", terms_wording="")


def test_enroll_a_new_card_with_contact(service: LoyaltyService) -> None:
    outcome = service.enroll("04EE07", terms_wording="t1", contact={"email": "a@example.org"})
    assert outcome.new_member and outcome.after is not None
    assert service.ledger.profile(outcome.after.member_id) == {"email": "a@example.org"}


def test_replace_a_lost_card_keeps_the_balance(service: LoyaltyService) -> None:
    service.tap("04FF06")
    service.topup("04FF06", 1500)
    service.replace_card("04FF06", "04FF99", actor="staff-1")
    assert service.member_for_card("04FF99").balance(CREDIT) == 1500
    old = service.tap("04FF06")
    assert old.refusal is not None and old.refusal.code == "card_replaced"
    with pytest.raises(Refused):
        service.purchase("04FF06", 100)


def test_link_a_second_card(service: LoyaltyService, clock: FakeClock) -> None:
    service.tap("04AB01")
    service.link_card("04AB01", "FOB0001")
    clock.advance(hours=1)
    service.tap("FOB0001")
    assert service.member_for_card("04AB01").balance(STAMPS) == 2
    with pytest.raises(Refused):
        service.link_card("04AB01", "FOB0001")


def test_erase_removes_personal_data(service: LoyaltyService) -> None:
    outcome = service.enroll("04AC01", terms_wording="t1", contact={"phone": "+35850111"})
    assert outcome.after is not None
    member = outcome.after.member_id
    erased = service.erase("04AC01")
    assert erased.after is not None and erased.after.status == ERASED
    assert service.ledger.profile(member) is None
    assert service.tap("04AC01").refusal is not None


def test_join_required_records_nothing_for_unknown_cards(ledger: Ledger, clock: FakeClock) -> None:
    service = LoyaltyService(ledger, SimpleRules(RulesConfig(require_join=True)), clock)
    outcome = service.tap("04AD01")
    assert outcome.refusal is not None and outcome.refusal.code == "join_required"
    assert ledger.member_count() == 0
    service.enroll("04AD01", terms_wording="t1")
    assert service.tap("04AD01").accepted


@pytest.mark.parametrize("junk", ["", "   ", "04", "abc def!", "x" * 65])
def test_garbled_card_numbers_are_refused_and_change_nothing(service: LoyaltyService, junk: str) -> None:
    before = service.ledger.storage.record_count
    with pytest.raises(InvalidInput):
        service.tap(junk)
    assert service.ledger.storage.record_count == before


def test_unknown_card_lookup(service: LoyaltyService) -> None:
    with pytest.raises(UnknownCard):
        service.member_for_card("04ABCDEF")


def test_failed_write_acknowledges_nothing(service: LoyaltyService, monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync failing with EIO: no acknowledgement, a clear error, nothing applied."""
    import errno

    service.tap("04AE01")
    journal = service.ledger.storage._journal
    assert journal is not None

    def failing_sync() -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(journal, "sync", failing_sync)
    before = service.member_for_card("04AE01")
    with pytest.raises(StoreWriteError, match="nothing was recorded"):
        service.topup("04AE01", 500)
    assert service.member_for_card("04AE01") == before
    with pytest.raises(StoreWriteError):
        service.tap("04AE02")


def test_normalize_card() -> None:
    assert normalize_card(" 04:a1:b2:c3 ") == "04A1B2C3"
