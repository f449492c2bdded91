"""Validating what a scanner read: pure functions, no I/O.

A numeric code of 13 digits must be a valid EAN-13, of 12 digits a valid UPC-A (both by
their check digit); anything else must match the configured card-number pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.errors import InvalidCode
from hardware.events import CodeRejected, CodeScanned
from hardware.keyboard import UNKNOWN_KEY

#: a code longer than this is junk whatever the pattern says (a scanner gone wild)
MAX_CODE_LENGTH = 64


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits of a GTIN without its check digit.

    Weights alternate 3, 1, ... from the rightmost digit of ``body``.
    """
    if not body.isascii() or not body.isdigit():
        raise InvalidCode(f"a GTIN has only digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    """True when the last digit of an all-digit GTIN (EAN-13, UPC-A, EAN-8) is right."""
    if len(code) < 2 or not code.isascii() or not code.isdigit():
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


@dataclass(frozen=True)
class Verdict:
    """``kind`` is set for an accepted code, ``reason`` for a rejected one."""

    kind: str | None = None
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.kind is not None


class CodeValidator:
    """Classifies scanned text as ``ean13``, ``upca`` or ``card``, or says why not."""

    def __init__(self, card_number_pattern: str) -> None:
        try:
            self._card_number = re.compile(card_number_pattern)
        except re.error as exc:
            raise InvalidCode(
                f"card_number_pattern {card_number_pattern!r} is not a valid regular expression"
                f" ({exc})"
            ) from None

    def check(self, text: str) -> Verdict:
        if not text:
            return Verdict(reason="empty code")
        if len(text) > MAX_CODE_LENGTH:
            return Verdict(reason=f"code longer than {MAX_CODE_LENGTH} characters")
        if UNKNOWN_KEY in text or not text.isprintable():
            return Verdict(reason="code contains keys the scanner layout does not know")
        if text.isascii() and text.isdigit() and len(text) in (12, 13):
            kind = "ean13" if len(text) == 13 else "upca"
            if has_valid_check_digit(text):
                return Verdict(kind=kind)
            return Verdict(reason=f"{'EAN-13' if kind == 'ean13' else 'UPC-A'} check digit is wrong")
        if self._card_number.fullmatch(text):
            return Verdict(kind="card")
        return Verdict(reason="neither a product code nor a card number")


def scan_event(validator: CodeValidator, text: str, device: str) -> CodeScanned | CodeRejected:
    """The event a scanner reports for ``text``: scanned when valid, rejected with why."""
    verdict = validator.check(text)
    if verdict.kind is not None:
        return CodeScanned(text=text, device=device, kind=verdict.kind)
    return CodeRejected(raw=text, device=device, reason=verdict.reason or "invalid code")
