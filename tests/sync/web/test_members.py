"""The members page: a card found, its balances and history (who, which kiosk), and an
overdraft two kiosks made flagged."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import httpx

from kiosk.domain.events import REWARDS, STAMPS, EventDraft, EventKind, Posting, Stamper
from tests.sync.web.browser import Browser, LiveShop
from tests.sync.web.kiosk import RunningKiosk

CARD = "04C0FFEE000001"


def test_find_a_member_by_card_with_history_and_flags(
    live: LiveShop, browser: Browser, tmp_path: Path
) -> None:
    kiosk = RunningKiosk(tmp_path / "kiosk", live.base_url, live.kiosk_tokens["k1"])
    try:
        kiosk.tap(CARD)
        outcome = kiosk.core.customer_tap(CARD, "nfc")
        assert outcome is not None and outcome.after is not None
        member = outcome.after.member_id
        kiosk.sync()
        ident = kiosk.service.ledger.kiosk_id
    finally:
        kiosk.close()
    # another kiosk, offline, redeemed a reward the member did not have: an overdraft
    k2 = live.add_kiosk("k2")
    postings = (Posting(STAMPS, -10), Posting(REWARDS, 1))
    draft = EventDraft(EventKind.REWARD_REDEEMED, member, postings, actor="Aino")
    _, redeem = Stamper(kiosk="kiosk-k2", boot="b").stamp(draft, datetime.now(UTC), os.urandom(10))
    r = httpx.post(
        f"{live.base_url}/api/v1/events",
        json={"events": [redeem.to_dict()]},
        headers={"Authorization": f"Bearer {k2}"},
    )
    assert r.status_code == 200, r.text
    browser.login(live.base_url)
    browser.go("/members")
    browser.fill("#q", "04NOSUCHCARD")
    browser.submit("#search")
    assert browser.all("#not-found")
    assert member in browser.find("#flags").text, "the overdraft is flagged"
    browser.fill("#q", CARD)
    browser.submit("#search")
    assert browser.find("#cards").text == CARD
    assert browser.find("#balance-stamps").text == "-8"  # two visits, then a reward of 10
    assert "stamps" in browser.find("#overdrawn").text
    rows = [r.text for r in browser.all("#history tr")][1:]
    assert len(rows) == 4  # created, 2 visits, the redemption (newest first)
    assert "reward_redeemed" in rows[0] and "Aino" in rows[0] and "kiosk-k2" in rows[0]
    assert all(ident in r for r in rows[1:])
    browser.screenshot("member")
