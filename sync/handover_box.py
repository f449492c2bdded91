"""The sealed box a member's imported contact details travel in, from the owner's server to
the one kiosk that keeps them (sync.server.contact_handover seals, sync.contact_handover
opens): X25519 with a key made for the one box, HKDF-SHA256, AES-256-GCM.

Only the kiosk's private key opens a box, so the server, which seals and queues it, holds
nothing it can read back: no clear phone number or e-mail is ever at rest there. The box
names what it is for (``context``: the shop's kiosk and the member), so a box cannot be
moved to another member or kiosk and still open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.errors import InvalidInput

_INFO = b"kanta contact handover v1"
_NONCE = 12
#: a box holds one member's phone, e-mail and consent: a few hundred bytes
MAX_BOX = 4096


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO)
    return kdf.derive(shared)


def public_key_of(private: X25519PrivateKey) -> str:
    return private.public_key().public_bytes_raw().hex()


def seal(recipient_hex: str, plain: bytes, context: bytes) -> str:
    """``plain`` sealed to the kiosk whose public key (hex) is ``recipient_hex``; base64 text."""
    try:
        recipient = X25519PublicKey.from_public_bytes(bytes.fromhex(recipient_hex))
    except ValueError:
        raise InvalidInput("the kiosk's contact key is not an X25519 public key") from None
    ephemeral = X25519PrivateKey.generate()
    eph_raw = ephemeral.public_key().public_bytes_raw()
    key = _key(ephemeral.exchange(recipient), eph_raw, recipient.public_bytes_raw())
    nonce = os.urandom(_NONCE)
    box = eph_raw + nonce + AESGCM(key).encrypt(nonce, plain, context)
    return base64.b64encode(box).decode("ascii")


def open_box(private: X25519PrivateKey, sealed: str, context: bytes) -> bytes:
    """The plain bytes of a box sealed to ``private``'s public key for ``context``; raises
    InvalidInput when it is not such a box (damaged, another kiosk's, another member's)."""
    try:
        box = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise InvalidInput("the sealed contact details are not base64") from None
    if not 32 + _NONCE + 16 <= len(box) <= MAX_BOX:
        raise InvalidInput("the sealed contact details have the wrong size")
    eph_raw, nonce, body = box[:32], box[32 : 32 + _NONCE], box[32 + _NONCE :]
    mine = private.public_key().public_bytes_raw()
    key = _key(private.exchange(X25519PublicKey.from_public_bytes(eph_raw)), eph_raw, mine)
    try:
        return AESGCM(key).decrypt(nonce, body, context)
    except InvalidTag:
        raise InvalidInput(
            "the sealed contact details do not open with this kiosk's key (sealed for another "
            "kiosk or key, or damaged)"
        ) from None
