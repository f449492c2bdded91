"""Convergence (hypothesis): three kiosks of a shop, the REAL sync server between them.

Random taps (of known cards, and of new cards first tapped at several kiosks offline),
purchases, redemptions and card replacements at random kiosks, with clocks
that disagree by up to two hours, kiosks dropping off the network and coming back, and
syncs in any order. After every kiosk has synced (push, pull, import), all hold the same
member states, the server holds every event once, and every kiosk holds every event once.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import RulesConfig
from kiosk.domain.member import Conflict, MemberState, fold
from kiosk.domain.program import default_program_path, parse_program
from kiosk.domain.rules import Action, ActionKind, SimpleRules
from kiosk.errors import KantaError
from kiosk.store.ledger import Ledger
from tests.conftest import HELSINKI
from tests.sync.client.live import PASSWORD, LiveServer, pair
from tests.sync.shop import Kiosk, ShopOfKiosks

KIOSKS = 3
CARDS = [f"04C0{i:04d}" for i in range(5)]
#: cards no kiosk has seen: tapped first at two kiosks offline, they make two members to merge
NEW_CARDS = [f"04E0{i:04d}" for i in range(2)]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("server") / "server.db").start()
    yield server
    server.stop()


kiosk_ix = st.integers(0, KIOSKS - 1)
card_ix = st.integers(0, len(CARDS) - 1)
ops = st.one_of(
    st.tuples(st.just("tap"), kiosk_ix, card_ix),
    st.tuples(st.just("tap"), kiosk_ix, card_ix),
    st.tuples(st.just("tap_new"), kiosk_ix, st.integers(0, len(NEW_CARDS) - 1)),
    st.tuples(st.just("purchase"), kiosk_ix, card_ix, st.integers(1, 10_000)),
    st.tuples(st.just("redeem"), kiosk_ix, card_ix),
    st.tuples(st.just("redeem_now"), kiosk_ix, card_ix),
    st.tuples(st.just("replace"), kiosk_ix, card_ix),
    st.tuples(st.just("sync"), kiosk_ix),
    st.tuples(st.just("sync"), kiosk_ix),
    st.tuples(st.just("partition"), kiosk_ix),
)


def _simple_kiosk(folder: Path, skew: timedelta, base: list[datetime]) -> Kiosk:
    """A kiosk with the built-in rules, no cooldown (so every tap counts)."""
    return Kiosk(folder, SimpleRules(RulesConfig(cooldown_seconds=0)), lambda: base[0] + skew)


def assert_converged(ledgers: list[Ledger], server_events: list[dict[str, Any]]) -> dict[str, MemberState]:
    """After a full sync: every event once on the server and on every kiosk, one card one
    member, every kiosk's member states identical and equal to one kiosk folding every
    event alone (in clock order). Returns those states."""
    for led in ledgers:
        assert led.members_to_merge() == [], "a card still has two members"
    server_ids = [e["id"] for e in server_events]
    assert len(server_ids) == len(set(server_ids)), "an event is on the server twice"
    every_own = {e.id for led in ledgers for e in led.events() if e.kiosk == led.kiosk_id}
    assert set(server_ids) == every_own
    for led in ledgers:
        ids = [e.id for e in led.events()]
        assert len(ids) == len(set(ids)), "an event is in a kiosk's ledger twice"
        assert set(ids) == every_own, "a kiosk misses events"
    states = [{s.member_id: s for s in led.all_members()} for led in ledgers]
    assert all(s == states[0] for s in states[1:]), "the kiosks disagree"
    by_member: dict[str, list[Any]] = {}
    for e in ledgers[0].events():
        by_member.setdefault(e.member, []).append(e)
    for member, events in by_member.items():
        assert states[0][member] == fold(member, sorted(events, key=lambda e: e.hlc))
    return states[0]


def _run(live: LiveServer, folder: Path, skews: list[int], steps: list[tuple[Any, ...]]) -> list[Any]:
    shop = live.new_shop(tuple(f"k{i}" for i in range(KIOSKS)))
    base = [datetime(2026, 3, 2, 9, tzinfo=HELSINKI)]
    kiosks = [_simple_kiosk(folder / f"k{i}", timedelta(minutes=skews[i]), base) for i in range(KIOSKS)]
    for i, k in enumerate(kiosks):
        pair(k.folder, live, shop.tokens[f"k{i}"])
    cards = {i: list(CARDS) for i in range(KIOSKS)}  # what each kiosk thinks the current cards are
    replaced = 0
    try:
        for step in steps:
            base[0] += timedelta(seconds=7)
            kind, ki = step[0], step[1]
            k = kiosks[ki]
            svc = k.service
            try:
                if kind == "tap":
                    svc.tap(cards[ki][step[2]])
                elif kind == "tap_new":
                    svc.tap(NEW_CARDS[step[2]])
                elif kind == "purchase":
                    svc.purchase(cards[ki][step[2]], step[3])
                elif kind == "redeem":
                    for _ in range(10):  # enough stamps first, so redemptions really happen
                        svc.tap(cards[ki][step[2]])
                    svc.redeem(cards[ki][step[2]])
                elif kind == "redeem_now":
                    svc.redeem(cards[ki][step[2]])
                elif kind == "replace":
                    replaced += 1
                    new = f"04D{ki}{replaced:04d}"
                    svc.replace_card(cards[ki][step[2]], new)
                    cards[ki][step[2]] = new
                elif kind == "sync" and k.online:
                    k.sync()
                elif kind == "partition":
                    k.online = not k.online
            except KantaError:
                pass  # refused locally (unknown or replaced card...): nothing recorded
        # the network comes back: everyone syncs until nothing moves (merges made while
        # syncing are events too, and travel on the next round)
        ledgers = [k.service.ledger for k in kiosks]

        def held() -> list[int]:  # by each kiosk, and by the server
            return [sum(1 for _ in led.events()) for led in ledgers] + [len(live.all_events(shop))]

        for _ in range(8):
            before = held()
            for k in kiosks:
                k.sync()
            if held() == before:
                break
        states = assert_converged(ledgers, live.all_events(shop))
        flags = requests.get(f"{live.base_url}/api/v1/flags", auth=(shop.owner, PASSWORD), timeout=10)
        flags.raise_for_status()
        return [states, flags.json()]
    finally:
        for k in kiosks:
            k.service.ledger.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    skews=st.lists(st.integers(-120, 120), min_size=KIOSKS, max_size=KIOSKS),
    steps=st.lists(ops, min_size=1, max_size=40),
)
def test_kiosks_converge(
    live: LiveServer, tmp_path_factory: pytest.TempPathFactory, skews: list[int], steps: list[tuple[Any, ...]]
) -> None:
    # every card known at every kiosk first, so the random part works on shared members
    warm: list[tuple[Any, ...]] = [("tap", 0, c) for c in range(len(CARDS))]
    warm += [("sync", k) for k in (0, 1, 2)]
    _run(live, tmp_path_factory.mktemp("shop"), skews, [*warm, *steps])


def test_offline_double_redemption_converges_to_an_overdraft(live: LiveServer, tmp_path: Path) -> None:
    steps: list[tuple[Any, ...]] = [("tap", 0, 0), ("sync", 0), ("sync", 1)]
    steps += [("tap", 0, 0)] * 9 + [("sync", 0), ("sync", 1)]
    steps += [("partition", 0), ("partition", 1), ("redeem_now", 0, 0), ("redeem_now", 1, 0)]
    states, flags = _run(live, tmp_path, [0, 30, -30], steps)
    (member,) = [s for s in states.values() if CARDS[0] in s.cards]
    assert member.balance("stamps") == -10 and member.balance("rewards_redeemed") == 2
    assert member.overdrawn == ("stamps",)
    # the server flags it for the owner too
    flagged = {f["member"]: f for f in flags["flags"]} if isinstance(flags, dict) else {}
    assert member.member_id in flagged and flagged[member.member_id]["accounts"] == ["stamps"]
    (conflict,) = flagged[member.member_id]["conflicts"]  # both kiosks named
    assert conflict["account"] == "stamps" and {conflict["kiosk"], conflict["earlier_kiosk"]} == {"k0", "k1"}


def test_a_late_event_is_folded_in_clock_order(live: LiveServer, tmp_path: Path) -> None:
    """Kiosk 1 was offline when it stamped; kiosk 0 stamped later but synced first."""
    steps: list[tuple[Any, ...]] = [("tap", 0, 0), ("sync", 0), ("sync", 1), ("partition", 1)]
    steps += [("tap", 1, 0), ("tap", 0, 0), ("sync", 0), ("partition", 1)]
    states, _ = _run(live, tmp_path, [0, 0, 0], steps)
    (member,) = [s for s in states.values() if CARDS[0] in s.cards]
    assert member.balance("stamps") == 3


def test_a_new_card_first_tapped_offline_at_every_kiosk_becomes_one_member(
    live: LiveServer, tmp_path: Path
) -> None:
    """Each kiosk makes a member for the card; after syncing there is one with every stamp,
    including one stamped by a kiosk that had heard of another kiosk's member only."""
    steps: list[tuple[Any, ...]] = [("partition", 0), ("partition", 1), ("partition", 2)]
    steps += [("tap_new", 0, 0), ("tap_new", 1, 0), ("tap_new", 1, 0), ("tap_new", 2, 0)]
    steps += [("partition", 2), ("sync", 2), ("partition", 2)]  # kiosk 2's member reaches the server
    steps += [("partition", 0), ("sync", 0), ("partition", 0), ("tap_new", 0, 0)]
    states, _ = _run(live, tmp_path, [0, 45, -45], steps)
    holders = [s for s in states.values() if NEW_CARDS[0] in s.cards]
    assert len(holders) == 1
    assert holders[0].balance("stamps") == 5 and holders[0].balance("visits") == 5
    emptied = [s for s in states.values() if s.merged_into is not None]
    assert len(emptied) == 2 and all(s.balances == {} for s in emptied)


# ---- every program kind at once ------------------------------------------------------------

PROGRAMS = default_program_path().parent / "programs"
KIND_CARDS = [f"04F0{i:04d}" for i in range(4)]
#: cards nobody has tapped: a referral makes them members
FRIEND_CARDS = [f"04F1{i:04d}" for i in range(2)]
COUPONS = ["NEWS-7", "NEWS-8", "SUMMER-0001", "SOCIAL"]


def every_kind_program() -> dict[str, Any]:
    """Every file of config/programs/ in one program: stamps with a cooldown and a daily
    cap, points expiring after 12 months, tiers, a subscription with a weekly free item,
    a visit card and a time pass, coupons, referral, cashback, prepaid credit, promotions
    and discounts (the first file's value wins where two set the same thing)."""
    doc: dict[str, Any] = {}
    for path in sorted(PROGRAMS.glob("*.toml")):
        for key, value in tomllib.loads(path.read_text("utf-8")).items():
            if isinstance(value, list):
                have = {x.get("id") or x.get("name") for x in doc.get(key, [])}
                doc.setdefault(key, []).extend(x for x in value if (x.get("id") or x.get("name")) not in have)
            else:
                doc.setdefault(key, value)
    return doc


ALL_KINDS = every_kind_program()
kind_kiosk = st.integers(0, 4)  # modulo the shop's kiosk count
kind_card = st.integers(0, len(KIND_CARDS) - 1)
kind_ops = st.one_of(
    st.tuples(st.just("tap"), kind_kiosk, kind_card),
    st.tuples(st.just("purchase"), kind_kiosk, kind_card, st.integers(1, 60_000)),
    st.tuples(
        st.just("redeem"), kind_kiosk, kind_card, st.sampled_from(["coffee", "cake", "massage", "club"])
    ),
    st.tuples(st.just("topup"), kind_kiosk, kind_card, st.sampled_from([1_000, 5_000, 10_000])),
    st.tuples(st.just("spend_credit"), kind_kiosk, kind_card, st.integers(1, 3_000)),
    st.tuples(st.just("buy_pass"), kind_kiosk, kind_card, st.sampled_from(["yoga10", "gym6m"])),
    st.tuples(st.just("use_pass"), kind_kiosk, kind_card, st.sampled_from(["yoga10", "gym6m"])),
    st.tuples(st.just("subscribe"), kind_kiosk, kind_card),
    st.tuples(st.just("coupon"), kind_kiosk, kind_card, st.sampled_from(COUPONS)),
    st.tuples(st.just("refer"), kind_kiosk, kind_card, st.integers(0, len(FRIEND_CARDS) - 1)),
    st.tuples(st.just("sync"), kind_kiosk),
    st.tuples(st.just("sync"), kind_kiosk),
    st.tuples(st.just("sync_cut"), kind_kiosk),  # pulled, then the kiosk restarts before importing
    st.tuples(st.just("restart"), kind_kiosk),
    st.tuples(st.just("partition"), kind_kiosk),
    st.tuples(st.just("wait"), st.sampled_from([30, 600, 3 * 3600, 86_400, 7 * 86_400, 45 * 86_400])),
    st.tuples(st.just("wait"), st.sampled_from([200 * 86_400, 370 * 86_400])),  # past every expiry
    st.tuples(st.just("jump"), kind_kiosk, st.sampled_from([-86_400, -3600, 3600, 86_400])),
)

_ACTIONS = {
    "purchase": ActionKind.PURCHASE,
    "redeem": ActionKind.REDEEM,
    "topup": ActionKind.TOPUP,
    "spend_credit": ActionKind.SPEND_CREDIT,
    "buy_pass": ActionKind.BUY_PASS,
    "use_pass": ActionKind.USE_PASS,
    "subscribe": ActionKind.SUBSCRIBE,
    "coupon": ActionKind.COUPON,
    "refer": ActionKind.REFER,
}


def _kind_action(step: tuple[Any, ...]) -> Action:
    kind, card = step[0], KIND_CARDS[step[2]]
    extra = step[3] if len(step) > 3 else None
    if kind in ("purchase", "topup", "spend_credit"):
        return Action(_ACTIONS[kind], card=card, amount_cents=int(extra))
    if kind == "refer":
        return Action(ActionKind.REFER, card=card, detail=FRIEND_CARDS[int(extra)])
    return Action(_ACTIONS[kind], card=card, detail=None if extra is None else str(extra))


def _arrival(ledger: Ledger) -> dict[str, int]:
    """When each event reached this kiosk: the store record that holds it."""
    return {raw["id"]: n for n, events in ledger.storage.records() for raw in events}


def _explained(
    conflict: Conflict, holder: str, shop: ShopOfKiosks, arrivals: dict[str, dict[str, int]]
) -> None:
    """A double use is real: the two uses are of one thing, by two kiosks, and the kiosk
    that used it second had not received the first use when it did."""
    earlier = conflict.earlier
    assert earlier is not None, f"{holder}: a conflict without the use it conflicts with"
    assert earlier.kiosk != conflict.kiosk, f"{holder}: one kiosk allowed a double use of {conflict.account}"
    seen = arrivals[conflict.kiosk]
    assert seen.get(earlier.event, 1 << 60) > seen[conflict.event], (
        f"{holder}: kiosk {conflict.kiosk} used {conflict.account} after it knew of the earlier use"
    )


def _run_kinds(
    live: LiveServer, folder: Path, kiosks: int, skews: list[int], steps: list[tuple[Any, ...]]
) -> None:
    shop = ShopOfKiosks(
        live,
        folder,
        lambda: parse_program(ALL_KINDS),
        datetime(2026, 3, 2, 9, tzinfo=HELSINKI),
        skews=[timedelta(minutes=s) for s in skews[:kiosks]],
        n=kiosks,
    )
    try:
        for card in KIND_CARDS:  # every card known everywhere first: the random part shares them
            shop.kiosks[0].service.tap(card)
        shop.sync_all()
        for step in steps:
            shop.now += timedelta(seconds=7)
            kind = step[0]
            if kind == "wait":
                shop.now += timedelta(seconds=step[1])
                continue
            k = shop.kiosks[step[1] % kiosks]
            try:
                if kind == "tap":
                    k.service.tap(KIND_CARDS[step[2]])
                elif kind == "sync" and k.online:
                    k.sync()
                elif kind == "sync_cut" and k.online:
                    k.sync(import_inbox=False)
                    k.restart()
                elif kind == "restart":
                    k.restart()
                elif kind == "partition":
                    k.online = not k.online
                elif kind == "jump":
                    shop.skews[step[1] % kiosks] += timedelta(seconds=step[2])
                elif kind in _ACTIONS:
                    k.service.act(KIND_CARDS[step[2]], _kind_action(step))
            except KantaError:
                pass  # refused locally: nothing recorded
        for k in shop.kiosks:
            k.online = True
        shop.sync_all()
        ledgers = [k.service.ledger for k in shop.kiosks]
        states = assert_converged(ledgers, live.all_events(shop.shop))
        arrivals = {led.kiosk_id: _arrival(led) for led in ledgers}
        for member, state in states.items():
            for conflict in state.conflicts:
                _explained(conflict, member, shop, arrivals)
            unexplained = set(state.overdrawn) - {c.account for c in state.conflicts}
            assert not unexplained, f"{member}: overdrawn without a double use: {unexplained}"
        for flag in shop.flags():
            state = states[flag["member"]]
            assert [c["event"] for c in flag["conflicts"]] == [c.event for c in state.open_conflicts]
            names = {f"k{i}" for i in range(kiosks)}
            assert all({c["kiosk"], c["earlier_kiosk"]} <= names for c in flag["conflicts"])
    finally:
        shop.close()


@settings(
    max_examples=int(os.environ.get("KANTA_CONVERGENCE_EXAMPLES", "12")),  # more on a quiet night
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kiosks=st.integers(3, 5),
    skews=st.lists(st.integers(-120, 120), min_size=5, max_size=5),
    steps=st.lists(kind_ops, min_size=25, max_size=60),
)
def test_every_program_kind_converges(
    live: LiveServer,
    tmp_path_factory: pytest.TempPathFactory,
    kiosks: int,
    skews: list[int],
    steps: list[tuple[Any, ...]],
) -> None:
    _run_kinds(live, tmp_path_factory.mktemp("kinds"), kiosks, skews, steps)
