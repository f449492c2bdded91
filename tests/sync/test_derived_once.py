"""What the fold derives from time or other events is derived once, whoever noticed first;
a single-use thing used at two kiosks offline is kept twice and flagged, both kiosks named.

Two or three kiosks with the shop's real program files, the REAL sync server between
them (the failures these tests name were found that way, by hand).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.domain.events import POINTS
from kiosk.domain.program import default_program_path, load_program
from kiosk.domain.programs.engine import coupon_member_id, stamps_account
from kiosk.domain.rules import Action, ActionKind
from kiosk.services.loyalty import LoyaltyService, Outcome
from tests.conftest import HELSINKI
from tests.sync.client.live import LiveServer
from tests.sync.shop import ShopOfKiosks

PROGRAMS = default_program_path().parent / "programs"
CARD, OTHER = "04A1000001", "04A1000002"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("server") / "server.db").start()
    yield server
    server.stop()


def shop_with(live: LiveServer, tmp_path: Path, program: str, n: int = 2) -> ShopOfKiosks:
    return ShopOfKiosks(
        live,
        tmp_path,
        lambda: load_program(PROGRAMS / f"{program}.toml"),
        datetime(2026, 3, 2, 10, tzinfo=HELSINKI),
        n=n,
    )


def coupon(service: LoyaltyService, card: str, code: str) -> Outcome:
    return service.act(card, Action(ActionKind.COUPON, card=card, detail=code))


def states_of(shop: ShopOfKiosks, card: str) -> list[object]:
    return [k.service.member_for_card(card) for k in shop.kiosks]


def test_points_that_expired_while_two_kiosks_were_offline_are_taken_once(
    live: LiveServer, tmp_path: Path
) -> None:
    shop = shop_with(live, tmp_path, "points")
    a, b = shop.kiosks
    try:
        a.service.tap(CARD)
        a.service.purchase(CARD, 10_000)  # 100 + 25 threshold bonus, expiring 2 March 2027
        shop.sync_all()
        shop.now += timedelta(days=400)  # both kiosks offline past the expiry
        a.service.purchase(CARD, 1_000)  # each notices the expiry first (+10 points each)
        b.service.purchase(CARD, 2_000)
        shop.sync_all()
        first, second = states_of(shop, CARD)
        assert first == second
        assert first.balance(POINTS) == 30  # type: ignore[attr-defined]
        assert first.overdrawn == ()  # type: ignore[attr-defined]
        assert shop.flags() == []
    finally:
        shop.close()


def test_stamps_that_expired_while_offline_are_taken_once_and_later_stamps_stay(
    live: LiveServer, tmp_path: Path
) -> None:
    shop = shop_with(live, tmp_path, "stamp_card")
    a, b = shop.kiosks
    try:
        a.service.tap(CARD)  # one stamp, expiring in 365 days
        shop.sync_all()
        shop.now += timedelta(days=366)
        a.service.tap(CARD)  # each kiosk closes the old stamp, then stamps
        shop.now += timedelta(hours=2)
        b.service.tap(CARD)
        shop.now += timedelta(days=1)
        b.service.tap(CARD)
        shop.sync_all()
        first, second = states_of(shop, CARD)
        assert first == second
        # the year-old stamp is gone once; the three new ones stay (b did not know of a's visit)
        assert first.balance(stamps_account("massage")) == 3  # type: ignore[attr-defined]
        assert first.overdrawn == ()  # type: ignore[attr-defined]
        assert shop.flags() == []
    finally:
        shop.close()


def test_the_daily_visit_counter_is_not_overdrawn_by_two_kiosks_closing_it(
    live: LiveServer, tmp_path: Path
) -> None:
    shop = shop_with(live, tmp_path, "stamp_card")
    a, b = shop.kiosks
    try:
        a.service.tap(CARD)  # the daily counter's lot ends at midnight
        shop.sync_all()
        shop.now += timedelta(days=1)
        a.service.purchase(CARD, 500)  # both offline: each closes yesterday's counter first
        b.service.purchase(CARD, 700)
        shop.sync_all()
        first, second = states_of(shop, CARD)
        assert first == second
        assert first.overdrawn == ()  # type: ignore[attr-defined]
        assert first.balance(stamps_account("massage")) == 1  # type: ignore[attr-defined]
        assert shop.flags() == []
    finally:
        shop.close()


def test_a_single_use_coupon_redeemed_at_two_kiosks_offline_is_flagged_naming_both(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = shop_with(live, tmp_path, "coupons")
    a, b = shop.kiosks
    try:
        a.service.tap(CARD)
        b.service.tap(OTHER)
        shop.sync_all()
        assert coupon(a.service, CARD, "NEWS-7").accepted
        assert coupon(b.service, OTHER, "NEWS-7").accepted  # offline: b cannot know
        shop.sync_all()
        record = [k.service.ledger.member(coupon_member_id("NEWS-7")) for k in shop.kiosks]
        assert record[0] == record[1] and record[0] is not None
        (conflict,) = record[0].conflicts
        assert conflict.earlier is not None
        kiosk_ids = {k.service.ledger.kiosk_id for k in shop.kiosks}
        assert {conflict.kiosk, conflict.earlier.kiosk} == kiosk_ids
        # both events are kept; the staff see the conflict on either member
        for k in shop.kiosks:
            for card in (CARD, OTHER):
                seen = k.service.conflicts(card)
                assert [c.event for c in seen] == [conflict.event]
        (flag,) = shop.flags()
        assert flag["member"] == coupon_member_id("NEWS-7")
        (named,) = flag["conflicts"]
        assert {named["kiosk"], named["earlier_kiosk"]} == {"k0", "k1"}
    finally:
        shop.close()
    # what staff and the owner see at the kiosk: `kanta sync status` counts it
    assert main(["--data", str(a.folder), "sync", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["double_uses"] == 1


def test_a_reward_redeemed_at_two_kiosks_offline_shows_at_member_show(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = shop_with(live, tmp_path, "points")
    a, b = shop.kiosks
    try:
        a.service.tap(CARD)
        a.service.purchase(CARD, 10_000)  # 125 points: one coffee (100)
        shop.sync_all()
        assert a.service.redeem(CARD, "coffee").accepted
        assert b.service.redeem(CARD, "coffee").accepted  # offline: b cannot know
        shop.sync_all()
    finally:
        shop.close()
    assert main(["--data", str(b.folder), "member", "show", CARD]) == 0
    shown = capsys.readouterr().out
    assert "OVERDRAWN: points" in shown
    assert "USED TWICE: points at kiosk" in shown and " and kiosk " in shown


def test_a_welcome_bonus_given_to_a_new_card_at_two_kiosks_offline_is_flagged_for_the_owner(
    live: LiveServer, tmp_path: Path
) -> None:
    """Each kiosk made a member for the card and gave it the first-visit bonus; the kiosk
    that made the second merges it when it syncs: the owner's flags name both kiosks."""
    text = (PROGRAMS / "points.toml").read_text().replace('on = "enroll"', 'on = "first_visit"')
    (tmp_path / "welcome.toml").write_text(text)
    shop = ShopOfKiosks(
        live, tmp_path, lambda: load_program(tmp_path / "welcome.toml"),
        datetime(2026, 3, 2, 10, tzinfo=HELSINKI),
    )
    try:
        for k in shop.kiosks:
            assert k.service.tap(CARD).accepted  # offline: each makes a member
        shop.sync_all()  # each kiosk's sync imports, then merges what it made
        states = states_of(shop, CARD)
        assert states[0] == states[1] and states[0].balance("points") == 100  # both kept
        (flag,) = shop.flags()
        (named,) = flag["conflicts"]
        assert named["account"] == "meta:welcome"
        assert {named["kiosk"], named["earlier_kiosk"]} == {"k0", "k1"}
    finally:
        shop.close()
