"""Non-member sales: the till's daily totals, entered one day at a time or imported from a
CSV (date, total, receipts), so the overview can set members against everyone else."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.money import parse_amount
from kiosk.errors import InvalidInput
from sync.server import db
from sync.server.web.console import Console, redirect
from sync.server.web.overview import today

MAX_TILL_FILE = 1024 * 1024
MAX_TILL_ROWS = 3660
MAX_DAY_TOTAL = 10**11  # a billion euros a day: a typo, not a shop


@dataclass(frozen=True)
class TillDay:
    day: str
    total: int
    receipts: int


def parse_day(text: str) -> str:
    """2026-03-01 or 1.3.2026 (as a Finnish till writes it) -> 2026-03-01."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidInput(f"date {text[:30]!r} is not a date like 2026-03-01 or 1.3.2026")


def parse_row(day: str, total: str, receipts: str) -> TillDay:
    when = parse_day(day)
    try:
        cents = parse_amount(total.replace("€", "").replace("\u00a0", "").replace(" ", ""))
    except InvalidInput:
        raise InvalidInput(f"total {total[:30]!r} is not an amount in euros like 1234,50") from None
    if not 0 <= cents <= MAX_DAY_TOTAL:
        raise InvalidInput(f"total {total[:30]!r} is out of range")
    count = receipts.strip()
    if not count.isdigit() or int(count) > 10**7:
        raise InvalidInput(f"receipts {receipts[:30]!r} is not a whole number of receipts")
    return TillDay(when, cents, int(count))


def parse_csv(text: str) -> tuple[list[TillDay], list[str]]:
    """Rows of a till CSV (``;`` or ``,`` between fields); every bad row named by its line."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return [], ["the file is empty: expected a header line date;total;receipts"]
    delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [c.strip().lower() for c in next(reader)]
    names = [h.split("(")[0].strip() for h in header]
    missing = [c for c in ("date", "total", "receipts") if c not in names]
    if missing:
        return [], [f"line 1: the header must name date, total and receipts (missing: {', '.join(missing)})"]
    days: list[TillDay] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(c.strip() for c in record):
            continue
        if len(days) + len(errors) >= MAX_TILL_ROWS:
            errors.append(f"line {line}: more than {MAX_TILL_ROWS} rows; split the file")
            break
        fields = {n: (record[i] if i < len(record) else "") for i, n in enumerate(names)}
        try:
            row = parse_row(fields["date"], fields["total"], fields["receipts"])
        except InvalidInput as exc:
            errors.append(f"line {line}: {exc}")
            continue
        if row.day in seen:
            errors.append(f"line {line}: {row.day} is already on line {seen[row.day]}")
            continue
        seen[row.day] = line
        days.append(row)
    return days, errors


def save(engine: Engine, shop_id: int, days: list[TillDay]) -> None:
    """Store days (a day entered again replaces its earlier totals)."""
    with db.write_tx(engine) as conn:
        for d in days:
            db.q(conn, 'DELETE FROM till_days WHERE shop_id = ? AND "day" = ?', (shop_id, d.day))
        if days:
            conn.exec_driver_sql(
                'INSERT INTO till_days (shop_id, "day", "total", "receipts") VALUES '
                + ("(%s, %s, %s, %s)" if conn.dialect.paramstyle != "qmark" else "(?, ?, ?, ?)"),
                [(shop_id, d.day, d.total, d.receipts) for d in days],
            )


def recent(engine: Engine, shop_id: int, limit: int = 62) -> list[TillDay]:
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            'SELECT "day", "total", "receipts" FROM till_days WHERE shop_id = ? '
            'ORDER BY "day" DESC LIMIT ?',
            (shop_id, limit),
        ).all()
    return [TillDay(r[0], int(r[1]), int(r[2])) for r in rows]


def routes(console: Console, router: APIRouter) -> None:
    def page(request: Request, errors: list[str] | None = None, saved: int | None = None) -> Response:
        session = console.session(request)
        status = 422 if errors else 200
        return console.render(
            request,
            "till.html",
            session,
            status=status,
            title="Non-member sales",
            days=recent(console.engine, session.shop_id),
            errors=errors or [],
            saved=saved,
            today=today(console, session.shop_id).isoformat(),
        )

    @router.get("/sales")
    def sales(request: Request) -> Response:
        saved = request.query_params.get("saved", "")
        return page(request, saved=int(saved) if saved.isdigit() and len(saved) < 6 else None)

    @router.post("/sales")
    async def enter_day(request: Request) -> Response:
        session, form = await console.form(request)
        try:
            row = parse_row(*(str(form.get(k, "")) for k in ("date", "total", "receipts")))
        except InvalidInput as exc:
            return page(request, [str(exc)])
        save(console.engine, session.shop_id, [row])
        return redirect("/sales?saved=1")

    @router.post("/sales/import")
    async def import_days(request: Request) -> Response:
        session, form = await console.form(request, limit=MAX_TILL_FILE + 16 * 1024)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(request, ["choose a CSV file of date;total;receipts"])
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return page(request, ["the file is not UTF-8 text (save it from Excel as CSV UTF-8)"])
        days, errors = parse_csv(text)
        if errors:
            return page(request, [*errors, "nothing was saved: correct the lines above and import again"])
        save(console.engine, session.shop_id, days)
        return redirect(f"/sales?saved={len(days)}")
