"""The rules engine's handlers for what earns: joining, a visit, a purchase (discounts,
points, cashback, stamps, tier activity), a top-up and paying with credit. Pure functions
of the program (``base.ProgramBase``) and one decision's context; ``engine`` calls them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiosk.domain.events import CREDIT, SPEND, VISITS, EventKind, Posting
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import QUALIFY, VISITS_TODAY, percent_of, round_units
from kiosk.domain.programs.base import Ctx, ProgramBase, plural
from kiosk.domain.rules import Decision, refuse


def on_enroll(program: ProgramBase, ctx: Ctx) -> Decision:
    return Decision(tuple(program.welcome(ctx, "enroll")))


def on_visit(program: ProgramBase, ctx: Ctx) -> Decision:
    blocked = program.cooldown(ctx)
    if blocked is not None:
        return blocked
    cap = program.spec.visits.daily_cap
    if cap is not None and ctx.bal(VISITS_TODAY) >= cap:
        return refuse(
            "daily_cap",
            f"Daily limit reached: {plural(cap, 'visit')} a day count on one card.",
            cap=cap,
        )
    postings = [Posting(VISITS, 1)]
    if cap is not None:
        postings.append(program.lot(VISITS_TODAY, 1, clock.next_midnight(ctx.now, program.zone)))
    percent, _, promos = program.promotion(ctx.now, "stamps")
    stamps: dict[str, int] = {}
    for card in program.spec.stamp_cards:
        if card.earn_on == "visit":
            n = card.stamps * percent // 100
            stamps[card.id] = n
            postings.append(program.stamps_posting(ctx, card, n))
    if program.spec.tiers is not None and program.spec.tiers.measure == "visits":
        postings.append(program.lot(QUALIFY, 1, program.window_end(ctx.now)))
    data: dict[str, Any] = {"stamps": stamps} if stamps else {}
    if promos and stamps:
        data["promotions"] = list(promos)
    drafts = [
        *program.welcome(ctx, "first_visit"),
        program.draft(ctx, EventKind.VISIT_STAMPED, postings, **data),
    ]
    return Decision(tuple(drafts))


def on_purchase(program: ProgramBase, ctx: Ctx) -> Decision:
    amount = ctx.action.amount_cents
    if amount is None or amount <= 0:
        return refuse("bad_amount", "Enter the purchase amount first.")
    state, spec = ctx.state, program.spec
    category = ctx.action.category
    if category is not None and category not in {c.id for c in spec.categories}:
        known = [c.id for c in spec.categories]
        return refuse(
            "unknown_category", f"There is no purchase category {category!r}.", categories=known
        )
    percent, reasons = program.standing_discount(state, ctx.now)
    postings: list[Posting] = []
    voucher = program.best_voucher(ctx)
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
    tier = program.tier(state, ctx.now)
    if tier is not None:
        data["tier"] = tier.name
    if spec.points is not None:
        pts = spec.points
        units = Decimal(paid) / 100 * pts.per_unit
        promo_pct, promo_extra, promos = program.promotion(ctx.now, "points")
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
            postings.append(program.points_posting(ctx, earned))
            data["points"] = parts
        if promos:
            data["promotions"] = list(promos)
    if spec.cashback is not None:
        back = percent_of(paid, spec.cashback.percent, spec.cashback.rounding)
        if back > 0:
            postings.append(Posting(CREDIT, back))
            data["cashback"] = back
    stamp_pct, _, _ = program.promotion(ctx.now, "stamps")
    stamps: dict[str, int] = {}
    for card in spec.stamp_cards:
        counts = not card.categories or category in card.categories
        if card.earn_on == "purchase" and counts and paid >= max(card.min_purchase, 1):
            stamps[card.id] = card.stamps * stamp_pct // 100
            postings.append(program.stamps_posting(ctx, card, stamps[card.id]))
    if stamps:
        data["stamps"] = stamps
    if spec.tiers is not None and spec.tiers.measure == "spend" and paid > 0:
        postings.append(program.lot(QUALIFY, paid, program.window_end(ctx.now)))
    drafts = [
        *program.welcome(ctx, "first_visit"),
        program.draft(ctx, EventKind.PURCHASE_RECORDED, postings, **data),
    ]
    return Decision(tuple(drafts))


def on_topup(program: ProgramBase, ctx: Ctx) -> Decision:
    amount = ctx.action.amount_cents
    credit = program.spec.credit
    if credit is None and program.spec.cashback is None:
        return refuse("not_offered", "This shop's program does not offer prepaid credit.")
    if amount is None or amount <= 0:
        return refuse("bad_amount", "Enter the amount to top up.")
    minimum = credit.min_topup if credit is not None else 1
    if amount < minimum:
        return refuse("bad_amount", f"The smallest top-up is {program.money(minimum)}.", minimum=minimum)
    bonus = max((b.bonus for b in credit.bonuses if amount >= b.min_topup), default=0) if credit else 0
    return Decision(
        (
            program.draft(
                ctx,
                EventKind.CREDIT_TOPPED_UP,
                [Posting(CREDIT, amount + bonus)],
                amount=amount,
                bonus=bonus,
            ),
        )
    )


def on_spend_credit(program: ProgramBase, ctx: Ctx) -> Decision:
    amount = ctx.action.amount_cents
    if amount is None or amount <= 0:
        return refuse("bad_amount", "Enter the amount to pay with credit.")
    have = ctx.bal(CREDIT)
    if amount > have:
        return refuse(
            "not_enough_credit",
            f"Not enough credit: {program.money(have)} on the card.",
            credit=have,
        )
    return Decision(
        (program.draft(ctx, EventKind.CREDIT_SPENT, [Posting(CREDIT, -amount)], amount=amount),)
    )
