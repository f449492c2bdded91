"""The dispatcher: one thread that consumes hardware events and UI commands in order.

Hardware threads only put events on the queue (``core.sink``). The dispatcher calls the
services (which return once the record is durable) and hands the result to the UI
through ``post``, which in the app is ``Clock.schedule_once``: the screen changes only on
Kivy's clock. UI commands (staff actions, lookups) go through the same queue, so the
store is only ever touched from this one thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hardware.codes import COUPON, GIFT
from hardware.events import (
    CardTapped,
    CardUnreadable,
    CodeRejected,
    CodeScanned,
    HardwareEvent,
    ReaderConnected,
    ReaderDisconnected,
    ScannerConnected,
    ScannerDisconnected,
)
from hardware.interfaces import Feedback
from kiosk.config import ConsentConfig
from kiosk.domain.events import Event
from kiosk.domain.rules import Refusal
from kiosk.errors import InvalidInput, KantaError, Refused, StoreError, UnknownCard
from kiosk.logs import TapSummary
from kiosk.services import owner_updates
from kiosk.services.counter import CardSummary, CounterResult, CounterService
from kiosk.services.loyalty import UNDOABLE, LoyaltyService, Outcome
from kiosk.services.privacy import PrivacyService
from kiosk.staff import StaffService
from kiosk.ui.port import DeviceStatus, RecentEntry, UiListener

__all__ = ["DeviceStatus", "KioskCore", "RecentEntry", "UiListener"]

log = logging.getLogger(__name__)

#: refusals that are not a customer's mistake sound and look neutral (a second tap is harmless)
TONE_OF_REFUSAL = {"cooldown": "attention", "join_required": "attention"}

#: the wall clock before this year means the Pi has not had its time set yet
CLOCK_PLAUSIBLE_YEAR = 2024


@dataclass(frozen=True)
class _Command:
    fn: Callable[[], Any]
    done: Callable[[Any], None] | None
    fail: Callable[[BaseException], None] | None


_STOP = object()


class KioskCore:
    def __init__(
        self,
        service: LoyaltyService,
        staff: StaffService,
        feedback: Feedback,
        *,
        post: Callable[[Callable[[], None]], None] | None = None,
        reader_configured: bool = True,
        scanner_configured: bool = True,
        sync_status: Callable[[], tuple[str | None, int | None]] | None = None,
        wall: Callable[[], datetime] | None = None,
        inline: bool = False,
        redeem_gate: Callable[[str | None], bool] | None = None,
        idle_work: Callable[[], object] | None = None,
        consent: ConsentConfig | None = None,
    ) -> None:
        self.service = service
        #: every staff action at the counter goes through this one door (as `kanta counter` does)
        self.counter = CounterService(service, redeem_gate=redeem_gate)
        #: "My data" and the join screen's wording go through this door (as `kanta member` does)
        self.privacy = PrivacyService(service, consent or ConsentConfig())
        #: run when no customer is waiting, before the store's own upkeep (the sync inbox)
        self.idle_work = idle_work
        self.staff = staff
        self.feedback = feedback
        self.post: Callable[[Callable[[], None]], None] = post or (lambda fn: fn())
        self.listener: UiListener | None = None
        self.sync_status = sync_status
        self.wall = wall or service.clock
        #: one log line an hour says how the counter is doing (not one line per tap)
        self.taps = TapSummary()
        self.status = DeviceStatus(
            reader=False if reader_configured else None,
            scanner=False if scanner_configured else None,
        )
        #: set by the UI when staff waits for a card: the next tap goes there, not to a visit
        self.card_request: Callable[[str], None] | None = None
        #: set by the UI while the coupon screen is open: the next scanned coupon goes there
        self.code_request: Callable[[str], None] | None = None
        self.recent: deque[RecentEntry] = deque(maxlen=30)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        #: for the benchmark: monotonic time each tap reached the dispatcher
        self.last_tap_started: float = 0.0
        #: wall-clock time of the last tap, for `kanta status`
        self.last_tap_at: float | None = None
        #: handle everything on the caller's thread at once (tests, screenshots)
        self.inline = inline

    # ---- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        if self.inline:
            self._refresh_status()
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kanta-dispatcher", daemon=True)
            self._thread.start()
        self.submit(self._refresh_status)

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)
        self.taps.flush()

    def sink(self, event: HardwareEvent) -> None:
        """The hardware backends' sink: called from their threads."""
        if self.inline:
            self._handle(event)
        else:
            self._queue.put(event)

    def submit(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        fail: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` on the dispatcher thread; ``done(result)`` or ``fail(exc)`` on the UI's."""
        if self.inline:
            self._run_command(_Command(fn, done, fail))
        else:
            self._queue.put(_Command(fn, done, fail))

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far has been handled (tests, benchmark)."""
        done = threading.Event()
        self.submit(done.set)
        done.wait(timeout)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._handle(item)
            except Exception:  # a bug: keep the kiosk alive, tell the customer
                log.exception("dispatcher failed on %r", type(item).__name__)
                try:
                    self._to_ui("on_failure", "generic")
                except Exception:
                    log.exception("cannot tell the screen")

    def _to_ui(self, method: str, *args: Any) -> None:
        listener = self.listener
        if listener is None:
            return
        fn = getattr(listener, method)
        self.post(lambda: fn(*args))

    def _handle(self, item: Any) -> None:
        if isinstance(item, _Command):
            self._run_command(item)
        elif isinstance(item, CardTapped):
            if item.random_uid:
                self.feedback.play("refused")
                self._to_ui("on_refusal", "random_uid", "", "")
            else:
                self._card(item.uid)
        elif isinstance(item, CodeScanned):
            self._scanned(item.text)
        elif isinstance(item, CodeRejected):
            self.feedback.play("refused")
            self._to_ui("on_refusal", "unknown_code", "", item.reason)
        elif isinstance(item, CardUnreadable):
            self.feedback.play("refused")
            self._to_ui("on_refusal", "unreadable", "", item.reason)
        elif isinstance(item, ReaderConnected | ReaderDisconnected):
            up = isinstance(item, ReaderConnected)
            self._set_status(reader=up, reader_name=item.reader)
            if not up:
                self.feedback.play("attention")
        elif isinstance(item, ScannerConnected | ScannerDisconnected):
            up = isinstance(item, ScannerConnected)
            self._set_status(scanner=up, scanner_name=item.device)
            if not up:
                self.feedback.play("attention")

    def _run_command(self, cmd: _Command) -> None:
        try:
            result = cmd.fn()
        except StoreError as exc:
            log.error("store: %s", exc)
            self._store_failed()
            if cmd.fail is not None:
                self._post_fail(cmd.fail, exc)
            return
        except Exception as exc:
            if isinstance(exc, KantaError):
                self.feedback.play("refused")  # a wrong PIN, an amount out of range...
            else:
                log.exception("command failed")
            if cmd.fail is not None:
                self._post_fail(cmd.fail, exc)
            return
        outcome = result.outcome if isinstance(result, CounterResult) else result
        if isinstance(outcome, Outcome):
            self.feedback.play(self.tone(outcome))
        self._remember(result)
        if cmd.done is not None:
            done = cmd.done
            self.post(lambda: done(result))

    def _post_fail(self, fail: Callable[[BaseException], None], exc: BaseException) -> None:
        self.post(lambda: fail(exc))

    # ---- a card or code at the counter ------------------------------------------------------

    def _card(self, card: str) -> None:
        request, self.card_request = self.card_request, None
        if request is not None:
            self.feedback.play("ok")
            self.post(lambda: request(card))
            return
        self.last_tap_started = time.perf_counter()
        self.last_tap_at = time.time()
        self.customer_tap(card, via="tap")

    def _scanned(self, text: str) -> None:
        """A scanned code, classified as the shop's config and program say: a member card
        is a tap; a coupon goes to the coupon screen when staff have it open; anything else
        (a product's EAN, an unknown code) is refused and creates nothing."""
        code = self.counter.classify(text)
        if code.kind is None:
            self.feedback.play("refused")
            self._to_ui("on_refusal", code.refusal or "unknown_code", "", code.reason)
        elif code.kind == COUPON:
            request, self.code_request = self.code_request, None
            if request is None:
                self.feedback.play("refused")
                self._to_ui("on_refusal", "coupon_at_counter", "", "")
            else:
                self.feedback.play("ok")
                self.post(lambda: request(code.code))
        elif code.kind == GIFT and self.card_request is None:
            self.feedback.play("refused")
            self._to_ui("on_refusal", "gift_at_counter", "", "")
        else:
            self._card(code.code)

    def customer_tap(self, card: str, via: str) -> Outcome | None:
        try:
            outcome = self.service.tap(card)
        except StoreError as exc:
            log.error("store: %s", exc)
            self.taps.add("error")
            self._store_failed()
            self._to_ui("on_failure", "store")
            return None
        except InvalidInput as exc:
            self.taps.add("refused")
            self.feedback.play("refused")
            self._to_ui("on_refusal", "unknown_code", "", str(exc))
            return None
        except (Refused, UnknownCard) as exc:
            self.taps.add("refused")
            self.feedback.play("refused")
            self._to_ui("on_refusal", "other", card, str(exc))
            return None
        self.taps.add("new" if outcome.new_member else "accepted" if outcome.accepted else "refused")
        if not self.status.store_ok:
            self._set_status(store_ok=True)
        self.feedback.play(self.tone(outcome))
        self._remember(outcome)
        self._to_ui("on_outcome", outcome, via)
        return outcome

    def tone(self, outcome: Outcome) -> str:
        """The one sound (and light) for an outcome: the screen shows the same tone."""
        if outcome.refusal is not None and not outcome.events:
            return TONE_OF_REFUSAL.get(outcome.refusal.code, "refused")
        summary = self.summary(outcome.card) if outcome.after is not None else None
        if isinstance(summary, CardSummary) and summary.ready_rewards:
            return "reward_ready"
        return "ok"

    def _remember(self, result: Any) -> None:
        if isinstance(result, CounterResult):
            result = result.outcome
        if isinstance(result, Outcome):
            for event in result.events:
                if event.kind in UNDOABLE:
                    self.recent.appendleft(_entry(event))

    def _store_failed(self) -> None:
        self.feedback.play("error")
        self._set_status(store_ok=False)

    # ---- status -----------------------------------------------------------------------------

    def _set_status(self, **changes: Any) -> None:
        self.status = replace(self.status, **changes)
        self._to_ui("on_status", self.status)

    def _refresh_status(self) -> DeviceStatus:
        last, waiting = self.sync_status() if self.sync_status else (None, None)
        clock_ok = self.wall().year >= CLOCK_PLAUSIBLE_YEAR
        self._set_status(
            last_sync=last,
            waiting=waiting,
            members=self.service.ledger.member_count(),
            clock_ok=clock_ok,
        )
        return self.status

    def refresh_status(self, done: Callable[[DeviceStatus], None] | None = None) -> None:
        self.submit(self._refresh_status, done)

    def maintenance(self) -> None:
        """Called when no customer is on screen: snapshot the store if one is due."""
        self.submit(self._maintenance)

    def _maintenance(self) -> None:
        self.taps.flush_if_due()  # the hourly tap summary line
        clock_ok = self.wall().year >= CLOCK_PLAUSIBLE_YEAR
        if clock_ok != self.status.clock_ok:  # NTP set the time since the last look
            self._set_status(clock_ok=clock_ok)
        if self.status.store_ok:
            owner_updates.take_up(self.service, self.staff)  # the owner's new program and staff list
            if self.idle_work is not None:
                try:
                    self.idle_work()
                except KantaError as exc:
                    log.error("idle work failed: %s", exc)
            self.service.ledger.maintenance()

    # ---- lookups used by the screens ----------------------------------------------------------

    def clock(self) -> datetime:
        return self.service.clock()

    def summary(self, card: str) -> CardSummary | Refusal:
        """Dispatcher thread only. Whose card it is and what they hold (for staff)."""
        return self.counter.summary(card)

    def lookup_phone(self, phone: str) -> CardSummary | Refusal:
        """Dispatcher thread only. The member with this phone number and what they hold;
        records nothing (a visit needs ``confirm_visit``); rate-limited per number."""
        return self.counter.find_phone(phone)

    def confirm_visit(self, card: str) -> None:
        """Dispatcher thread only. The visit of a member found by phone, once confirmed:
        told to the screen like a tap (``on_outcome``)."""
        self.customer_tap(card, via="phone")

    def undo(self, event_id: str, reason: str, actor: str) -> Outcome:
        """Dispatcher thread only. Undo a recent entry; it leaves the list of recent ones."""
        outcome = self.service.undo(event_id, reason, actor=actor)
        self.recent = deque((e for e in self.recent if e.event_id != event_id), maxlen=30)
        return outcome

    def enroll(self, card: str, *, terms: str, marketing: str | None, contact: dict[str, str] | None,
               actor: str | None, texts: dict[str, str] | None = None) -> Outcome:
        """Dispatcher thread only. ``texts``: the consent wording shown (scope -> text)."""
        outcome = self.service.enroll(
            card, terms_wording=terms, marketing_wording=marketing, contact=contact, actor=actor,
            texts=texts,
        )
        if self.service.rules.require_join and outcome.accepted and actor is None:
            # the tap that asked this customer to join recorded nothing: record it now
            visit = self.service.tap(card)
            if visit.events:
                self._remember(visit)
                outcome = replace(outcome, after=visit.after, events=(*outcome.events, *visit.events))
        return outcome

    def recent_entries(self) -> list[RecentEntry]:
        return list(self.recent)


def _entry(event: Event) -> RecentEntry:
    postings = tuple((p.account, p.delta) for p in event.postings)
    return RecentEntry(event.id, event.kind.value, event.card or "", event.wall, postings, event.actor)
