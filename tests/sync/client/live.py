"""The REAL sync server (``sync.server.create_app``) on 127.0.0.1 for the client tests.

Nothing of the server is mocked: uvicorn serves the app in a thread over a temporary
SQLite database; shops, owner logins and kiosk tokens are made with the server's own
store functions. Only network faults (dropped responses, replays, a 429) are injected,
on the client's side of the wire, because a loopback connection never loses anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import uvicorn
from requests.adapters import HTTPAdapter

from kiosk.config import RulesConfig
from kiosk.domain.events import STAMPS, VISITS, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.member import MemberState, apply
from kiosk.domain.rules import SimpleRules
from kiosk.services.loyalty import LoyaltyService
from kiosk.store.ledger import Ledger
from sync.server.app import create_app
from sync.state import SyncState, save_state
from tests.devcluster import free_port
from tests.sync.server.server_helpers import PASSWORD, Shop, make_shop


class LiveServer:
    def __init__(self, db_path: Path, port: int | None = None, **ssl: Any) -> None:
        self.url = f"sqlite:///{db_path}"
        self.port = port or free_port()
        scheme = "https" if ssl else "http"
        host = "localhost" if ssl else "127.0.0.1"
        self.base_url = f"{scheme}://{host}:{self.port}"
        self.ssl = ssl
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._shops = 0

    def start(self) -> LiveServer:
        app = create_app(self.url)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", **self.ssl
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sync server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._server = None

    def new_shop(self, kiosks: tuple[str, ...] = ("k1", "k2")) -> Shop:
        self._shops += 1
        return make_shop(self.url, f"Shop {self._shops}", kiosks)

    def all_events(self, shop: Shop) -> list[dict[str, Any]]:
        """Every event the server holds for the shop (owner's backup endpoint)."""
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            r = requests.get(
                f"{self.base_url}/api/v1/backup/events",
                params={"after": after, "limit": 5000},
                auth=(shop.owner, PASSWORD),
                timeout=30,
            )
            r.raise_for_status()
            page = r.json()
            out.extend(page["events"])
            after = page["cursor"]
            if not page["more"]:
                return out


def pair(data: Path, server: LiveServer, token: str, **extra: Any) -> None:
    save_state(data, SyncState(server=server.base_url, token=token, **extra))


class FaultyAdapter(HTTPAdapter):
    """Network faults on the client's side of a real connection.

    ``replay``: every POST is sent this many times (the server sees each batch again);
    ``drop``: a predicate on the request number; when true the server's response is
    thrown away after the server handled the request, as a lost reply would be.
    """

    def __init__(self, replay: int = 1, drop: Callable[[int], bool] = lambda n: False) -> None:
        super().__init__()
        self.replay = replay
        self.drop = drop
        self.calls = 0
        self.dropped = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.calls += 1
        times = self.replay if request.method == "POST" else 1
        response = None
        for _ in range(times):
            response = super().send(request, *args, **kwargs)
        assert response is not None
        if self.drop(self.calls):
            self.dropped += 1
            raise requests.exceptions.ConnectionError("response lost (injected)")
        return response


T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def build_store(folder: Path, events: int, members: int = 500, batch: int = 2000) -> Ledger:
    """A kiosk store with many events, written the way the kiosk writes them (fast)."""
    ledger = Ledger.open(folder)
    stamper = Stamper(kiosk=ledger.kiosk_id, boot="bench")
    states: dict[str, MemberState] = {}
    pending = []
    dirty: dict[str, MemberState] = {}
    now = T0
    for i in range(events):
        m = i % members
        member = f"member-{m:06d}"
        card = f"04{m:012X}"
        if i < members:
            draft = EventDraft(EventKind.MEMBER_CREATED, member, data={"card": card}, card=card)
        else:
            draft = EventDraft(
                EventKind.VISIT_STAMPED, member, (Posting(VISITS, 1), Posting(STAMPS, 1)), card=card
            )
        now += timedelta(seconds=50)  # 50,000 events over 30 days
        stamper, event = stamper.stamp(draft, now, i.to_bytes(10, "big"))
        states[member] = dirty[member] = apply(states.get(member) or MemberState(member), event)
        pending.append(event)
        if len(pending) >= batch or i == events - 1:
            assert stamper.clock is not None
            ledger.record(
                pending,
                list(dirty.values()),
                stamper={"seq": stamper.seq, "prev": stamper.prev, "hlc": stamper.clock.last.encode()},
            )
            pending, dirty = [], {}
    return ledger


def kiosk_service(path: Path, clock: Callable[[], datetime]) -> LoyaltyService:
    """A kiosk's services over a fresh store (no cooldown, so every tap counts)."""
    return LoyaltyService(Ledger.open(path), SimpleRules(RulesConfig(cooldown_seconds=0)), clock)


def two_paired_kiosks(
    server: LiveServer, folder: Path, clock: Callable[[], datetime]
) -> tuple[Shop, LoyaltyService, LoyaltyService]:
    """A new shop on the server and two kiosks (folder/a, folder/b) paired with it."""
    shop = server.new_shop()
    a, b = kiosk_service(folder / "a", clock), kiosk_service(folder / "b", clock)
    pair(folder / "a", server, shop.tokens["k1"])
    pair(folder / "b", server, shop.tokens["k2"])
    return shop, a, b
