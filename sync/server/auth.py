"""Secrets: kiosk pairing tokens (stored as SHA-256) and owner passwords (scrypt + salt)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

#: scrypt cost: about 50 ms and 16 MiB per check on a small machine
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 8


def new_token() -> str:
    """An opaque pairing token: 32 random bytes, URL-safe text."""
    return "kt_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


#: scrypt checks run on this many threads of their own (each check takes 16 MiB): a flood
#: of logins waits its turn instead of taking the server's memory. (Run on the request
#: threads, each thread's malloc arena would keep its own 16 MiB after the check.)
SCRYPT_THREADS = 2
#: checks waiting for a thread past this many are refused at once (the server is flooded)
SCRYPT_QUEUE = 64
_SCRYPT_POOL = ThreadPoolExecutor(max_workers=SCRYPT_THREADS, thread_name_prefix="kanta-scrypt")
_queued = threading.BoundedSemaphore(SCRYPT_QUEUE)


class PasswordCheckBusy(Exception):
    """Too many password checks are waiting: the caller answers 503 with Retry-After."""


def check_password(password: str, stored: str) -> bool:
    if len(password) > 1024:  # no one's password; and scrypt's cost grows with it
        return False
    if not _queued.acquire(blocking=False):
        raise PasswordCheckBusy("too many password checks at once")
    try:
        return _SCRYPT_POOL.submit(_check, password, stored).result()
    finally:
        _queued.release()


def _check(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


#: checked against when the email is unknown, so a wrong email costs as long as a wrong password
DUMMY_HASH = hash_password("kanta-no-such-owner", n=SCRYPT_N)
