"""The keyed blind index that lets the owner find a member by phone or e-mail on the
console without the server ever holding the phone number or e-mail.

A kiosk sends, per member who gave contact details there, a digest of each normalised
value (a phone number by its last 9 digits, as the kiosk compares them; an e-mail in
lower case) made with the shop's index key; the console makes the same digest of what the
owner typed and looks it up. The digest is scrypt (memory-hard, deliberately slow: about
10-50 ms) keyed by the shop's key, so even someone holding the server's database *and* the
key cannot list everyone's numbers: each guess costs a scrypt. The server holds the key
(sync.server.blind_index says why). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re

from kiosk.services.lookup import phone_key

KINDS = ("phone", "email")
#: the shop key's length (bytes)
KEY_BYTES = 32
#: scrypt's cost: 2**13 * 8 * 128 bytes = 8 MB of memory per digest
_N, _R, _P = 2**13, 8, 1
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")


def normalised(kind: str, value: str) -> str | None:
    """The form two spellings of one phone number or e-mail share, or None if it is not one."""
    value = value.strip()
    if kind == "phone":
        if len(value) > 32 or re.search(r"[^0-9 +()./-]", value):
            return None
        key = phone_key(value)
        return key if len(key) >= 6 else None
    if kind == "email":
        return value.lower() if len(value) <= 254 and _EMAIL.match(value) else None
    raise ValueError(f"unknown kind {kind!r}")


def digest(kind: str, value: str, key: bytes) -> str | None:
    """The index entry for a phone number or e-mail (32 hex digits), or None if the value
    is not one."""
    norm = normalised(kind, value)
    if norm is None:
        return None
    raw = hashlib.scrypt(f"{kind}:{norm}".encode(), salt=key, n=_N, r=_R, p=_P, dklen=16, maxmem=64 << 20)
    return raw.hex()


def query_digests(text: str, key: bytes) -> dict[str, str]:
    """What a search box's text could be (a phone number, an e-mail) and its digest."""
    out = {}
    for kind in KINDS:
        found = digest(kind, text, key)
        if found is not None:
            out[kind] = found
    return out
