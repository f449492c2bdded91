"""The rules engine's handlers for what a member holds and uses: redeeming a reward (a
stamp card's, a points reward, a subscription's free item), buying and using passes, and
subscribing. Pure functions of the program (``base.ProgramBase``) and one decision's
context; ``engine`` calls them.
"""

from __future__ import annotations

from typing import Any

from kiosk.domain.events import POINTS, REWARDS, VISITS, EventKind, Posting
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import (
    QUALIFY,
    ended_account,
    latest_expiry,
    pass_account,
    stamps_account,
    sub_account,
)
from kiosk.domain.programs.base import Ctx, ProgramBase, plural
from kiosk.domain.programs.spec import Subscription, VisitCard
from kiosk.domain.rules import Decision, refuse


def on_redeem(program: ProgramBase, ctx: Ctx) -> Decision:
    choices = program.redeemables()
    reward_id = ctx.action.detail or (choices[0] if len(choices) == 1 else None)
    if reward_id is None:
        return refuse("which_reward", "Choose the reward to redeem.", rewards=choices)
    card = program.stamp_card(reward_id)
    if card is not None:
        have, need = ctx.bal(stamps_account(card.id)), card.reward_at
        if have < need:
            to_go = need - have
            return refuse(
                "not_enough",
                f"{plural(to_go, 'stamp')} to go for {card.reward}.",
                to_go=to_go,
                reward=card.id,
            )
        blocked, extra = program.used_today(ctx, card.id, card.per_day)
        if blocked is not None:
            return blocked
        postings = [Posting(stamps_account(card.id), -need), Posting(REWARDS, 1), *extra]
        return Decision(
            (
                program.draft(
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
        next((r for r in program.spec.points.rewards if r.id == reward_id), None)
        if program.spec.points
        else None
    )
    if reward is not None:
        have = ctx.bal(POINTS)
        if have < reward.points:
            to_go = reward.points - have
            return refuse(
                "not_enough",
                f"{plural(to_go, 'point')} to go for {reward.name}.",
                to_go=to_go,
                reward=reward.id,
            )
        blocked, extra = program.used_today(ctx, reward.id, reward.per_day)
        if blocked is not None:
            return blocked
        postings = [Posting(POINTS, -reward.points), Posting(REWARDS, 1), *extra]
        return Decision(
            (
                program.draft(
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
    sub = next((s for s in program.spec.subscriptions if s.id == reward_id and s.free_per_week), None)
    if sub is not None:
        return free_item(program, ctx, sub)
    return refuse("unknown_reward", f"There is no reward called {reward_id!r}.", rewards=choices)


def free_item(program: ProgramBase, ctx: Ctx, sub: Subscription) -> Decision:
    inactive = program.inactive(ctx, sub_account(sub.id), sub.name, "subscription")
    if inactive is not None:
        return inactive
    counter = f"meta:free_week:{sub.id}"
    if ctx.bal(counter) >= sub.free_per_week:
        monday = clock.next_week(ctx.now, program.zone).date()
        return refuse(
            "used_this_week",
            f"The free {sub.free_item} of this week is already taken "
            f"(next from Monday {clock.say_day(monday, ctx.local.date())}).",
            next=str(monday),
        )
    postings = [Posting(REWARDS, 1), program.lot(counter, 1, clock.next_week(ctx.now, program.zone))]
    return Decision(
        (
            program.draft(
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


def on_buy_pass(program: ProgramBase, ctx: Ctx) -> Decision:
    chosen = program.chosen_pass(ctx)
    if isinstance(chosen, Decision):
        return chosen
    price = program.price(ctx, chosen.name, chosen.price)
    if isinstance(price, Decision):
        return price
    account = pass_account(chosen.id)
    postings = [Posting(f"meta:bought:{account}", 1)]
    data: dict[str, Any] = {"pass": chosen.id, "price": price}
    if isinstance(chosen, VisitCard):
        uses = chosen.uses + chosen.bonus_uses
        expires = (
            None if chosen.valid_days is None else clock.add_days(ctx.now, chosen.valid_days, program.zone)
        )
        postings.append(program.lot(account, uses, expires))
        data.update(uses=uses, bonus_uses=chosen.bonus_uses)
    else:
        start = max(ctx.now, latest_expiry(ctx.state, account, ctx.now) or ctx.now)
        expires = clock.add_months(start, chosen.months + chosen.bonus_months, program.zone)
        postings.append(program.lot(account, 1, expires))
        data.update(months=chosen.months, bonus_months=chosen.bonus_months)
    if expires is not None:
        data["valid_until"] = clock.utc_iso(expires)
    # a new pass replaces the memory of an old one that expired
    postings.append(Posting(ended_account(account), -ctx.state.balance(ended_account(account))))
    return Decision((program.draft(ctx, EventKind.PASS_SOLD, postings, **data),))


def on_use_pass(program: ProgramBase, ctx: Ctx) -> Decision:
    chosen = program.chosen_pass(ctx)
    if isinstance(chosen, Decision):
        return chosen
    account = pass_account(chosen.id)
    inactive = program.inactive(ctx, account, chosen.name, "pass")
    if inactive is not None:
        return inactive
    blocked = program.cooldown(ctx)
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
    if program.spec.tiers is not None and program.spec.tiers.measure == "visits":
        postings.append(program.lot(QUALIFY, 1, program.window_end(ctx.now)))
    drafts = [*program.welcome(ctx, "first_visit"), program.draft(ctx, EventKind.PASS_USED, postings, **data)]
    return Decision(tuple(drafts))


def on_subscribe(program: ProgramBase, ctx: Ctx) -> Decision:
    subs = program.spec.subscriptions
    if not subs:
        return refuse("not_offered", "This shop's program has no subscription.")
    wanted = ctx.action.detail or (subs[0].id if len(subs) == 1 else None)
    sub = next((s for s in subs if s.id == wanted), None)
    if sub is None:
        return refuse(
            "unknown_subscription", "Choose the subscription.", subscriptions=[s.id for s in subs]
        )
    price = program.price(ctx, sub.name, sub.price)
    if isinstance(price, Decision):
        return price
    account = sub_account(sub.id)
    current_end = latest_expiry(ctx.state, account, ctx.now)
    renewal = current_end is not None
    until = clock.add_months(current_end or ctx.now, sub.period_months, program.zone)
    kind = EventKind.SUBSCRIPTION_RENEWED if renewal else EventKind.SUBSCRIPTION_STARTED
    postings = [
        program.lot(account, 1, until),
        Posting(ended_account(account), -ctx.state.balance(ended_account(account))),
    ]
    start = current_end or ctx.now
    return Decision(
        (
            program.draft(
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
