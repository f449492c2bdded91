"""The rules engine: a program spec applied to a member's state, an action and ``now``.

``ProgramRules.decide`` returns the event drafts to append, or a refusal a customer or
staff member can read. It is pure: the state, the action and the time come in, drafts go
out; nothing is read or written. Balances move only through postings:

* value accounts: ``points``, ``stamps:<card>``, ``credit`` (cents), ``pass:<id>`` (uses
  left, or 1 per bought time pass), ``sub:<id>``, ``voucher:<source>`` (discounts waiting
  for the next purchase), and the lifetime ``visits``, ``spend`` and ``rewards_redeemed``;
* bookkeeping accounts start with ``meta:``: applied action ids, the welcome bonus, daily
  and weekly counters, tier qualifying activity, referral and coupon markers.

Anything that runs out (points after 12 months, a pass, a daily counter, the tier window)
is an expiring lot. Before acting, the engine appends one expiry event for every lot
whose time has come (``expires_at <= now``), so the ledger shows what expired and when,
and a later spend never eats an expired lot. A refused action appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.events import (
    CREDIT,
    POINTS,
    REWARDS,
    SPEND,
    VISITS,
    Event,
    EventDraft,
    EventKind,
    Posting,
)
from kiosk.domain.member import ENROLLED, ERASED, MemberState
from kiosk.domain.money import format_amount
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import (
    COUPON_MARKER,
    COUPON_USED,
    QUALIFY,
    REFERRALS,
    REFERRED_BY,
    VISITS_TODAY,
    WELCOME,
    action_account,
    coupon_member_id,
    effect_id,
    ended_account,
    is_meta,
    latest_expiry,
    live,
    normalize_code,
    pass_account,
    percent_of,
    preview,
    round_units,
    stamps_account,
    sub_account,
)
from kiosk.domain.programs.spec import (
    BonusAction,
    Coupon,
    ProgramSpec,
    StampCard,
    Subscription,
    Tier,
    TimePass,
    VisitCard,
)
from kiosk.domain.rules import Action, ActionKind, Decision, refuse

#: the engine, and the account helpers the screens, the simulator and the server's pages
#: import from here (they live in ``accounts``)
__all__ = [
    "COUPON_USED",
    "EARNING",
    "QUALIFY",
    "REFERRALS",
    "REFERRED_BY",
    "WELCOME",
    "ProgramRules",
    "coupon_member_id",
    "is_meta",
    "latest_expiry",
    "live",
    "named_points",
    "pass_account",
    "stamps_account",
    "sub_account",
]

#: actions that earn: refused outside the program's term (redeeming stays possible)
EARNING = frozenset(
    {
        ActionKind.ENROLL,
        ActionKind.VISIT,
        ActionKind.PURCHASE,
        ActionKind.TOPUP,
        ActionKind.BUY_PASS,
        ActionKind.REFER,
        ActionKind.SUBSCRIBE,
        ActionKind.COUPON,
    }
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class _Ctx:
    """One decision: the state (expired lots already cleared), the action, the time."""

    state: MemberState
    action: Action
    now: datetime
    local: datetime
    other: MemberState | None

    def bal(self, account: str) -> int:
        return live(self.state, account, self.now)


Handler = Callable[[_Ctx], Decision]


class ProgramRules:
    """Implements ``kiosk.domain.rules.Rules`` for a program file."""

    def __init__(self, spec: ProgramSpec) -> None:
        self.spec = spec
        self.zone: ZoneInfo = spec.zone
        self._handlers: dict[ActionKind, Handler] = {
            ActionKind.ENROLL: self._on_enroll,
            ActionKind.VISIT: self._on_visit,
            ActionKind.PURCHASE: self._on_purchase,
            ActionKind.REDEEM: self._on_redeem,
            ActionKind.TOPUP: self._on_topup,
            ActionKind.SPEND_CREDIT: self._on_spend_credit,
            ActionKind.BUY_PASS: self._on_buy_pass,
            ActionKind.USE_PASS: self._on_use_pass,
            ActionKind.REFER: self._on_refer,
            ActionKind.SUBSCRIBE: self._on_subscribe,
            ActionKind.COUPON: self._on_coupon,
        }

    # ---- the Rules interface ---------------------------------------------------------

    @property
    def version(self) -> str:
        return self.spec.label

    @property
    def require_join(self) -> bool:
        return self.spec.require_join

    def counterpart(self, action: Action) -> tuple[str, str] | None:
        """Whose state, besides the acting card's, ``decide`` needs as ``other``.

        ``("card", C)``: the member holding card C (a referral's new member);
        ``("member", M)``: the record with member id M (a single-use coupon code; pass an
        empty ``MemberState(M)`` when it has none yet).
        """
        if action.kind is ActionKind.REFER and action.detail:
            return ("card", action.detail)
        if action.kind is ActionKind.COUPON and action.detail:
            code = normalize_code(action.detail)
            if self._bonus_action(code) is None and self._coupon(code) is not None:
                return ("member", coupon_member_id(code))
        return None

    def decide(
        self,
        state: MemberState,
        action: Action,
        now: datetime,
        other: MemberState | None = None,
    ) -> Decision:
        if now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        if state.status == ERASED:
            return refuse("erased", "This card's member was erased at their request.")
        if self.require_join and state.status != ENROLLED and action.kind is not ActionKind.ENROLL:
            return refuse("join_required", "Please join the program first.")
        if action.action_id is not None and state.balance(action_account(action.action_id)) > 0:
            return refuse(
                "duplicate",
                "This was already recorded; it counts once.",
                action_id=action.action_id,
            )
        local = now.astimezone(self.zone)
        if action.kind in EARNING:
            outside = self._outside_term(local.date())
            if outside is not None:
                return outside
        expiry = self.expiry_drafts(state, now)
        current = preview(state, expiry, now)
        ctx = _Ctx(current, action, now, local, other)
        decision = self._handlers[action.kind](ctx)
        if not decision.accepted:
            return decision
        drafts = list(decision.drafts)
        if action.action_id is not None:
            for i, d in enumerate(drafts):
                if d.member == state.member_id:
                    drafts[i] = EventDraft(
                        d.kind,
                        d.member,
                        (*d.postings, Posting(action_account(action.action_id), 1)),
                        {**d.data, "action": action.action_id},
                        d.card,
                        d.actor,
                        d.reverses,
                        d.program,
                    )
                    break
        return Decision((*expiry, *drafts))

    # ---- expiry -------------------------------------------------------------------------

    def expiry_drafts(self, state: MemberState, now: datetime) -> tuple[EventDraft, ...]:
        """One event closing every lot whose time has come: expires_at at or before now.

        Another kiosk may notice the same expiry while offline: the event names each lot
        it closes (its account, source and instant, and an effect id every kiosk derives
        alike from them), and the fold closes a lot once (``kiosk.domain.member``), so
        the second copy is a no-op. The postings say what this kiosk saw."""
        postings: list[Posting] = []
        expired: dict[str, int] = {}
        when: dict[str, str] = {}
        closed: list[list[str]] = []
        ended: dict[str, int] = {}
        for account in sorted(state.lots):
            gone = [lot for lot in state.lots[account] if clock.parse_instant(lot.expires_at) <= now]
            if not gone:
                continue
            amount = sum(lot.amount for lot in gone)
            last = max(clock.parse_instant(lot.expires_at) for lot in gone)
            postings.append(Posting(account, -amount))
            expired[account] = amount
            when[account] = clock.utc_iso(last)
            closed += [
                [account, lot.source, lot.expires_at, effect_id(state.member_id, account, lot, "expired")]
                for lot in gone
            ]
            if account.startswith(("pass:", "sub:")):
                ordinal = last.astimezone(self.zone).date().toordinal()
                marker = ended_account(account)
                ended[account] = ordinal
                if state.balance(marker) != ordinal:
                    postings.append(Posting(marker, ordinal - state.balance(marker)))
        if not postings:
            return ()
        visible = any(not is_meta(a) for a in expired)
        kind = EventKind.POINTS_EXPIRED if visible else EventKind.WINDOW_CLOSED
        data: dict[str, Any] = {"expired": expired, "expires_at": when, "lots": closed}
        if ended:
            data["ended"] = ended
        return (EventDraft(kind, state.member_id, tuple(postings), data, program=self.version),)

    # ---- helpers ------------------------------------------------------------------------

    def _draft(self, ctx: _Ctx, kind: EventKind, postings: Iterable[Posting], **data: Any) -> EventDraft:
        return EventDraft(
            kind,
            ctx.state.member_id,
            tuple(p for p in postings if p.delta != 0),
            data,
            ctx.action.card,
            ctx.action.actor,
            program=self.version,
        )

    def _money(self, cents: int) -> str:
        return format_amount(cents, self.spec.currency)

    def _outside_term(self, today: date) -> Decision | None:
        if self.spec.starts is not None and today < self.spec.starts:
            when = clock.say_day(self.spec.starts, today)
            return refuse("not_started", f"The program starts on {when}.", starts=str(self.spec.starts))
        if self.spec.ends is not None and today > self.spec.ends:
            when = clock.say_day(self.spec.ends, today)
            return refuse("program_ended", f"The program ended on {when}.", ended=str(self.spec.ends))
        return None

    def _lot(self, account: str, amount: int, expires: datetime | None) -> Posting:
        return Posting(account, amount, None if expires is None else clock.utc_iso(expires))

    def _points_posting(self, ctx: _Ctx, amount: int) -> Posting:
        months = self.spec.points.expire_months if self.spec.points else None
        expires = None if months is None else clock.add_months(ctx.now, months, self.zone)
        return self._lot(POINTS, amount, expires)

    def _stamps_posting(self, ctx: _Ctx, card: StampCard, amount: int) -> Posting:
        expires = None if card.expire_days is None else clock.add_days(ctx.now, card.expire_days, self.zone)
        return self._lot(stamps_account(card.id), amount, expires)

    def _window_end(self, now: datetime) -> datetime:
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

    def _welcome(self, ctx: _Ctx, trigger: str) -> list[EventDraft]:
        w = self.spec.welcome
        if w is None or w.on != trigger or ctx.bal(WELCOME) > 0:
            return []
        postings = [Posting(WELCOME, 1)]
        if w.points:
            postings.append(self._points_posting(ctx, w.points))
        if w.stamps and w.stamp_card:
            card = self.stamp_card(w.stamp_card)
            assert card is not None
            postings.append(self._stamps_posting(ctx, card, w.stamps))
        if w.credit:
            postings.append(Posting(CREDIT, w.credit))
        # once per member: the fold remembers who gave it, so a merge that brings a second
        # member's bonus names both (kiosk.domain.merge); no cap here, which would make every
        # member a suspect of the server's double-use flags
        data: dict[str, Any] = {"bonus": "welcome"}
        if w.points:
            data["points"] = {"welcome": w.points}
        return [self._draft(ctx, EventKind.POINTS_EARNED, postings, **data)]

    def stamp_card(self, ident: str) -> StampCard | None:
        return next((c for c in self.spec.stamp_cards if c.id == ident), None)

    def _bonus_action(self, code: str) -> BonusAction | None:
        return next((b for b in self.spec.bonus_actions if b.id == code.lower()), None)

    def _coupon(self, code: str) -> Coupon | None:
        return next((c for c in self.spec.coupons if c.matches(code)), None)

    def _cooldown(self, ctx: _Ctx) -> Decision | None:
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

    def _price(self, ctx: _Ctx, name: str, price: int) -> int | Decision:
        amount = ctx.action.amount_cents
        if amount is None:
            return price
        if amount != price:
            return refuse(
                "wrong_price",
                f"The {name} costs {self._money(price)}, not {self._money(amount)}.",
                price=price,
            )
        return amount

    # ---- actions --------------------------------------------------------------------------

    def _on_enroll(self, ctx: _Ctx) -> Decision:
        return Decision(tuple(self._welcome(ctx, "enroll")))

    def _on_visit(self, ctx: _Ctx) -> Decision:
        blocked = self._cooldown(ctx)
        if blocked is not None:
            return blocked
        cap = self.spec.visits.daily_cap
        if cap is not None and ctx.bal(VISITS_TODAY) >= cap:
            return refuse(
                "daily_cap",
                f"Daily limit reached: {_plural(cap, 'visit')} a day count on one card.",
                cap=cap,
            )
        postings = [Posting(VISITS, 1)]
        if cap is not None:
            postings.append(self._lot(VISITS_TODAY, 1, clock.next_midnight(ctx.now, self.zone)))
        percent, _, promos = self.promotion(ctx.now, "stamps")
        stamps: dict[str, int] = {}
        for card in self.spec.stamp_cards:
            if card.earn_on == "visit":
                n = card.stamps * percent // 100
                stamps[card.id] = n
                postings.append(self._stamps_posting(ctx, card, n))
        if self.spec.tiers is not None and self.spec.tiers.measure == "visits":
            postings.append(self._lot(QUALIFY, 1, self._window_end(ctx.now)))
        data: dict[str, Any] = {"stamps": stamps} if stamps else {}
        if promos and stamps:
            data["promotions"] = list(promos)
        drafts = [
            *self._welcome(ctx, "first_visit"),
            self._draft(ctx, EventKind.VISIT_STAMPED, postings, **data),
        ]
        return Decision(tuple(drafts))

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

    def _best_voucher(self, ctx: _Ctx) -> tuple[str, Decimal] | None:
        best: tuple[str, Decimal] | None = None
        for account in sorted(ctx.state.balances):
            if account.startswith("voucher:") and ctx.bal(account) > 0:
                pct = self.voucher_percent(account[8:])
                if best is None or pct > best[1]:
                    best = (account, pct)
        return best

    def _on_purchase(self, ctx: _Ctx) -> Decision:
        amount = ctx.action.amount_cents
        if amount is None or amount <= 0:
            return refuse("bad_amount", "Enter the purchase amount first.")
        state, spec = ctx.state, self.spec
        category = ctx.action.category
        if category is not None and category not in {c.id for c in spec.categories}:
            known = [c.id for c in spec.categories]
            return refuse(
                "unknown_category", f"There is no purchase category {category!r}.", categories=known
            )
        percent, reasons = self.standing_discount(state, ctx.now)
        postings: list[Posting] = []
        voucher = self._best_voucher(ctx)
        if voucher is not None:
            percent += voucher[1]
            reasons = (*reasons, voucher[0][8:] + " voucher")
            postings.append(Posting(voucher[0], -1))
        percent = min(percent, Decimal(100))
        discount = percent_of(amount, percent)
        paid = amount - discount
        data: dict[str, Any] = {"amount": amount, "paid": paid}
        if category is not None:
            data["category"] = category
        if discount:
            data.update(discount=discount, discount_percent=str(percent), discount_from=list(reasons))
        postings.append(Posting(SPEND, paid))
        tier = self.tier(state, ctx.now)
        if tier is not None:
            data["tier"] = tier.name
        if spec.points is not None:
            pts = spec.points
            units = Decimal(paid) / 100 * pts.per_unit
            promo_pct, promo_extra, promos = self.promotion(ctx.now, "points")
            tier_pct = tier.earn_percent if tier is not None else 100
            base = round_units(units, pts.rounding)
            with_tier = round_units(units * tier_pct / 100, pts.rounding)
            total = round_units(units * tier_pct * promo_pct / 10000, pts.rounding)
            parts = {"base": base, "tier": with_tier - base, "promotion": total - with_tier + promo_extra}
            threshold = max(
                (t.bonus for t in pts.thresholds if paid >= t.min_purchase and paid > 0), default=0
            )
            parts["threshold"] = threshold
            parts = {k: v for k, v in parts.items() if v}
            earned = sum(parts.values())
            if earned > 0:
                postings.append(self._points_posting(ctx, earned))
                data["points"] = parts
            if promos:
                data["promotions"] = list(promos)
        if spec.cashback is not None:
            back = percent_of(paid, spec.cashback.percent, spec.cashback.rounding)
            if back > 0:
                postings.append(Posting(CREDIT, back))
                data["cashback"] = back
        stamp_pct, _, _ = self.promotion(ctx.now, "stamps")
        stamps: dict[str, int] = {}
        for card in spec.stamp_cards:
            counts = not card.categories or category in card.categories
            if card.earn_on == "purchase" and counts and paid >= max(card.min_purchase, 1):
                stamps[card.id] = card.stamps * stamp_pct // 100
                postings.append(self._stamps_posting(ctx, card, stamps[card.id]))
        if stamps:
            data["stamps"] = stamps
        if spec.tiers is not None and spec.tiers.measure == "spend" and paid > 0:
            postings.append(self._lot(QUALIFY, paid, self._window_end(ctx.now)))
        drafts = [
            *self._welcome(ctx, "first_visit"),
            self._draft(ctx, EventKind.PURCHASE_RECORDED, postings, **data),
        ]
        return Decision(tuple(drafts))

    def _redeemables(self) -> list[str]:
        ids = [c.id for c in self.spec.stamp_cards]
        ids += [r.id for r in self.spec.points.rewards] if self.spec.points else []
        ids += [s.id for s in self.spec.subscriptions if s.free_per_week]
        return ids

    def _used_today(
        self, ctx: _Ctx, reward_id: str, per_day: int | None
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
        return None, [self._lot(account, 1, clock.next_midnight(ctx.now, self.zone))]

    def _on_redeem(self, ctx: _Ctx) -> Decision:
        choices = self._redeemables()
        reward_id = ctx.action.detail or (choices[0] if len(choices) == 1 else None)
        if reward_id is None:
            return refuse("which_reward", "Choose the reward to redeem.", rewards=choices)
        card = self.stamp_card(reward_id)
        if card is not None:
            have, need = ctx.bal(stamps_account(card.id)), card.reward_at
            if have < need:
                to_go = need - have
                return refuse(
                    "not_enough",
                    f"{_plural(to_go, 'stamp')} to go for {card.reward}.",
                    to_go=to_go,
                    reward=card.id,
                )
            blocked, extra = self._used_today(ctx, card.id, card.per_day)
            if blocked is not None:
                return blocked
            postings = [Posting(stamps_account(card.id), -need), Posting(REWARDS, 1), *extra]
            return Decision(
                (
                    self._draft(
                        ctx,
                        EventKind.REWARD_REDEEMED,
                        postings,
                        reward=card.id,
                        name=card.reward,
                        value=card.reward_value,
                    ),
                )
            )
        reward = (
            next((r for r in self.spec.points.rewards if r.id == reward_id), None)
            if self.spec.points
            else None
        )
        if reward is not None:
            have = ctx.bal(POINTS)
            if have < reward.points:
                to_go = reward.points - have
                return refuse(
                    "not_enough",
                    f"{_plural(to_go, 'point')} to go for {reward.name}.",
                    to_go=to_go,
                    reward=reward.id,
                )
            blocked, extra = self._used_today(ctx, reward.id, reward.per_day)
            if blocked is not None:
                return blocked
            postings = [Posting(POINTS, -reward.points), Posting(REWARDS, 1), *extra]
            return Decision(
                (
                    self._draft(
                        ctx,
                        EventKind.REWARD_REDEEMED,
                        postings,
                        reward=reward.id,
                        name=reward.name,
                        value=reward.value,
                        cost_points=reward.points,
                    ),
                )
            )
        sub = next((s for s in self.spec.subscriptions if s.id == reward_id and s.free_per_week), None)
        if sub is not None:
            return self._free_item(ctx, sub)
        return refuse("unknown_reward", f"There is no reward called {reward_id!r}.", rewards=choices)

    def _free_item(self, ctx: _Ctx, sub: Subscription) -> Decision:
        inactive = self._inactive(ctx, sub_account(sub.id), sub.name, "subscription")
        if inactive is not None:
            return inactive
        counter = f"meta:free_week:{sub.id}"
        if ctx.bal(counter) >= sub.free_per_week:
            monday = clock.next_week(ctx.now, self.zone).date()
            return refuse(
                "used_this_week",
                f"The free {sub.free_item} of this week is already taken "
                f"(next from Monday {clock.say_day(monday, ctx.local.date())}).",
                next=str(monday),
            )
        postings = [Posting(REWARDS, 1), self._lot(counter, 1, clock.next_week(ctx.now, self.zone))]
        return Decision(
            (
                self._draft(
                    ctx,
                    EventKind.REWARD_REDEEMED,
                    postings,
                    reward=sub.id,
                    name=sub.free_item,
                    value=sub.free_item_value,
                    caps={counter: sub.free_per_week},
                ),
            )
        )

    def _inactive(self, ctx: _Ctx, account: str, name: str, what: str) -> Decision | None:
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

    def _on_topup(self, ctx: _Ctx) -> Decision:
        amount = ctx.action.amount_cents
        credit = self.spec.credit
        if credit is None and self.spec.cashback is None:
            return refuse("not_offered", "This shop's program does not offer prepaid credit.")
        if amount is None or amount <= 0:
            return refuse("bad_amount", "Enter the amount to top up.")
        minimum = credit.min_topup if credit is not None else 1
        if amount < minimum:
            return refuse("bad_amount", f"The smallest top-up is {self._money(minimum)}.", minimum=minimum)
        bonus = max((b.bonus for b in credit.bonuses if amount >= b.min_topup), default=0) if credit else 0
        return Decision(
            (
                self._draft(
                    ctx,
                    EventKind.CREDIT_TOPPED_UP,
                    [Posting(CREDIT, amount + bonus)],
                    amount=amount,
                    bonus=bonus,
                ),
            )
        )

    def _on_spend_credit(self, ctx: _Ctx) -> Decision:
        amount = ctx.action.amount_cents
        if amount is None or amount <= 0:
            return refuse("bad_amount", "Enter the amount to pay with credit.")
        have = ctx.bal(CREDIT)
        if amount > have:
            return refuse(
                "not_enough_credit",
                f"Not enough credit: {self._money(have)} on the card.",
                credit=have,
            )
        return Decision(
            (self._draft(ctx, EventKind.CREDIT_SPENT, [Posting(CREDIT, -amount)], amount=amount),)
        )

    def _pass(self, ctx: _Ctx) -> VisitCard | TimePass | Decision:
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

    def _on_buy_pass(self, ctx: _Ctx) -> Decision:
        chosen = self._pass(ctx)
        if isinstance(chosen, Decision):
            return chosen
        price = self._price(ctx, chosen.name, chosen.price)
        if isinstance(price, Decision):
            return price
        account = pass_account(chosen.id)
        postings = [Posting(f"meta:bought:{account}", 1)]
        data: dict[str, Any] = {"pass": chosen.id, "price": price}
        if isinstance(chosen, VisitCard):
            uses = chosen.uses + chosen.bonus_uses
            expires = (
                None if chosen.valid_days is None else clock.add_days(ctx.now, chosen.valid_days, self.zone)
            )
            postings.append(self._lot(account, uses, expires))
            data.update(uses=uses, bonus_uses=chosen.bonus_uses)
        else:
            start = max(ctx.now, latest_expiry(ctx.state, account, ctx.now) or ctx.now)
            expires = clock.add_months(start, chosen.months + chosen.bonus_months, self.zone)
            postings.append(self._lot(account, 1, expires))
            data.update(months=chosen.months, bonus_months=chosen.bonus_months)
        if expires is not None:
            data["valid_until"] = clock.utc_iso(expires)
        # a new pass replaces the memory of an old one that expired
        postings.append(Posting(ended_account(account), -ctx.state.balance(ended_account(account))))
        return Decision((self._draft(ctx, EventKind.PASS_SOLD, postings, **data),))

    def _on_use_pass(self, ctx: _Ctx) -> Decision:
        chosen = self._pass(ctx)
        if isinstance(chosen, Decision):
            return chosen
        account = pass_account(chosen.id)
        inactive = self._inactive(ctx, account, chosen.name, "pass")
        if inactive is not None:
            return inactive
        blocked = self._cooldown(ctx)
        if blocked is not None:
            return blocked
        postings = [Posting(VISITS, 1)]
        data: dict[str, Any] = {"pass": chosen.id}
        if isinstance(chosen, VisitCard):
            postings.append(Posting(account, -1))
            data["left"] = ctx.bal(account) - 1
        else:
            until = latest_expiry(ctx.state, account, ctx.now)
            data["valid_until"] = None if until is None else clock.utc_iso(until)
        if self.spec.tiers is not None and self.spec.tiers.measure == "visits":
            postings.append(self._lot(QUALIFY, 1, self._window_end(ctx.now)))
        drafts = [*self._welcome(ctx, "first_visit"), self._draft(ctx, EventKind.PASS_USED, postings, **data)]
        return Decision(tuple(drafts))

    def _on_subscribe(self, ctx: _Ctx) -> Decision:
        subs = self.spec.subscriptions
        if not subs:
            return refuse("not_offered", "This shop's program has no subscription.")
        wanted = ctx.action.detail or (subs[0].id if len(subs) == 1 else None)
        sub = next((s for s in subs if s.id == wanted), None)
        if sub is None:
            return refuse(
                "unknown_subscription", "Choose the subscription.", subscriptions=[s.id for s in subs]
            )
        price = self._price(ctx, sub.name, sub.price)
        if isinstance(price, Decision):
            return price
        account = sub_account(sub.id)
        current_end = latest_expiry(ctx.state, account, ctx.now)
        renewal = current_end is not None
        until = clock.add_months(current_end or ctx.now, sub.period_months, self.zone)
        kind = EventKind.SUBSCRIPTION_RENEWED if renewal else EventKind.SUBSCRIPTION_STARTED
        postings = [
            self._lot(account, 1, until),
            Posting(ended_account(account), -ctx.state.balance(ended_account(account))),
        ]
        start = current_end or ctx.now
        return Decision(
            (
                self._draft(
                    ctx,
                    kind,
                    postings,
                    subscription=sub.id,
                    price=price,
                    starts=clock.utc_iso(start),
                    valid_until=clock.utc_iso(until),
                ),
            )
        )

    def _on_refer(self, ctx: _Ctx) -> Decision:
        ref = self.spec.referral
        if ref is None:
            return refuse("not_offered", "This shop's program has no referral bonus.")
        new_card = ctx.action.detail
        if not new_card:
            return refuse("bad_input", "Scan the new member's card to record the referral.")
        other = ctx.other
        if (
            new_card == ctx.action.card
            or new_card in ctx.state.cards
            or new_card in ctx.state.retired_cards
            or (other is not None and other.member_id == ctx.state.member_id)
        ):
            return refuse("self_referral", "You cannot refer yourself.")
        if other is None:
            return refuse(
                "unknown_card", "The new member's card is not known yet: let them tap or join first."
            )
        if other.status == ERASED:
            return refuse("erased", "The new member's card was erased.")
        if self.require_join and other.status != ENROLLED:
            return refuse("join_required", "The new member must join the program first.")
        if live(other, REFERRED_BY, ctx.now) > 0:
            return refuse("already_referred", "This new member was already referred by someone.")
        if other.balance(SPEND) > 0 or live(other, REFERRALS, ctx.now) > 0:
            return refuse("not_new", "Only a new member can be referred: this card has already shopped.")
        if ref.max_per_member is not None and ctx.bal(REFERRALS) >= ref.max_per_member:
            return refuse(
                "referral_limit",
                f"The referral bonus is given for up to {_plural(ref.max_per_member, 'friend')}.",
                limit=ref.max_per_member,
            )
        mine: list[Posting] = [Posting(REFERRALS, 1)]
        theirs: list[Posting] = [Posting(REFERRED_BY, 1)]
        mine_pts: dict[str, int] = {}
        theirs_pts: dict[str, int] = {}
        if ref.referrer_points:
            mine.append(self._points_posting(ctx, ref.referrer_points))
            mine_pts["referral"] = ref.referrer_points
        if ref.referrer_discount_percent:
            mine.append(Posting("voucher:referrer", 1))
        if ref.referred_points:
            theirs.append(self._points_posting(ctx, ref.referred_points))
            theirs_pts["referral"] = ref.referred_points
        if ref.referred_discount_percent:
            theirs.append(Posting("voucher:referred", 1))
        mine_data: dict[str, Any] = {"role": "referrer", "referred": new_card}
        if ref.max_per_member is not None:
            mine_data["caps"] = {REFERRALS: ref.max_per_member}
        if mine_pts:
            mine_data["points"] = mine_pts
        referrer = self._draft(ctx, EventKind.REFERRAL_REWARDED, mine, **mine_data)
        referred_data: dict[str, Any] = {
            "role": "referred",
            "referrer": ctx.action.card,
            "caps": {REFERRED_BY: 1},
        }
        if theirs_pts:
            referred_data["points"] = theirs_pts
        referred = EventDraft(
            EventKind.REFERRAL_REWARDED,
            other.member_id,
            tuple(theirs),
            referred_data,
            new_card,
            ctx.action.actor,
            program=self.version,
        )
        return Decision((referrer, referred))

    def _on_coupon(self, ctx: _Ctx) -> Decision:
        if not ctx.action.detail:
            return refuse("bad_input", "Scan or type the coupon code.")
        code = normalize_code(ctx.action.detail)
        bonus = self._bonus_action(code)
        if bonus is not None:
            return self._bonus(ctx, bonus)
        coupon = self._coupon(code)
        if coupon is None:
            return refuse("unknown_coupon", "This coupon code is not valid here.", coupon_code=code)
        today = ctx.local.date()
        if coupon.valid_from is not None and today < coupon.valid_from:
            day = clock.say_day(coupon.valid_from, today)
            return refuse(
                "coupon_not_yet", f"This coupon is valid from {day}.", valid_from=str(coupon.valid_from)
            )
        if coupon.valid_until is not None and today > coupon.valid_until:
            day = clock.say_day(coupon.valid_until, today)
            return refuse(
                "coupon_expired", f"This coupon expired on {day}.", valid_until=str(coupon.valid_until)
            )
        if coupon.online_only and not ctx.action.server_reached:
            return refuse(
                "coupon_online_only",
                "This coupon needs the shop's server, which this kiosk has not reached lately: "
                "try again when it is back online.",
                coupon_code=code,
            )
        marker = COUPON_MARKER + code
        used = ctx.bal(marker) > 0 or (ctx.other is not None and live(ctx.other, COUPON_USED, ctx.now) > 0)
        if used:
            return refuse("coupon_used", "This coupon was already used.", coupon_code=code)
        postings: list[Posting] = [Posting(marker, 1)]
        data: dict[str, Any] = {"coupon": coupon.id, "code": code}
        if coupon.points:
            postings.append(self._points_posting(ctx, coupon.points))
            data["points"] = {f"coupon:{coupon.id}": coupon.points}
        if coupon.credit:
            postings.append(Posting(CREDIT, coupon.credit))
        if coupon.stamps and coupon.stamp_card:
            card = self.stamp_card(coupon.stamp_card)
            assert card is not None
            postings.append(self._stamps_posting(ctx, card, coupon.stamps))
        if coupon.discount_percent:
            postings.append(Posting(f"voucher:coupon:{coupon.id}", 1))
        drafts = [self._draft(ctx, EventKind.COUPON_REDEEMED, postings, caps={marker: 1}, **data)]
        if ctx.other is not None:
            drafts.append(
                EventDraft(
                    EventKind.COUPON_REDEEMED,
                    ctx.other.member_id,
                    (Posting(COUPON_USED, 1),),
                    {"coupon": coupon.id, "code": code, "by": ctx.state.member_id, "caps": {COUPON_USED: 1}},
                    ctx.action.card,
                    ctx.action.actor,
                    program=self.version,
                )
            )
        return Decision(tuple(drafts))

    def _bonus(self, ctx: _Ctx, bonus: BonusAction) -> Decision:
        account = f"meta:bonus:{bonus.id}"
        if ctx.bal(account) > 0:
            period = {"ever": "already", "year": "this year", "month": "this month", "day": "today"}[
                bonus.once_per
            ]
            return refuse("bonus_given", f"The {bonus.name} bonus was given {period}.", bonus=bonus.id)
        ends = {
            "ever": None,
            "year": clock.next_year,
            "month": clock.next_month,
            "day": clock.next_midnight,
        }[bonus.once_per]
        postings = [
            self._lot(account, 1, None if ends is None else ends(ctx.now, self.zone)),
            self._points_posting(ctx, bonus.points),
        ]
        return Decision(
            (
                self._draft(
                    ctx,
                    EventKind.POINTS_EARNED,
                    postings,
                    bonus=bonus.id,
                    points={f"bonus:{bonus.id}": bonus.points},
                ),
            )
        )


def named_points(draft: EventDraft | Event) -> Mapping[str, int]:
    """The named parts of the points an event earns (for audits and property tests)."""
    parts = draft.data.get("points", {})
    return parts if isinstance(parts, Mapping) else {}
