"""CSV files that open right in Finnish-locale Excel, for every CSV Kanta writes (the
console's, the exports'): UTF-8 with a byte-order mark (else Excel reads them as
Windows-1252), ``;`` between fields (the comma is the decimal mark), money in euros with a
decimal comma and the unit in the header, card numbers and phone numbers as text (else a
13-digit card shows as 4,00638E+12 and "+358..." as a formula), times as
``YYYY-MM-DD HH:MM:SS`` in UTC (which Excel recognises; the header says UTC)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

BOM = "\ufeff"


def euros(cents: int | None) -> str:
    """12345 -> '123,45' (the header carries the unit)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole},{frac:02d}"


def as_text(value: str) -> str:
    """A cell Excel keeps as text, leading zeros, plus signs and all digits included."""
    return '="' + value.replace('"', '""') + '"'


def decimal(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def utc_time(iso: str | None) -> str:
    """An ISO 8601 time -> 'YYYY-MM-DD HH:MM:SS' in UTC, which Excel takes for a date and
    time (it reads no ``T`` and no offset); a time without a zone is taken as written, and
    what is not a time comes back as it is."""
    if not iso:
        return ""
    if len(iso) == 29 and iso.endswith("+00:00") and iso[10] == "T":  # as kiosks write it
        return f"{iso[:10]} {iso[11:19]}"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return BOM + out.getvalue()
