"""This kiosk's history checked against the signed heads the shop's server kept.

The kiosk's own signed heads (kiosk.store.signing) catch a rewrite by someone with the
files but not ``kiosk.key``. Whoever holds the key too can rewrite the events, recompute
every hash and sign new heads, and the local check passes. The server, though, kept the
heads the kiosk sent it at each sync; a head vouches for its event and, since each
event's hash covers the one before, for every earlier event. So ``kanta store verify``
fetches them (``GET /api/v1/heads``) and reports each one the local history no longer
matches. The fetching is the command's (kiosk.cli.store); this module only reads the
answer, as untrusted input, and compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.store.disk import Disk
from kiosk.store.ledger import Ledger
from kiosk.store.signing import SignedHead, signature_ok

#: the most heads an answer may hold (the server sends its newest 1000)
MAX_HEADS = 1000


@dataclass(frozen=True)
class ServerHeads:
    kiosk: str | None
    public_key: str | None
    heads: list[SignedHead]


def parse(answer: Any) -> ServerHeads:
    """The server's answer, checked: a clear message names what is wrong."""

    def bad(what: str) -> InvalidInput:
        return InvalidInput(f"the server's answer about this kiosk's signed heads is not usable: {what}")

    if not isinstance(answer, dict):
        raise bad("not a JSON object")
    kiosk, key, raw = answer.get("kiosk"), answer.get("public_key"), answer.get("heads")
    if kiosk is not None and (not isinstance(kiosk, str) or len(kiosk) > 200):
        raise bad("'kiosk' is not a kiosk id")
    if key is not None and not _hex(key, 64):
        raise bad("'public_key' is not a 64-digit hex key")
    if not isinstance(raw, list) or len(raw) > MAX_HEADS:
        raise bad(f"'heads' is not a list of at most {MAX_HEADS}")
    heads: list[SignedHead] = []
    for i, item in enumerate(raw):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("seq"), int)
            and 1 <= item["seq"] <= 2**62
            and _hex(item.get("hash"), 32)
            and _hex(item.get("public_key"), 64)
            and isinstance(item.get("signature"), str)
            and len(item["signature"]) <= 200
        )
        if not ok or kiosk is None:
            raise bad(f"heads[{i}] is not a signed head (seq, hash, public_key, signature)")
        heads.append(SignedHead(kiosk, item["seq"], item["hash"], item["public_key"], item["signature"]))
    return ServerHeads(kiosk, key, heads)


def _hex(value: Any, digits: int) -> bool:
    return (
        isinstance(value, str) and len(value) == digits and all(c in "0123456789abcdef" for c in value)
    )


def disagreements(folder: Path, server: ServerHeads, disk: Disk | None = None) -> tuple[int, list[str]]:
    """How many of the server's heads were checked, and where this store disagrees."""
    with Ledger.open(folder, disk=disk, readonly=True) as ledger:
        kiosk, own_key = ledger.kiosk_id, ledger.signer.public_key
        if server.kiosk is not None and server.kiosk != kiosk:
            return 0, [
                f"the server knows this kiosk's token as kiosk {server.kiosk}, but this store is "
                f"kiosk {kiosk}: the data folder is not the one that was paired"
            ]
        problems: list[str] = []
        if server.public_key is not None and server.public_key != own_key:
            problems.append(
                "this store's signing key (kiosk.key) is not the one the server registered for "
                "this kiosk at pairing: the key was replaced"
            )
        wanted = {h.seq for h in server.heads}
        hashes: dict[int, str] = {}
        newest = 0
        for _, events in ledger.storage.records(contains=kiosk.encode()):
            for raw in events:
                if raw.get("kiosk") == kiosk:
                    newest = max(newest, int(raw["seq"]))
                    if raw["seq"] in wanted:
                        hashes[int(raw["seq"])] = str(raw["hash"])
    for head in sorted(server.heads, key=lambda h: h.seq):
        where = f"event {head.seq}"
        if head.public_key != server.public_key or not signature_ok(head):
            problems.append(f"{where}: the server's head for it is not signed by the key it registered")
        elif head.seq not in hashes:
            if head.seq > newest:
                problems.append(
                    f"{where}: the server holds this kiosk's signed head for it, but this store's "
                    f"newest event is {newest}: events the server received were lost here"
                )
            else:
                problems.append(f"{where}: missing here, though the server holds its signed head")
        elif hashes[head.seq] != head.hash:
            problems.append(
                f"{where} disagrees with the server's signed head (hash {hashes[head.seq][:12]}… "
                f"here, {head.hash[:12]}… when the kiosk sent it): the history here was rewritten "
                "after it was synced"
            )
    return len(server.heads), problems
