"""The rules engine's handlers for what a member brings in: a referral (the referrer's
card, then the new member's), a coupon code (each single-use code once in the whole shop)
and the bonus actions a program defines (a social post, a birthday). Pure functions of the
program (``base.ProgramBase``) and one decision's context; ``engine`` calls them.
"""

from __future__ import annotations

from typing import Any

from kiosk.domain.events import CREDIT, SPEND, EventDraft, EventKind, Posting
from kiosk.domain.member import ENROLLED, ERASED
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import (
    COUPON_MARKER,
    COUPON_USED,
    REFERRALS,
    REFERRED_BY,
    live,
    normalize_code,
)
from kiosk.domain.programs.base import Ctx, ProgramBase, plural
from kiosk.domain.programs.spec import BonusAction
from kiosk.domain.rules import Decision, refuse


def on_refer(program: ProgramBase, ctx: Ctx) -> Decision:
    ref = program.spec.referral
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
    if program.require_join and other.status != ENROLLED:
        return refuse("join_required", "The new member must join the program first.")
    if live(other, REFERRED_BY, ctx.now) > 0:
        return refuse("already_referred", "This new member was already referred by someone.")
    if other.balance(SPEND) > 0 or live(other, REFERRALS, ctx.now) > 0:
        return refuse("not_new", "Only a new member can be referred: this card has already shopped.")
    if ref.max_per_member is not None and ctx.bal(REFERRALS) >= ref.max_per_member:
        return refuse(
            "referral_limit",
            f"The referral bonus is given for up to {plural(ref.max_per_member, 'friend')}.",
            limit=ref.max_per_member,
        )
    mine: list[Posting] = [Posting(REFERRALS, 1)]
    theirs: list[Posting] = [Posting(REFERRED_BY, 1)]
    mine_pts: dict[str, int] = {}
    theirs_pts: dict[str, int] = {}
    if ref.referrer_points:
        mine.append(program.points_posting(ctx, ref.referrer_points))
        mine_pts["referral"] = ref.referrer_points
    if ref.referrer_discount_percent:
        mine.append(Posting("voucher:referrer", 1))
    if ref.referred_points:
        theirs.append(program.points_posting(ctx, ref.referred_points))
        theirs_pts["referral"] = ref.referred_points
    if ref.referred_discount_percent:
        theirs.append(Posting("voucher:referred", 1))
    mine_data: dict[str, Any] = {"role": "referrer", "referred": new_card}
    if ref.max_per_member is not None:
        mine_data["caps"] = {REFERRALS: ref.max_per_member}
    if mine_pts:
        mine_data["points"] = mine_pts
    referrer = program.draft(ctx, EventKind.REFERRAL_REWARDED, mine, **mine_data)
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
        program=program.version,
    )
    return Decision((referrer, referred))


def on_coupon(program: ProgramBase, ctx: Ctx) -> Decision:
    if not ctx.action.detail:
        return refuse("bad_input", "Scan or type the coupon code.")
    code = normalize_code(ctx.action.detail)
    bonus = program.bonus_action(code)
    if bonus is not None:
        return give_bonus(program, ctx, bonus)
    coupon = program.coupon(code)
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
        postings.append(program.points_posting(ctx, coupon.points))
        data["points"] = {f"coupon:{coupon.id}": coupon.points}
    if coupon.credit:
        postings.append(Posting(CREDIT, coupon.credit))
    if coupon.stamps and coupon.stamp_card:
        card = program.stamp_card(coupon.stamp_card)
        assert card is not None
        postings.append(program.stamps_posting(ctx, card, coupon.stamps))
    if coupon.discount_percent:
        postings.append(Posting(f"voucher:coupon:{coupon.id}", 1))
    drafts = [program.draft(ctx, EventKind.COUPON_REDEEMED, postings, caps={marker: 1}, **data)]
    if ctx.other is not None:
        drafts.append(
            EventDraft(
                EventKind.COUPON_REDEEMED,
                ctx.other.member_id,
                (Posting(COUPON_USED, 1),),
                {"coupon": coupon.id, "code": code, "by": ctx.state.member_id, "caps": {COUPON_USED: 1}},
                ctx.action.card,
                ctx.action.actor,
                program=program.version,
            )
        )
    return Decision(tuple(drafts))


def give_bonus(program: ProgramBase, ctx: Ctx, bonus: BonusAction) -> Decision:
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
        program.lot(account, 1, None if ends is None else ends(ctx.now, program.zone)),
        program.points_posting(ctx, bonus.points),
    ]
    return Decision(
        (
            program.draft(
                ctx,
                EventKind.POINTS_EARNED,
                postings,
                bonus=bonus.id,
                points={f"bonus:{bonus.id}": bonus.points},
            ),
        )
    )
