"""The chain rule (sync.server.chain.extend) against its definition, link by link, and the
chain heads' table written for many kiosks at once (sync.server.db.set_chain_heads)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.server import chain, db, store
from sync.server.errors import ApiError


@dataclass(frozen=True)
class _Link:
    id: str
    seq: int
    prev: str
    hash: str
    position: int


def _chain(start: chain.Head, n: int) -> list[_Link]:
    links, prev = [], start.hash
    for i in range(n):
        digest = f"{start.seq + i + 1:032x}"
        links.append(_Link(f"e{i}", start.seq + i + 1, prev, digest, i))
        prev = digest
    return links


def _by_definition(head: chain.Head, links: list[_Link]) -> chain.Head | tuple[str, str]:
    """The head after ``links``, or (event, field) of the first link that does not continue it."""
    seq, last = head.seq, head.hash
    for link in links:
        if link.seq != seq + 1:
            return link.id, f"events[{link.position}].seq"
        if link.prev != last:
            return link.id, f"events[{link.position}].prev"
        seq, last = link.seq, link.hash
    return chain.Head(seq, last)


@settings(max_examples=300, deadline=None)
@given(
    start_seq=st.integers(0, 10**6),
    n=st.integers(0, 40),
    breaks=st.lists(
        st.tuples(st.integers(0, 39), st.sampled_from(["seq+", "seq-", "prev", "swap", "drop"])),
        max_size=3,
    ),
)
def test_extend_takes_whole_chains_and_names_the_first_broken_link(
    start_seq: int, n: int, breaks: list[tuple[int, str]]
) -> None:
    head = chain.Head(start_seq, f"{start_seq:032x}" if start_seq else chain.Head().hash)
    links = _chain(head, n)
    for at, how in breaks:
        if at >= len(links):
            continue
        link = links[at]
        if how == "seq+":
            links[at] = _Link(link.id, link.seq + 1, link.prev, link.hash, link.position)
        elif how == "seq-":
            links[at] = _Link(link.id, link.seq - 1, link.prev, link.hash, link.position)
        elif how == "prev":
            links[at] = _Link(link.id, link.seq, "f" * 32, link.hash, link.position)
        elif how == "swap" and at + 1 < len(links):
            links[at], links[at + 1] = links[at + 1], links[at]
        elif how == "drop":
            del links[at]
    expected = _by_definition(head, links)
    if isinstance(expected, chain.Head):
        assert chain.extend("k", head, links) == expected
    else:
        with pytest.raises(ApiError) as err:
            chain.extend("k", head, links)
        assert err.value.status == 409
        assert (err.value.extra["event"], err.value.extra["field"]) == expected


def test_the_heads_of_hundreds_of_kiosks_are_kept_and_moved(db_url: str) -> None:
    """One statement per 200 heads: 450 kiosks' heads written, then a few moved, all read back."""
    engine = db.make_engine(db_url)
    try:
        db.migrate(engine)
        store.init_shop(engine, "S", "o@s.example", "a long password", scrypt_n=2**10)
        with db.read_tx(engine) as conn:
            shop_id = int(conn.execute(db.shops.select()).first().id)  # type: ignore[union-attr]
        heads = [(f"kiosk-{i}", i + 1, f"{i:032x}") for i in range(450)]
        with db.write_tx(engine) as conn:
            db.set_chain_heads(conn, shop_id, heads)
        moved = [(f"kiosk-{i}", 10_000 + i, f"{10_000 + i:032x}") for i in (0, 199, 200, 449)]
        with db.write_tx(engine) as conn:
            db.set_chain_heads(conn, shop_id, moved)
            db.set_chain_heads(conn, shop_id, [])
        with db.read_tx(engine) as conn:
            stored = db.chain_heads(conn, shop_id)
        expected = {k: chain.Head(s, h) for k, s, h in heads} | {k: chain.Head(s, h) for k, s, h in moved}
        assert stored == expected
    finally:
        engine.dispose()
