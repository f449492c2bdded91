"""The ledger's indexes built in one pass (``card_index.index_all``) give the same
answers as indexing each member document in turn (``Ledger._index``, what ``record`` does)
and as a single card's lookup before any index is built (``Ledger._scan_for_card``):
random members sharing and retiring cards, merged members with balances, reopened from disk.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.member import MemberState, to_doc
from kiosk.store.ledger import MEMBERS, Ledger

CARDS = [f"04A1B2C3D4E5{i:02X}" for i in range(5)]

member_docs = st.lists(
    st.tuples(
        st.integers(0, 30),  # member id order (which one was made first)
        st.lists(st.sampled_from(CARDS), max_size=2),
        st.lists(st.sampled_from(CARDS), max_size=2),
        st.booleans(),  # merged into another
        st.integers(0, 3),  # stamps
    ),
    max_size=12,
)


def _answers(ledger: Ledger) -> dict[str, object]:
    return {
        "holding": {c: [m.member_id for m in ledger.members_holding(c)] for c in CARDS},
        "for_card": {c: getattr(ledger.member_for_card(c), "member_id", None) for c in CARDS},
        "shared": ledger.shared_cards(),
        "merge": [(a.member_id, b.member_id) for a, b in ledger.members_to_merge()],
        "members": sorted(m for m in ledger._by_member),
    }


@settings(max_examples=60, deadline=None)
@given(member_docs)
def test_one_pass_index_answers_as_document_by_document(
    docs: list[tuple[int, list[str], list[str], bool, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Ledger.open(folder) as ledger:
            storage = ledger.storage
            with storage.transaction():
                for doc_id, (order, cards, retired, merged, stamps) in enumerate(docs, start=1):
                    state = MemberState(
                        f"m{order:03d}-{doc_id:03d}",
                        cards=tuple(cards),
                        retired_cards=tuple(retired),
                        balances={"stamps": stamps} if stamps else {},
                        merged_into="m000-000" if merged else None,
                    )
                    storage.put(MEMBERS, doc_id, to_doc(state))
        with Ledger.open(folder) as scanned:
            # before anything builds the indexes, a card is looked up by one pass instead
            assert not scanned._indexed
            by_scan = {}
            for card in CARDS:
                scanned._scanned.clear()  # a second card would build the indexes instead
                by_scan[card] = getattr(scanned.member_for_card(card), "member_id", None)
            assert not scanned._indexed
        with Ledger.open(folder) as reopened:
            bulk = _answers(reopened)
            assert by_scan == bulk["for_card"]
            # the reference: the same documents indexed one by one, in the same order
            reopened._by_member, reopened._by_card = {}, {}
            reopened._contested, reopened._leftovers = {}, set()
            members = reopened.storage.table(MEMBERS)
            for doc_id, doc in members.items():
                reopened._index(doc_id, doc, members)
            assert bulk == _answers(reopened)


def test_a_card_two_members_hold_goes_to_the_one_made_first() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Ledger.open(folder) as ledger, ledger.storage.transaction():
            ledger.storage.put(MEMBERS, 1, to_doc(MemberState("m2", cards=(CARDS[0],))))
            ledger.storage.put(MEMBERS, 2, to_doc(MemberState("m1", cards=(CARDS[0],))))
            ledger.storage.put(MEMBERS, 3, to_doc(MemberState("m0", retired_cards=(CARDS[0],))))
        with Ledger.open(folder) as reopened:
            assert [m.member_id for m in reopened.members_holding(CARDS[0])] == ["m1", "m2"]
            assert reopened.shared_cards() == [CARDS[0]]


def test_a_purchase_before_the_indexes_updates_them_once_built() -> None:
    """A member found by a card lookup is recorded without building the indexes, and the
    card's next lookup sees what was recorded; a second card, or a new member, builds
    them, and they agree."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Ledger.open(folder) as ledger, ledger.storage.transaction():
            ledger.storage.put(MEMBERS, 1, to_doc(MemberState("m1", cards=(CARDS[0],))))
            ledger.storage.put(MEMBERS, 2, to_doc(MemberState("m2", cards=(CARDS[2],))))
        with Ledger.open(folder) as reopened:

            def holder() -> str | None:
                return getattr(reopened.member_for_card(CARDS[0]), "member_id", None)

            assert holder() == "m1"
            reopened.record([], [MemberState("m1", cards=(CARDS[0], CARDS[4]))])
            assert holder() == "m1"  # still held: still the same member's
            reopened.record([], [MemberState("m1", cards=(CARDS[1],), retired_cards=(CARDS[0],))])
            assert holder() == "m1"  # only retired, and no one holds it
            reopened.record([], [MemberState("m1", cards=(CARDS[1], CARDS[0]))])
            assert holder() == "m1"
            assert not reopened._indexed
            reopened.record([], [MemberState("m2", cards=(CARDS[2], CARDS[0]))])  # not found
            assert reopened._indexed  # so its document id is the index's
            assert holder() == "m1"  # made first
            assert [m.member_id for m in reopened.members_holding(CARDS[0])] == ["m1", "m2"]
            reopened.record([], [MemberState("m3", cards=(CARDS[3],))])
            assert reopened.member_count() == 3
            assert getattr(reopened.member_for_card(CARDS[3]), "member_id", None) == "m3"
        with Ledger.open(folder) as after:
            assert getattr(after.member_for_card(CARDS[3]), "member_id", None) == "m3"
            assert not after._indexed
            assert getattr(after.member_for_card(CARDS[2]), "member_id", None) == "m2"
            assert after._indexed  # a second card
            assert after.member_count() == 3
            assert [m.member_id for m in after.members_holding(CARDS[0])] == ["m1", "m2"]
