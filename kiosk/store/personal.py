"""Personal data kept so that an erasure really erases it: one key per member.

A member's contact details are sealed (AES-256-GCM) with a key of their own before they
reach the store, so the snapshot, the journal and the kept ledger segments only ever hold
ciphertext. The keys live here, in ``member-keys.json`` beside the store: a small file that
is rewritten whole (temp file, fsync, rename, fsync the folder) and never journaled,
snapshotted, synced or put in a backup. Erasing a member destroys their key; every copy of
the ciphertext, wherever it went, is then noise (crypto-shredding). The events stay.

It also keeps the request log, ``requests.log``: one JSON line per data request (what
was asked, for which member id, when, done when), with no personal data in it.

This module is the only one that reads or writes ``member-keys.json`` and ``requests.log``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.errors import StoreCorrupt, StoreWriteError
from kiosk.store.disk import Disk, write_atomic

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEYS_FILE = "member-keys.json"
REQUESTS_FILE = "requests.log"
#: the request log is read from its end: a shop's requests over years fit in far less
MAX_REQUEST_LOG_READ = 4 << 20
_FORMAT = 1
_NONCE = 12
#: a sealed profile is a few contact fields; anything bigger is not one of ours
MAX_SEALED = 4096


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _sealed(key: bytes, member_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
    nonce = os.urandom(_NONCE)
    plain = json.dumps(dict(fields), ensure_ascii=False, sort_keys=True).encode()
    sealed = _aes()(key).encrypt(nonce, plain, member_id.encode())
    return {"v": 1, "sealed": _b64(nonce + sealed)}


class MemberKeys:
    """Per-member keys, in memory and in ``member-keys.json`` (read whole at open)."""

    def __init__(self, folder: Path, disk: Disk, *, readonly: bool = False) -> None:
        self.path = Path(folder) / KEYS_FILE
        self.disk = disk
        self.readonly = readonly
        self._keys: dict[str, bytes] = {}
        if disk.exists(self.path):
            self._keys = self._load()

    def _load(self) -> dict[str, bytes]:
        what = (
            f"{self.path} is damaged: the members' contact details cannot be read. Nothing "
            "was changed. Restore the file from the kiosk's own copy if you have one; "
            "deleting it erases every member's contact details (the balances stay)."
        )
        try:
            doc = json.loads(self.disk.read_bytes(self.path))
            if doc.get("format") != _FORMAT or not isinstance(doc.get("keys"), dict):
                raise ValueError("format")
            keys = {str(m): _unb64(k) for m, k in doc["keys"].items()}
        except (ValueError, TypeError, AttributeError, UnicodeError):
            raise StoreCorrupt(what) from None
        if any(len(k) != 32 for k in keys.values()):
            raise StoreCorrupt(what)
        return keys

    def _save(self, keys: dict[str, bytes]) -> None:
        """Replace the file with ``keys``, then use them (on failure nothing changes)."""
        body = {"format": _FORMAT, "keys": {m: _b64(k) for m, k in sorted(keys.items())}}
        try:
            write_atomic(self.path, json.dumps(body, separators=(",", ":")).encode(), disk=self.disk)
        except OSError as exc:
            raise StoreWriteError(
                f"cannot write {self.path} ({exc.strerror or exc}); the members' keys are as "
                "they were. Check the disk (full? removed? failing SD card?)."
            ) from exc
        self._keys = keys

    def members(self) -> set[str]:
        return set(self._keys)

    def has(self, member_id: str) -> bool:
        return member_id in self._keys

    def ensure(self, member_ids: Iterable[str]) -> None:
        """Make keys for these members (durable before returning) if they have none."""
        missing = [m for m in member_ids if m not in self._keys]
        if missing:
            self._save({**self._keys, **{m: _aes().generate_key(bit_length=256) for m in missing}})

    def destroy(self, member_ids: Iterable[str]) -> int:
        """Forget these members' keys for good; returns how many there were."""
        gone = {m for m in member_ids if m in self._keys}
        if gone and not self.readonly:
            self._save({m: k for m, k in self._keys.items() if m not in gone})
        return len(gone)

    # ---- sealing -----------------------------------------------------------------------

    def seal(self, member_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
        """The stored form of a member's personal fields: ciphertext only."""
        return _sealed(self._keys[member_id], member_id, fields)

    def seal_for_history(self, member_id: str | None, fields: Mapping[str, str]) -> dict[str, Any]:
        """Old clear details sealed where they lie in kept history: with the member's key
        if they still have one, else with a key made for this and forgotten at once, so
        the copy is noise, as an erasure would have left it (kiosk.store.contact_migration)."""
        if member_id is not None and member_id in self._keys:
            return self.seal(member_id, fields)
        return _sealed(_aes().generate_key(bit_length=256), member_id or "", fields)

    def open(self, member_id: str, doc: Mapping[str, Any]) -> dict[str, str] | None:
        """The fields a stored document holds, or None when the key is gone (erased)."""
        key = self._keys.get(member_id)
        sealed = doc.get("sealed")
        if key is None or not isinstance(sealed, str) or len(sealed) > MAX_SEALED:
            return None
        try:
            raw = _unb64(sealed)
            plain = _aes()(key).decrypt(raw[:_NONCE], raw[_NONCE:], member_id.encode())
            fields = json.loads(plain)
        except (ValueError, _invalid_tag()):
            raise StoreCorrupt(
                f"the contact details of member {member_id} do not match their key in "
                f"{self.path}; nothing was changed"
            ) from None
        return {str(k): str(v) for k, v in fields.items()}


class RequestLog:
    """The log of data requests: appended (and fsync'ed) one line at a time, so it can be
    written beside a running kiosk; member ids only, which identify nobody once erased."""

    def __init__(self, folder: Path, disk: Disk) -> None:
        self.path = Path(folder) / REQUESTS_FILE
        self.disk = disk

    def add(self, request: str, member_id: str, kiosk: str, asked: datetime, done: datetime) -> None:
        entry = {
            "request": request,
            "member": member_id,
            "kiosk": kiosk,
            "asked": asked.isoformat(),
            "done": done.isoformat(),
        }
        line = json.dumps(entry, sort_keys=True).encode() + b"\n"
        if self.disk.exists(self.path) and self.disk.size(self.path):
            with self.disk.open_read(self.path) as stream:
                stream.seek(self.disk.size(self.path) - 1)
                if stream.read(1) != b"\n":  # a line cut short by a power cut stays apart
                    line = b"\n" + line
        out = self.disk.open_append(self.path)
        try:
            out.write(line)
            out.sync()
        finally:
            out.close()

    def entries(self) -> list[dict[str, str]]:
        """The requests logged here, oldest first (the newest 4 MB of them at most);
        lines that are not whole log entries are skipped."""
        if not self.disk.exists(self.path):
            return []
        raw = self.disk.read_bytes(self.path)[-MAX_REQUEST_LOG_READ:]
        out: list[dict[str, str]] = []
        for line in raw.split(b"\n"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and {"request", "asked", "done"} <= set(entry):
                out.append({str(k): str(v) for k, v in entry.items()})
        return out


# The cipher is loaded when a member's details are first sealed or opened: a command that
# records a sale touches none and should not pay for importing it.
def _aes() -> type[AESGCM]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


def _invalid_tag() -> type[Exception]:
    from cryptography.exceptions import InvalidTag

    return InvalidTag
