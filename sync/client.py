"""The kiosk's sync worker: push this kiosk's events, pull the others', heartbeat.

A separate process (``kanta sync run``); the kiosk's tap path never touches the network.
The worker never writes the kiosk's store (the kiosk holds its lock):

* **push** reads the store's ledger files read-only, from where it stopped last time,
  and sends this kiosk's events with a sequence number above the last acknowledged one,
  in gzip'ed batches. The server is idempotent by event id, so a batch replayed after a
  lost response or a kill changes nothing there.
* **pull** fetches the shop's events after the saved cursor and writes each page to the
  inbox (``sync/inbox/``) *before* saving the new cursor; the kiosk process imports the
  inbox when idle (``kiosk.services.replication.idle_sync_import``), and
  ``kanta sync once`` imports it directly when no kiosk holds the store.

Its own state (``sync/state.json``) is written atomically, so the worker resumes after
being killed at any point. Failures are retried with exponential backoff and full jitter;
a server's ``Retry-After`` is honoured. TLS is always verified (a CA bundle may be
added); plain HTTP is refused except to a loopback address.

The HTTP side is :mod:`sync.transport`, what the worker does with the kiosk's own folder
and process :mod:`sync.kiosk_local`; their names are importable from here too.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.domain.events import event_from_dict
from kiosk.errors import EventFormatError, SyncError
from kiosk.health import collect_status, heartbeat_health
from kiosk.store import downloads, inbox
from kiosk.store.records import ScanPos, read_records
from kiosk.syncstatus import load_status, save_status
from sync import contact_handover, search_index, staff_list
from sync.kiosk_local import (
    head_body,
    import_inbox_if_free,
    install_stop_handlers,
    read_store_uuid,
    redemption_allowed,
    store_kiosk_id,
)
from sync.state import SyncState, load_state, save_state
from sync.transport import (
    API,
    AuthRejected,
    ServerRejected,
    ServerUnavailable,
    Transport,
    backoff_delay,
    check_server_url,
    is_loopback,
)

__all__ = [
    "AuthRejected",
    "CycleResult",
    "ServerRejected",
    "ServerUnavailable",
    "SyncClient",
    "Transport",
    "backoff_delay",
    "check_server_url",
    "head_body",
    "import_inbox_if_free",
    "install_stop_handlers",
    "is_loopback",
    "redemption_allowed",
    "store_kiosk_id",
]

log = logging.getLogger(__name__)

MAX_BATCH = 1000
#: stay under the server's 4 MiB body limit (counted before compression)
MAX_BATCH_BYTES = 3_500_000
PULL_LIMIT = 5000
#: how often one cycle resends a range the server says it is missing (409 naming
#: ``missing_from``) before the cycle ends with that error and the next one tries again
GAP_RESENDS = 3


class ChainGap(SyncError):
    """The server is missing this kiosk's events ``first``..``last`` (it lost them, say it
    was restored from an older backup): the push starts again from ``first``."""

    def __init__(self, message: str, first: int, last: int | None) -> None:
        super().__init__(message)
        self.first = first
        self.last = last


@dataclass
class CycleResult:
    pushed: int = 0
    push_duplicates: int = 0
    pulled: int = 0
    inbox_files: int = 0
    imported: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)
    #: ranges the server said it was missing, resent in this cycle
    resent: list[tuple[int, int | None]] = field(default_factory=list)


class SyncClient:
    """One kiosk's sync against its server. ``cycle()`` is one push, pull and heartbeat."""

    def __init__(
        self,
        data_dir: Path,
        *,
        transport: Transport | None = None,
        batch_size: int = MAX_BATCH,
        sleep: Callable[[float], None] = time.sleep,
        health: Callable[[Path], Mapping[str, Any]] = collect_status,
        config: KioskConfig | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        #: the kiosk's config: what `kanta sync once` keeps imported contact details under
        self.config = config
        #: the kiosk's health as `kanta status` checks it (reader, scanner, disk, clock)
        self.health = health
        self.state = load_state(self.data_dir)
        if not self.state.paired:
            raise SyncError(
                f"this kiosk ({self.data_dir}) is not paired with a server: run "
                "`kanta sync pair --server URL --token TOKEN` first"
            )
        store_uuid = read_store_uuid(self.data_dir)
        if self.state.extra.get("store") != store_uuid or not self.state.kiosk:
            kiosk = store_kiosk_id(self.data_dir)
            if self.state.kiosk != kiosk:
                # a new or restored store in this folder: its sequence numbers start again
                self.state = SyncState(
                    server=self.state.server,
                    token=self.state.token,
                    ca_bundle=self.state.ca_bundle,
                    pull_cursor=self.state.pull_cursor,
                    inbox_next=self.state.inbox_next,
                    kiosk=kiosk,
                )
            self.state = replace(self.state, extra={**self.state.extra, "store": store_uuid})
            save_state(self.data_dir, self.state)
        kiosk = self.state.kiosk
        self.kiosk = kiosk
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.transport = transport or Transport(
            self.state.server, token=self.state.token, ca_bundle=self.state.ca_bundle, sleep=sleep
        )

    def _save(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        save_state(self.data_dir, self.state)

    # ---- push -------------------------------------------------------------------------

    def _scan_pos(self) -> ScanPos:
        raw = self.state.extra.get("scan", {})
        return ScanPos(int(raw.get("n", 0)), int(raw.get("file", 1)), int(raw.get("offset", 0)))

    def push(
        self, stop: threading.Event | None = None, resent: list[tuple[int, int | None]] | None = None
    ) -> tuple[int, int]:
        """Push every unpushed event of this kiosk; returns (stored, duplicates).

        When the server says it is missing a range of this kiosk's events, the range is
        resent at once, in this cycle (at most GAP_RESENDS times; each range is added to
        ``resent``), not at the next interval.
        """
        totals = [0, 0]
        for _ in range(GAP_RESENDS):
            try:
                self._push_pass(stop, totals)
            except ChainGap as gap:
                log.warning("sync: %s; resending it now", gap)
                if resent is not None:
                    resent.append((gap.first, gap.last))
                continue
            return totals[0], totals[1]
        try:
            self._push_pass(stop, totals)
        except ChainGap as gap:
            raise SyncError(
                f"{gap}; resent {GAP_RESENDS} times in this cycle and still missing there: the next "
                "sync tries again (nothing is dropped; if it repeats, the server needs a look)"
            ) from None
        return totals[0], totals[1]

    def _push_pass(self, stop: threading.Event | None, totals: list[int]) -> None:
        """One pass from the saved position; adds (stored, duplicates) to ``totals``.

        One request in flight while the next batch is read from the store; the state
        advances only after the server acknowledged a batch, in order.
        """
        batch: list[dict[str, Any]] = []
        batch_bytes = 0
        batch_pos: ScanPos | None = None  # the position once every event so far is read
        pushed_seq = self.state.pushed_seq
        read_seq = pushed_seq  # highest seq taken into a batch
        inflight: tuple[Future[tuple[int, int]], int, ScanPos | None] | None = None

        def save(top: int, pos: ScanPos | None) -> None:
            nonlocal pushed_seq
            pushed_seq = max(pushed_seq, top)
            scan = self.state.extra.get("scan", {})
            if pos is not None:
                scan = {"n": pos.n, "file": pos.file, "offset": pos.offset}
            self._save(pushed_seq=pushed_seq, extra={**self.state.extra, "scan": scan})

        def settle() -> None:
            nonlocal inflight
            if inflight is not None:
                future, top, pos = inflight
                inflight = None
                s, d = future.result()
                totals[0] += s
                totals[1] += d
                save(top, pos)

        with ThreadPoolExecutor(max_workers=1) as sender:
            try:
                for pos, events in read_records(self.data_dir, self._scan_pos()):
                    if stop is not None and stop.is_set():
                        break
                    # the record's line length bounds its events' size (no re-encoding)
                    per_event = pos.size // max(1, len(events)) + 1
                    for raw in events:
                        if raw.get("kiosk") != self.kiosk or raw.get("seq", 0) <= read_seq:
                            continue
                        if batch and (
                            len(batch) >= self.batch_size or batch_bytes + per_event > MAX_BATCH_BYTES
                        ):
                            settle()
                            inflight = (sender.submit(self._send_batch, batch), read_seq, batch_pos)
                            batch, batch_bytes, batch_pos = [], 0, None
                        batch.append(raw)
                        batch_bytes += per_event
                        read_seq = raw["seq"]
                    batch_pos = pos
                settle()
                if batch:
                    inflight = (sender.submit(self._send_batch, batch), read_seq, batch_pos)
                    settle()
                elif batch_pos is not None:
                    save(pushed_seq, batch_pos)
            finally:
                if inflight is not None:  # an error elsewhere: keep what the server confirmed
                    with contextlib.suppress(Exception):
                        settle()

    def _send_batch(self, batch: list[dict[str, Any]]) -> tuple[int, int]:
        try:
            reply = self.transport.request("POST", f"{API}/events", body={"events": batch})
        except ServerRejected as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            if exc.status == 413 and len(batch) > 1:
                # the server's limits are lower than ours: split and go on
                limit = int(body.get("max_events") or len(batch) // 2)
                half = max(1, min(limit, len(batch) // 2))
                self.batch_size = half
                a = self._send_batch(batch[:half])
                b = self._send_batch(batch[half:])
                return a[0] + b[0], a[1] + b[1]
            self._explain_refusal(exc, body, batch)
            raise
        return int(reply.get("stored", 0)), int(reply.get("duplicates", 0))

    def _explain_refusal(
        self, exc: ServerRejected, body: dict[str, Any], batch: list[dict[str, Any]]
    ) -> None:
        """Turn the server's refusal of a batch into a SyncError saying what is wrong (it
        ends up in ``kanta sync status`` and ``kanta status``). Nothing is dropped: the
        events stay in the store and unacknowledged. When the server names a gap in this
        kiosk's chain, the push starts again from the first missing sequence number
        (ChainGap)."""
        index = body.get("index")
        bad = batch[index] if isinstance(index, int) and 0 <= index < len(batch) else {}
        missing = body.get("missing_from")
        if exc.status == 409 and isinstance(missing, int) and 1 <= missing <= self.state.pushed_seq + 1:
            self._save(pushed_seq=missing - 1, extra={**self.state.extra, "scan": {}})
            last = body.get("missing_to")
            last = last if isinstance(last, int) else None
            raise ChainGap(
                f"the server was missing this kiosk's events seq {missing} to {last or '?'}", missing, last
            ) from None
        if exc.status in (409, 422) and bad:
            raise SyncError(
                f"the server refused event seq {bad.get('seq')} of this kiosk "
                f"({body.get('field')}: {body.get('detail')}); nothing is dropped, the event stays "
                "here unsent: run `kanta store verify` and tell the shop's owner"
            ) from None

    # ---- pull -------------------------------------------------------------------------

    def pull(self, stop: threading.Event | None = None) -> tuple[int, int]:
        """Fetch others' events into the inbox; returns (events, files written)."""
        events = files = 0
        while not (stop is not None and stop.is_set()):
            page = self.transport.request(
                "GET", f"{API}/events", params={"after": self.state.pull_cursor, "limit": PULL_LIMIT}
            )
            raw_events, cursor, more = _page(page)
            theirs = []
            for i, raw in enumerate(raw_events):
                if isinstance(raw, dict) and raw.get("kiosk") == self.kiosk:
                    continue  # our own, back from the server
                try:
                    event_from_dict(raw)
                except EventFormatError as exc:
                    raise SyncError(f"the server sent a malformed event (#{i} after cursor): {exc}") from None
                theirs.append(raw)
            number = self.state.inbox_next
            if theirs:
                inbox.write_file(self.data_dir, number, theirs)
                number += 1
                files += 1
                events += len(theirs)
            # only after the inbox file is durable: a kill in between means a re-pull
            self._save(pull_cursor=max(cursor, self.state.pull_cursor), inbox_next=number)
            if not more or not raw_events:
                break
        return events, files

    # ---- the rest ------------------------------------------------------------------------

    def heartbeat(self, pending: int) -> None:
        """The kiosk is alive: what is pending, its reader/scanner/disk/clock health (the
        checks of `kanta status`, for the owner's Kiosks page) and its software version."""
        report = self.health(self.data_dir)
        status = {
            "pushed_seq": self.state.pushed_seq,
            "inbox_files": inbox.pending_count(self.data_dir),
            "version": __version__,
            "attention": bool(report.get("attention")),
        }
        body = {"pending": pending, "hardware": heartbeat_health(report), "status": status}
        self.transport.request("POST", f"{API}/heartbeat", body=body)

    def send_head(self) -> None:
        """The kiosk's public key and newest signed chain head (kiosk.store.signing), once
        each: the server keeps them for the owner's backups. A failure is told and tried
        again next cycle; it holds up nothing else."""
        body = head_body(self.data_dir, pushed=self.state.pushed_seq > 0)
        if body is None or body == self.state.extra.get("head_sent"):
            return
        try:
            self.transport.request("POST", f"{API}/heads", body=body, ok_404=True)
        except SyncError as exc:
            log.warning("sync: the signed chain head was not taken (%s); trying again next cycle", exc)
            return
        self._save(extra={**self.state.extra, "head_sent": body})

    def fetch_program(self) -> None:
        reply = self.transport.request("GET", f"{API}/program", ok_404=True)
        if not isinstance(reply, dict) or "toml" not in reply:
            return
        version = str(reply.get("version", ""))
        if version and version != self.state.extra.get("program_version"):
            downloads.write_program(self.data_dir, str(reply["toml"]))
            self._save(extra={**self.state.extra, "program_version": version})

    def cycle(self, *, import_inbox: bool = False, stop: threading.Event | None = None) -> CycleResult:
        """Push, pull, heartbeat (and import the inbox if asked and the store is free)."""
        result = CycleResult()
        status = load_status(self.data_dir)
        status["last_attempt"] = _now()
        count = status.get("cycles")
        # cycles ended since the worker's status began: what tests and tools wait for
        status["cycles"] = (count if isinstance(count, int) and not isinstance(count, bool) else 0) + 1
        try:
            result.pushed, result.push_duplicates = self.push(stop, result.resent)
            result.pulled, result.inbox_files = self.pull(stop)
            self.heartbeat(result.pending)
            self.send_head()
            self.fetch_program()
            staff_list.fetch(self.transport, self.data_dir)  # the owner's staff list, if newer
            search_index.send(self.transport, self.data_dir)  # the console's phone / e-mail search
            self._exchange_contacts()
        except SyncError as exc:
            status.update(last_error=str(exc), last_error_at=_now())
            result.pending = self.pending_estimate()
            self._write_status(status, result)
            raise
        status["last_ok"] = _now()
        status.pop("last_error", None)
        if import_inbox:
            result.imported = import_inbox_if_free(self.data_dir)
            self._keep_contacts_if_free()
        self._write_status(status, result)
        return result

    def _exchange_contacts(self) -> None:
        """Imported contact details this kiosk keeps (sync.contact_handover): report, take."""
        sent = self.state.extra.get("contact_key_sent")
        sent = sent if isinstance(sent, str) else None
        now_sent = contact_handover.exchange(self.transport, self.data_dir, sent)
        if now_sent != sent:
            self._save(extra={**self.state.extra, "contact_key_sent": now_sent})

    def _keep_contacts_if_free(self) -> None:
        """With the store free, keep the boxes taken and tell the server at once."""
        from kiosk.config import load_config

        if not contact_handover.pending(self.data_dir):
            return
        kept = contact_handover.apply_if_free(self.data_dir, self.config or load_config())
        try:
            contact_handover.report(self.transport, self.data_dir)
        except SyncError as exc:  # kept here; the next cycle tells the server
            log.warning("sync: kept imported contact details not reported yet (%s)", exc)
        if kept:
            log.info("sync: kept imported contact details of %d member(s)", kept)

    def pending_estimate(self) -> int:
        """This kiosk's events the server has not acknowledged (read-only, from the store)."""
        from kiosk.store.ledger import Ledger

        try:
            with Ledger.open(self.data_dir, readonly=True) as ledger:
                return max(0, int(ledger.meta.get("seq", 0)) - self.state.pushed_seq)
        except Exception:  # a status figure must not hide the real error
            return 0

    def _write_status(self, status: dict[str, Any], result: CycleResult) -> None:
        status.update(
            server=self.state.server,
            kiosk=self.kiosk,
            pushed_seq=self.state.pushed_seq,
            pull_cursor=self.state.pull_cursor,
            pending=result.pending,
            inbox_files=inbox.pending_count(self.data_dir),
        )
        if result.resent:
            ranges = ", ".join(f"{a} to {'?' if b is None else b}" for a, b in result.resent)
            status["last_resend"] = (
                f"{_now()}: the server was missing this kiosk's events seq {ranges}; resent in the same cycle"
            )
        save_status(self.data_dir, status)

    def run(
        self, *, interval: float = 30.0, stop: threading.Event | None = None, max_backoff: float = 300.0
    ) -> None:
        """Sync forever (until ``stop`` or SIGTERM): a cycle every ``interval`` seconds,
        exponential backoff with jitter while the server fails."""
        stop = stop or threading.Event()
        failures = 0
        while not stop.is_set():
            try:
                result = self.cycle(stop=stop)
                failures = 0
                if result.pushed or result.pulled:
                    log.info("sync: pushed %d, pulled %d events", result.pushed, result.pulled)
                delay = interval
            except AuthRejected:
                raise
            except SyncError as exc:
                log.warning("sync: %s", exc)
                hinted = self.transport.last_retry_after
                delay = (
                    hinted
                    if hinted is not None
                    else backoff_delay(failures, base=interval / 4, cap=max_backoff, rand=random.random())
                )
                failures += 1
            stop.wait(max(0.5, delay))


def _page(page: Any) -> tuple[list[dict[str, Any]], int, bool]:
    if not isinstance(page, dict) or not isinstance(page.get("events"), list):
        raise SyncError("the server's answer is not an event page")
    cursor = page.get("cursor")
    if not isinstance(cursor, int):
        raise SyncError("the server's event page has no cursor")
    return page["events"], cursor, bool(page.get("more"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
