"""Monthly retention as a cohort heat map: members grouped by the month they were first
seen, and the share of each group that came (a visit or a purchase) in each month after.
From the aggregates (``agg_members``, ``agg_member_months``)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from sync.server import aggregates, db
from sync.server.texts import Msg
from sync.server.web import i18n
from sync.server.web.console import Console, PageRefused
from sync.server.web.spreadsheet import csv_response, decimal

MONTHS = 12


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def cohorts(engine: Engine, shop_id: int, since: str) -> list[tuple[str, int, list[float | None]]]:
    """(cohort month, members, share who came in month 0, 1, ... after) from ``since``."""
    aggregates.up_to_date(engine, shop_id)
    with db.read_tx(engine) as conn:
        sizes = db.q(
            conn,
            'SELECT substr("first_day", 1, 7), COUNT(*) FROM agg_members '
            'WHERE shop_id = ? AND "first_day" >= ? GROUP BY substr("first_day", 1, 7)',
            (shop_id, since),
        ).all()
        came = db.q(
            conn,
            'SELECT substr(m."first_day", 1, 7), mm."month", COUNT(*) FROM agg_member_months mm '
            'JOIN agg_members m ON m.shop_id = mm.shop_id AND m."member" = mm."member" '
            'WHERE mm.shop_id = ? AND m."first_day" >= ? GROUP BY substr(m."first_day", 1, 7), mm."month"',
            (shop_id, since),
        ).all()
    counts: dict[tuple[str, int], int] = {}
    for cohort, month, n in came:
        offset = _month_index(month) - _month_index(cohort)
        if 0 <= offset < MONTHS:
            counts[(cohort, offset)] = int(n)
    out = []
    for cohort, size in sorted(sizes):
        span = min(MONTHS, _month_index(date.today().isoformat()) - _month_index(cohort) + 1)
        shares: list[float | None] = [
            counts.get((cohort, k), 0) / int(size) if k < span else None for k in range(MONTHS)
        ]
        out.append((cohort, int(size), shares))
    return out


def routes(console: Console, router: APIRouter) -> None:
    def since(request: Request) -> str:
        raw = request.query_params.get("since", "")
        if not raw:
            today = date.today()
            start = _month_index(today.isoformat()) - (MONTHS - 1)
            return f"{start // 12:04d}-{start % 12 + 1:02d}-01"
        try:
            return date.fromisoformat(raw[:7] + "-01").isoformat()
        except ValueError:
            raise PageRefused(422, Msg("since: a month like 2026-01, got {raw!r}", raw=raw[:20])) from None

    @router.get("/retention")
    def retention(request: Request) -> Response:
        session = console.session(request)
        rows = cohorts(console.engine, session.shop_id, since(request))
        heat = [(c, n, [_cell(s) for s in shares]) for c, n, shares in rows]
        first = since(request)[:7]
        return console.render(
            request, "retention.html", session, title="Retention", rows=heat, months=MONTHS, since=first
        )

    @router.get("/retention.csv")
    def retention_csv(request: Request) -> Response:
        session = console.session(request)
        rows = cohorts(console.engine, session.shop_id, since(request))
        _ = i18n.translator(session.lang)
        header = [_("cohort"), _("members"), *(_("month {k}", k=k) for k in range(MONTHS))]
        body = [[c, n, *(decimal(s) for s in shares)] for c, n, shares in rows]
        return csv_response("kanta-retention.csv", header, body)


def _cell(share: float | None) -> tuple[int | None, str]:
    """(percent shown, colour bucket 0-10 or none)."""
    if share is None:
        return None, "none"
    return round(share * 100), str(min(10, round(share * 10)))
