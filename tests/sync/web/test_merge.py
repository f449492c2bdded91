"""Merging from the console: a card held by two members (one joined at a kiosk that could
not sync) merged at the owner's request on the members page; the kiosk that made the
other member takes the request up at its next sync and idle moment, the member page then
says "merged into" with the balances added up, and no kiosk merges it a second time."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from kiosk.domain.events import EventKind
from tests.sync.web.browser import OWNER, PASSWORD, Browser, LiveShop, csrf_of, http_login
from tests.sync.web.kiosk import RunningKiosk

CARD = "04AB0000C0DE01"


def _merges_stored(base_url: str) -> int:
    """The member_merged events the server holds (read as the owner's backup tool reads them)."""
    r = httpx.get(
        f"{base_url}/api/v1/backup/events", params={"after": 0, "limit": 1000}, auth=(OWNER, PASSWORD)
    )
    assert r.status_code == 200, r.text
    return sum(1 for e in r.json()["events"] if e["kind"] == EventKind.MEMBER_MERGED.value)


def _merged_here(kiosk: RunningKiosk) -> int:
    """The member_merged events this kiosk recorded itself."""
    ledger = kiosk.service.ledger
    return sum(
        1 for e in ledger.events() if e.kind is EventKind.MEMBER_MERGED and ledger.is_this_kiosk(e.kiosk)
    )


def test_the_owner_asks_for_a_merge_and_the_kiosk_that_made_the_member_makes_it_once(
    live: LiveShop, browser: Browser, tmp_path: Path
) -> None:
    k1 = RunningKiosk(tmp_path / "k1", live.base_url, live.kiosk_tokens["k1"])
    k2 = RunningKiosk(tmp_path / "k2", live.base_url, live.add_kiosk("k2"))
    try:
        # k1 makes the card's member first; k2, offline, has the customer join with the same card
        k1.tap(CARD)
        k1.tap(CARD)
        k1.sync()
        k2.staff.add("Aino", "owner", "4826")  # the kiosk's own staff (no list from the owner)
        k2.tap(CARD)
        joined = k2.service.enroll(CARD, terms_wording="terms-1", contact={"phone": "+358401234567"})
        assert joined.after is not None
        loser = joined.after.member_id
        for kiosk in (k2, k1, k2):
            kiosk.sync()
            kiosk.import_pulled()
            kiosk.idle()
        # a joined member is not merged by the kiosks on their own: the owner decides
        assert _merges_stored(live.base_url) == 0
        winner = k1.service.member_for_card(CARD).member_id
        assert winner != loser
        browser.login(live.base_url)
        browser.go("/members")
        assert CARD in browser.find("#flags").text
        browser.submit(f"#merge-{CARD}")
        plan = browser.find("#merge-plan").text
        assert winner in browser.find("#merge-into").text and loser in browser.find("#merge-1").text
        into_stamps = k1.service.member_for_card(CARD).balances.get("stamps", 0)
        loser_stamps = k2.service.ledger.member(loser).balances.get("stamps", 0)  # type: ignore[union-attr]
        assert f"stamps {into_stamps}" in browser.find("#merge-into").text
        assert f"stamps {loser_stamps}" in browser.find("#merge-1").text and loser_stamps > 0
        assert "nothing has changed yet" in plan
        browser.screenshot("merge-plan")
        # a confirmation naming other members than the kiosks now say hold the card asks nothing
        with http_login(live.base_url) as http:
            form = {"csrf": csrf_of(http.get("/members").text), "card": CARD, "members": f"{loser},{winner}"}
            r = http.post("/members/merge", data=form)
            assert r.status_code == 409 and 'id="merge-changed"' in r.text
            assert "merge-asked" not in http.get("/members").text
        browser.submit("#confirm-merge")
        assert "merge asked for" in browser.find(f"#merge-asked-{CARD}").text
        # k1 did not make the other member: it takes the request up and merges nothing
        k1.sync()
        k1.idle()
        assert _merged_here(k1) == 0 and _merges_stored(live.base_url) == 0
        # k2 made it: it merges at its next idle moment after its sync, and pushes the merge
        k2.sync()
        k2.idle()
        assert _merged_here(k2) == 2  # one event on each member
        k2.sync()
        assert _merges_stored(live.base_url) == 2
        # every kiosk syncing and idling again: no second merge anywhere
        for kiosk in (k1, k2, k1, k2):
            kiosk.sync()
            kiosk.import_pulled()
            kiosk.idle()
        assert _merges_stored(live.base_url) == 2
        assert _merged_here(k1) == 0
        assert [m.name for m in k2.staff.members()] == ["Aino"], "the merges did not replace k2's staff"
        # the card belongs to one member now, on k1 too
        assert k1.service.ledger.members_holding(CARD)[0].member_id == winner
        assert len(k1.service.ledger.members_holding(CARD)) == 1
    finally:
        k1.close()
        k2.close()
    browser.go(f"/members/{loser}")
    assert f"Merged into {winner}" in browser.text()
    browser.go(f"/members/{winner}")
    assert browser.find("#balance-stamps").text == str(into_stamps + loser_stamps), "the balances add up"
    browser.screenshot("merged-member")
    browser.go("/members")
    assert CARD not in browser.find("#flags").text


def test_a_merge_needs_the_owner_and_its_form_token_and_the_plan_shown(
    live_sqlite: LiveShop, tmp_path: Path
) -> None:
    k1 = RunningKiosk(tmp_path / "k1", live_sqlite.base_url, live_sqlite.kiosk_tokens["k1"])
    try:
        k1.tap(CARD)
        k1.sync()
    finally:
        k1.close()
    with http_login(live_sqlite.base_url) as http:
        # one member holds the card: nothing to merge, nothing queued
        r = http.get("/members/merge", params={"card": CARD})
        assert r.status_code == 404 and "nothing to merge" in r.text
        token = csrf_of(http.get("/members").text)
        r = http.post("/members/merge", data={"csrf": token, "card": CARD, "members": "x"})
        assert r.status_code == 404
        r = http.post("/members/merge", data={"card": CARD, "members": "x"})
        assert r.status_code == 403 and "security token" in html.unescape(r.text)
        kiosk_doc = httpx.get(
            f"{live_sqlite.base_url}/api/v1/staff",
            headers={"Authorization": f"Bearer {live_sqlite.kiosk_tokens['k1']}"},
        ).json()
        assert kiosk_doc["merges"] == [] and kiosk_doc["version"] == kiosk_doc["staff_version"] == 0
        assert not re.search(r'id="merge-asked', http.get("/members").text)
