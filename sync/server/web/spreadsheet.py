"""CSV files that open right in Finnish-locale Excel: UTF-8 with a byte-order mark (else
Excel reads them as Windows-1252), ``;`` between fields (the comma is the decimal mark),
money in euros with a decimal comma and the unit in the header, card numbers as text
(else a 13-digit card shows as 4,00638E+12), dates as YYYY-MM-DD (which Excel recognises)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.responses import Response

BOM = "\ufeff"


def euros(cents: int | None) -> str:
    """12345 -> '123,45' (the header carries the unit)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole},{frac:02d}"


def as_text(value: str) -> str:
    """A cell Excel keeps as text, leading zeros and all digits included."""
    return '="' + value.replace('"', '""') + '"'


def decimal(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return BOM + out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return Response(
        csv_text(header, rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
