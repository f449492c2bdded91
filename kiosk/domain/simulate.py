"""The owner's what-if simulator: replay customer activity through a program (pure).

``Replay`` is a tiny in-memory kiosk: it keeps members by card, asks the rules, stamps
the drafts into events and folds them, exactly as the kiosk does, without a store.
``parse_activity`` reads the activity CSV text (bad rows become line-numbered errors,
the rest still runs) and ``simulate`` replays it and returns a ``Report``. Reading the
files and printing is the command line's job (``kanta simulate``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kiosk.domain.events import (
    POINTS,
    SPEND,
    VISITS,
    Event,
    EventDraft,
    EventKind,
    Stamper,
)
from kiosk.domain.member import ENROLLED, MemberState, apply
from kiosk.domain.money import format_amount, parse_amount
from kiosk.domain.programs.engine import ProgramRules, live, pass_account
from kiosk.domain.programs.view import member_view
from kiosk.domain.rules import Action, ActionKind, Decision, Refusal
from kiosk.errors import InvalidInput

COLUMNS = ("time", "card", "action", "amount", "detail")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TERMS_WORDING = "simulated"


@dataclass(frozen=True)
class Row:
    line: int
    time: datetime
    card: str
    action: Action


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class Refused:
    line: int
    card: str
    action: str
    code: str
    message: str


@dataclass
class Replay:
    """An in-memory kiosk over one rule set: cards, member states and the event log."""

    rules: ProgramRules
    states: dict[str, MemberState] = field(default_factory=dict)
    by_card: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    stamper: Stamper = field(default_factory=lambda: Stamper("simulator", "simulation"))
    members_created: int = 0

    def state(self, card: str) -> MemberState | None:
        member = self.by_card.get(card)
        return None if member is None else self.states[member]

    def record(self, drafts: Iterable[EventDraft], now: datetime) -> list[Event]:
        out = []
        for draft in drafts:
            rand = (len(self.events) + 1).to_bytes(10, "big")
            self.stamper, event = self.stamper.stamp(draft, now, rand)
            state = self.states.get(event.member) or MemberState(event.member)
            self.states[event.member] = apply(state, event)
            if event.kind is EventKind.MEMBER_CREATED and event.card:
                self.by_card[event.card] = event.member
            self.events.append(event)
            out.append(event)
        return out

    def _new_member(self, card: str) -> tuple[MemberState, EventDraft]:
        self.members_created += 1
        member = f"member-{self.members_created:05d}"
        draft = EventDraft(
            EventKind.MEMBER_CREATED, member, data={"card": card}, card=card, program=self.rules.version
        )
        return MemberState(member), draft

    def act(self, action: Action, now: datetime) -> tuple[Decision, list[Event]]:
        """One action at the counter, as the kiosk's services would run it."""
        card = action.card or ""
        state = self.state(card)
        created: list[EventDraft] = []
        if state is None:
            if self.rules.require_join and action.kind is not ActionKind.ENROLL:
                return Decision(refusal=Refusal("join_required", "Please join the program first.")), []
            state, draft = self._new_member(card)
            created.append(draft)
        prelude: list[EventDraft] = []
        if action.kind is ActionKind.ENROLL:
            if state.status == ENROLLED:
                return Decision(refusal=Refusal("already_member", "This card is already a member.")), []
            mid = state.member_id
            prelude = [
                EventDraft(
                    EventKind.CONSENT_GIVEN,
                    mid,
                    data={"scope": "program", "wording": TERMS_WORDING},
                    card=card,
                    program=self.rules.version,
                ),
                EventDraft(EventKind.MEMBER_ENROLLED, mid, card=card, program=self.rules.version),
            ]
        other, other_created = self._counterpart(action)
        if other_created is not None and other is not None and other.member_id == state.member_id:
            other, other_created = state, None
        decision = self.rules.decide(state, action, now, other=other)
        if not decision.accepted:
            if created:
                self.members_created -= 1
            return decision, []
        drafts = [*created, *([other_created] if other_created is not None else []), *prelude]
        return decision, self.record([*drafts, *decision.drafts], now)

    def do(
        self,
        kind: ActionKind | str,
        card: str,
        now: datetime,
        amount: int | None = None,
        detail: str | None = None,
        action_id: str | None = None,
    ) -> Decision:
        """Shorthand for ``act``: one action by a card."""
        action = Action(ActionKind(kind), card, amount, detail, action_id=action_id)
        return self.act(action, now)[0]

    def _counterpart(self, action: Action) -> tuple[MemberState | None, EventDraft | None]:
        wanted = self.rules.counterpart(action)
        if wanted is None:
            return None, None
        what, key = wanted
        if what == "member":
            return self.states.get(key) or MemberState(key), None
        state = self.state(key)
        if state is not None:
            return state, None
        if self.rules.require_join or key == action.card:
            return None, None
        return self._new_member(key)

    def settle(self, now: datetime) -> list[Event]:
        """Record what has expired by ``now`` for every member (the end of the replay)."""
        out: list[Event] = []
        for member in sorted(self.states):
            out += self.record(self.rules.expiry_drafts(self.states[member], now), now)
        return out


# ---- the activity file ------------------------------------------------------------------


def parse_activity(text: str) -> tuple[list[Row], list[RowError]]:
    """Rows of an activity CSV; a bad row becomes an error with its line number."""
    reader = csv.reader(io.StringIO(text))
    rows: list[Row] = []
    errors: list[RowError] = []
    header: list[str] | None = None
    for record in reader:
        line = reader.line_num
        if not record or all(not c.strip() for c in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in record]
            missing = [c for c in ("time", "card", "action") if c not in header]
            if missing:
                raise InvalidInput(
                    f"line {line}: the header must name the columns {', '.join(COLUMNS)}"
                    f" (missing: {', '.join(missing)})"
                )
            continue
        fields = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
        try:
            rows.append(_row(line, fields))
        except InvalidInput as exc:
            errors.append(RowError(line, str(exc)))
    if header is None:
        raise InvalidInput("the activity file is empty: expected a header line " + ",".join(COLUMNS))
    return rows, errors


def _row(line: int, f: Mapping[str, str]) -> Row:
    try:
        when = datetime.fromisoformat(f.get("time", ""))
    except ValueError:
        raise InvalidInput(
            f"time {f.get('time')!r} is not an ISO 8601 time like 2026-03-02T09:00:00+02:00"
        ) from None
    if when.tzinfo is None:
        raise InvalidInput(f"time {f['time']!r} has no offset: write it like 2026-03-02T09:00:00+02:00")
    card = f.get("card", "")
    if not card:
        raise InvalidInput("card is empty")
    try:
        kind = ActionKind(f.get("action", "").lower())
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        raise InvalidInput(f"action {f.get('action')!r} is not one of {known}") from None
    amount = None
    if f.get("amount"):
        try:
            amount = parse_amount(f["amount"])
        except InvalidInput:
            raise InvalidInput(f"amount {f['amount']!r} is not an amount like 12.50") from None
        if amount < 0:
            raise InvalidInput(f"amount {f['amount']!r} is negative")
    detail = f.get("detail") or None
    action_id = f.get("id") or None
    return Row(
        line, when, card, Action(kind, card=card, amount_cents=amount, detail=detail, action_id=action_id)
    )


# ---- the report ---------------------------------------------------------------------------


@dataclass
class Report:
    program: str
    currency: str
    as_of: str | None
    members: list[dict[str, Any]]
    totals: dict[str, Any]
    refused: list[Refused]
    errors: list[RowError]

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "currency": self.currency,
            "as_of": self.as_of,
            "members": self.members,
            "totals": self.totals,
            "refused": [
                {"line": r.line, "card": r.card, "action": r.action, "code": r.code, "message": r.message}
                for r in self.refused
            ],
            "errors": [{"line": e.line, "message": e.message} for e in self.errors],
        }


def simulate(rules: ProgramRules, activity: str, as_of: datetime | None = None) -> Report:
    """Replay the activity and report as of ``as_of`` (default: the last row's time).

    Rows after ``as_of`` are not run; they are counted in ``totals["rows_after_as_of"]``.
    """
    rows, errors = parse_activity(activity)
    replay = Replay(rules)
    refused: list[Refused] = []
    last: datetime | None = None
    later = 0
    for row in rows:
        if as_of is not None and row.time > as_of:
            later += 1
            continue
        decision, _ = replay.act(row.action, row.time)
        if decision.refusal is not None:
            r = decision.refusal
            refused.append(Refused(row.line, row.card, row.action.kind.value, r.code, r.message))
        last = row.time if last is None or row.time > last else last
    end = as_of or last
    if end is not None:
        replay.settle(end)
    report = _report(rules, replay, end, refused, errors)
    report.totals["rows_after_as_of"] = later
    return report


def _report(
    rules: ProgramRules,
    replay: Replay,
    end: datetime | None,
    refused: list[Refused],
    errors: list[RowError],
) -> Report:
    spec = rules.spec
    money = spec.currency
    counts: dict[str, dict[str, int]] = {}
    t = {
        "points_issued": 0,
        "points_redeemed": 0,
        "points_expired": 0,
        "stamps_issued": 0,
        "stamps_redeemed": 0,
        "stamps_expired": 0,
        "rewards_redeemed": 0,
        "reward_value_redeemed": 0,
        "discount_given": 0,
        "cashback_given": 0,
        "credit_bonus_given": 0,
        "credit_topped_up": 0,
        "credit_spent": 0,
        "purchases": 0,
        "sales": 0,
        "passes_sold": 0,
        "pass_revenue": 0,
        "pass_uses": 0,
        "subscriptions_sold": 0,
        "subscription_revenue": 0,
        "referrals": 0,
        "coupons_redeemed": 0,
    }
    for e in replay.events:
        c = counts.setdefault(e.member, {"rewards_redeemed": 0, "pass_uses": 0})
        for p in e.postings:
            unit = "points" if p.account == POINTS else "stamps" if p.account.startswith("stamps:") else None
            if unit is not None:
                way = (
                    "expired"
                    if e.kind is EventKind.POINTS_EXPIRED
                    else "issued"
                    if p.delta > 0
                    else "redeemed"
                )
                t[f"{unit}_{way}"] += abs(p.delta)
        d = e.data
        if e.kind is EventKind.REWARD_REDEEMED:
            t["rewards_redeemed"] += 1
            t["reward_value_redeemed"] += int(d.get("value", 0))
            c["rewards_redeemed"] += 1
        elif e.kind is EventKind.PASS_USED:
            t["pass_uses"] += 1
            c["pass_uses"] += 1
        elif e.kind is EventKind.PURCHASE_RECORDED:
            t["purchases"] += 1
            t["sales"] += int(d.get("paid", 0))
            t["discount_given"] += int(d.get("discount", 0))
            t["cashback_given"] += int(d.get("cashback", 0))
        elif e.kind is EventKind.CREDIT_TOPPED_UP:
            t["credit_topped_up"] += int(d.get("amount", 0))
            t["credit_bonus_given"] += int(d.get("bonus", 0))
        elif e.kind is EventKind.CREDIT_SPENT:
            t["credit_spent"] += int(d.get("amount", 0))
        elif e.kind is EventKind.PASS_SOLD:
            t["passes_sold"] += 1
            t["pass_revenue"] += int(d.get("price", 0))
        elif e.kind in (EventKind.SUBSCRIPTION_STARTED, EventKind.SUBSCRIPTION_RENEWED):
            t["subscriptions_sold"] += 1
            t["subscription_revenue"] += int(d.get("price", 0))
        elif e.kind is EventKind.REFERRAL_REWARDED and d.get("role") == "referrer":
            t["referrals"] += 1
        elif e.kind is EventKind.COUPON_REDEEMED and "by" not in d:
            t["coupons_redeemed"] += 1
    members: list[dict[str, Any]] = []
    now = end or EPOCH  # no activity: no members to report on
    ready_total = 0
    points_value = Decimal(0)
    pass_value = Decimal(0)
    credit_out = 0
    stamp_value = 0
    points_out = 0
    for card, member in sorted(replay.by_card.items()):
        state = replay.states[member]
        view = member_view(rules, state, now)
        for r in view.rewards_ready:
            card_spec = rules.stamp_card(r.reward)
            if card_spec is not None:
                ready_total += r.count
                stamp_value += r.count * card_spec.reward_value
        points_out += view.points
        if spec.points is not None:
            points_value += view.points * spec.points.point_value
        credit_out += view.credit
        for vc in spec.visit_cards:
            left = live(state, pass_account(vc.id), now)
            if left > 0:
                pass_value += Decimal(vc.price) * left / (vc.uses + vc.bonus_uses)
        c = counts.get(member, {"rewards_redeemed": 0, "pass_uses": 0})
        members.append(
            {
                "card": card,
                "member": member,
                "status": state.status,
                "visits": state.balance(VISITS),
                "spend_cents": state.balance(SPEND),
                "rewards_redeemed": c["rewards_redeemed"],
                "pass_uses": c["pass_uses"],
                **view.to_json(),
            }
        )
    rewards_issued = t["rewards_redeemed"] + ready_total
    points_total = int(points_value.to_integral_value())
    passes_total = int(pass_value.to_integral_value())
    liability_cents = points_total + credit_out + stamp_value + passes_total
    totals: dict[str, Any] = {
        "members": len(members),
        "rewards_issued": rewards_issued,
        "rewards_ready": ready_total,
        "redemption_rate": None if rewards_issued == 0 else round(t["rewards_redeemed"] / rewards_issued, 4),
        "points_outstanding": points_out,
        "points_redemption_rate": None
        if t["points_issued"] == 0
        else round(t["points_redeemed"] / t["points_issued"], 4),
        "liability_cents": liability_cents,
        "liability": format_amount(liability_cents, money),
        "liability_parts_cents": {
            "points": points_total,
            "credit": credit_out,
            "stamp_rewards": stamp_value,
            "pass_uses": passes_total,
        },
        "discount": format_amount(t["discount_given"], money),
        "refused": len(refused),
        "bad_rows": len(errors),
        **t,
    }
    return Report(
        program=rules.version,
        currency=money,
        as_of=None if end is None else end.astimezone(rules.zone).isoformat(),
        members=members,
        totals=totals,
        refused=refused,
        errors=errors,
    )
