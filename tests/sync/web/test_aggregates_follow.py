"""The aggregates counted an event at a time (every catch-up adding to rows already there:
the upserts, one statement a table on PostgreSQL) equal the aggregates rebuilt from the
events in bulk, which tests/sync/web/test_overview.py checks figure by figure."""

from __future__ import annotations

import time

from sync.server import aggregates, db
from sync.server.console_schema import AGGREGATE_TABLES, agg_state
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
