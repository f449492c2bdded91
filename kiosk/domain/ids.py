"""UUIDv7 event ids (RFC 9562): time-ordered, so ids sort roughly by creation."""

from __future__ import annotations

import uuid


def uuid7(unix_ms: int, rand: bytes) -> uuid.UUID:
    """Build a UUIDv7 from a millisecond timestamp and 10 random bytes.

    Pure: the caller supplies time and randomness (``os.urandom(10)`` in production).
    """
    if len(rand) != 10:
        raise ValueError("uuid7 needs exactly 10 random bytes")
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError("uuid7 timestamp out of range")
    rand_a = int.from_bytes(rand[:2], "big") & 0x0FFF
    rand_b = int.from_bytes(rand[2:], "big") & ((1 << 62) - 1)
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    return value.int >> 80
