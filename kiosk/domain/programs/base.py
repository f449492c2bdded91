"""What the rules engine's action handlers share: one decision's context (``Ctx``) and
``ProgramBase``, a program spec with the helpers every handler uses (drafts and postings,
promotions, tiers, the welcome bonus, prices, discounts, cooldowns, what a card holds).

``engine.ProgramRules`` is the engine behind the ``Rules`` interface; the handlers of the
actions are functions of a ``ProgramBase`` and a ``Ctx`` in ``earning`` (joining, visits,
purchases, credit), ``holdings`` (rewards, passes, subscriptions) and ``referrals``
(referrals, coupons, bonus actions). All of it is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.events import CREDIT, POINTS, SPEND, EventDraft, EventKind, Posting
from kiosk.domain.member import MemberState
from kiosk.domain.money import format_amount
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import (
    QUALIFY,
    WELCOME,
    ended_account,
    live,
    pass_account,
    stamps_account,
    sub_account,
)
from kiosk.domain.programs.spec import BonusAction, Coupon, ProgramSpec, StampCard, Tier, TimePass, VisitCard
from kiosk.domain.rules import Action, ActionKind, Decision, refuse


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Ctx:
    """One decision: the state (expired lots already cleared), the action, the time."""

    state: MemberState
    action: Action
    now: datetime
    local: datetime
    other: MemberState | None

    def bal(self, account: str) -> int:
        return live(self.state, account, self.now)


class ProgramBase:
    """A program spec, and the helpers the action handlers share."""

    def __init__(self, spec: ProgramSpec) -> None:
        self.spec = spec
        self.zone: ZoneInfo = spec.zone

    @property
    def version(self) -> str:
        return self.spec.label

    @property
    def require_join(self) -> bool:
        return self.spec.require_join

    def draft(self, ctx: Ctx, kind: EventKind, postings: Iterable[Posting], **data: Any) -> EventDraft:
        return EventDraft(
            kind,
            ctx.state.member_id,
            tuple(p for p in postings if p.delta != 0),
            data,
            ctx.action.card,
            ctx.action.actor,
            program=self.version,
        )

    def money(self, cents: int) -> str:
        return format_amount(cents, self.spec.currency)

    def outside_term(self, today: date) -> Decision | None:
        if self.spec.starts is not None and today < self.spec.starts:
            when = clock.say_day(self.spec.starts, today)
            return refuse("not_started", f"The program starts on {when}.", starts=str(self.spec.starts))
        if self.spec.ends is not None and today > self.spec.ends:
            when = clock.say_day(self.spec.ends, today)
            return refuse("program_ended", f"The program ended on {when}.", ended=str(self.spec.ends))
        return None

    def lot(self, account: str, amount: int, expires: datetime | None) -> Posting:
        return Posting(account, amount, None if expires is None else clock.utc_iso(expires))

    def points_posting(self, ctx: Ctx, amount: int) -> Posting:
        months = self.spec.points.expire_months if self.spec.points else None
        expires = None if months is None else clock.add_months(ctx.now, months, self.zone)
        return self.lot(POINTS, amount, expires)

    def stamps_posting(self, ctx: Ctx, card: StampCard, amount: int) -> Posting:
        expires = None if card.expire_days is None else clock.add_days(ctx.now, card.expire_days, self.zone)
        return self.lot(stamps_account(card.id), amount, expires)

    def window_end(self, now: datetime) -> datetime:
        tiers = self.spec.tiers
        assert tiers is not None
        if tiers.window == "calendar_year":
            return clock.next_year(now, self.zone)
        return clock.add_months(now, tiers.months, self.zone)

    def promotion(self, moment: datetime, target: str) -> tuple[int, int, tuple[str, ...]]:
        """(multiplier percent, extra points, names) of the promotions running at a moment.

        Promotions do not stack: the best multiplier applies (extra points do add up).
        A promotion's hours belong to the day they start on: Friday 22:00-02:00 covers
        Saturday 01:30 too.
        """
        local = moment.astimezone(self.zone)
        best, extra, names = 100, 0, []
        for promo in self.spec.promotions:
            if target not in promo.applies_to:
                continue
            t = local.time().replace(tzinfo=None)
            crosses = promo.end <= promo.start
            candidates = []
            if t >= promo.start and (crosses or t < promo.end):
                candidates.append(local.date())
            if crosses and t < promo.end:
                candidates.append(local.date().fromordinal(local.date().toordinal() - 1))
            for day in candidates:
                if promo.days and day.weekday() not in promo.days:
                    continue
                if promo.from_date is not None and day < promo.from_date:
                    continue
                if promo.until_date is not None and day > promo.until_date:
                    continue
                best = max(best, promo.percent)
                extra += promo.extra_points
                names.append(promo.name)
                break
        return best, extra, tuple(names)

    def tier(self, state: MemberState, now: datetime) -> Tier | None:
        """The tier earned by qualifying activity in the window (never by points held)."""
        if self.spec.tiers is None:
            return None
        qualifying = live(state, QUALIFY, now)
        reached = self.spec.tiers.levels[0]
        for level in self.spec.tiers.levels:
            if qualifying >= level.at:
                reached = level
        return reached

    def welcome(self, ctx: Ctx, trigger: str) -> list[EventDraft]:
        w = self.spec.welcome
        if w is None or w.on != trigger or ctx.bal(WELCOME) > 0:
            return []
        postings = [Posting(WELCOME, 1)]
        if w.points:
            postings.append(self.points_posting(ctx, w.points))
        if w.stamps and w.stamp_card:
            card = self.stamp_card(w.stamp_card)
            assert card is not None
            postings.append(self.stamps_posting(ctx, card, w.stamps))
        if w.credit:
            postings.append(Posting(CREDIT, w.credit))
        # once per member: the fold remembers who gave it, so a merge that brings a second
        # member's bonus names both (kiosk.domain.merge); no cap here, which would make every
        # member a suspect of the server's double-use flags
        data: dict[str, Any] = {"bonus": "welcome"}
        if w.points:
            data["points"] = {"welcome": w.points}
        return [self.draft(ctx, EventKind.POINTS_EARNED, postings, **data)]

    def stamp_card(self, ident: str) -> StampCard | None:
        return next((c for c in self.spec.stamp_cards if c.id == ident), None)

    def bonus_action(self, code: str) -> BonusAction | None:
        return next((b for b in self.spec.bonus_actions if b.id == code.lower()), None)

    def coupon(self, code: str) -> Coupon | None:
        return next((c for c in self.spec.coupons if c.matches(code)), None)

    def cooldown(self, ctx: Ctx) -> Decision | None:
        seconds = self.spec.visits.cooldown_seconds
        last = ctx.state.last_visit_at
        if seconds and last is not None:
            since = (ctx.now - datetime.fromisoformat(last)).total_seconds()
            if 0 <= since < seconds:
                wait = max(1, int(seconds - since))
                return refuse(
                    "cooldown",
                    f"Already counted: this visit counts once (next one possible in {wait} s).",
                    seconds=wait,
                )
        return None

    def price(self, ctx: Ctx, name: str, price: int) -> int | Decision:
        amount = ctx.action.amount_cents
        if amount is None:
            return price
        if amount != price:
            return refuse(
                "wrong_price",
                f"The {name} costs {self.money(price)}, not {self.money(amount)}.",
                price=price,
            )
        return amount

    def standing_discount(self, state: MemberState, now: datetime) -> tuple[Decimal, tuple[str, ...]]:
        """The member's best discount percent (they do not stack) and where it comes from."""
        options: list[tuple[Decimal, str]] = [(Decimal(0), "")]
        d = self.spec.discount
        if d is not None:
            options.append((d.percent, "member discount"))
            spent = state.balance(SPEND)
            for step in d.steps:
                if spent >= step.from_spend:
                    options.append((step.percent, "cumulative discount"))
        tier = self.tier(state, now)
        if tier is not None and tier.discount_percent:
            options.append((tier.discount_percent, f"{tier.name} tier"))
        for sub in self.spec.subscriptions:
            if sub.discount_percent and live(state, sub_account(sub.id), now) > 0:
                options.append((sub.discount_percent, sub.name))
        best = max(p for p, _ in options)
        return best, tuple(sorted({why for p, why in options if p == best and why}))

    def voucher_percent(self, source: str) -> Decimal:
        ref = self.spec.referral
        if source == "referred" and ref is not None:
            return ref.referred_discount_percent
        if source == "referrer" and ref is not None:
            return ref.referrer_discount_percent
        if source.startswith("coupon:"):
            coupon = next((c for c in self.spec.coupons if c.id == source[7:]), None)
            if coupon is not None:
                return coupon.discount_percent
        return Decimal(0)

    def best_voucher(self, ctx: Ctx) -> tuple[str, Decimal] | None:
        best: tuple[str, Decimal] | None = None
        for account in sorted(ctx.state.balances):
            if account.startswith("voucher:") and ctx.bal(account) > 0:
                pct = self.voucher_percent(account[8:])
                if best is None or pct > best[1]:
                    best = (account, pct)
        return best

    def redeemables(self) -> list[str]:
        ids = [c.id for c in self.spec.stamp_cards]
        ids += [r.id for r in self.spec.points.rewards] if self.spec.points else []
        ids += [s.id for s in self.spec.subscriptions if s.free_per_week]
        return ids

    def used_today(
        self, ctx: Ctx, reward_id: str, per_day: int | None
    ) -> tuple[Decision | None, list[Posting]]:
        if per_day is None:
            return None, []
        account = f"meta:redeemed_today:{reward_id}"
        if ctx.bal(account) >= per_day:
            return (
                refuse(
                    "used_today",
                    "Reward already used today: it can be claimed again tomorrow.",
                    reward=reward_id,
                ),
                [],
            )
        return None, [self.lot(account, 1, clock.next_midnight(ctx.now, self.zone))]

    def inactive(self, ctx: Ctx, account: str, name: str, what: str) -> Decision | None:
        if ctx.bal(account) > 0:
            return None
        ended = ctx.state.balance(ended_account(account))
        if ended > 0:
            day = date.fromordinal(ended)
            return refuse(
                "expired",
                f"This {what} expired on {clock.say_day(day, ctx.local.date())}.",
                expired=str(day),
                name=name,
            )
        if ctx.state.balance(f"meta:bought:{account}") > 0:
            return refuse("used_up", f"All visits on the {name} are used.", name=name)
        return refuse("none", f"There is no {name} on this card.", name=name)

    def chosen_pass(self, ctx: Ctx) -> VisitCard | TimePass | Decision:
        passes: list[VisitCard | TimePass] = [*self.spec.visit_cards, *self.spec.time_passes]
        if not passes:
            return refuse("not_offered", "This shop's program does not sell passes.")
        wanted = ctx.action.detail
        if wanted is None:
            if ctx.action.kind is ActionKind.USE_PASS:
                held = [p for p in passes if ctx.bal(pass_account(p.id)) > 0]
                if len(held) == 1:
                    return held[0]
            if len(passes) == 1:
                return passes[0]
            return refuse("which_pass", "Choose the pass.", passes=[p.id for p in passes])
        found = next((p for p in passes if p.id == wanted), None)
        if found is None:
            return refuse(
                "unknown_pass", f"There is no pass called {wanted!r}.", passes=[p.id for p in passes]
            )
        return found
