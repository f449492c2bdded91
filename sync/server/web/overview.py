"""The overview page: how the program performs, with a date range and kiosk filter, each
chart's numbers as a CSV (figures from :mod:`sync.server.web.figures`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sync.server import aggregates, db
from sync.server.texts import Msg
from sync.server.web import charts, i18n
from sync.server.web.console import Console, PageRefused
from sync.server.web.figures import Overview, Query, compute, current_program
from sync.server.web.spreadsheet import csv_response, decimal, euros

DEFAULT_DAYS = 30
MAX_DAYS = 3660
SHOP_ZONE = "Europe/Helsinki"  # a shop without a program file: the kiosk's default zone


def today(console: Console, shop_id: int) -> date:
    with db.read_tx(console.engine) as conn:
        program = current_program(conn, shop_id)
    return datetime.now(ZoneInfo(program.timezone if program else SHOP_ZONE)).date()


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise PageRefused(
            422,
            Msg(
                "{field}: a whole number from {low} to {high}, got {raw!r}",
                field=name,
                low=low,
                high=high,
                raw=raw[:20],
            ),
        )
    return int(raw)


def _date(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise PageRefused(
            422, Msg("{field}: a date like 2026-03-01, got {raw!r}", field=name, raw=raw[:20])
        ) from None


def query_from(console: Console, request: Request, shop_id: int) -> Query:
    end = _date(request, "end", today(console, shop_id))
    start = _date(request, "start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise PageRefused(
            422, Msg("start {start} is after end {end}", start=start.isoformat(), end=end.isoformat())
        )
    if (end - start).days >= MAX_DAYS:
        raise PageRefused(422, Msg("the range is longer than {top} days", top=MAX_DAYS))
    kiosk = request.query_params.get("kiosk") or None
    if kiosk is not None and len(kiosk) > 200:
        raise PageRefused(422, Msg("kiosk: at most 200 characters"))
    active = _int(request, "active_days", 30, 1, 3650)
    dormant = _int(request, "dormant_days", 90, active + 1, 3651)
    return Query(start, end, kiosk, active, dormant)


def fresh_overview(console: Console, shop_id: int, query: Query) -> Overview:
    waiting = aggregates.up_to_date(console.engine, shop_id)
    view = compute(console.engine, shop_id, query)
    view.uncounted = waiting
    return view


CHARTS = ("per_day", "per_weekday", "per_hour", "figures")


def routes(console: Console, router: APIRouter) -> None:
    @router.get("/overview")
    def overview(request: Request) -> Response:
        session = console.session(request)
        query = query_from(console, request, session.shop_id)
        view = fresh_overview(console, session.shop_id, query)
        _ = i18n.translator(session.lang)
        return console.render(
            request,
            "overview.html",
            session,
            title="Overview",
            o=view,
            query_string=request.url.query,
            chart_per_day=charts.line(_("Visits per day"), _days(view.per_day, session.lang)),
            chart_per_weekday=charts.bars(_("Visits per weekday"), _weekdays(view.per_weekday, session.lang)),
            chart_per_hour=charts.bars(_("Visits per hour"), view.per_hour),
        )

    @router.get("/overview/{chart}.csv")
    def overview_csv(request: Request, chart: str) -> Response:
        session = console.session(request)
        if chart not in CHARTS:
            raise PageRefused(
                404, Msg("no chart {chart!r}: one of {known}", chart=chart[:40], known=", ".join(CHARTS))
            )
        query = query_from(console, request, session.shop_id)
        view = fresh_overview(console, session.shop_id, query)
        name = f"kanta-{chart}-{query.start}-{query.end}.csv"
        _ = i18n.translator(session.lang)
        if chart == "figures":
            rows = [(_(figure), value, _(unit)) for figure, value, unit in figure_rows(view)]
            return csv_response(name, [_("figure"), _("value"), _("unit")], rows)
        series = {
            "per_day": view.per_day,
            "per_weekday": _weekdays(view.per_weekday, session.lang),
            "per_hour": view.per_hour,
        }[chart]
        key = {"per_day": "date", "per_weekday": "weekday", "per_hour": "hour"}[chart]
        return csv_response(name, [_(key), _("visits")], series)


def _weekdays(points: list[tuple[str, int]], lang: str) -> list[tuple[str, int]]:
    _ = i18n.translator(lang)
    return [(_(name), value) for name, value in points]


def _days(points: list[tuple[str, int]], lang: str) -> list[tuple[str, int]]:
    """Each day as the language writes it (the chart's labels)."""
    return [(i18n.day(name, lang), value) for name, value in points]


def figure_rows(o: Overview) -> list[tuple[str, str, str]]:
    """Every figure of the overview, one a row, money in euros."""
    t = o.totals
    rows: list[tuple[str, str, str]] = [
        ("members", str(o.members["total"]), "members"),
        ("new members", str(o.members["new"]), "members"),
        ("active members", str(o.members["active"]), "members"),
        ("lapsing members", str(o.members["lapsing"]), "members"),
        ("dormant members", str(o.members["dormant"]), "members"),
        ("visits", str(t["visits"]), "visits"),
        ("member purchases", str(t["purchases"]), "purchases"),
        ("member spend", euros(t["spend"]), "€"),
        ("member spend per visit", euros(o.spend_per_visit_members), "€"),
        ("member spend per member", euros(o.spend_per_member), "€"),
        ("non-member spend", euros(o.nonmember_spend), "€"),
        ("non-member spend per visit", euros(o.spend_per_visit_nonmembers), "€"),
        ("rewards earned", str(o.rewards_earned), "rewards"),
        ("rewards redeemed", str(t["rewards_redeemed"]), "rewards"),
        ("reward redemption rate", decimal(o.redemption_rate), "share"),
        ("points issued", str(t["points_issued"]), "points"),
        ("points redeemed", str(t["points_redeemed"]), "points"),
        ("points expired", str(t["points_expired"]), "points"),
        ("points redemption rate", decimal(o.points_redemption_rate), "share"),
        ("points expiry rate", decimal(o.points_expiry_rate), "share"),
        ("stamps issued", str(t["stamps_issued"]), "stamps"),
        ("stamps redeemed", str(t["stamps_redeemed"]), "stamps"),
        ("outstanding liability", euros(o.liability), "€"),
        ("reward cost", euros(o.reward_cost), "€"),
        ("extra member revenue", euros(o.extra_member_revenue), "€"),
        ("lifetime value per member", euros(o.lifetime_value), "€"),
    ]
    return rows
