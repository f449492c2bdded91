"""The kiosk's local store as the services see it.

Events are appended to the crash-safe journal (and stay in its archived segments: the
ledger); member states are a TinyDB table that is a cache of the fold. In-memory indexes
(card -> member, member id -> document) mean a tap never scans anything. They are built
when first needed, not at open: a one-off command (`kanta counter purchase`) looks up one
card, which a single pass over the members answers in a fraction of building them.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kiosk.config import StoreConfig
from kiosk.domain.events import Event, EventKind, event_from_dict
from kiosk.domain.member import MemberState, from_doc, to_doc
from kiosk.errors import StoreWriteError
from kiosk.store.card_index import card_holder, index_all, order_free_holder
from kiosk.store.contact_migration import SEALED, MigrationReport, migrate
from kiosk.store.disk import Disk
from kiosk.store.fasttable import KantaDB
from kiosk.store.personal import MemberKeys
from kiosk.store.profile_upkeep import tidy_personal_data
from kiosk.store.signing import HEADS_FILE, ChainSigner
from kiosk.store.storage import CrashSafeStorage

MEMBERS = "members"
META = "meta"
PROFILES = "profiles"
_META_ID = 1
RECENT_EVENTS = 2000
#: an idle kiosk signs its chain head at most this often (and always when it stops): a
#: few lines a day in heads.log, not one per quiet moment (SD card wear, see bench/disk.py)
SIGN_EVERY_SECONDS = 600.0


def stamper_position(event: Mapping[str, Any]) -> dict[str, Any]:
    """This kiosk's stamper position after one of its own events (in its JSON form)."""
    return {"seq": event["seq"], "prev": event["hash"], "hlc": event["hlc"]}


class Ledger:
    def __init__(self, storage: CrashSafeStorage) -> None:
        self.storage = storage
        self.db = KantaDB(storage=lambda: storage)
        self.members = self.db.table(MEMBERS)
        self.meta_table = self.db.table(META)
        self.profiles = self.db.table(PROFILES)
        self._by_member: dict[str, int] = {}
        self._by_card: dict[str, int] = {}
        #: card -> documents of other members holding it too (a card made a member twice)
        self._contested: dict[str, set[int]] = {}
        #: members merged into another that have a balance again (kiosk.domain.merge)
        self._leftovers: set[int] = set()
        self._recent: OrderedDict[str, Event] = OrderedDict()
        #: whether the four above are built (``build_indexes``): not until something needs them
        self._indexed = False
        #: member id -> document id of members found before the indexes were built
        self._found: dict[str, int] = {}
        #: card -> document id (or None: no one) that ``_scan_for_card`` found, until
        #: ``record`` changes a document holding the card (a purchase asks four times)
        self._scanned: dict[str, int | None] = {}
        #: the id the next new member document gets (None: not needed yet, see ``_new_doc_id``)
        self._next_doc_id: int | None = None
        if not self.meta and not storage.readonly:
            # short, random: it is in every event, and a shop has a handful of kiosks
            self.set_meta({"kiosk": "k" + uuid.uuid4().hex[:11], "seq": 0, "contacts": SEALED})
        self._recover_stamper_position()
        self.keys = MemberKeys(storage.path, storage.disk, readonly=storage.readonly)
        self.signer = ChainSigner(storage.path, storage.disk, readonly=storage.readonly)
        self._signed_at = float("-inf")
        if not storage.readonly:
            self.signer.forget_after(self.kiosk_id, int(self.meta.get("seq", 0)))
        #: what sealing an older version's clear contact details did, if this open did it
        self.contact_migration: MigrationReport | None = None
        if not storage.readonly:
            tidy_personal_data(storage, self.keys, MEMBERS, PROFILES)
            if self.meta.get("contacts") != SEALED:
                self._seal_kept_history()

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        config: StoreConfig | None = None,
        disk: Disk | None = None,
        create: bool = True,
        lock: bool = True,
        readonly: bool = False,
    ) -> Ledger:
        cfg = config or StoreConfig()
        storage = CrashSafeStorage(
            path,
            disk=disk,
            create=create,
            snapshot_ratio=cfg.snapshot_ratio,
            snapshot_min_journal_bytes=cfg.snapshot_min_journal_bytes,
            lock=lock,
            readonly=readonly,
        )
        return cls(storage)

    def close(self) -> None:
        try:
            if not self.storage.readonly and not self.storage.broken:
                self.sign_head()
        finally:
            self.db.close()

    def sign_head(self) -> bool:
        """Sign this kiosk's chain head if it moved since the last one signed."""
        meta = self.meta
        seq, head = int(meta.get("seq", 0)), meta.get("prev")
        if not seq or not isinstance(head, str):
            return False
        self._signed_at = time.monotonic()
        try:
            return self.signer.sign(self.kiosk_id, seq, head)
        except OSError as exc:  # a failing SD card says so here too
            raise StoreWriteError(
                f"cannot write {self.storage.path / HEADS_FILE} ({exc.strerror or exc}); the "
                "events are safe. Check the disk (full? failing SD card?)."
            ) from exc

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- indexes -------------------------------------------------------------------------

    def _index(self, doc_id: int, doc: Mapping[str, Any], members: Mapping[int, Any] | None = None) -> None:
        self._by_member[doc["m"]] = doc_id
        if doc.get("mi") and doc.get("b"):
            self._leftovers.add(doc_id)
        else:
            self._leftovers.discard(doc_id)
        # who a card belongs to when two members hold it: see kiosk.store.card_index
        members = self.storage.table(MEMBERS) if members is None else members
        for card in doc.get("c", ()):
            held = self._by_card.get(card, doc_id)
            other = None if held == doc_id else members.get(held)
            if other is None or card not in other.get("c", ()):
                self._by_card[card] = doc_id
            elif doc["m"] < other["m"]:
                self._by_card[card] = doc_id
                self._contested.setdefault(card, set()).add(held)
            else:
                self._contested.setdefault(card, set()).add(doc_id)
        for card in doc.get("rc", ()):
            self._by_card.setdefault(card, doc_id)

    @property
    def indexes_built(self) -> bool:
        return self._indexed

    def build_indexes(self) -> None:
        """Build the indexes now, if not yet: from the member documents as they are, so the
        same as at open used to (``card_index.index_all``); ``record`` keeps them up to date from then on.
        A long-running kiosk calls this at start, so that no tap pays for it."""
        if not self._indexed:
            self._indexed = True
            self.storage.read()  # every table decoded: the kiosk keeps no snapshot bytes
            members = self.storage.table(MEMBERS)
            index_all(members, self._by_member, self._by_card, self._contested, self._leftovers)
            self._found.clear()
            self._scanned.clear()

    def _doc_id(self, member_id: str) -> int | None:
        """A member's document id (None: no such member here)."""
        if not self._indexed:
            found = self._found.get(member_id)
            if found is not None:
                return found
            self.build_indexes()
        return self._by_member.get(member_id)

    def _scan_for_card(self, card: str) -> int | None:
        """``_by_card[card]`` without the indexes: one pass over the members, by the same
        rule (the member made first among those holding the card; else the first to have
        retired it). About 15 ms of CPU at 50,000 members on a busy machine; building the
        indexes takes about 45."""
        if card in self._scanned:
            return self._scanned[card]
        if self._scanned:  # a second card: this process looks up more than one, index them
            self.build_indexes()
            return self._by_card.get(card)
        # a snapshot's table not decoded yet gives only the documents holding the card as text
        few = self.storage.documents_with(MEMBERS, card)
        sure, first = (False, None) if few is None else order_free_holder(few, card)
        if not sure:
            first = card_holder(self.storage.table(MEMBERS), card)
        self._scanned[card] = first
        return first

    def _member_doc(self, doc_id: int) -> dict[str, Any]:
        doc = self.storage.document(MEMBERS, doc_id)
        assert doc is not None, "an index names a member document that is not there"
        return doc

    def _new_doc_id(self) -> int:
        """An id no member document has: the highest there plus one (decoding the members
        if the snapshot's table is not yet, which a command about one known card avoids)."""
        if self._next_doc_id is None:
            self._next_doc_id = max(self.storage.table(MEMBERS), default=0) + 1
        self._next_doc_id += 1
        return self._next_doc_id - 1

    def _forget_scans(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """A member document was written: the cards whose answer it may change are those
        it holds or retired, and those it was the answer for, unless it still holds them
        (its member was made when it was: the card is still the same member's)."""
        for card, held in list(self._scanned.items()):
            if held == doc_id and card in doc.get("c", ()):
                continue
            if held == doc_id or card in doc.get("c", ()) or card in doc.get("rc", ()):
                del self._scanned[card]

    def members_to_merge(self) -> list[tuple[MemberState, MemberState]]:
        """(member, another to merge into it), for each card made a member at two kiosks
        and each merged member with a balance again (see kiosk.domain.merge)."""
        self.build_indexes()
        table = self.storage.table(MEMBERS)
        out: list[tuple[MemberState, MemberState]] = []
        for card in list(self._contested):
            for doc_id in self._others_holding(card):
                out.append((from_doc(table[self._by_card[card]]), from_doc(table[doc_id])))
        for doc_id in sorted(self._leftovers):
            loser = from_doc(table[doc_id])
            into = self._merge_target(loser)
            if into is not None:
                out.append((into, loser))
        return out

    def members_holding(self, card: str) -> list[MemberState]:
        """The member a card belongs to, then any others that still hold it (made for the
        card at another kiosk while the two could not sync): one member, or none, mostly."""
        self.build_indexes()
        first = self._by_card.get(card)
        if first is None:
            return []
        table = self.storage.table(MEMBERS)
        return [from_doc(table[doc_id]) for doc_id in (first, *self._others_holding(card))]

    def shared_cards(self) -> list[str]:
        """Cards more than one member holds, until they are merged."""
        self.build_indexes()
        return sorted(card for card in list(self._contested) if self._others_holding(card))

    def _others_holding(self, card: str) -> list[int]:
        """Members besides the card's own that still hold it; forgets those that no longer do."""
        doc_ids = self._contested.get(card)
        if not doc_ids:
            return []
        table = self.storage.table(MEMBERS)
        own = self._by_card[card]
        for doc_id in list(doc_ids):
            doc = table.get(doc_id)
            if doc is None or doc_id == own or card not in doc.get("c", ()):
                doc_ids.discard(doc_id)
        if not doc_ids:
            del self._contested[card]
        return sorted(doc_ids)

    def _merge_target(self, merged: MemberState) -> MemberState | None:
        """Where a merged member's balance belongs now (the target may itself have been merged)."""
        target = merged
        for _ in range(16):  # a chain of merges is short; a loop is a bug, not a reason to hang
            if target.merged_into is None:
                return target
            nxt = self.member(target.merged_into)
            if nxt is None:
                return None
            target = nxt
        return None

    def member_for_card(self, card: str) -> MemberState | None:
        doc_id = self._by_card.get(card) if self._indexed else self._scan_for_card(card)
        if doc_id is None:
            return None
        doc = self._member_doc(doc_id)
        if not self._indexed:
            self._found[doc["m"]] = doc_id
        return from_doc(doc)

    def member(self, member_id: str) -> MemberState | None:
        doc_id = self._doc_id(member_id)
        if doc_id is None:
            return None
        return from_doc(self._member_doc(doc_id))

    def member_count(self) -> int:
        self.build_indexes()
        return len(self._by_member)

    def all_members(self) -> Iterator[MemberState]:
        for doc in list(self.storage.table(MEMBERS).values()):
            yield from_doc(doc)

    # ---- kiosk identity and the stamper's state --------------------------------------------

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self.storage.table(META).get(_META_ID, {}))

    def set_meta(self, values: Mapping[str, Any]) -> None:
        self.storage.put(META, _META_ID, {**self.meta, **values})

    def _recover_stamper_position(self) -> None:
        """The stamper's position is kept in memory between snapshots; after a restart
        the journal's own events say where it was."""
        meta = self.meta
        latest = self.storage.replayed_newest.get(str(meta.get("kiosk")))
        if latest is not None and latest["seq"] > meta.get("seq", 0):
            self.storage.put_unjournaled(META, _META_ID, {**meta, **stamper_position(latest)})

    @property
    def kiosk_id(self) -> str:
        return str(self.meta["kiosk"])

    def is_this_kiosk(self, kiosk: str | None) -> bool:
        """Whether ``kiosk`` is this one, or one it replaced (restored from a backup)."""
        meta = self.meta
        return kiosk == meta["kiosk"] or kiosk in meta.get("replaces", ())

    # ---- writing ---------------------------------------------------------------------------

    def record(
        self,
        events: Sequence[Event],
        states: Sequence[MemberState],
        meta: Mapping[str, Any] | None = None,
        profiles: Mapping[str, Mapping[str, Any] | None] | None = None,
        *,
        stamper: Mapping[str, Any] | None = None,
    ) -> None:
        """Append events and the member states they lead to as ONE durable record.

        ``stamper`` is this kiosk's position (seq, prev, hlc) after these events: kept in
        memory and in snapshots only, since recovery re-derives it from the journal.

        Returns only after the journal line is fsync'ed; on failure nothing is applied.
        """
        storage = self.storage
        new_docs: list[tuple[int, dict[str, Any]]] = []
        doc_ids: dict[str, int] = {}
        profiles = dict(profiles or {})
        for event in events:
            if event.kind is EventKind.MEMBER_ERASED:
                profiles[event.member] = None  # wherever the erasure was asked for
        # a key is durable before the ciphertext it opens; a crash between leaves an
        # unused key, which the next start forgets (profile_upkeep)
        self.keys.ensure(m for m, p in profiles.items() if p is not None)
        if not all(m in self._found for m in (*(s.member_id for s in states), *profiles)):
            self.build_indexes()  # before the transaction: never from documents it may roll back
        with storage.transaction():
            storage.add_events([event.to_dict() for event in events])
            for state in states:
                doc = to_doc(state)
                doc_id = self._doc_id(state.member_id)
                if doc_id is None:
                    doc_id = self._new_doc_id()
                storage.put(MEMBERS, doc_id, doc)
                new_docs.append((doc_id, doc))
                doc_ids[state.member_id] = doc_id
            if meta:
                storage.put(META, _META_ID, {**self.meta, **meta})
            for member_id, profile in profiles.items():
                # profiles share their member's document id, new members' included
                doc_id = doc_ids[member_id] if member_id in doc_ids else self._doc_id(member_id)
                if doc_id is None and profile is None:
                    continue  # an erasure of a member this store never held
                if doc_id is None:
                    raise ValueError("profile for an unknown member")
                if profile is not None:
                    fields = {str(k): str(v) for k, v in profile.items()}
                    storage.put(PROFILES, doc_id, self.keys.seal(member_id, fields))
                elif doc_id in storage.table(PROFILES):
                    storage.put(PROFILES, doc_id, None)
        # only once the removal is durable: the ciphertext in every copy is noise from here
        self.keys.destroy(m for m, p in profiles.items() if p is None)
        if stamper:
            self.storage.put_unjournaled(META, _META_ID, {**self.meta, **stamper})
        for doc_id, doc in new_docs:
            if self._indexed:
                self._index(doc_id, doc)
            else:  # the indexes, once built, are built from these documents
                self._found[doc["m"]] = doc_id
                self._forget_scans(doc_id, doc)
        for event in events:
            self._recent[event.id] = event
            if len(self._recent) > RECENT_EVENTS:
                self._recent.popitem(last=False)
        self.members.clear_cache()

    def record_bulk(
        self, events: Sequence[Event], lines: Sequence[bytes], meta: Mapping[str, Any] | None = None
    ) -> None:
        """``record`` for filling a fresh store in bulk (a restore): the events come with
        their JSON text in ``to_dict()`` form (``lines[i]`` is ``events[i]``'s), which goes
        into the journal as it is, and no member states (the caller writes those once, at
        the end, with ``record``). One durable record."""
        if len(events) != len(lines):
            raise ValueError("one JSON line per event")
        ops: list[list[Any]] = []
        if meta:
            ops.append([META, _META_ID, {**self.meta, **meta}])
        self.storage.append_bulk(list(lines), ops)
        for event in events[-RECENT_EVENTS:]:
            self._recent[event.id] = event
        while len(self._recent) > RECENT_EVENTS:
            self._recent.popitem(last=False)

    # ---- personal data lives outside the ledger, so erasure can really erase it ----------

    def profile(self, member_id: str) -> dict[str, str] | None:
        """The contact details a member gave at this kiosk, or None (none, or erased)."""
        doc_id = self._doc_id(member_id)
        if doc_id is None:
            return None
        doc = self.storage.table(PROFILES).get(doc_id)
        return self.keys.open(member_id, doc) if doc is not None else None

    def contacts(self) -> Iterator[tuple[MemberState, dict[str, str]]]:
        """Every member with contact details held here, and those details."""
        members = self.storage.table(MEMBERS)
        for doc_id, doc in list(self.storage.table(PROFILES).items()):
            member = members.get(doc_id)
            if member is None:
                continue
            fields = self.keys.open(member["m"], doc)
            if fields is not None:
                yield from_doc(member), fields

    def contact_fingerprints(self) -> dict[str, str]:
        """Per member with contact details here, a fingerprint of their sealed details
        that changes whenever the details do, read without opening them (the sync
        worker's blind index sends a member's digests again only then)."""
        members = self.storage.table(MEMBERS)
        out = {}
        for doc_id, doc in self.storage.table(PROFILES).items():
            member = members.get(doc_id)
            if member is not None and self.keys.has(member["m"]):
                out[str(member["m"])] = hashlib.sha256(str(doc.get("sealed")).encode()).hexdigest()[:32]
        return out

    def _seal_kept_history(self) -> None:
        """Once per store made by a version that kept contact details in the clear: seal
        them in the snapshot, the journal and every kept segment (contact_migration)."""
        members = self.storage.table(MEMBERS)

        def member_of(doc_id: int) -> str | None:
            doc = members.get(doc_id)
            return str(doc["m"]) if doc else None

        self.contact_migration = migrate(self.storage, self.keys, member_of, PROFILES)
        self.set_meta({"contacts": SEALED})

    # ---- reading the ledger ------------------------------------------------------------------

    def events(self, member_id: str | None = None) -> Iterator[Event]:
        for raw in self._raw_events("member", member_id):
            yield event_from_dict(raw, verify_hash=False)

    def find_event(self, event_id: str) -> Event | None:
        if event_id in self._recent:
            return self._recent[event_id]
        for raw in self._raw_events("id", event_id):
            return event_from_dict(raw, verify_hash=False)
        return None

    def _raw_events(self, field: str, value: str | None) -> Iterator[dict[str, Any]]:
        """Events (JSON form) whose ``field`` is ``value``, or all; lines that cannot hold
        the value are skipped before they are parsed."""
        for _, raw_events in self.storage.records(contains=value.encode() if value else None):
            for raw in raw_events:
                if value is None or raw.get(field) == value:
                    yield raw

    def maintenance(self) -> bool:
        """Run when idle: sign the chain head if it moved, and write a snapshot if one is
        due. Returns True if it wrote a snapshot."""
        if not self.storage.broken and time.monotonic() - self._signed_at >= SIGN_EVERY_SECONDS:
            self.sign_head()
        return self.storage.maybe_snapshot()
