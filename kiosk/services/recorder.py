"""Stamp drafts into events and append them durably, with the member states they cause."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.events import GENESIS_HASH, Event, EventDraft, Stamper
from kiosk.domain.member import MemberState, apply
from kiosk.store.ledger import Ledger


def read_boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return "unknown-boot"


class Recorder:
    """Owns this kiosk's stamper (sequence, clock, hash chain); persists it with each record."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        boot_id: str | None = None,
        rand: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.ledger = ledger
        self.rand = rand
        meta = ledger.meta
        kiosk = str(meta.get("kiosk", "unassigned"))
        last = HlcTimestamp.decode(meta["hlc"]) if meta.get("hlc") else HlcTimestamp(0, 0, kiosk)
        self._stamper = Stamper(
            kiosk=kiosk,
            boot=(boot_id or read_boot_id()).replace("-", "")[:12],
            seq=int(meta.get("seq", 0)),
            prev=str(meta.get("prev", GENESIS_HASH)),
            clock=HybridLogicalClock(kiosk, last),
        )

    @property
    def kiosk_id(self) -> str:
        return self._stamper.kiosk

    def observe(self, remote: Event, now: datetime) -> str:
        """Move this kiosk's hybrid clock past another kiosk's event, so what is stamped
        here next sorts after it. Returns the clock's new position (encoded)."""
        self._stamper = self._stamper.observe(remote, now)
        assert self._stamper.clock is not None
        return self._stamper.clock.last.encode()

    def record(
        self,
        drafts: Sequence[EventDraft],
        now: datetime,
        *,
        states: dict[str, MemberState] | None = None,
        profiles: dict[str, dict[str, str] | None] | None = None,
    ) -> tuple[list[Event], dict[str, MemberState]]:
        """Append the drafts as one durable record; returns the events and new states.

        ``states`` supplies members not yet in the store (a card's first tap).
        """
        stamper = self._stamper
        states = dict(states or {})
        events: list[Event] = []
        for draft in drafts:
            stamper, event = stamper.stamp(draft, now, self.rand(10))
            state = states.get(draft.member) or self.ledger.member(draft.member)
            if state is None:
                state = MemberState(draft.member)
            states[draft.member] = apply(state, event)
            events.append(event)
        assert stamper.clock is not None
        self.ledger.record(
            events,
            list(states.values()),
            stamper={"seq": stamper.seq, "prev": stamper.prev, "hlc": stamper.clock.last.encode()},
            profiles=profiles,
        )
        self._stamper = stamper  # only once durable: a failed write reuses the sequence
        return events, states
