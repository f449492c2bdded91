"""Signed chain heads: tamper evidence that a recomputed hash chain cannot fake.

Every event carries the hash of its kiosk's previous event, so an edit shows up — unless
whoever edits also recomputes every hash after it, which anyone with the files can do.
So each kiosk also signs its chain's head (its newest sequence number and that event's
hash) with an Ed25519 key of its own, made at the store's first start: when it is idle
(``Ledger.maintenance``) and when the store is closed, if the head moved. ``kanta store
verify`` then checks that every signed head still matches the event at that sequence
number: a history rewritten after a head was signed is caught even with every hash
recomputed, unless the rewriter also holds this kiosk's private key.

``kiosk.key`` (the private key, 32 raw bytes, mode 0600) and ``heads.log`` (one JSON line
per signed head) live in the data folder; this module is the only one that reads or
writes them. Neither is an event: they are never synced.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import StoreCorrupt
from kiosk.store.disk import Disk, OsDisk, write_atomic

KEY_FILE = "kiosk.key"
HEADS_FILE = "heads.log"
#: heads.log is read whole by `store verify`; a kiosk signs at most a few heads an hour
MAX_HEADS_BYTES = 64 << 20
_DOMAIN = "kanta-chain-head-v1"


#: a SignedHead's fields in order (as a backup's manifest spells them)
SIGNED_HEAD_FIELDS = ("kiosk", "seq", "hash", "public_key", "signature")


@dataclass(frozen=True)
class SignedHead:
    kiosk: str
    seq: int
    hash: str
    public_key: str  # hex, so a head names the key that signed it
    signature: str  # base64

    def message(self) -> bytes:
        return f"{_DOMAIN}|{self.kiosk}|{self.seq}|{self.hash}".encode()


class ChainSigner:
    """This kiosk's signing key and the heads it has signed."""

    def __init__(self, folder: Path, disk: Disk, *, readonly: bool = False) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.folder = Path(folder)
        self.disk = disk
        path = self.folder / KEY_FILE
        self._key: Ed25519PrivateKey | None = None
        if disk.exists(path):
            raw = disk.read_bytes(path)
            if len(raw) != 32:
                raise StoreCorrupt(
                    f"{path} is damaged (not a 32-byte key); nothing was changed. The events "
                    "are intact; restore the file from the kiosk's own copy if you have one"
                )
            self._key = Ed25519PrivateKey.from_private_bytes(raw)
        elif not readonly:
            self._key = Ed25519PrivateKey.generate()
            self._write_key(path)
        if not readonly:
            self._cut_torn_tail()
        self._last = _last_signed(self.folder / HEADS_FILE, disk)

    def _cut_torn_tail(self) -> None:
        """A line cut short by a power cut was never a signed head: drop it, as the
        journal drops its torn tail, so the next line starts clean."""
        path = self.folder / HEADS_FILE
        if not self.disk.exists(path):
            return
        data = self.disk.read_bytes(path)
        if data and not data.endswith(b"\n"):
            out = self.disk.open_append(path)
            try:
                out.truncate(data.rfind(b"\n") + 1)
            finally:
                out.close()

    def _write_key(self, path: Path) -> None:
        assert self._key is not None
        raw = self._key.private_bytes_raw()
        # the data folder is group-readable; the key is not (on the real disk: the crash
        # tests' disk in memory has no permissions)
        on_os = isinstance(self.disk, OsDisk)
        write_atomic(path, raw, mode=0o600, disk=None if on_os else self.disk)

    @property
    def public_key(self) -> str | None:
        # the *_raw forms: a command that signs at close does not import the serialization
        # package (SSH and PEM formats) for 32 bytes
        if self._key is None:
            return None
        return self._key.public_key().public_bytes_raw().hex()

    def forget_after(self, kiosk: str, seq: int) -> None:
        """Drop heads signed for events past ``seq``, the end of the kiosk's chain after
        a restart: events a damaged journal lost (its last line cut, say), whose sequence
        numbers the kiosk now gives to new events. Rare: only after such a recovery."""
        if self._last is None or self._last[0] != kiosk or self._last[1] <= seq:
            return
        path = self.folder / HEADS_FILE
        lines = self.disk.read_bytes(path).split(b"\n")
        kept = [ln for ln in lines if ln.strip() and not _past(ln, kiosk, seq)]
        write_atomic(path, b"".join(ln + b"\n" for ln in kept), disk=self.disk)
        self._last = _last_signed(path, self.disk)

    def sign(self, kiosk: str, seq: int, head_hash: str) -> bool:
        """Sign this kiosk's head unless it is the one signed last; True if it signed."""
        if self._key is None or seq <= 0 or self._last == (kiosk, seq):
            return False
        public_key = self.public_key
        assert public_key is not None
        unsigned = SignedHead(kiosk, seq, head_hash, public_key, "")
        signature = base64.b64encode(self._key.sign(unsigned.message())).decode("ascii")
        line = {"kiosk": kiosk, "seq": seq, "hash": head_hash, "key": public_key, "sig": signature}
        out = self.disk.open_append(self.folder / HEADS_FILE)
        try:
            out.write(json.dumps(line, sort_keys=True).encode() + b"\n")
            out.sync()
        finally:
            out.close()
        self._last = (kiosk, seq)
        return True


def _past(line: bytes, kiosk: str, seq: int) -> bool:
    try:
        doc = json.loads(line)
        return bool(doc["kiosk"] == kiosk and int(doc["seq"]) > seq)
    except (ValueError, KeyError, TypeError):
        return False


def _last_signed(path: Path, disk: Disk) -> tuple[str, int] | None:
    """The head signed last (from the file's tail), so a restart does not sign it again."""
    if not disk.exists(path):
        return None
    with disk.open_read(path) as stream:
        size = disk.size(path)
        stream.seek(max(0, size - 4096))
        tail = stream.read()
    for line in reversed(tail.split(b"\n")):
        try:
            doc = json.loads(line)
            return str(doc["kiosk"]), int(doc["seq"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def signed_heads(folder: Path, disk: Disk) -> tuple[list[SignedHead], list[str]]:
    """The heads signed in this folder, and what is wrong with any line that is not one."""
    path = Path(folder) / HEADS_FILE
    if not disk.exists(path):
        return [], []
    if disk.size(path) > MAX_HEADS_BYTES:
        return [], [f"{path} is larger than {MAX_HEADS_BYTES >> 20} MB: not read"]
    heads: list[SignedHead] = []
    problems: list[str] = []
    whole, _, _ = disk.read_bytes(path).rpartition(b"\n")  # a last line being written is not one yet
    for number, line in enumerate(whole.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            fields = (str(doc["kiosk"]), int(doc["seq"]), str(doc["hash"]), str(doc["key"]), str(doc["sig"]))
            heads.append(SignedHead(*fields))
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path} line {number} is not a signed head")
    return heads, problems


def check_heads(
    heads: Iterable[SignedHead], hashes: dict[tuple[str, int], str], trusted_keys: dict[str, str]
) -> list[str]:
    """Problems with signed heads against the events' hashes (``hashes[(kiosk, seq)]``).

    ``trusted_keys`` maps a kiosk to the public key (hex) its heads must be signed with;
    a head signed by any other key is reported, as is a head whose event has another hash
    (history rewritten after it was signed, whatever the hashes say). A head whose event is
    not there at all is not: a journal cut by damage or by `kanta store repair` loses its
    newest events, and the chain checks and the server's copy speak for those."""
    problems: list[str] = []
    for head in heads:
        where = f"kiosk {head.kiosk} event {head.seq}"
        trusted = trusted_keys.get(head.kiosk)
        if trusted is None or head.public_key != trusted:
            problems.append(f"{where}: its signed head is signed by a key that is not this kiosk's")
            continue
        if not signature_ok(head):
            problems.append(f"{where}: the signature of its signed head is not valid")
            continue
        found = hashes.get((head.kiosk, head.seq))
        if found is not None and found != head.hash:
            problems.append(
                f"{where} is not the event that was signed (hash {found[:12]}…, signed "
                f"{head.hash[:12]}…): history was rewritten after it was signed"
            )
    return problems


def signature_ok(head: SignedHead) -> bool:
    """Whether ``head.signature`` is its key's signature of the head."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(head.public_key)).verify(
            base64.b64decode(head.signature, validate=True), head.message()
        )
    except (ValueError, InvalidSignature):
        return False
    return True


def newest_head(folder: Path, disk: Disk) -> SignedHead | None:
    """The head this kiosk signed last (what the sync worker sends the server)."""
    heads, _ = signed_heads(folder, disk)
    return heads[-1] if heads else None
