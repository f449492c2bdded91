"""TinyDB's API over FastTable + CrashSafeStorage behaves like stock TinyDB.

In TinyDB's own test style every test runs over both storages: stock ``MemoryStorage`` with
the stock ``Table`` (the reference), and our crash-safe storage with ``FastTable``. A
differential test runs random operation sequences on both and compares, then reopens our
storage from disk and compares again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document

from kiosk.store.fasttable import KantaDB
from kiosk.store.storage import CrashSafeStorage


class Backend:
    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self.db = self._open()

    def _open(self) -> TinyDB:
        if self.kind == "memory":
            return TinyDB(storage=MemoryStorage)
        storage = CrashSafeStorage(self.folder, snapshot_min_journal_bytes=300)
        return KantaDB(storage=lambda: storage)

    def reopen(self) -> TinyDB:
        if self.kind != "memory":
            self.db.close()
            self.db = self._open()
        return self.db

    def close(self) -> None:
        self.db.close()


def make_backend(kind: str, tmp_path: Path) -> Backend:
    return Backend(kind, tmp_path / "db")


@pytest.fixture(params=["memory", "crashsafe"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = make_backend(request.param, tmp_path)
    yield b
    b.close()


def snapshot_of(db: TinyDB, name: str = "t") -> dict[int, dict[str, Any]]:
    return {doc.doc_id: dict(doc) for doc in db.table(name).all()}


Item = Query()


def test_insert_all_len_and_ids(backend: Backend) -> None:
    t = backend.db.table("t")
    assert t.insert({"a": 1}) == 1
    assert t.insert_multiple([{"a": 2}, {"a": 3, "b": [1, 2]}]) == [2, 3]
    assert len(t) == 3
    assert [d.doc_id for d in t.all()] == [1, 2, 3]
    assert t.all() == [{"a": 1}, {"a": 2}, {"a": 3, "b": [1, 2]}]
    assert list(iter(t)) == t.all()


def test_insert_document_keeps_its_id_and_refuses_a_duplicate(backend: Backend) -> None:
    t = backend.db.table("t")
    assert t.insert(Document({"a": 1}, doc_id=10)) == 10
    assert t.insert({"a": 2}) == 11
    with pytest.raises(ValueError):
        t.insert(Document({"a": 3}, doc_id=10))
    with pytest.raises(ValueError):
        t.insert([1, 2])  # type: ignore[arg-type]


def test_update_by_fields_callable_and_ids(backend: Backend) -> None:
    t = backend.db.table("t")
    t.insert_multiple([{"a": 1, "n": 0}, {"a": 2, "n": 0}, {"a": 3, "n": 0}])
    assert t.update({"n": 5}, Item.a >= 2) == [2, 3]

    def bump(doc: dict[str, Any]) -> None:
        doc["n"] += 1

    assert t.update(bump, Item.a == 3) == [3]
    assert t.update({"x": True}, doc_ids=[1]) == [1]
    assert t.update({"n": 9}, Item.a == 99) == []
    assert t.update_multiple([({"m": 1}, Item.a == 1), ({"m": 2}, Item.a == 2)]) == [1, 2]
    assert snapshot_of(backend.db) == {
        1: {"a": 1, "n": 0, "x": True, "m": 1},
        2: {"a": 2, "n": 5, "m": 2},
        3: {"a": 3, "n": 6},
    }


def test_upsert_updates_or_inserts(backend: Backend) -> None:
    t = backend.db.table("t")
    t.insert({"k": "a", "v": 1})
    assert t.upsert({"k": "a", "v": 2}, Item.k == "a") == [1]
    assert t.upsert({"k": "b", "v": 3}, Item.k == "b") == [2]
    assert t.upsert(Document({"k": "c", "v": 4}, doc_id=7)) == [7]
    assert t.upsert(Document({"k": "c", "v": 5}, doc_id=7)) == [7]
    assert snapshot_of(backend.db) == {1: {"k": "a", "v": 2}, 2: {"k": "b", "v": 3}, 7: {"k": "c", "v": 5}}


def test_remove_by_query_and_ids_and_truncate(backend: Backend) -> None:
    t = backend.db.table("t")
    t.insert_multiple([{"a": i} for i in range(1, 6)])
    assert t.remove(Item.a > 3) == [4, 5]
    assert t.remove(doc_ids=[1]) == [1]
    with pytest.raises(RuntimeError):
        t.remove()
    assert t.insert({"a": 6}) == 6  # ids are not reused after a remove
    assert snapshot_of(backend.db) == {2: {"a": 2}, 3: {"a": 3}, 6: {"a": 6}}
    t.truncate()
    assert len(t) == 0 and t.all() == []
    assert t.insert({"a": 7}) == 1  # ...but restart after truncate, as in stock TinyDB


def test_search_get_count_contains_by_query(backend: Backend) -> None:
    t = backend.db.table("t")
    t.insert_multiple([{"name": "ann", "age": 30}, {"name": "bob", "age": 40}, {"name": "cy", "age": 40}])
    found = t.search(Item.age == 40)
    assert found == [{"name": "bob", "age": 40}, {"name": "cy", "age": 40}]
    assert [d.doc_id for d in found] == [2, 3]
    first = t.get(Item.age == 40)
    assert first == {"name": "bob", "age": 40} and first is not None and first.doc_id == 2
    assert t.get(Item.age == 99) is None
    assert t.count(Item.age == 40) == 2
    assert t.contains(Item.name == "ann") and not t.contains(Item.name == "zed")


@pytest.mark.parametrize(
    "kind", ["memory", "crashsafe"]
)
def test_get_and_contains_by_doc_id(kind: str, tmp_path: Path) -> None:
    backend = make_backend(kind, tmp_path)
    try:
        t = backend.db.table("t")
        t.insert_multiple([{"a": 1}, {"a": 2}, {"a": 3}])
        doc = t.get(doc_id=2)
        assert doc == {"a": 2} and doc is not None and doc.doc_id == 2
        assert t.get(doc_id=9) is None
        assert t.get(doc_ids=[1, 3]) == [{"a": 1}, {"a": 3}]
        assert t.contains(doc_id=3) and not t.contains(doc_id=9)
    finally:
        backend.close()




@pytest.mark.parametrize(
    "kind", ["memory", "crashsafe"]
)
def test_drop_table_survives_reopen(kind: str, tmp_path: Path) -> None:
    backend = make_backend(kind, tmp_path)
    try:
        db = backend.db
        db.table("a").insert({"x": 1})
        db.table("b").insert({"y": 2})
        db.drop_table("a")
        assert len(db.table("a")) == 0 and snapshot_of(db, "b") == {1: {"y": 2}}
        db = backend.reopen()
        assert len(db.table("a")) == 0 and snapshot_of(db, "b") == {1: {"y": 2}}
    finally:
        backend.close()


def test_tables_and_drop_tables(backend: Backend) -> None:
    db = backend.db
    db.table("a").insert({"x": 1})
    db.table("b").insert({"y": 2})
    assert db.tables() >= {"a", "b"}
    assert len(db.table("a")) == 1
    db.drop_tables()
    assert len(db.table("a")) == 0 and len(db.table("b")) == 0
    db = backend.reopen()
    assert len(db.table("a")) == 0 and len(db.table("b")) == 0
    db.table("b").insert({"z": 3})
    assert snapshot_of(backend.reopen(), "b") == {1: {"z": 3}}


def test_reopen_gives_the_same_documents(backend: Backend) -> None:
    t = backend.db.table("t")
    t.insert_multiple([{"a": i, "s": "x" * i} for i in range(40)])  # enough for snapshots too
    t.update({"u": 1}, Item.a < 5)
    t.remove(Item.a > 35)
    before = snapshot_of(backend.db)
    db = backend.reopen()
    assert snapshot_of(db) == before
    # after a reopen stock TinyDB (JSONStorage) continues from the highest id left: 36 + 1;
    # without one (MemoryStorage) from the highest id ever given
    assert db.table("t").insert({"after": True}) == (41 if backend.kind == "memory" else 37)


# ---- differential: random operation sequences on stock TinyDB (JSONStorage, reopened
# alongside) and ours, compared after every step ---------------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 5)),
        st.tuples(st.just("insert_doc"), st.integers(1, 30)),
        st.tuples(st.just("update"), st.integers(0, 5)),
        st.tuples(st.just("upsert"), st.integers(0, 5)),
        st.tuples(st.just("remove"), st.integers(0, 5)),
        st.tuples(st.just("remove_id"), st.integers(1, 30)),
        st.tuples(st.just("truncate"), st.just(0)),
        st.tuples(st.just("reopen"), st.just(0)),
    ),
    max_size=40,
)


def apply(db: TinyDB, op: str, value: int) -> Any:
    t = db.table("t")
    try:
        if op == "insert":
            return t.insert({"v": value})
        if op == "insert_doc":
            return t.insert(Document({"v": value % 6, "id": value}, doc_id=value))
        if op == "update":
            return t.update({"w": value}, Item.v == value)
        if op == "upsert":
            return t.upsert({"v": value, "u": True}, Item.v == value)
        if op == "remove":
            return t.remove(Item.v == value)
        if op == "remove_id":
            return t.remove(doc_ids=[value])
        if op == "truncate":
            return t.truncate()
    except (ValueError, KeyError) as exc:
        return type(exc).__name__
    return None


@settings(max_examples=100, deadline=None)
@given(sequence=ops)
def test_random_operations_match_stock_tinydb(sequence: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / "stock.json"
        reference = TinyDB(json_path)
        ours = make_backend("crashsafe", Path(tmp))
        try:
            for op, value in sequence:
                if op == "reopen":
                    reference.close()
                    reference = TinyDB(json_path)
                    ours.reopen()
                    continue
                expected = apply(reference, op, value)
                got = apply(ours.db, op, value)
                assert got == expected, (op, value)
                assert snapshot_of(ours.db) == snapshot_of(reference)
            final = snapshot_of(reference)
            assert snapshot_of(ours.reopen()) == final
        finally:
            ours.close()
            reference.close()
