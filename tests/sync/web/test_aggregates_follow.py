"""The aggregates counted an event at a time (every catch-up adding to rows already there:
the upserts, one statement a table on PostgreSQL) equal the aggregates rebuilt from the
events in bulk, which tests/sync/web/test_overview.py checks figure by figure; and how the
fold counts what the hand-worked history has none of (corrections, merges, opening
balances)."""

from __future__ import annotations

import time

from sync.server import aggregates, db
from sync.server.console_schema import AGGREGATE_TABLES, HOUR_COUNTERS, agg_state
from tests.sync.web.browser import LiveShop
from tests.sync.web.dataset import push_history


def _tables(engine: db.Engine, shop_id: int) -> dict[str, list[tuple[object, ...]]]:
    with db.read_tx(engine) as conn:
        return {
            table.name: sorted(
                tuple(row) for row in conn.execute(table.select().where(table.c.shop_id == shop_id))
            )
            for table in AGGREGATE_TABLES
        }


def test_counted_one_event_at_a_time_equals_rebuilt(live: LiveShop) -> None:
    live.kiosk_tokens["k2"] = live.add_kiosk("k2")
    assert push_history(live.base_url, live.kiosk_tokens) == 16
    engine, shop_id = live.engine(), live.shop_id()
    try:
        deadline = time.monotonic() + 120
        while aggregates.behind(engine, shop_id):  # the server's follower counting the push
            assert time.monotonic() < deadline, "the server's aggregates never caught up"
            time.sleep(0.05)
        with db.write_tx(engine) as conn:  # no push follows, so nothing counts them but us
            for table in (*AGGREGATE_TABLES, agg_state):
                conn.execute(table.delete().where(table.c.shop_id == shop_id))
        assert aggregates.catch_up(engine, shop_id, chunk=1) == 16
        one_by_one = _tables(engine, shop_id)
        assert aggregates.rebuild(engine, (shop_id,)) == 16
        rebuilt = _tables(engine, shop_id)
    finally:
        engine.dispose()
    assert rebuilt["agg_members"] and rebuilt["agg_hours"] and rebuilt["agg_balances"]
    assert one_by_one == rebuilt


def _event(kind: str, postings: list[list[object]], **data: object) -> dict[str, object]:
    return {"kind": kind, "wall": "2026-03-02T10:15:00.000+02:00", "kiosk": "k1", "member": "m1",
            "program": "builtin-1", "postings": postings, "data": data}


def test_fold_counts_corrections_merges_and_opening_balances_by_hand() -> None:
    fold = aggregates.Fold()
    for event in (
        _event("purchase_recorded", [["points", 12], ["spend", 1250]]),
        _event("correction", [["points", -12], ["spend", -1250]]),  # the purchase undone
        _event("reward_redeemed", [["stamps", -10], ["rewards_redeemed", 1]], value=500),
        _event("correction", [["stamps", 10]]),  # the redemption undone
        _event("points_expired", [["points", -5]]),
        _event("member_merged", [["points", 7], ["stamps:coffee", 3]]),  # moved, not issued
        _event("purchase_recorded", [["points", 100]], opening_balance=True),  # earned before Kanta
        _event("visit_stamped", [["visits", 1], ["stamps:coffee", 1]]),
    ):
        fold.add(event)
    counters = dict(zip(HOUR_COUNTERS, fold.hour_rows()[("2026-03-02", 10, "k1")], strict=True))
    assert counters == {
        "visits": 1, "purchases": 2, "spend": 0,
        "points_issued": 0, "points_redeemed": 0, "points_expired": 5,
        "stamps_issued": 1, "stamps_redeemed": 0, "stamps_expired": 0,
        "rewards_redeemed": 1, "reward_cost": 500, "new_members": 0,
    }
    assert fold.balances == {"points": 102, "spend": 0, "stamps": 0, "rewards_redeemed": 1,
                             "stamps:coffee": 4, "visits": 1}
    assert fold.members == {"m1": ["2026-03-02", "2026-03-02", 1, 0]}
