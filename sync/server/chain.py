"""The server as the gatekeeper of every kiosk's chain.

Each kiosk numbers its events 1, 2, 3, ... and each event carries the hash of the one
before (``GENESIS_HASH`` for the first). The server keeps every kiosk's head (its last
stored sequence number and hash) and stores a new event only if it is the next link:
sequence number head + 1 and previous hash = the head's hash. So nothing stored can break
a chain, and every kiosk and backup that takes the server's events gets whole chains.

Refusals (409, each naming the event, the field and the kiosk):

* a **gap** (the event's number is past head + 1) names the missing range,
  ``missing_from``..``missing_to``: the kiosk resends from ``missing_from``;
* a **fork** (a number the server already holds, with another event) or a **rewrite**
  (the right number, but its previous hash is not the stored head's) is refused for good:
  the kiosk's store disagrees with what it sent before, and its owner must be told.

Events the server already has (same id, same hash) are duplicates and never reach here,
so a replayed batch stays a no-op. A kiosk sends one batch at a time, in sequence order
(``sync.client.SyncClient.push``); within a batch the events are taken in sequence order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol

from kiosk.domain.events import GENESIS_HASH
from sync.server.errors import ApiError


@dataclass(frozen=True, slots=True)
class Head:
    """A kiosk's last stored event: its sequence number and hash (0 and GENESIS: none yet)."""

    seq: int = 0
    hash: str = GENESIS_HASH


class Link(Protocol):
    """What the chain rule needs of an incoming event (``store.Incoming`` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def prev(self) -> str: ...
    @property
    def hash(self) -> str: ...
    #: its index in the pushed batch (for the refusal's ``field``)
    @property
    def position(self) -> int: ...


def extend(kiosk: str, head: Head, new: Sequence[Link]) -> Head:
    """The kiosk's head after ``new`` (events the server does not have yet, in sequence
    order), or ApiError 409 naming the first event that does not continue the chain."""
    if not new:
        return head
    # the common case in C loops over the whole batch: the numbers head + 1, head + 2, ...
    # and each previous hash the hash of the event before (the head's for the first)
    first = head.seq + 1
    if list(map(_SEQ, new)) == list(range(first, first + len(new))):
        hashes = list(map(_HASH, new))
        if list(map(_PREV, new)) == [head.hash, *hashes[:-1]]:
            return Head(first + len(new) - 1, hashes[-1])
    # not a whole chain: find the first event that breaks it, one link at a time
    seq, last = head.seq, head.hash
    for link in new:
        if link.seq == seq + 1 and link.prev == last:  # the next link: the common case
            seq, last = link.seq, link.hash
            continue
        head = Head(seq, last)
        name = f"event {link.id} of kiosk {kiosk!r}"
        if link.seq > head.seq + 1:
            raise _refusal(
                link,
                kiosk,
                head,
                "seq",
                f"{name} has seq {link.seq}, but the server has this kiosk's events only up to seq "
                f"{head.seq}: send seq {head.seq + 1} to {link.seq - 1} first",
                missing_from=head.seq + 1,
                missing_to=link.seq - 1,
            )
        if link.seq <= head.seq:
            raise _refusal(
                link,
                kiosk,
                head,
                "seq",
                f"{name} reuses seq {link.seq}, which the server already holds as another event "
                "(the kiosk's chain forked or was rewritten)",
            )
        if link.prev != head.hash:
            raise _refusal(
                link,
                kiosk,
                head,
                "prev",
                f"{name} (seq {link.seq}) names a previous hash that is not the hash of this "
                f"kiosk's stored seq {head.seq} (the chain was rewritten)",
            )
    return Head(seq, last)


_SEQ, _PREV, _HASH = attrgetter("seq"), attrgetter("prev"), attrgetter("hash")


def _refusal(link: Link, kiosk: str, head: Head, fld: str, detail: str, **extra: int) -> ApiError:
    """409 naming the event, its field in the batch, the kiosk and the server's head."""
    return ApiError(
        409,
        detail,
        event=link.id,
        field=f"events[{link.position}].{fld}",
        index=link.position,
        kiosk=kiosk,
        server_seq=head.seq,
        **extra,
    )
