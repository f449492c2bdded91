"""A snapshot laid out one document a line is read in part (``kiosk.store.tables``): a card's
member and a document by id answer exactly as decoding everything does, changes made before
the table is decoded land in it in order, a store whose snapshot was written before (one
line, no index) opens as it did, a damaged one is still refused, and `kanta counter
purchase` on a snapshotted store decodes no member table at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.member import MemberState, to_doc
from kiosk.errors import StoreCorrupt
from kiosk.store import snapshot
from kiosk.store.card_index import card_holder
from kiosk.store.ledger import MEMBERS, Ledger
from kiosk.store.records import SNAPSHOT
from tests.cli.process import REPO, kanta

CARDS = [f"04A1B2C3D4E5{i:02X}" for i in range(5)]

member = st.tuples(
    st.integers(0, 6),  # member id order (a few alike: two documents of one member id)
    st.lists(st.sampled_from(CARDS), max_size=2),  # cards held
    st.lists(st.sampled_from(CARDS), max_size=2),  # cards retired
)
#: after the snapshot, in the journal: (document id, new document or None: removed)
change = st.tuples(st.integers(1, 14), st.one_of(st.none(), member))


def _doc(doc_id: int, spec: tuple[int, list[str], list[str]]) -> dict[str, Any]:
    order, cards, retired = spec
    return to_doc(MemberState(f"m{order:03d}", cards=tuple(cards), retired_cards=tuple(retired), balances={}))


def _build(folder: Path, docs: list[tuple[int, list[str], list[str]]], changes: list[Any]) -> None:
    with Ledger.open(folder) as ledger:
        storage = ledger.storage
        with storage.transaction():
            for doc_id, spec in enumerate(docs, start=1):
                storage.put(MEMBERS, doc_id, _doc(doc_id, spec))
        storage.snapshot()
        for doc_id, spec in changes:
            storage.put(MEMBERS, doc_id, None if spec is None else _doc(doc_id, spec))


def _full_decode(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[int, dict[str, Any]]:
    """The members as a store that decodes its whole snapshot at open has them (the index
    ignored, as for a snapshot written before it existed)."""
    with monkeypatch.context() as m:
        m.setattr(snapshot, "_indexed_tables", lambda *a: None)
        with Ledger.open(folder, readonly=True) as full:
            assert full.storage._tables.decoded(MEMBERS)
            return dict(full.storage.table(MEMBERS))


@settings(max_examples=80, deadline=None)
@given(st.lists(member, max_size=10), st.lists(change, max_size=6))
def test_a_part_read_answers_as_decoding_everything(docs: list[Any], changes: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        _build(folder, docs, changes)
        reference = _full_decode(folder, monkeypatch)
        with Ledger.open(folder) as ledger:
            storage = ledger.storage
            assert storage._tables.decoded(MEMBERS) is not bool(docs)  # (no documents: no table)
            for doc_id in range(1, 16):
                assert storage.document(MEMBERS, doc_id) == reference.get(doc_id)
            for card in CARDS:
                ledger._scanned.clear()  # a second card would build the indexes instead
                found = ledger.member_for_card(card)
                expected = card_holder(reference, card)
                owner = None if expected is None else reference[expected]["m"]
                assert getattr(found, "member_id", None) == owner
            # a write before the table is decoded, then the decode: the same table, in order
            storage.put(MEMBERS, 3, _doc(3, (9, [CARDS[0]], [])))
            reference[3] = _doc(3, (9, [CARDS[0]], []))
            table = storage.table(MEMBERS)
            assert list(table.items()) == list(reference.items())


def _old_layout(folder: Path) -> None:
    """Rewrite the snapshot as Kanta wrote it before the index: the body on one line."""
    raw = (folder / SNAPSHOT).read_bytes()
    header_line, _, body = raw.partition(b"\n")
    header = json.loads(header_line)
    tables = orjson.loads(body)
    old_body = json.dumps(tables, separators=(",", ":"), ensure_ascii=False).encode()
    del header["tables"]
    header.update(bytes=len(old_body), sha256=hashlib.sha256(old_body).hexdigest())
    (folder / SNAPSHOT).write_bytes(json.dumps(header).encode() + b"\n" + old_body)


def test_a_snapshot_written_before_opens_as_before_and_the_next_is_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [(1, [CARDS[0]], []), (0, [CARDS[1]], [CARDS[0]]), (2, [CARDS[1]], [])]
    _build(tmp_path, docs, [(2, (3, [CARDS[2]], []))])
    reference = _full_decode(tmp_path, monkeypatch)
    _old_layout(tmp_path)
    with Ledger.open(tmp_path) as ledger:
        assert ledger.storage._tables.decoded(MEMBERS)  # no index: decoded whole at open
        assert ledger.member_for_card(CARDS[0]) is not None
        assert list(ledger.storage.table(MEMBERS).items()) == list(reference.items())
        ledger.storage.snapshot()
    with Ledger.open(tmp_path) as again:
        assert not again.storage._tables.decoded(MEMBERS)
        assert list(again.storage.table(MEMBERS).items()) == list(reference.items())


def test_the_indexed_body_is_the_same_json_for_a_reader_that_ignores_the_index(tmp_path: Path) -> None:
    _build(tmp_path, [(i % 4, [CARDS[i % 5]], []) for i in range(20)], [])
    header_line, _, body = (tmp_path / SNAPSHOT).read_bytes().partition(b"\n")
    assert json.loads(header_line)["tables"]
    with Ledger.open(tmp_path, readonly=True) as ledger:
        storage = ledger.storage
        tables = {name: {str(k): v for k, v in storage.table(name).items()} for name in ("members", "meta")}
    assert {k: v for k, v in json.loads(body).items() if k in tables} == tables


def test_a_damaged_body_is_refused_with_the_same_message(tmp_path: Path) -> None:
    _build(tmp_path, [(0, [CARDS[0]], [])], [])
    p = tmp_path / SNAPSHOT
    raw = bytearray(p.read_bytes())
    raw[raw.index(CARDS[0].encode())] ^= 0x01  # one bit of the card in the body
    p.write_bytes(bytes(raw))
    with pytest.raises(StoreCorrupt, match=r"is damaged \(empty, cut short or checksum mismatch\)"):
        Ledger.open(tmp_path)


def test_an_index_that_does_not_fit_the_body_means_a_whole_decode(tmp_path: Path) -> None:
    _build(tmp_path, [(0, [CARDS[0]], []), (1, [CARDS[1]], [])], [])
    p = tmp_path / SNAPSHOT
    header_line, _, body = p.read_bytes().partition(b"\n")
    header = json.loads(header_line)
    header["tables"][0][2] -= 1  # the header is not under the checksum: the layout is checked
    p.write_bytes(json.dumps(header).encode() + b"\n" + body)
    with Ledger.open(tmp_path) as ledger:
        assert ledger.storage._tables.decoded(MEMBERS)
        found = ledger.member_for_card(CARDS[1])
        assert found is not None and found.member_id == "m001"


PROBE = """
import sys
from kiosk.store import tables
whole = tables.StoreTables.table
def table(self, name):
    if not self.decoded(name):
        print("DECODED", name, file=sys.stderr)
    return whole(self, name)
tables.StoreTables.table = table
from kiosk.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_counter_purchase_decodes_no_member_table(tmp_path: Path) -> None:
    data = tmp_path / "d"
    card = CARDS[3]
    assert kanta("tap", card, data=data).returncode == 0
    with Ledger.open(data) as ledger:  # others, and a snapshot holding them all
        storage = ledger.storage
        with storage.transaction():
            for i in range(1, 200):
                storage.put(MEMBERS, 1000 + i, _doc(0, (i, [f"05{i:012X}"], [])))
        storage.snapshot()
    env = {**os.environ, "KANTA_DATA": str(data), "KANTA_PROGRAM": ""}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "counter", "purchase", card, "12.50", "--json"],
        capture_output=True, text=True, cwd=REPO, timeout=60, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "DECODED members" not in done.stderr, done.stderr
    bought = json.loads(done.stdout)
    assert bought["accepted"] and bought["charge_cents"] == 1250
    shown = json.loads(kanta("counter", "show", card, "--json", data=data, env={"KANTA_PROGRAM": ""}).stdout)
    assert shown["points"] == bought["member"]["points"] > 0
    with Ledger.open(data) as ledger:
        assert ledger.member_count() == 200


def test_building_the_indexes_decodes_every_table_and_keeps_no_snapshot_bytes(tmp_path: Path) -> None:
    _build(tmp_path, [(0, [CARDS[0]], []), (1, [CARDS[1]], [])], [])
    with Ledger.open(tmp_path) as ledger:
        tables = ledger.storage._tables
        assert not tables.decoded(MEMBERS)
        ledger.build_indexes()  # what `kanta kiosk` does at start
        assert not tables._pending and all(tables.decoded(n) for n in ("members", "meta", "profiles"))
        assert ledger.member_count() == 2
