""""What would this program have done?": the shop's real last 12 months replayed through
the kiosk's simulator (:mod:`kiosk.domain.simulate`), under the current and the new program."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from kiosk.domain.events import SPEND, EventKind
from kiosk.domain.program import ProgramRules
from kiosk.domain.simulate import Report, simulate
from sync.server import db

#: the newest actions replayed (a preview answers in seconds, not minutes)
MAX_ACTIONS = 20_000
DAYS = 365

#: totals compared, with the money ones last
COMPARED = (
    "members",
    "purchases",
    "points_issued",
    "points_redeemed",
    "stamps_issued",
    "rewards_redeemed",
    "reward_value_redeemed",
    "discount_given",
    "cashback_given",
    "credit_bonus_given",
    "liability_cents",
)
MONEY = {"reward_value_redeemed", "discount_given", "cashback_given", "credit_bonus_given", "liability_cents"}


@dataclass(frozen=True)
class Preview:
    actions: int
    since: str | None
    rows: list[tuple[str, int | None, int, int | None]]
    #: what the new program gives away more than the current one, in cents
    extra_cost: int | None
    extra_points: int | None
    refused: int
    bad_rows: list[str]


def _action(event: dict[str, Any]) -> tuple[str, str] | None:
    """(action, amount in euros) of an event a customer or staff caused; None for the rest."""
    kind, data = event["kind"], event.get("data", {})
    if kind == EventKind.VISIT_STAMPED:
        return "visit", ""
    if kind == EventKind.PURCHASE_RECORDED:
        cents = sum(p[1] for p in event.get("postings", ()) if p[0] == SPEND) or data.get("amount", 0)
        return ("purchase", f"{cents / 100:.2f}") if isinstance(cents, int) and cents > 0 else None
    if kind == EventKind.CREDIT_TOPPED_UP and isinstance(data.get("amount"), int):
        return "topup", f"{data['amount'] / 100:.2f}"
    if kind == EventKind.CREDIT_SPENT and isinstance(data.get("amount"), int):
        return "spend_credit", f"{data['amount'] / 100:.2f}"
    if kind == EventKind.REWARD_REDEEMED:
        return "redeem", ""
    return None


def activity(engine: Engine, shop_id: int, now: datetime) -> tuple[str, int, str | None]:
    """The activity CSV the simulator reads, from the shop's events of the last 12 months."""
    since = (now - timedelta(days=DAYS)).isoformat()
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            'SELECT body FROM events WHERE shop_id = ? ORDER BY "cursor" DESC LIMIT ?',
            (shop_id, MAX_ACTIONS * 3),
        ).all()
    actions: list[tuple[str, str, str, str]] = []
    for (body,) in rows:
        event = orjson.loads(body)
        if event["wall"] < since:
            continue
        found = _action(event)
        if found is not None:
            actions.append((event["wall"], event.get("card") or event["member"], *found))
        if len(actions) >= MAX_ACTIONS:
            break
    actions.sort()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "card", "action", "amount", "detail"])
    for wall, card, action, amount in actions:
        writer.writerow([wall, card, action, amount, ""])
    return out.getvalue(), len(actions), actions[0][0][:10] if actions else None


def preview(
    engine: Engine, shop_id: int, new: ProgramRules, current: ProgramRules | None, now: datetime
) -> Preview:
    text, count, since = activity(engine, shop_id, now)
    after = simulate(new, text)
    before: Report | None = simulate(current, text) if current is not None else None
    rows = []
    for key in COMPARED:
        b = None if before is None else int(before.totals.get(key) or 0)
        a = int(after.totals.get(key) or 0)
        rows.append((key, b, a, None if b is None else a - b))
    cost = None
    points = None
    if before is not None:
        cost = sum(a - (b or 0) for key, b, a, _ in rows if key in MONEY and key != "liability_cents")
        points = after.totals["points_issued"] - before.totals["points_issued"]
    return Preview(
        actions=count,
        since=since,
        rows=rows,
        extra_cost=cost,
        extra_points=points,
        refused=len(after.refused),
        bad_rows=[f"line {e.line}: {e.message}" for e in after.errors[:20]],
    )
