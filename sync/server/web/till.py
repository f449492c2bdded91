"""Non-member sales: the till's daily totals, entered one day at a time or imported from a
CSV (date, total, receipts), so the overview can set members against everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from kiosk.domain.money import parse_amount
from kiosk.errors import InvalidInput
from sync.server import db, uploads
from sync.server.texts import BadInput, Msg
from sync.server.web.console import Console, redirect
from sync.server.web.import_page import FORM_SLACK
from sync.server.web.overview import today

#: ten years of days, a few dozen bytes each
LIMITS = uploads.Limits(max_bytes=1024 * 1024, max_rows=3660)
MAX_DAY_TOTAL = 10**11  # a billion euros a day: a typo, not a shop
#: column names as a Finnish or Swedish till writes them -> the page's own
COLUMN_NAMES = {
    "päivä": "date",
    "päivämäärä": "date",
    "datum": "date",
    "yhteensä": "total",
    "summa": "total",
    "totalt": "total",
    "summan": "total",
    "kuitit": "receipts",
    "kuitteja": "receipts",
    "kvitton": "receipts",
}


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
    raise BadInput(Msg("date {value!r} is not a date like 2026-03-01 or 1.3.2026", value=text[:30]))


def parse_row(day: str, total: str, receipts: str) -> TillDay:
    when = parse_day(day)
    try:
        cents = parse_amount(total.replace("€", "").replace("\u00a0", "").replace(" ", ""))
    except InvalidInput:
        raise BadInput(
            Msg("total {value!r} is not an amount in euros like 1234,50", value=total[:30])
        ) from None
    if not 0 <= cents <= MAX_DAY_TOTAL:
        raise BadInput(Msg("total {value!r} is out of range", value=total[:30]))
    count = receipts.strip()
    if not count.isdigit() or int(count) > 10**7:
        raise BadInput(Msg("receipts {value!r} is not a whole number of receipts", value=receipts[:30]))
    return TillDay(when, cents, int(count))


def parse_csv(raw: bytes) -> tuple[list[TillDay], list[Msg]]:
    """Rows of a till CSV (``;`` or ``,`` between fields), read within :data:`LIMITS`; every
    bad row named by its line. Raises BadInput for a file not read at all (too large, not
    UTF-8)."""
    table = uploads.read(raw, LIMITS, Msg("the file is empty: expected a header line date;total;receipts"))
    errors = table.errors
    if not table.header:
        return [], errors
    names = [COLUMN_NAMES.get(n, n) for n in table.header]
    missing = [c for c in ("date", "total", "receipts") if c not in names]
    if missing:
        wanted = Msg(
            "the header line must name date, total and receipts (missing: {missing})",
            missing=", ".join(missing),
        )
        return [], [wanted, *errors]
    days: list[TillDay] = []
    seen: dict[str, int] = {}
    for line, record in table.rows:
        if not any(c.strip() for c in record):
            continue
        fields = {n: (record[i] if i < len(record) else "") for i, n in enumerate(names)}
        try:
            row = parse_row(fields["date"], fields["total"], fields["receipts"])
        except BadInput as exc:
            errors.append(Msg("line {line}: {problem}", line=line, problem=exc.message))
            continue
        if row.day in seen:
            errors.append(
                Msg(
                    "line {line}: {day} is already on line {other}",
                    line=line,
                    day=row.day,
                    other=seen[row.day],
                )
            )
            continue
        seen[row.day] = line
        days.append(row)
    errors.sort(key=uploads.line_of)
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
            'SELECT "day", "total", "receipts" FROM till_days WHERE shop_id = ? ORDER BY "day" DESC LIMIT ?',
            (shop_id, limit),
        ).all()
    return [TillDay(r[0], int(r[1]), int(r[2])) for r in rows]


def routes(console: Console, router: APIRouter) -> None:
    def page(
        request: Request, errors: list[Msg] | None = None, saved: int | None = None, status: int | None = None
    ) -> Response:
        session = console.session(request)
        status = status or (422 if errors else 200)
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
        except BadInput as exc:
            return page(request, [exc.message])
        save(console.engine, session.shop_id, [row])
        return redirect("/sales?saved=1")

    @router.post("/sales/import")
    async def import_days(request: Request) -> Response:
        session, form = await console.form(request, limit=LIMITS.max_bytes + FORM_SLACK)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(request, [Msg("choose a CSV file of date;total;receipts")])
        raw = await upload.read(LIMITS.max_bytes + 1)
        try:
            days, errors = parse_csv(raw)
        except BadInput as exc:  # not read at all: too large, not UTF-8
            return page(request, [exc.message], status=413 if len(raw) > LIMITS.max_bytes else 422)
        if errors:
            return page(
                request, [*errors, Msg("nothing was saved: correct the lines above and import again")]
            )
        save(console.engine, session.shop_id, days)
        return redirect(f"/sales?saved={len(days)}")
