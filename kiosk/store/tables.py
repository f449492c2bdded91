"""The store's tables in memory, each decoded from the snapshot only when something needs it.

A snapshot written one document per line (``snapshot.write_snapshot``) is kept as its
bytes, already checked whole against its checksum. A table is decoded entirely the first
time code asks for it as a dict (``StoreTables.table``); until then a command about one
card (`kanta counter purchase`) reads only what it needs: one document by its id, or the
documents whose JSON holds the card as a string, found by a byte search of the table's
lines (50,000 members: a few ms, where decoding them all takes about 110). Changes made
before a table is decoded (the journal's replay, the purchase itself) are kept in order
and applied when it is, so the decoded table is exactly the one a full decode at open
gives.
"""

from __future__ import annotations

from typing import Any

import orjson

Doc = dict[str, Any]
Tables = dict[str, dict[int, Doc]]


class SnapshotTable:
    """One table in a snapshot's bytes: ``raw[start:end]`` is its JSON object, written as
    ``{`` then each document on a line of its own, ``"<id>":{...}``, then ``\\n}``. A raw
    newline is never inside a JSON value, so the lines are found by byte searches alone."""

    __slots__ = ("end", "raw", "start")

    def __init__(self, raw: bytes, start: int, end: int) -> None:
        self.raw, self.start, self.end = raw, start, end

    def decode(self) -> dict[int, Doc]:
        docs = orjson.loads(memoryview(self.raw)[self.start : self.end])
        return {int(k): v for k, v in docs.items()}

    def _line(self, at: int) -> tuple[int, Doc]:
        """The document on the line holding byte ``at``."""
        begin = self.raw.rfind(b"\n", self.start, at) + 1
        line = self.raw[begin : self.raw.find(b"\n", at, self.end)].removesuffix(b",")
        ((key, doc),) = orjson.loads(b"{" + line + b"}").items()
        return int(key), doc

    def find(self, doc_id: int) -> Doc | None:
        at = self.raw.find(b'\n"%d":' % doc_id, self.start, self.end)
        return None if at < 0 else self._line(at + 1)[1]

    def containing(self, needle: bytes) -> dict[int, Doc]:
        """Every document whose line holds ``needle``, in the table's order."""
        found: dict[int, Doc] = {}
        at = self.raw.find(needle, self.start, self.end)
        while at >= 0:
            doc_id, doc = self._line(at)
            found[doc_id] = doc
            at = self.raw.find(needle, self.raw.find(b"\n", at, self.end), self.end)
        return found


def searchable(text: str) -> bool:
    """Whether ``text`` is written the same by every JSON encoder (printable ASCII, no
    quote or backslash), so its JSON string can be searched for as bytes."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


class _Pending:
    """A table not decoded yet: its snapshot lines, the documents read one by one, and
    every change since the snapshot, in order."""

    __slots__ = ("absent", "changes", "latest", "lines", "read")

    def __init__(self, lines: SnapshotTable) -> None:
        self.lines = lines
        self.changes: list[tuple[int, Doc | None]] = []
        self.latest: dict[int, Doc | None] = {}
        self.read: dict[int, Doc] = {}
        self.absent: set[int] = set()

    def get(self, doc_id: int) -> Doc | None:
        if doc_id in self.latest:
            return self.latest[doc_id]
        if doc_id in self.read or doc_id in self.absent:
            return self.read.get(doc_id)
        doc = self.lines.find(doc_id)
        if doc is None:
            self.absent.add(doc_id)
        else:
            self.read[doc_id] = doc
        return doc

    def set(self, doc_id: int, doc: Doc | None) -> None:
        self.changes.append((doc_id, doc))
        self.latest[doc_id] = doc

    def containing(self, needle: bytes) -> dict[int, Doc]:
        """The snapshot's documents holding ``needle`` as they are now, and every document
        changed since (the caller checks those itself)."""
        found: dict[int, Doc] = {}
        for doc_id, doc in self.lines.containing(needle).items():
            if doc_id not in self.latest:
                found[doc_id] = self.read.setdefault(doc_id, doc)
        found.update((k, v) for k, v in self.latest.items() if v is not None)
        return found

    def decode(self) -> dict[int, Doc]:
        docs = self.lines.decode()
        for doc_id, doc in self.read.items():  # the same objects as handed out already
            docs[doc_id] = doc
        for doc_id, change in self.changes:
            if change is None:
                docs.pop(doc_id, None)
            else:
                docs[doc_id] = change
        return docs


class StoreTables:
    """Every table of the store: those decoded (``dict``s, live) and those still in the
    snapshot's bytes (``pending``)."""

    def __init__(self, decoded: Tables, pending: dict[str, SnapshotTable] | None = None) -> None:
        #: the snapshot's table order, kept when the pending tables are decoded
        self._order = [*decoded, *(pending or {})]
        self._decoded = decoded
        self._pending = {name: _Pending(lines) for name, lines in (pending or {}).items()}

    def decoded(self, name: str) -> bool:
        return name not in self._pending

    def table(self, name: str) -> dict[int, Doc]:
        """A table as a live dict (decoded now if it was not yet; created if missing)."""
        pending = self._pending.pop(name, None)
        if pending is not None:
            self._decoded[name] = pending.decode()
        return self._decoded.setdefault(name, {})

    def all(self) -> Tables:
        """Every table, decoded, as one live dict in the snapshot's order."""
        if self._pending:
            for name in list(self._pending):
                self.table(name)
            for name in self._order:
                if name in self._decoded:
                    self._decoded[name] = self._decoded.pop(name)
        return self._decoded

    def get(self, name: str, doc_id: int) -> Doc | None:
        pending = self._pending.get(name)
        if pending is not None:
            return pending.get(doc_id)
        return self._decoded.get(name, {}).get(doc_id)

    def set(self, name: str, doc_id: int, doc: Doc | None) -> None:
        """Set, or with None remove, one document."""
        pending = self._pending.get(name)
        if pending is not None:
            pending.set(doc_id, doc)
            return
        docs = self._decoded.setdefault(name, {})
        if doc is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = doc

    def containing(self, name: str, text: str) -> dict[int, Doc] | None:
        """A table not decoded yet: at least every document holding the string ``text``
        (as a key or value, at any depth), with others the caller must check. None when
        the table is decoded (look in it) or ``text`` cannot be searched as bytes."""
        pending = self._pending.get(name)
        if pending is None or not searchable(text):
            return None
        return pending.containing(b'"' + text.encode() + b'"')
