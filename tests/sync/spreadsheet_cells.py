"""Cells of Kanta's CSV files read back as Finnish-locale Excel reads them (written here
from Excel's rules, not from Kanta's writer, so a wrong cell fails the tests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

#: accounts kept in cents: the CSV has them in euros with a decimal comma
MONEY = ("credit", "spend")


def spreadsheet_text(cell: str) -> str:
    """``="0400638..."`` is text to Excel (digits and leading zeros kept); an empty cell is ''."""
    if not cell:
        return ""
    match = re.fullmatch(r'="((?:[^"]|"")*)"', cell)
    assert match is not None, f"{cell!r} is not a text formula: Excel would read digits as a number"
    return match[1].replace('""', '"')


def spreadsheet_time(cell: str) -> datetime:
    """``2026-05-01 09:00:01`` (a date and time Excel recognises; the column says UTC)."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cell), f"{cell!r} is not a time Excel reads"
    return datetime.strptime(cell, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def spreadsheet_amount(account: str, cell: str) -> int:
    """An account's value: cents from ``-12,50`` for money, else the whole number."""
    if account not in MONEY:
        return int(cell)
    match = re.fullmatch(r"(-?)(\d+),(\d\d)", cell)
    assert match is not None, f"{cell!r} is not euros with a decimal comma"
    cents = int(match[2]) * 100 + int(match[3])
    return -cents if match[1] else cents
