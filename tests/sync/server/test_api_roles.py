"""Roles on the JSON API as on the console: a manager's login reads figures, members' flags
and kiosks; the program, revoking kiosks, the shop's events and backups are the owner's
(403 naming the role, nothing changed). Every ``/api/v1`` route is in the table below, so
a new endpoint without a decision fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from kiosk.errors import KantaError
from sync.server import db, store
from sync.server.app import OWNER_ONLY, create_app
from tests.sync.server.server_helpers import PASSWORD, KioskEvents, Shop, basic, make_shop

MANAGER = "manager@cafe-a.example"
PROGRAM = (
    '[program]\nid = "cafe"\nversion = 1\n\n'
    '[[stamp_card]]\nid = "coffee"\nname = "Coffee"\nreward = "a coffee"\nreward_at = 10\n'
)

#: (method, path, body): what the owner may and a manager may not
OWNER_ONLY_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/backup/events", None),
    ("GET", "/api/v1/backup/heads", None),
    ("GET", "/api/v1/program", None),
    ("PUT", "/api/v1/program", {"toml": PROGRAM}),
    ("POST", "/api/v1/kiosks/k1/revoke", None),
]
#: what both may read
LOGIN_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/kiosks", None),
    ("GET", "/api/v1/kiosks/k1", None),
    ("GET", "/api/v1/flags", None),
]
#: a kiosk's token only: no login of either role
KIOSK_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/events", None),
    ("POST", "/api/v1/events", {"events": []}),
    ("POST", "/api/v1/heartbeat", {"pending": 0}),
    ("GET", "/api/v1/heads", None),
    ("POST", "/api/v1/heads", {"public_key": "x", "heads": []}),
    ("GET", "/api/v1/staff", None),
    ("GET", "/api/v1/search-key", None),
    ("PUT", "/api/v1/member-search", {}),
    ("PUT", "/api/v1/contact-key", {}),
    ("GET", "/api/v1/contact-handover", None),
    ("POST", "/api/v1/contact-handover", {}),
]


@pytest.fixture
def shop(db_url: str) -> Shop:
    shop = make_shop(db_url, "Cafe A")
    engine = db.make_engine(db_url)
    try:
        # as the console's staff page makes one: the login and its role in one transaction
        store.init_shop(engine, "Cafe A", MANAGER, PASSWORD, role="manager", scrypt_n=2**10)
        with db.read_tx(engine) as conn:
            shop_id = int(db.q(conn, "SELECT id FROM shops WHERE name = ?", ("Cafe A",)).scalar_one())
        store.put_program(engine, store.OwnerAuth(shop_id, shop.owner), PROGRAM)
    finally:
        engine.dispose()
    return shop


@pytest.fixture
def client(db_url: str, shop: Shop) -> Iterator[TestClient]:
    app = create_app(db_url)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def _call(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=headers)


def _routes(routes: list[Any]) -> Iterator[Route]:
    """Every route, those of included routers too (FastAPI keeps an included router whole,
    as ``original_router``)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def test_every_api_route_has_a_role_decision(client: TestClient) -> None:
    routes = {
        (method, route.path.replace("{name}", "k1"))
        for route in _routes(client.app.routes)  # type: ignore[attr-defined]
        if route.path.startswith("/api/v1")
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert ("GET", "/api/v1/staff") in routes  # the walk finds the console's routes too
    # the push path is answered before the framework's routes (sync.server.push)
    routes.add(("POST", "/api/v1/events"))
    decided = {(m, p) for m, p, _ in OWNER_ONLY_ROUTES + LOGIN_ROUTES + KIOSK_ROUTES}
    assert routes == decided


@pytest.mark.parametrize(("method", "path", "body"), OWNER_ONLY_ROUTES, ids=lambda v: str(v)[:40])
def test_a_manager_is_refused_what_the_console_keeps_for_the_owner(
    client: TestClient, shop: Shop, method: str, path: str, body: Any
) -> None:
    refused = _call(client, method, path, body, basic(MANAGER))
    assert refused.status_code == 403, refused.text
    assert refused.json() == {"detail": OWNER_ONLY, "role": "manager"}
    # nothing changed: the program is still version 1, kiosk k1 still syncs
    assert client.get("/api/v1/program", headers=shop.owner_headers).json()["version"] == "1"
    assert client.get("/api/v1/events", headers=shop.kiosk_headers("k1")).status_code == 200
    allowed = _call(client, method, path, body, shop.owner_headers)
    assert allowed.status_code == 200, allowed.text


@pytest.mark.parametrize(("method", "path", "body"), LOGIN_ROUTES, ids=lambda v: str(v)[:40])
def test_a_manager_reads_what_the_console_shows_a_manager(
    client: TestClient, shop: Shop, method: str, path: str, body: Any
) -> None:
    events = KioskEvents("kiosk-1").visits(3)
    pushed = client.post(
        "/api/v1/events", json={"events": [e.to_dict() for e in events]}, headers=shop.kiosk_headers("k1")
    )
    assert pushed.status_code == 200
    as_manager = _call(client, method, path, body, basic(MANAGER))
    as_owner = _call(client, method, path, body, shop.owner_headers)
    assert as_manager.status_code == as_owner.status_code == 200
    assert as_manager.json() == as_owner.json()


@pytest.mark.parametrize(("method", "path", "body"), KIOSK_ROUTES, ids=lambda v: str(v)[:40])
def test_no_login_of_either_role_acts_as_a_kiosk(
    client: TestClient, shop: Shop, method: str, path: str, body: Any
) -> None:
    for headers in (basic(MANAGER), shop.owner_headers):
        assert _call(client, method, path, body, headers).status_code == 401


def test_a_managers_wrong_password_is_a_401_not_a_403(client: TestClient) -> None:
    r = client.get("/api/v1/backup/events", headers=basic(MANAGER, "not the password"))
    assert r.status_code == 401


def test_a_login_of_an_unknown_role_is_refused_and_made_not_at_all(db_url: str, shop: Shop) -> None:
    engine = db.make_engine(db_url)
    try:
        with pytest.raises(KantaError, match="no such role"):
            store.init_shop(engine, "Cafe A", "clerk@cafe.example", PASSWORD, role="clerk", scrypt_n=2**10)
        with db.read_tx(engine) as conn:
            made = db.q(conn, "SELECT COUNT(*) FROM owners WHERE email = ?", ("clerk@cafe.example",))
            assert made.scalar_one() == 0
    finally:
        engine.dispose()
