"""Importing other kiosks' events: idempotent, ordered by clock, cards found everywhere."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import RulesConfig
from kiosk.domain.events import Event
from kiosk.domain.member import fold
from kiosk.domain.program import default_program_path, load_program
from kiosk.domain.rules import SimpleRules
from kiosk.errors import Refused
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.replication import import_remote_events, inbox_import
from kiosk.store import inbox
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

PROGRAMS = default_program_path().parent / "programs"


def _kiosk(path: Path, clock: FakeClock) -> LoyaltyService:
    return LoyaltyService(Ledger.open(path), SimpleRules(RulesConfig(cooldown_seconds=0)), clock)


def _events(svc: LoyaltyService) -> list[Event]:
    return list(svc.ledger.events())


def test_import_is_idempotent_and_skips_own(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    for _ in range(3):
        a.tap("04AA0001")
        clock.advance(seconds=5)
    a.purchase("04AA0001", 1250)
    sent = _events(a)
    first = import_remote_events(b.ledger, sent, recorder=b.recorder)
    assert (first.applied, first.duplicates) == (len(sent), 0)
    again = import_remote_events(b.ledger, sent * 3, recorder=b.recorder)
    assert (again.applied, again.duplicates) == (0, 3 * len(sent))
    own = import_remote_events(a.ledger, sent)
    assert own.own == len(sent) and own.applied == 0
    ma = a.ledger.member_for_card("04AA0001")
    mb = b.ledger.member_for_card("04AA0001")
    assert ma is not None and mb is not None and ma == mb
    # the card works at b now, and b's own event sorts after a's
    clock.advance(seconds=5)
    out = b.tap("04AA0001")
    assert out.accepted and out.events[0].hlc > max(e.hlc for e in sent)
    assert b.ledger.member_for_card("04AA0001").balance("stamps") == 4  # type: ignore[union-attr]
    a.ledger.close()
    b.ledger.close()


def test_late_event_refolds_in_clock_order(tmp_path: Path, clock: FakeClock) -> None:
    a, b, c = (_kiosk(tmp_path / n, clock) for n in "abc")
    # imports take the kiosks' own (fake) clock: with the real one, the hybrid clocks would
    # jump to today and b's and c's events would order by the milliseconds of the imports
    a.tap("04CC0001")
    created = _events(a)
    for k in (b, c):
        import_remote_events(k.ledger, created, recorder=k.recorder, now=clock())
    # b and c both act offline on the same member; each then learns the other's
    clock.advance(seconds=10)
    b.replace_card("04CC0001", "04CC0002")
    clock.advance(seconds=10)
    c.ledger.member_for_card("04CC0001")
    c.link_card("04CC0001", "04CC0003")
    clock.advance(seconds=10)
    c.tap("04CC0003")
    eb = [e for e in _events(b) if e.kiosk == b.ledger.kiosk_id]
    ec = [e for e in _events(c) if e.kiosk == c.ledger.kiosk_id]
    rb = import_remote_events(b.ledger, ec, recorder=b.recorder, now=clock())
    rc = import_remote_events(c.ledger, eb, recorder=c.recorder, now=clock())
    assert rc.refolded == 1  # b's event is older than c's own
    for k in (a,):
        import_remote_events(k.ledger, [*ec, *eb], recorder=k.recorder, now=clock())
    member = created[0].member
    states = [k.ledger.member(member) for k in (a, b, c)]
    assert states[0] == states[1] == states[2]
    every = sorted([*created, *eb, *ec], key=lambda e: e.hlc)
    assert states[0] == fold(member, every)
    assert states[0] is not None and states[0].cards == ("04CC0002", "04CC0003")
    # a new card linked at another kiosk is found here
    assert b.ledger.member_for_card("04CC0003") == states[0]
    assert rb.applied == len(ec)
    for k in (a, b, c):
        k.ledger.close()


def test_offline_double_redemption_shows_overdraft(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    for _ in range(10):
        a.tap("04DD0001")
        clock.advance(seconds=2)
    import_remote_events(b.ledger, _events(a), recorder=b.recorder)
    assert a.redeem("04DD0001").accepted
    assert b.redeem("04DD0001").accepted
    ra = import_remote_events(a.ledger, [e for e in _events(b) if e.kiosk == b.ledger.kiosk_id])
    rb = import_remote_events(b.ledger, [e for e in _events(a) if e.kiosk == a.ledger.kiosk_id])
    sa = a.ledger.member_for_card("04DD0001")
    sb = b.ledger.member_for_card("04DD0001")
    assert sa == sb and sa is not None
    assert sa.balance("stamps") == -10 and sa.overdrawn == ("stamps",)
    assert sa.balance("rewards_redeemed") == 2  # both redemptions kept
    assert ra.overdrawn == rb.overdrawn == {sa.member_id}
    a.ledger.close()
    b.ledger.close()


def test_erasure_elsewhere_removes_local_profile(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    b.enroll("04EE0001", terms_wording="t1", contact={"email": "x@example.com"})
    import_remote_events(a.ledger, _events(b))
    clock.advance(seconds=5)
    a.erase("04EE0001")
    member = a.ledger.member_for_card("04EE0001")
    assert member is not None
    assert b.ledger.profile(member.member_id) is not None
    import_remote_events(b.ledger, [e for e in _events(a) if e.kiosk == a.ledger.kiosk_id])
    assert b.ledger.profile(member.member_id) is None
    assert b.ledger.member(member.member_id) == a.ledger.member(member.member_id)
    a.ledger.close()
    b.ledger.close()


def test_inbox_files_are_applied_then_removed(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    for i in range(5):
        a.tap(f"04FF000{i}")
        clock.advance(seconds=1)
    raw = [e.to_dict() for e in _events(a)]
    inbox.write_file(tmp_path / "b", 1, raw[:4])
    inbox.write_file(tmp_path / "b", 2, raw)  # overlaps: duplicates are harmless
    result = inbox_import(b.ledger, tmp_path / "b", recorder=b.recorder)
    assert (result.applied, result.duplicates) == (10, 4)
    assert inbox.pending_files(tmp_path / "b") == []
    assert b.ledger.member_count() == 5
    # the store survives a restart with the imported events (one record per batch)
    b.ledger.close()
    reopened = Ledger.open(tmp_path / "b")
    assert reopened.member_count() == 5
    assert reopened.meta["hlc"] >= raw[-1]["hlc"]
    reopened.close()
    a.ledger.close()


def test_damaged_inbox_file_is_moved_aside(tmp_path: Path, clock: FakeClock) -> None:
    b = _kiosk(tmp_path / "b", clock)
    folder = inbox.inbox_dir(tmp_path / "b")
    folder.mkdir(parents=True)
    (folder / "00000001.jsonl").write_text('{"id": "x"}\n')
    from kiosk.services.replication import idle_sync_import

    result = idle_sync_import(b.ledger, b.recorder, tmp_path / "b")
    assert result.applied == 0
    assert (folder / "00000001.jsonl.bad").exists()
    b.ledger.close()


def test_after_a_restart_newer_events_need_no_refold(tmp_path: Path, clock: FakeClock) -> None:
    """Refolding reads the ledger: it must stay rare. Clock checkpoints bound this kiosk's
    own events' clocks even when the process restarted and remembers none of them."""
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    a.tap("04AB0001")
    import_remote_events(b.ledger, _events(a), recorder=b.recorder, now=clock())
    clock.advance(seconds=30)
    b.tap("04AB0001")
    b.ledger.close()
    b = _kiosk(tmp_path / "b", clock)  # a restart: no recent events in memory
    clock.advance(seconds=30)
    a.tap("04AB0001")
    newer = [e for e in _events(a) if e.seq == a.ledger.meta["seq"]]
    result = import_remote_events(b.ledger, newer, recorder=b.recorder, now=clock())
    assert (result.applied, result.refolded) == (1, 0)
    state = b.ledger.member_for_card("04AB0001")
    assert state is not None and state.balance("stamps") == 3
    a.ledger.close()
    b.ledger.close()


def test_a_card_first_tapped_offline_at_two_kiosks_means_one_member_everywhere(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Both kiosks made a member for the new card; after syncing, every kiosk (and every
    restart) maps the card to the same one, the member made first (its id sorts first), and
    the kiosk that made the other moves its stamps there: no tap is lost from view."""
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    for _ in range(2):
        assert a.tap("04EE0001").accepted
        clock.advance(seconds=3)
        assert b.tap("04EE0001").accepted
        clock.advance(seconds=3)
    first = a.ledger.member_for_card("04EE0001")
    second = b.ledger.member_for_card("04EE0001")
    assert first is not None and second is not None and first.member_id < second.member_id
    import_remote_events(a.ledger, [e for e in _events(b) if e.kiosk == b.ledger.kiosk_id], now=clock())
    import_remote_events(b.ledger, [e for e in _events(a) if e.kiosk == a.ledger.kiosk_id], now=clock())
    for k in (a, b):
        mapped = k.ledger.member_for_card("04EE0001")
        assert mapped is not None and mapped.member_id == first.member_id
    # a tap now goes to that member at either kiosk, and so after a restart
    clock.advance(seconds=3)
    after = b.tap("04EE0001").after
    assert after is not None and after.member_id == first.member_id
    # the kiosk that made the second member (b) moves its stamps to the first, once
    assert [(w.member_id, lo.member_id) for w, lo in a.ledger.members_to_merge()] == [
        (first.member_id, second.member_id)
    ]
    assert a.merge_duplicate_cards(now=clock()) == 0
    assert b.merge_duplicate_cards(now=clock()) == 1
    assert b.merge_duplicate_cards(now=clock()) == 0 and b.ledger.members_to_merge() == []
    import_remote_events(a.ledger, [e for e in _events(b) if e.kiosk == b.ledger.kiosk_id], now=clock())
    assert a.ledger.members_to_merge() == [] and a.merge_duplicate_cards(now=clock()) == 0
    for k in (a, b):
        merged = k.ledger.member_for_card("04EE0001")
        emptied = k.ledger.member(second.member_id)
        assert merged is not None and emptied is not None
        assert merged.balance("stamps") == 5 and merged.balance("visits") == 5  # every tap counts
        assert emptied.balances == {} and emptied.cards == () and emptied.retired_cards == ("04EE0001",)
    assert a.ledger.member(first.member_id) == b.ledger.member(first.member_id)
    for name, k in (("a", a), ("b", b)):
        k.ledger.close()
        reopened = Ledger.open(tmp_path / name)
        mapped = reopened.member_for_card("04EE0001")
        assert mapped is not None and mapped.member_id == first.member_id
        assert mapped.balance("stamps") == 5 and reopened.members_to_merge() == []
        reopened.close()


def test_the_kiosks_idle_work_imports_the_inbox_then_merges(tmp_path: Path, clock: FakeClock) -> None:
    """What the kiosk app runs when idle (kiosk.app.wiring): the sync worker's inbox is
    applied, then a card made a member here and at another kiosk becomes one member."""
    from kiosk.app.wiring import _import_sync_inbox

    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    a.tap("04EE0002")
    clock.advance(seconds=2)
    b.tap("04EE0002")
    clock.advance(seconds=2)
    inbox.write_file(tmp_path / "b", 1, [e.to_dict() for e in _events(a)])
    _import_sync_inbox(b, tmp_path / "b")
    assert inbox.pending_files(tmp_path / "b") == []
    assert b.ledger.members_to_merge() == []
    merged = b.ledger.member_for_card("04EE0002")
    assert merged is not None and merged.balance("stamps") == 2
    a.ledger.close()
    b.ledger.close()


def test_stamps_a_merged_member_gets_later_are_moved_too(tmp_path: Path, clock: FakeClock) -> None:
    """Kiosk c knew only b's member for the card and stamped it after b had merged it."""
    a, b, c = (_kiosk(tmp_path / n, clock) for n in "abc")
    assert a.tap("04EE0003").accepted
    clock.advance(seconds=2)
    assert b.tap("04EE0003").accepted
    clock.advance(seconds=2)
    import_remote_events(c.ledger, _events(b), now=clock())  # c hears of b's member only
    import_remote_events(b.ledger, _events(a), now=clock())
    assert b.merge_duplicate_cards(now=clock()) == 1
    clock.advance(seconds=2)
    assert c.tap("04EE0003").accepted  # offline: still b's member, as far as c knows
    import_remote_events(b.ledger, [e for e in _events(c) if e.kiosk == c.ledger.kiosk_id], now=clock())
    assert len(b.ledger.members_to_merge()) == 1
    assert b.merge_duplicate_cards(now=clock()) == 1
    assert b.ledger.members_to_merge() == []
    merged = b.ledger.member_for_card("04EE0003")
    assert merged is not None and merged.balance("stamps") == 3
    for k in (a, b, c):
        k.ledger.close()


def _sync(*kiosks: LoyaltyService, now: datetime) -> None:
    """Every kiosk learns every other's events (what the server relays)."""
    for to in kiosks:
        for frm in kiosks:
            if frm is not to:
                own = [e for e in _events(frm) if e.kiosk == frm.ledger.kiosk_id]
                import_remote_events(to.ledger, own, now=now)


def _joined_at_b_after_a_made_the_card(tmp_path: Path, clock: FakeClock) -> tuple[LoyaltyService, ...]:
    """Kiosk a made a member for the new card; b, not synced, made another and the customer
    joined there with contact details. Neither member is merged on its own."""
    a, b = _kiosk(tmp_path / "a", clock), _kiosk(tmp_path / "b", clock)
    assert a.tap("04EE0010").accepted
    clock.advance(seconds=2)
    assert b.tap("04EE0010").accepted
    b.enroll(
        "04EE0010",
        terms_wording="terms v1",
        marketing_wording="offers by email",
        contact={"email": "pia@example.org"},
    )
    clock.advance(seconds=2)
    _sync(a, b, now=clock())
    assert a.merge_duplicate_cards(now=clock()) == 0 and b.merge_duplicate_cards(now=clock()) == 0
    return a, b


def test_the_owner_merges_a_joined_member_on_the_kiosk_that_made_it(tmp_path: Path, clock: FakeClock) -> None:
    a, b = _joined_at_b_after_a_made_the_card(tmp_path, clock)
    first, second = b.ledger.members_holding("04EE0010")
    assert (first.status, second.status) == ("anonymous", "enrolled")
    assert a.ledger.shared_cards() == b.ledger.shared_cards() == ["04EE0010"]
    with pytest.raises(Refused, match="run the merge on that kiosk"):
        a.merge_card("04EE0010", actor="owner")
    outcome = b.merge_card("04EE0010", actor="owner")
    assert outcome.after is not None and outcome.after.member_id == first.member_id
    _sync(a, b, now=clock())
    for k in (a, b):
        assert k.ledger.shared_cards() == [] and k.ledger.members_to_merge() == []
        joined = k.ledger.member_for_card("04EE0010")
        emptied = k.ledger.member(second.member_id)
        assert joined is not None and emptied is not None
        assert joined.member_id == first.member_id and joined.status == "enrolled"
        assert {s: c.wording for s, c in joined.consents.items()} == {
            "program": "terms v1",
            "marketing": "offers by email",
        }
        assert joined.balance("stamps") == 2 and joined.balance("visits") == 2
        assert emptied.status == "erased" and emptied.balances == {} and emptied.cards == ()
    # the contact details moved with the membership, and are still only where they were given
    assert b.ledger.profile(first.member_id) == {"email": "pia@example.org"}
    assert b.ledger.profile(second.member_id) is None and a.ledger.profile(first.member_id) is None
    with pytest.raises(Refused, match="nothing to merge"):
        b.merge_card("04EE0010", actor="owner")
    clock.advance(seconds=2)
    after = a.tap("04EE0010").after
    assert after is not None and after.member_id == first.member_id and after.balance("stamps") == 3
    for k in (a, b):
        k.ledger.close()


def test_the_kiosks_idle_work_counts_the_cards_the_owner_must_merge(tmp_path: Path, clock: FakeClock) -> None:
    from kiosk.app.wiring import OwnerWork, _import_sync_inbox

    a, b = _joined_at_b_after_a_made_the_card(tmp_path, clock)
    work = OwnerWork()
    for k, name in ((a, "a"), (b, "b")):
        _import_sync_inbox(k, tmp_path / name, work)
        assert work.cards_to_merge == 1
    b.merge_card("04EE0010", actor="owner")
    _import_sync_inbox(b, tmp_path / "b", work)
    assert work.cards_to_merge == 0
    for k in (a, b):
        k.ledger.close()


def test_a_merge_that_would_erase_contact_details_given_elsewhere_is_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    """b made the second member, but the customer joined at c: b may not erase it."""
    a, b, c = (_kiosk(tmp_path / n, clock) for n in "abc")
    assert a.tap("04EE0011").accepted
    clock.advance(seconds=2)
    assert b.tap("04EE0011").accepted
    _sync(b, c, now=clock())
    c.enroll("04EE0011", terms_wording="terms v1", contact={"phone": "+358401234567"})
    clock.advance(seconds=2)
    _sync(a, b, c, now=clock())
    count = len(_events(b))
    with pytest.raises(Refused, match=r"joined at kiosk \S+ with contact details"):
        b.merge_card("04EE0011", actor="owner")
    assert len(_events(b)) == count and len(b.ledger.members_holding("04EE0011")) == 2
    for k in (a, b, c):
        k.ledger.close()


def test_when_both_members_joined_the_cards_member_keeps_its_own_membership(
    tmp_path: Path, clock: FakeClock
) -> None:
    a, b = _joined_at_b_after_a_made_the_card(tmp_path, clock)
    a.enroll("04EE0010", terms_wording="terms v2", contact={"email": "pia@example.com"})
    _sync(a, b, now=clock())
    first, second = b.ledger.members_holding("04EE0010")
    assert (first.status, second.status) == ("enrolled", "enrolled")
    b.merge_card("04EE0010", actor="owner")
    _sync(a, b, now=clock())
    for k in (a, b):
        joined = k.ledger.member_for_card("04EE0010")
        assert joined is not None and joined.member_id == first.member_id
        assert {s: c.wording for s, c in joined.consents.items()} == {"program": "terms v2"}
        assert joined.balance("stamps") == 2
        assert k.ledger.members_holding("04EE0010") == [joined]
    assert a.ledger.profile(first.member_id) == {"email": "pia@example.com"}
    assert b.ledger.profile(first.member_id) is None and b.ledger.profile(second.member_id) is None
    for k in (a, b):
        k.ledger.close()


def test_a_welcome_bonus_given_at_two_kiosks_offline_is_flagged_as_used_twice(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A new card first tapped at two kiosks that could not sync: each made a member and
    gave it the first-visit welcome bonus. A welcome bonus is once per member, so when the
    second member is merged into the first, the second bonus is a double use naming both
    kiosks (both kept, as every double use is), shown to the staff for the card."""
    text = (PROGRAMS / "points.toml").read_text()
    assert 'on = "enroll"' in text
    program = tmp_path / "welcome.toml"
    program.write_text(text.replace('on = "enroll"', 'on = "first_visit"'))
    a, b = (LoyaltyService(Ledger.open(tmp_path / n), load_program(program), clock) for n in "ab")
    card = "04EE0020"
    assert a.tap(card).accepted
    clock.advance(seconds=3)
    assert b.tap(card).accepted
    for k in (a, b):  # each kiosk's member got the bonus
        assert k.member_for_card(card).balance("points") == 50
    clock.advance(seconds=3)
    _sync(a, b, now=clock())
    assert a.merge_duplicate_cards(now=clock()) + b.merge_duplicate_cards(now=clock()) == 1
    _sync(a, b, now=clock())
    merged = [k.member_for_card(card) for k in (a, b)]
    assert merged[0] == merged[1]
    assert merged[0].balance("points") == 100  # nothing thrown away ...
    (conflict,) = merged[0].open_conflicts  # ... but the second bonus is flagged
    assert conflict.account == "meta:welcome" and conflict.limit == 1
    assert conflict.earlier is not None
    assert {conflict.kiosk, conflict.earlier.kiosk} == {a.ledger.kiosk_id, b.ledger.kiosk_id}
    for k in (a, b):
        assert [c.event for c in k.conflicts(card)] == [conflict.event]
        k.ledger.close()
