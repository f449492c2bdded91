"""Schemathesis against the server's own OpenAPI description: whatever arrives, never a 5xx.

Every operation, with valid kiosk/owner credentials (so generated input reaches the
handlers and the database), in positive and negative generation modes, on SQLite and
PostgreSQL. Examples per operation are bounded to keep the suite quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from server_helpers import KioskEvents, make_shop, payload

from sync.server.app import create_app

EXAMPLES = 25


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[Any, dict[str, str], dict[str, str]]]:
    shop = make_shop(db_url, "Fuzz Cafe")
    app = create_app(db_url)
    # some real data, so pulls, flags and duplicates have something to chew on
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        k = KioskEvents("kiosk-1")
        events = [*k.visits(20), k.redeem("m-1", 3)]
        assert (
            c.post("/api/v1/events", json=payload(events), headers=shop.kiosk_headers("k1")).status_code
            == 200
        )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema, shop.kiosk_headers("k1"), shop.owner_headers
    app.state.engine.dispose()


def _is_owner_only(op: Any) -> bool:
    return "owner" in (op.definition.raw.get("tags") or []) and "kiosk" not in (
        op.definition.raw.get("tags") or []
    )


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
def test_no_server_errors(api: tuple[Any, dict[str, str], dict[str, str]], mode: GenerationMode) -> None:
    schema, kiosk_headers, owner_headers = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for op in operations:
        _fuzz(op, mode, owner_headers if _is_owner_only(op) else kiosk_headers, owner_headers)


def _fuzz(op: Any, mode: GenerationMode, headers: dict[str, str], owner_headers: dict[str, str]) -> None:
    @given(case=op.as_strategy(generation_mode=mode), use_owner=st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any, use_owner: bool) -> None:
        # GET /program takes either login
        h = owner_headers if (use_owner and op.path == "/api/v1/program") else headers
        case.call_and_validate(headers=h, checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        # nothing to make invalid (no parameters, no body): the positive run covers it
        assert mode is GenerationMode.NEGATIVE
