"""Validating and classifying what a scanner read: pure functions, no I/O.

At the device (``CodeValidator``): a numeric code of 13 digits must be a valid EAN-13, of
12 digits a valid UPC-A (both by their check digit); anything else must match the
configured card-number pattern, or (when the kiosk takes them) at least look like a
printed code (letters, digits and ``- _ . /``, 4 to 64 characters: a coupon, a gift code).

At the counter (``classify_code`` with the shop's ``CodeKinds``): which of those codes is
a member card, a coupon or a prepaid gift code. Everything else, a product's barcode
above all, is refused so that it never becomes a member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.errors import InvalidCode
from hardware.events import CodeRejected, CodeScanned
from hardware.keyboard import UNKNOWN_KEY

#: a code longer than this is junk whatever the pattern says (a scanner gone wild)
MAX_CODE_LENGTH = 64
#: what a printed coupon or gift code may look like
PRINTED_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_./-]{3,63}$")


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
    """Classifies scanned text as ``ean13``, ``upca``, ``card`` or ``code`` (another
    printed code), or says why not."""

    def __init__(self, card_number_pattern: str, *, printed_codes: bool = False) -> None:
        #: pass other printed codes (coupons, gift codes) on as ``code``, for a kiosk whose
        #: counter classifies them (``classify_code``); else they are rejected here
        self.printed_codes = printed_codes
        try:
            self._card_number = re.compile(card_number_pattern)
        except re.error as exc:
            raise InvalidCode(
                f"card_number_pattern {card_number_pattern!r} is not a valid regular expression ({exc})"
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
        if self.printed_codes and PRINTED_CODE.fullmatch(text):
            return Verdict(kind="code")
        return Verdict(reason="neither a product code nor a card number")


def scan_event(validator: CodeValidator, text: str, device: str) -> CodeScanned | CodeRejected:
    """The event a scanner reports for ``text``: scanned when valid, rejected with why."""
    verdict = validator.check(text)
    if verdict.kind is not None:
        return CodeScanned(text=text, device=device, kind=verdict.kind)
    return CodeRejected(raw=text, device=device, reason=verdict.reason or "invalid code")


#: what ``classify_code`` makes of a code
CARD, GIFT, COUPON = "card", "gift", "coupon"
#: and the reasons it refuses one
GARBLED, PRODUCT, UNKNOWN = "garbled_code", "product_code", "unknown_code"


@dataclass(frozen=True)
class CodeKinds:
    """The shop's codes: which scanned codes are member cards, gift codes or coupons.

    ``card_pattern`` is the printed member card's number; ``card_prefixes`` are the
    beginnings of EAN-13 / UPC-A numbers the shop printed on its own cards (in-store
    numbers such as 2xxxxxx), since every other valid EAN is a product's. Codes are
    compared in upper case.
    """

    card_pattern: str = r"^[0-9A-Z]{6,24}$"
    card_prefixes: tuple[str, ...] = ()
    gift_prefixes: tuple[str, ...] = ()
    coupon_codes: frozenset[str] = frozenset()
    coupon_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classified:
    """``kind`` (card, gift or coupon) for a code the counter takes, else ``refusal``
    (garbled_code, product_code or unknown_code) and ``reason`` for a person."""

    code: str
    kind: str | None = None
    refusal: str | None = None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.kind is not None


def classify_code(kinds: CodeKinds, text: str) -> Classified:
    """What a scanned or typed code is at the counter (pure)."""
    code = text.strip().upper()
    if not code or len(code) > MAX_CODE_LENGTH or UNKNOWN_KEY in code or not code.isprintable():
        shown = code[:MAX_CODE_LENGTH]
        return Classified(shown, refusal=GARBLED, reason="The code was not read whole; scan it again.")
    if code.startswith(kinds.gift_prefixes) and kinds.gift_prefixes:
        return Classified(code, kind=GIFT)
    if code in kinds.coupon_codes or (kinds.coupon_prefixes and code.startswith(kinds.coupon_prefixes)):
        return Classified(code, kind=COUPON)
    if code.isascii() and code.isdigit() and len(code) in (12, 13):
        valid = has_valid_check_digit(code)
        if kinds.card_prefixes and code.startswith(kinds.card_prefixes):
            if valid:
                return Classified(code, kind=CARD)
            return Classified(code, refusal=GARBLED, reason="The card's check digit is wrong; scan it again.")
        # 12 or 13 digits are a product's EAN-13 / UPC-A, misread or typed wrong when invalid
        misread = "" if valid else " (and its check digit is wrong)"
        return Classified(
            code,
            refusal=PRODUCT,
            reason=f"This is a product's barcode{misread}, not a loyalty card or a coupon.",
        )
    if re.fullmatch(kinds.card_pattern, code):
        return Classified(code, kind=CARD)
    return Classified(
        code, refusal=UNKNOWN, reason="This code is not a loyalty card, coupon or gift code here."
    )
