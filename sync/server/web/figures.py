"""The overview's figures, from the aggregates (:mod:`sync.server.aggregates`) and the
till's daily totals; never by reading events.

Definitions (the page and the README say the same):
- member states as of the range's last day, by days since the last visit: active below
  ``active_days``, lapsing below ``dormant_days``, dormant from there (or never visited);
- spend per visit: members' recorded spend / their recorded purchases (a purchase is a
  receipt); non-members': (till total − members' spend) / (till receipts − members'
  purchases), so the till's totals for every day of the range are needed;
- spend per member: the range's spend / members who came in the range's months;
- rewards earned: stamps issued / stamps a reward needs (the program's first stamp card);
- extra member revenue: (member − non-member spend per visit) × member purchases;
- lifetime value: members' spend since they joined / members.
The kiosk filter narrows visits, spend, points, stamps and rewards; member states, the
till and the liability are the whole shop's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection, Engine

from kiosk.domain.events import CREDIT, POINTS
from kiosk.domain.program import parse_program
from kiosk.domain.programs.spec import ProgramSpec
from kiosk.errors import KantaError
from sync.server import db
from sync.server.console_schema import HOUR_COUNTERS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: stamps a reward needs when the shop has no program file (the built-in rule's default)
BUILTIN_STAMPS_FOR_REWARD = 10


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    kiosk: str | None = None
    active_days: int = 30
    dormant_days: int = 90

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass
class Overview:
    query: Query
    totals: dict[str, int]
    per_day: list[tuple[str, int]]
    per_weekday: list[tuple[str, int]]
    per_hour: list[tuple[str, int]]
    members: dict[str, int]
    spend_per_visit_members: int | None
    spend_per_member: int | None
    lifetime_value: int | None
    till_missing: list[str]
    spend_per_visit_nonmembers: int | None
    nonmember_spend: int | None
    extra_member_revenue: int | None
    reward_cost: int
    stamps_for_reward: int
    rewards_earned: int
    redemption_rate: float | None
    points_redemption_rate: float | None
    points_expiry_rate: float | None
    liability: int
    liability_parts: dict[str, int]
    not_valued: list[str] = field(default_factory=list)
    kiosks: list[str] = field(default_factory=list)
    #: events not counted yet (a long backlog is counted in the background)
    uncounted: int = 0


def _ratio(a: int, b: int) -> float | None:
    return None if b <= 0 else a / b


def _div(a: int, b: int) -> int | None:
    """Cents divided, rounded half up; None when there is nothing to divide by."""
    return None if b <= 0 else (2 * a + b) // (2 * b)


#: members who came in the range's months, counted once: grouped on PostgreSQL (it hashes
#: rather than sorts), COUNT(DISTINCT) on SQLite (23 -> 15 ms for 50,000 members in two months)
_CAME = (
    'SELECT COUNT(DISTINCT "member") FROM agg_member_months WHERE shop_id = ? AND "month" BETWEEN ? AND ?',
    'SELECT COUNT(*) FROM (SELECT "member" FROM agg_member_months '
    'WHERE shop_id = ? AND "month" BETWEEN ? AND ? GROUP BY "member") AS came',
)


def current_program(conn: Connection, shop_id: int) -> ProgramSpec | None:
    row = db.q(
        conn, "SELECT toml FROM programs WHERE shop_id = ? ORDER BY version DESC LIMIT 1", (shop_id,)
    ).first()
    if row is None:
        return None
    try:
        return parse_program(tomllib.loads(row[0])).spec
    except (KantaError, tomllib.TOMLDecodeError):
        return None  # published before the server checked programs: valued as unknown


def compute(engine: Engine, shop_id: int, q: Query) -> Overview:
    start, end = q.start.isoformat(), q.end.isoformat()
    cols = ", ".join(f'SUM("{c}")' for c in HOUR_COUNTERS)
    kiosk_clause, kiosk_args = (" AND kiosk = ?", (q.kiosk,)) if q.kiosk else ("", ())
    with db.read_tx(engine) as conn:
        hours = db.q(
            conn,
            f'SELECT "day", "hour", {cols} FROM agg_hours WHERE shop_id = ? AND "day" BETWEEN ? AND ?'
            f'{kiosk_clause} GROUP BY "day", "hour"',
            (shop_id, start, end, *kiosk_args),
        ).all()
        shop_wide = db.q(
            conn,
            'SELECT SUM("spend"), SUM("purchases") FROM agg_hours '
            'WHERE shop_id = ? AND "day" BETWEEN ? AND ?',
            (shop_id, start, end),
        ).first()
        active_cut = (q.end - timedelta(days=q.active_days)).isoformat()
        dormant_cut = (q.end - timedelta(days=q.dormant_days)).isoformat()
        m = db.q(
            conn,
            "SELECT COUNT(*), "
            'SUM(CASE WHEN "first_day" >= ? THEN 1 ELSE 0 END), '
            'SUM(CASE WHEN "last_visit_day" > ? THEN 1 ELSE 0 END), '
            'SUM(CASE WHEN "last_visit_day" > ? AND "last_visit_day" <= ? THEN 1 ELSE 0 END), '
            'SUM("spend") FROM agg_members WHERE shop_id = ? AND "first_day" <= ?',
            (start, active_cut, dormant_cut, active_cut, shop_id, end),
        ).first()
        came = db.q(conn, _CAME[conn.dialect.name == "postgresql"], (shop_id, start[:7], end[:7])).scalar()
        till = db.q(
            conn,
            'SELECT "day", "total", "receipts" FROM till_days WHERE shop_id = ? AND "day" BETWEEN ? AND ?',
            (shop_id, start, end),
        ).all()
        balances = dict(
            db.q(conn, 'SELECT "account", "total" FROM agg_balances WHERE shop_id = ?', (shop_id,)).all()
        )
        kiosk_rows = db.q(conn, 'SELECT "kiosk" FROM agg_kiosks WHERE shop_id = ?', (shop_id,))
        kiosks = [r[0] for r in kiosk_rows]
        program = current_program(conn, shop_id)

    totals = dict.fromkeys(HOUR_COUNTERS, 0)
    per_day = {d.isoformat(): 0 for d in q.days}
    per_weekday = [0] * 7
    per_hour = [0] * 24
    for row in hours:
        day, hour, sums = row[0], int(row[1]), [int(v or 0) for v in row[2:]]
        for name, value in zip(HOUR_COUNTERS, sums, strict=True):
            totals[name] += value
        visits = sums[0]
        per_day[day] = per_day.get(day, 0) + visits
        per_weekday[date.fromisoformat(day).weekday()] += visits
        per_hour[hour] += visits

    total_members, new, active, lapsing, member_spend_all = (int(v or 0) for v in m)
    members = {
        "total": total_members,
        "new": new,
        "active": active,
        "lapsing": lapsing,
        "dormant": total_members - active - lapsing,
    }
    shop_spend, shop_purchases = int(shop_wide[0] or 0), int(shop_wide[1] or 0)
    had = {r[0] for r in till}
    missing = [d.isoformat() for d in q.days if d.isoformat() not in had]
    nonmember_spend = per_visit_nm = extra = None
    spend_per_visit_members = _div(totals["spend"], totals["purchases"])
    if not missing:
        till_total = sum(int(r[1]) for r in till)
        till_receipts = sum(int(r[2]) for r in till)
        nonmember_spend = till_total - shop_spend
        per_visit_nm = _div(nonmember_spend, till_receipts - shop_purchases)
        shop_per_visit = _div(shop_spend, shop_purchases)
        if per_visit_nm is not None and shop_per_visit is not None:
            extra = (shop_per_visit - per_visit_nm) * shop_purchases

    stamps_for_reward = BUILTIN_STAMPS_FOR_REWARD
    if program is not None and program.stamp_cards:
        stamps_for_reward = program.stamp_cards[0].reward_at
    earned = totals["stamps_issued"] // stamps_for_reward
    liability, parts, not_valued = _liability(balances, program)
    return Overview(
        query=q,
        totals=totals,
        per_day=sorted(per_day.items()),
        per_weekday=list(zip(WEEKDAYS, per_weekday, strict=True)),
        per_hour=[(f"{h:02d}", v) for h, v in enumerate(per_hour)],
        members=members,
        spend_per_visit_members=spend_per_visit_members,
        spend_per_member=_div(totals["spend"], int(came or 0)),
        lifetime_value=_div(member_spend_all, total_members),
        till_missing=missing,
        spend_per_visit_nonmembers=per_visit_nm,
        nonmember_spend=nonmember_spend,
        extra_member_revenue=extra,
        reward_cost=totals["reward_cost"],
        stamps_for_reward=stamps_for_reward,
        rewards_earned=earned,
        redemption_rate=_ratio(totals["rewards_redeemed"], earned),
        points_redemption_rate=_ratio(totals["points_redeemed"], totals["points_issued"]),
        points_expiry_rate=_ratio(totals["points_expired"], totals["points_issued"]),
        liability=liability,
        liability_parts=parts,
        not_valued=not_valued,
        kiosks=sorted(kiosks),
    )


def _liability(
    balances: dict[str, Any], program: ProgramSpec | None
) -> tuple[int, dict[str, int], list[str]]:
    """What members hold, in cents: credit as is, points at the point value, stamps at their
    card's reward value per stamp, passes at their price per use. Accounts the program
    gives no value are listed instead of guessed."""
    parts = {"credit": 0, "points": 0, "stamps": 0, "passes": 0}
    not_valued: list[str] = []
    cards = {f"stamps:{c.id}": c for c in program.stamp_cards} if program else {}
    passes = {f"pass:{p.id}": p for p in program.visit_cards} if program else {}
    for account, raw in sorted(balances.items()):
        total = int(raw)
        if total == 0 or account.startswith("meta:") or account in ("visits", "spend", "rewards_redeemed"):
            continue
        if account == CREDIT:
            parts["credit"] += total
        elif account == POINTS and program is not None and program.points is not None:
            parts["points"] += int((total * program.points.point_value).to_integral_value())
        elif account in cards and cards[account].reward_value:
            card = cards[account]
            parts["stamps"] += int((Decimal(total) * card.reward_value / card.reward_at).to_integral_value())
        elif account in passes:
            vc = passes[account]
            per_use = Decimal(vc.price) / (vc.uses + vc.bonus_uses)
            parts["passes"] += int((per_use * total).to_integral_value())
        elif account == POINTS or account.startswith("stamps"):
            not_valued.append(f"{account}: {total}")
    return sum(parts.values()), parts, not_valued
