"""A crash-safe TinyDB storage: append-only checksummed journal, atomic snapshots.

TinyDB's stock JSONStorage rewrites the whole file in place on every write. Here every
acknowledged change is one journal line, fsync'ed before ``commit`` returns; the whole
database is written only as a snapshot (temp file, fsync, rename, fsync the folder), after
which the journal becomes an archived ledger segment and a new journal starts.

Layout of a data folder::

    store.id        what this folder is (written once, at creation)
    snapshot.json   tables as of record N (atomic); the ledger segments hold all events
    journal.log     records after N, appended and fsync'ed
    ledger/NNNNNN.log   earlier journals, kept forever: they are the event ledger
    lock            one writer at a time (flock)
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from kiosk.errors import StoreCorrupt, StoreError, StoreWriteError
from kiosk.store import journal
from kiosk.store.disk import AppendFile, Disk, OsDisk
from kiosk.store.records import JOURNAL as JOURNAL  # the layout's file names live with
from kiosk.store.records import LEDGER as LEDGER  # their reader, and are the store's too
from kiosk.store.records import SNAPSHOT as SNAPSHOT
from kiosk.store.records import StoreStats as StoreStats  # what stats() gives
from kiosk.store.records import note_newest as note_newest  # and maintenance uses
from kiosk.store.records import read_records
from kiosk.store.snapshot import FORMAT as FORMAT  # the store.id's format is the snapshot's
from kiosk.store.snapshot import finish_interrupted_rotation, read_snapshot, segment_name, write_snapshot
from kiosk.store.tables import Doc, StoreTables, Tables

log = logging.getLogger(__name__)

STORE_ID = "store.id"
LOCK = "lock"
#: what else lives in a data folder, and may come before the store: the sync worker's
#: folder (`kanta sync pair` before the kiosk's first start) and the desktop run folder
BESIDE_THE_STORE = ("sync", "run")

Op = list[Any]  # [table, doc_id, doc or None]


class CrashSafeStorage(Storage):  # type: ignore[misc]
    """TinyDB ``Storage`` over a journal. Use with ``FastTable`` (see ``fasttable``).

    ``read()`` hands TinyDB the live tables; writes arrive as per-document operations
    from ``FastTable`` (O(1) each) and are grouped by ``transaction()`` into one journal
    record, so a tap's event and its member update are durable together or not at all.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        disk: Disk | None = None,
        create: bool = True,
        snapshot_ratio: float = 1.0,
        snapshot_min_journal_bytes: int = 1_000_000,
        lock: bool = True,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.disk: Disk = disk or OsDisk()
        self.snapshot_ratio = snapshot_ratio
        self.snapshot_min_journal_bytes = snapshot_min_journal_bytes
        self._tables = StoreTables({})
        self._n = 0
        self._snapshot_n = 0
        self._segment = 1  # index the current journal will get when archived
        self._journal: AppendFile | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._bytes_written = 0
        self._broken: str | None = None
        self._tx_ops: list[Op] | None = None
        self._tx_events: list[dict[str, Any]] = []
        self._tx_undo: list[tuple[str, int, dict[str, Any] | None]] = []
        self._tx_depth = 0
        self._last_snapshot_at: float | None = None
        self._torn_tail_cut = False
        #: per kiosk, the newest event in the journal replayed at open
        self.replayed_newest: dict[str, dict[str, Any]] = {}
        self.store_id = ""
        self._lock: Any = None
        if readonly:
            # a reader beside the running kiosk: no lock, never writes, never cuts a tail
            # (a line being written right now looks exactly like a torn one)
            create, lock = False, False
            if not self.disk.exists(self.path):
                raise StoreError(f"no Kanta store in {self.path}")
        try:
            if not readonly:
                self.disk.mkdir(self.path)
            if lock:
                self._lock = self.disk.lock(self.path / LOCK)
        except OSError as exc:
            raise StoreWriteError(
                f"cannot write in the data folder {self.path} ({exc.strerror or exc}); nothing was "
                "changed. Is it read-only, or the disk full or failing?"
            ) from exc
        try:
            self._open(create)
        except OSError as exc:
            self._release_lock()
            raise StoreWriteError(
                f"cannot open the store in {self.path} ({exc.strerror or exc}); nothing was "
                "changed. Check the disk (full? removed? failing SD card?) and try again."
            ) from exc
        except BaseException:
            self._release_lock()
            raise

    # ---- opening and recovery ---------------------------------------------------------

    def _open(self, create: bool) -> None:
        p = self.path
        if not self.disk.exists(p / STORE_ID):
            if self.readonly:
                raise StoreError(f"no Kanta store in {p}")
            leftovers = [n for n in self.disk.listdir(p) if n not in (LOCK, *BESIDE_THE_STORE)]
            if leftovers and self._interrupted_creation(leftovers):
                log.warning("%s: finishing a store creation that was interrupted", p)
                leftovers = []
            if leftovers:
                raise StoreCorrupt(
                    f"{p} holds Kanta files ({', '.join(leftovers[:4])}) but no {STORE_ID}: "
                    "it is not a complete store. Nothing was changed. Point --data at the "
                    "right folder, or restore it from a backup."
                )
            if not create:
                raise StoreError(f"no Kanta store in {p} (run `kanta tap` or `kanta demo` first)")
            self._create()
            return
        try:
            ident = json.loads(self.disk.read_bytes(p / STORE_ID))
            self.store_id = str(ident["store"])
            if ident.get("format") != FORMAT:
                raise StoreError(
                    f"{p / STORE_ID}: store format {ident.get('format')} is not supported by "
                    f"this version of Kanta (format {FORMAT})"
                )
        except (ValueError, KeyError, TypeError):
            raise StoreCorrupt(
                f"{p / STORE_ID} is damaged; restore the folder from a backup"
            ) from None
        self._load_snapshot()
        if not self.readonly:
            self._finish_interrupted_rotation()
        self._replay_journal()

    def _interrupted_creation(self, names: list[str]) -> bool:
        """Only an empty snapshot/journal/ledger left by a crash during ``_create``."""
        p = self.path
        if not set(names) <= {SNAPSHOT, SNAPSHOT + ".tmp", JOURNAL, LEDGER}:
            return False
        if JOURNAL in names and self.disk.size(p / JOURNAL) > 0:
            return False
        return not (LEDGER in names and self.disk.listdir(p / LEDGER))

    def _create(self) -> None:
        p = self.path
        self.disk.mkdir(p / LEDGER)
        self.store_id = str(uuid.uuid4())
        self._write_snapshot_file()
        ident = {"store": self.store_id, "format": FORMAT, "created": time.time()}
        self.disk.write_synced(p / STORE_ID, json.dumps(ident).encode())
        self.disk.sync_dir(p)
        self._journal = self.disk.open_append(p / JOURNAL)
        self.disk.sync_dir(p)

    def _load_snapshot(self) -> None:
        snap = read_snapshot(self.disk, self.path)
        self._tables = snap.tables
        self._n = self._snapshot_n = snap.n
        self._segment = snap.segment
        self._snapshot_bytes = snap.size
        self._last_snapshot_at = snap.written

    def _finish_interrupted_rotation(self) -> None:
        finish_interrupted_rotation(self.disk, self.path, self._segment, self._snapshot_n)

    def _replay_journal(self) -> None:
        p = self.path / JOURNAL
        data = self.disk.read_bytes(p) if self.disk.exists(p) else b""
        result = journal.scan(data, str(p))
        records = result.records
        if self.readonly:
            # a reader can arrive mid-rotation: the journal is then already in the snapshot
            records = [r for r in records if r.n > self._snapshot_n]
        if records:
            first = records[0].n
            if first != self._snapshot_n + 1:
                raise StoreCorrupt(
                    f"{p} starts at record {first} but the snapshot ends at record "
                    f"{self._snapshot_n}: records are missing. Nothing was changed. Restore "
                    "from a backup, or run `kanta store rebuild`."
                )
        for record in records:
            self._apply_ops(record.ops)
            note_newest(self.replayed_newest, record.events)
            self._n = record.n
        self._journal_bytes = result.good_end
        if self.readonly:
            return
        existed = bool(data) or self.disk.exists(p)
        self._journal = self.disk.open_append(p)
        if not existed:
            self.disk.sync_dir(self.path)  # a new name is durable only once its folder is synced
        if result.torn is not None:
            offset, reason = result.torn
            cut = data[offset:]
            # keep the cut bytes for forensics; they were never acknowledged
            self.disk.write_synced(self.path / f"journal.torn-{int(time.time())}", cut)
            self._journal.truncate(result.good_end)
            self._torn_tail_cut = True
            log.warning(
                "journal: cut an interrupted write of %d bytes at offset %d (%s)",
                len(cut),
                offset,
                reason,
            )

    # ---- TinyDB Storage interface ------------------------------------------------------

    def read(self) -> Tables:  # type: ignore[override]
        return self._tables.all()

    def write(self, data: dict[str, dict[Any, Any]]) -> None:
        """Whole-database write from stock TinyDB paths (drop_tables): journal it as ops."""
        tables = self._tables.all()
        with self.transaction():
            for name in list(tables):
                if name not in data:
                    for doc_id in list(tables[name]):
                        self.put(name, doc_id, None)
            for name, docs in data.items():
                new = {int(k): v for k, v in docs.items()}
                for doc_id in list(tables.get(name, {})):
                    if doc_id not in new:
                        self.put(name, doc_id, None)
                for doc_id, doc in new.items():
                    if tables.get(name, {}).get(doc_id) != doc:
                        self.put(name, doc_id, dict(doc))

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            release = getattr(self._lock, "release", None)
            if release is not None:
                release()
            self._lock = None

    # ---- writes --------------------------------------------------------------------------

    def table(self, name: str) -> dict[int, dict[str, Any]]:
        """A table as a live dict (decoded from the snapshot now, if it was not yet)."""
        return self._tables.table(name)

    def document(self, table: str, doc_id: int) -> Doc | None:
        """One document, without decoding its whole table."""
        return self._tables.get(table, doc_id)

    def documents_with(self, table: str, text: str) -> dict[int, Doc] | None:
        """For a table not decoded yet, at least every document holding the string ``text``
        (with others the caller checks); None: look in ``table(name)`` instead."""
        return self._tables.containing(table, text)

    def put(self, table: str, doc_id: int, doc: dict[str, Any] | None) -> None:
        """Set (or with None, delete) one document; durable at the end of the transaction."""
        with self.transaction():
            assert self._tx_ops is not None
            self._tx_undo.append((table, doc_id, self._tables.get(table, doc_id)))
            self._tables.set(table, doc_id, doc)
            self._tx_ops.append([table, doc_id, doc])

    def put_unjournaled(self, table: str, doc_id: int, doc: dict[str, Any]) -> None:
        """Change a document in memory only; it reaches disk with the next snapshot.

        For state that recovery re-derives from the journal anyway (the stamper's
        position), so a tap does not pay for writing it twice.
        """
        self._tables.set(table, doc_id, doc)

    def add_events(self, events: list[dict[str, Any]]) -> None:
        with self.transaction():
            self._tx_events.extend(events)

    def append_bulk(self, event_lines: list[bytes], ops: list[Op]) -> None:
        """One durable journal record from events already in JSON and table operations:
        for filling a fresh store in bulk (a restore) without decoding and re-encoding
        millions of events. Each line must be one event's JSON object (UTF-8) exactly as
        the kiosk stores it; the record reads back like one written by ``transaction``.

        Not for a tap: no rollback is needed because nothing is applied in memory until
        the line is written and fsync'ed. Not inside a transaction.
        """
        if self.readonly:
            raise StoreError("the store was opened read-only")
        if self._broken:
            raise StoreWriteError(self._broken)
        if self._tx_depth:
            raise StoreError("append_bulk inside a transaction")
        if not event_lines and not ops:
            return
        self._append(journal.encode_encoded(self._n + 1, event_lines, ops))
        self._apply_ops(ops)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one journal record: all durable together, or none applied."""
        if self.readonly:
            raise StoreError("the store was opened read-only")
        if self._broken:
            raise StoreWriteError(self._broken)
        if self._tx_depth == 0:
            self._tx_ops, self._tx_events, self._tx_undo = [], [], []
        self._tx_depth += 1
        try:
            yield
        except BaseException:
            self._tx_depth -= 1
            if self._tx_depth == 0:
                self._rollback()
            raise
        self._tx_depth -= 1
        if self._tx_depth == 0:
            try:
                self._commit()
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        for table, doc_id, previous in reversed(self._tx_undo):
            self._tables.set(table, doc_id, previous)
        self._tx_ops, self._tx_events, self._tx_undo = None, [], []

    def _commit(self) -> None:
        ops, events = self._tx_ops or [], self._tx_events
        if not ops and not events:
            self._tx_ops, self._tx_events, self._tx_undo = None, [], []
            return
        self._append(journal.encode(self._n + 1, events, ops))
        self._tx_ops, self._tx_events, self._tx_undo = None, [], []

    def _append(self, line: bytes) -> None:
        """Write one journal record and fsync it; counted only once it is durable."""
        assert self._journal is not None, "store is closed"
        before = self._journal_bytes
        try:
            self._journal.write(line)
            self._journal.sync()
        except OSError as exc:
            self._fail_write(before, exc)
        self._n += 1
        self._journal_bytes += len(line)
        self._bytes_written += len(line)

    def _fail_write(self, before: int, exc: OSError) -> None:
        # After a failed fsync the kernel may have dropped the dirty pages: the file's
        # contents are unknown, so no later write may be acknowledged until a reopen
        # has re-read what is really on disk.
        try:
            assert self._journal is not None
            self._journal.truncate(before)
        except OSError:
            pass
        self._broken = (
            f"cannot write to the store in {self.path} ({exc.strerror or exc}); nothing was "
            "recorded. Check the disk (full? removed? failing SD card?) and restart the kiosk."
        )
        raise StoreWriteError(self._broken) from exc

    def _apply_ops(self, ops: list[Op]) -> None:
        for table, doc_id, doc in ops:
            self._tables.set(table, int(doc_id), doc)

    # ---- snapshots -------------------------------------------------------------------------

    def snapshot_due(self) -> bool:
        return self._journal_bytes >= max(
            self.snapshot_min_journal_bytes, int(self._snapshot_bytes * self.snapshot_ratio)
        )

    def maybe_snapshot(self) -> bool:
        """Call when idle (no customer waiting): snapshot if the journal has grown enough."""
        if self._broken or self._tx_depth or not self.snapshot_due():
            return False
        self.snapshot()
        return True

    def _write_snapshot_file(self) -> int:
        size = write_snapshot(self.disk, self.path, self._tables.all(), self._n, self._segment)
        self._snapshot_bytes = size
        self._bytes_written += size
        self._last_snapshot_at = time.time()
        return size

    def snapshot(self) -> None:
        """Write all tables atomically, then archive the journal as a ledger segment."""
        if self._tx_depth:
            raise StoreError("cannot snapshot inside a transaction")
        if self._broken:
            raise StoreWriteError(self._broken)
        assert self._journal is not None
        p = self.path
        try:
            if self._journal_bytes == 0:
                self._write_snapshot_file()
                return
            self._segment += 1
            self._write_snapshot_file()
            self._journal.close()
            self._journal = None
            self.disk.mkdir(p / LEDGER)
            self.disk.rename(p / JOURNAL, p / LEDGER / segment_name(self._segment - 1))
            self.disk.sync_dir(p / LEDGER)
            self._journal = self.disk.open_append(p / JOURNAL)
            self.disk.sync_dir(p)
        except OSError as exc:
            self._broken = (
                f"cannot write a snapshot in {p} ({exc.strerror or exc}). Nothing "
                "acknowledged is lost; check the disk and restart the kiosk."
            )
            raise StoreWriteError(self._broken) from exc
        self._snapshot_n = self._n
        self._journal_bytes = 0

    # ---- reading the ledger ----------------------------------------------------------------

    def segments(self) -> list[Path]:
        folder = self.path / LEDGER
        if not self.disk.exists(folder):
            return []
        return [folder / n for n in self.disk.listdir(folder) if n.endswith(".log")]

    def records(
        self, *, contains: bytes | None = None
    ) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Every committed record's events, oldest first: archived segments then the journal
        (``records.read_records``, the one reader of those files).

        ``contains`` is a fast byte pre-filter (a member id, say) tried before parsing JSON.
        Safe beside a running writer: the journal's unfinished last line is where it stops,
        and a record seen twice during a snapshot rotation is given once.
        """
        for pos, events in read_records(
            self.path, disk=self.disk, contains=contains, strict=True, journal_tail_cut=not self.readonly
        ):
            if pos.n > self._n and not self.readonly:
                return  # written after this reader started
            if events:
                yield pos.n, events

    # ---- status ------------------------------------------------------------------------------

    @property
    def record_count(self) -> int:
        return self._n

    @property
    def broken(self) -> str | None:
        return self._broken

    def stats(self) -> StoreStats:
        return StoreStats(
            records=self._n,
            journal_bytes=self._journal_bytes,
            snapshot_bytes=self._snapshot_bytes,
            segments=len(self.segments()),
            bytes_written=self._bytes_written,
            last_snapshot_at=self._last_snapshot_at,
            torn_tail_cut=self._torn_tail_cut,
        )
