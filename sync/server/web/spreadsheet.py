"""The console's CSV downloads: the cells and files of ``kiosk.spreadsheet`` (the one set of
rules for every CSV Kanta writes), served as an attachment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from starlette.responses import Response

from kiosk.spreadsheet import BOM, as_text, csv_text, decimal, euros

__all__ = ["BOM", "as_text", "csv_response", "csv_text", "decimal", "euros"]


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return Response(
        csv_text(header, rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
