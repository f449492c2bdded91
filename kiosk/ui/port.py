"""The UI's port to the kiosk's core: what the screens may call, and what they are told.
The UI holds a ``CorePort``, never the core's class (the UI imports nothing of
``kiosk.app``), so it can only do what is listed here; ``kiosk.app.core.KioskCore``
implements it.

Every ``submit``ted function runs on the core's one dispatcher thread (the only thread
that touches the store); ``done``/``fail`` and the ``UiListener`` methods are called back
on the UI's clock. The core alone decides sounds and lights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kiosk.domain.rules import Refusal
from kiosk.services.counter import CardSummary, CounterService
from kiosk.services.loyalty import Outcome
from kiosk.services.privacy import PrivacyService
from kiosk.staff import StaffService


@dataclass(frozen=True)
class DeviceStatus:
    #: None: no device of that kind is configured
    reader: bool | None = None
    scanner: bool | None = None
    store_ok: bool = True
    clock_ok: bool = True
    last_sync: str | None = None
    waiting: int | None = None
    members: int = 0
    reader_name: str = ""
    scanner_name: str = ""

    @property
    def healthy(self) -> bool:
        return self.store_ok


@dataclass(frozen=True)
class RecentEntry:
    event_id: str
    kind: str
    card: str
    wall: str
    #: (account, change) pairs
    postings: tuple[tuple[str, int], ...]
    actor: str | None


class UiListener(Protocol):
    """What the app implements; every method is called on the UI's clock (via ``post``)."""

    def on_outcome(self, outcome: Outcome, via: str) -> None: ...
    def on_refusal(self, code: str, card: str, message: str) -> None: ...
    def on_failure(self, kind: str) -> None: ...
    def on_status(self, status: DeviceStatus) -> None: ...


class CorePort(Protocol):
    """What the screens may ask of the kiosk's core."""

    listener: UiListener | None
    #: set while staff wait for a card: the next tap or scan goes there, not to a visit
    card_request: Callable[[str], None] | None
    #: set while the coupon screen is open: the next scanned coupon code goes there
    code_request: Callable[[str], None] | None
    counter: CounterService
    staff: StaffService
    #: a customer's data requests at the counter ("My data") and the shop's consent wording
    privacy: PrivacyService

    def clock(self) -> datetime: ...

    def submit(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        fail: Callable[[BaseException], None] | None = None,
    ) -> None: ...

    def summary(self, card: str) -> CardSummary | Refusal: ...
    def lookup_phone(self, phone: str) -> CardSummary | Refusal: ...
    def confirm_visit(self, card: str) -> None: ...
    def enroll(
        self,
        card: str,
        *,
        terms: str,
        marketing: str | None,
        contact: dict[str, str] | None,
        actor: str | None,
        texts: dict[str, str] | None = None,
    ) -> Outcome: ...
    def undo(self, event_id: str, reason: str, actor: str) -> Outcome: ...
    def recent_entries(self) -> list[RecentEntry]: ...
    def refresh_status(self, done: Callable[[DeviceStatus], None] | None = None) -> None: ...
    def maintenance(self) -> None: ...
