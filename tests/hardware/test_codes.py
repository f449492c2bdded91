"""Validation of scanned codes: GS1 check digits and the card-number pattern."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.codes import CodeValidator, gtin_check_digit, has_valid_check_digit, scan_event
from hardware.errors import InvalidCode
from hardware.events import CodeRejected, CodeScanned

VALIDATOR = CodeValidator(r"^[0-9A-Z]{6,24}$")


@pytest.mark.parametrize(
    "code", ["4006381333931", "5901234123457", "036000291452", "012345678905"]
)
def test_real_product_codes_have_valid_check_digits(code: str) -> None:
    assert has_valid_check_digit(code)


@given(st.text(alphabet="0123456789", min_size=11, max_size=12))
def test_appending_the_check_digit_always_validates(body: str) -> None:
    code = body + str(gtin_check_digit(body))
    assert has_valid_check_digit(code)
    wrong = body + str((gtin_check_digit(body) + 1) % 10)
    assert not has_valid_check_digit(wrong)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11),
       st.integers(1, 9))
def test_any_single_digit_error_is_caught(body: str, position: int, delta: int) -> None:
    code = body + str(gtin_check_digit(body))
    digit = (int(code[position]) + delta) % 10
    typo = code[:position] + str(digit) + code[position + 1:]
    assert not has_valid_check_digit(typo)


def test_check_digit_refuses_non_digits() -> None:
    with pytest.raises(InvalidCode):
        gtin_check_digit("12345A")
    assert not has_valid_check_digit("١٢٣٤٥٦٧٨٩٠١٢٣")  # Arabic-Indic digits are not GTINs


@pytest.mark.parametrize(
    ("text", "kind"),
    [("4006381333931", "ean13"), ("036000291452", "upca"), ("KANTA0042", "card"),
     ("12345678", "card")],
)
def test_accepted_codes_and_their_kind(text: str, kind: str) -> None:
    assert VALIDATOR.check(text).kind == kind
    assert scan_event(VALIDATOR, text, "scanner") == CodeScanned(text, "scanner", kind)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("4006381333932", "EAN-13 check digit is wrong"),
        ("036000291453", "UPC-A check digit is wrong"),
        ("", "empty code"),
        ("abc", "neither a product code nor a card number"),
        ("KANTA\ufffd42", "code contains keys the scanner layout does not know"),
        ("X" * 65, "code longer than 64 characters"),
    ],
)
def test_junk_is_rejected_with_a_reason(text: str, reason: str) -> None:
    verdict = VALIDATOR.check(text)
    assert not verdict.accepted and verdict.reason == reason
    assert scan_event(VALIDATOR, text, "s") == CodeRejected(text, "s", reason)


def test_a_broken_card_pattern_is_a_clear_error() -> None:
    with pytest.raises(InvalidCode, match="not a valid regular expression"):
        CodeValidator("([")


@given(st.text(max_size=80))
def test_any_text_gets_a_verdict_never_an_exception(text: str) -> None:
    verdict = VALIDATOR.check(text)
    assert verdict.accepted != (verdict.reason is not None)
