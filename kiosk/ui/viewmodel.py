"""View-models: what a screen shows, computed from service outcomes. Pure Python.

The screens bind to these plain objects; nothing here knows Kivy, a store or a device,
so the wording and arithmetic are tested without a window. Everything said by colour on
screen is also said in words here (``tone`` picks the colour, ``headline`` says it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.domain.events import CREDIT, POINTS, STAMPS
from kiosk.domain.member import ENROLLED, Conflict, MemberState
from kiosk.domain.programs.engine import COUPON_USED, REFERRALS, REFERRED_BY, WELCOME, ProgramRules
from kiosk.domain.programs.view import member_view
from kiosk.domain.rules import Refusal
from kiosk.services.counter import CardSummary, Charge, Choice, Offers, StampProgress
from kiosk.services.loyalty import Outcome
from kiosk.ui.i18n import count, money, refusal_text, tr

#: tones map to colours and to sounds (``Feedback`` patterns)
OK, REWARD, REFUSED, ERROR, ATTENTION = "ok", "reward_ready", "refused", "error", "attention"

#: how soon an expiry is worth telling the customer about
EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class Summary:
    """What a member has, as the screen shows it; the same shape for every program."""

    stamps_have: int = 0
    stamps_target: int = 0
    points: int = 0
    credit: int = 0
    tier: str | None = None
    #: the next tier's name, what it still needs, and in what ("spend" cents or "visits")
    next_tier: tuple[str, int, str] | None = None
    #: (reward id, reward name) for each reward ready to claim
    rewards_ready: tuple[tuple[str, str], ...] = ()
    #: (amount, "stamps" | "points", ISO instant), soonest first
    expiring: tuple[tuple[int, str, str], ...] = ()


@dataclass(frozen=True)
class ProgramInfo:
    """What the idle screen says about the program, and how a member is summarised."""

    shop_name: str
    currency: str = "EUR"
    stamps_target: int | None = 10
    points_per_unit: int = 1
    require_join: bool = False
    #: a program file's rules (None: the built-in simple rules), summarised by its own view
    program: ProgramRules | None = None
    #: what the program offers at the counter (the staff menu shows only these)
    offers: Offers | None = None
    #: the program gives something for joining (the join offer says so only then)
    welcome_bonus: bool = False


def summarize(info: ProgramInfo, state: MemberState, now: datetime | None) -> Summary:
    if info.program is not None:
        return program_summary(info.program, state, now or datetime.now(UTC))
    target = info.stamps_target or 0
    have = state.balance(STAMPS)
    expiring = tuple(
        (lot.amount, what, lot.expires_at)
        for account, what in ((STAMPS, "stamps"), (POINTS, "points"))
        for lot in state.expiring(account)[:1]
    )
    tier = next((a.split(":", 1)[1] for a in state.balances if a.startswith("tier:")), None)
    return Summary(
        stamps_have=have,
        stamps_target=target,
        points=state.balance(POINTS),
        credit=state.balance(CREDIT),
        tier=tier,
        rewards_ready=(("stamp_card", ""),) if target and have >= target else (),
        expiring=expiring,
    )


def program_summary(rules: ProgramRules, state: MemberState, now: datetime) -> Summary:
    """A program file's member, as the program engine sees them, in the screens' shape."""
    view = member_view(rules, state, now)
    spec = rules.spec
    first_card = spec.stamp_cards[0] if spec.stamp_cards else None
    measure = spec.tiers.measure if spec.tiers is not None else "spend"
    expiring = []
    for e in view.expiring:
        what = "stamps" if e.account.startswith("stamps") else "points" if e.account == "points" else None
        if what:
            expiring.append((e.amount, what, e.at))
    return Summary(
        stamps_have=view.stamps.get(first_card.id, 0) if first_card else 0,
        stamps_target=first_card.reward_at if first_card else 0,
        points=view.points,
        credit=view.credit,
        tier=view.tier,
        next_tier=(view.next_tier[0], view.next_tier[1], measure) if view.next_tier else None,
        rewards_ready=tuple((r.reward, r.name) for r in view.rewards_ready),
        expiring=tuple(expiring),
    )


@dataclass(frozen=True)
class ResultView:
    tone: str
    headline: str
    lines: tuple[str, ...] = ()
    card: str = ""
    stamps_have: int = 0
    stamps_target: int = 0
    reward_ready: bool = False
    offer_join: bool = False
    refused: bool = False
    member_status: str = ""
    #: the reward the "Claim" button redeems (None: the program's default)
    reward_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sound(self) -> str:
        return self.tone


def _plural_stamp(lang: str, n: int) -> str:
    return count(lang, "stamps", n, sign=True)


def _date(text: str) -> str:
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        return text[:10]
    return f"{d.day}.{d.month}.{d.year}"


def reward_name(lang: str, reward: tuple[str, str]) -> str:
    rid, name = reward
    return name or tr(lang, f"reward_{rid}")


def summary_lines(
    lang: str, after: Summary, before: Summary | None, info: ProgramInfo, now: datetime | None = None
) -> list[str]:
    """Stamps progress, points and credit (with the change), tier, rewards, expiries."""
    lines: list[str] = []
    if after.rewards_ready:
        if any(name for _, name in after.rewards_ready):
            names = ", ".join(reward_name(lang, r) for r in after.rewards_ready)
            lines.append(tr(lang, "res_reward_ready_named", reward=names))
        else:
            lines.append(tr(lang, "res_reward_ready"))
    elif after.stamps_target:
        lines.append(
            tr(
                lang,
                "res_stamps_progress",
                have=after.stamps_have,
                target=after.stamps_target,
                to_go=max(0, after.stamps_target - after.stamps_have),
            )
        )
    delta = after.points - (before.points if before else 0)
    if delta:
        lines.append(tr(lang, "res_points_change", points=after.points, delta=delta))
    elif after.points:
        lines.append(tr(lang, "res_points", points=after.points))
    cdelta = after.credit - (before.credit if before else 0)
    def cash(cents: int, sign: bool = False) -> str:
        return money(lang, cents, info.currency, sign)

    if cdelta:
        lines.append(tr(lang, "res_credit_change", amount=cash(after.credit), delta=cash(cdelta, True)))
    elif after.credit:
        lines.append(tr(lang, "res_credit", amount=cash(after.credit)))
    if after.tier is not None:
        if after.next_tier is not None:
            name, need, measure = after.next_tier
            needed = cash(need) if measure == "spend" else tr(lang, "need_visits", n=need)
            lines.append(tr(lang, "res_tier_next", tier=after.tier, next=name, need=needed))
        else:
            lines.append(tr(lang, "res_tier", tier=after.tier))
    for amount, what, at in after.expiring[:2]:
        if now is not None:
            try:
                if (datetime.fromisoformat(at) - now).days > EXPIRY_NOTICE_DAYS:
                    continue
            except (ValueError, TypeError):
                pass
        lines.append(tr(lang, "res_expiring", amount=amount, what=tr(lang, f"what_{what}"), date=_date(at)))
    return lines


def member_lines(
    lang: str,
    state: MemberState,
    before: MemberState | None,
    info: ProgramInfo,
    now: datetime | None = None,
) -> list[str]:
    after_s = summarize(info, state, now)
    before_s = summarize(info, before, now) if before is not None else None
    return summary_lines(lang, after_s, before_s, info, now)


def _member_view(
    lang: str,
    outcome: Outcome,
    info: ProgramInfo,
    headline: str | None,
    now: datetime | None,
    *,
    compare: bool = True,
    new_card_line: bool = False,
    offer_join: bool = False,
    tone: str | None = None,
) -> ResultView:
    after = outcome.after
    assert after is not None
    a = summarize(info, after, now)
    b = summarize(info, outcome.before, now) if outcome.before is not None else None
    lines = summary_lines(lang, a, b if compare else a, info, now)
    headline_is_gain = headline is None
    if headline is None:
        gained = a.stamps_have - (b.stamps_have if b else 0)
        headline = _plural_stamp(lang, gained) if gained > 0 else tr(lang, "res_visit")
    if new_card_line:
        lines.insert(0, tr(lang, "res_new_card"))
    if offer_join:  # a welcome bonus is promised only where the program gives one
        lines.append(tr(lang, "res_offer_join" if info.welcome_bonus else "res_offer_join_plain"))
    ready = bool(a.rewards_ready)
    if ready and headline_is_gain:  # a ready reward is the news: the stamp goes below it
        lines.insert(0, headline)
        headline = tr(lang, "res_reward_headline")
    return ResultView(
        tone=tone or (REWARD if ready else OK),
        headline=headline,
        lines=tuple(lines),
        card=outcome.card,
        stamps_have=a.stamps_have,
        stamps_target=a.stamps_target,
        reward_ready=ready,
        offer_join=offer_join,
        member_status=after.status,
        reward_id=a.rewards_ready[0][0] if ready else None,
    )


def tap_view(lang: str, outcome: Outcome, info: ProgramInfo, now: datetime | None = None) -> ResultView:
    """The screen after a tap: what happened, in big words, and what comes next."""
    refusal = outcome.refusal
    if refusal is not None and refusal.code == "cooldown" and outcome.after is not None:
        return already_view(lang, outcome, info, now)
    if outcome.refusal is not None and not outcome.events:
        return refusal_view(lang, outcome.refusal, card=outcome.card, offer_join=outcome.new_member)
    assert outcome.after is not None
    return _member_view(
        lang, outcome, info, None, now,
        new_card_line=outcome.new_member,
        offer_join=outcome.after.status != ENROLLED,
    )


def already_view(lang: str, outcome: Outcome, info: ProgramInfo, now: datetime | None) -> ResultView:
    """A harmless second tap: said neutrally, with when the next stamp comes and the balance."""
    assert outcome.refusal is not None
    seconds = int(outcome.refusal.params.get("seconds", 0) or 0)
    at = (now or datetime.now(UTC)) + timedelta(seconds=seconds)
    view = _member_view(lang, outcome, info, tr(lang, "res_already"), now, compare=False, tone=ATTENTION)
    next_line = tr(lang, "res_next_stamp", time=at.astimezone().strftime("%H:%M"))
    return replace(view, lines=(next_line, *view.lines), offer_join=False)


def action_view(
    lang: str, outcome: Outcome, info: ProgramInfo, headline_key: str, now: datetime | None = None
) -> ResultView:
    """After a staff action (purchase, redeem, top-up, undo...)."""
    if outcome.refusal is not None and not outcome.events:
        return refusal_view(lang, outcome.refusal, card=outcome.card)
    view = _member_view(lang, outcome, info, tr(lang, headline_key), now)
    if headline_key == "res_redeemed":
        view = replace(view, tone=OK, reward_ready=False)
    return view


def welcome_view(lang: str, outcome: Outcome, info: ProgramInfo, now: datetime | None = None) -> ResultView:
    if outcome.refusal is not None:
        return refusal_view(lang, outcome.refusal, card=outcome.card)
    after = outcome.after
    assert after is not None
    a = summarize(info, after, now)
    b = summarize(info, outcome.before, now) if outcome.before is not None else Summary()
    bonus = []
    if a.stamps_have > b.stamps_have:
        bonus.append(f"+{a.stamps_have - b.stamps_have} {tr(lang, 'what_stamps')}")
    if a.points > b.points:
        bonus.append(f"+{a.points - b.points} {tr(lang, 'what_points')}")
    view = _member_view(lang, outcome, info, tr(lang, "res_welcome"), now, compare=False, tone=OK)
    if bonus:
        view = replace(view, lines=(tr(lang, "res_welcome_bonus", bonus=", ".join(bonus)), *view.lines))
    return view


def refusal_view(lang: str, refusal: Refusal, card: str = "", offer_join: bool = False) -> ResultView:
    params = {
        k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in refusal.params.items()
    }
    if refusal.code == "not_enough" and "to_go" in params:
        params["to_go"] = _plural_stamp(lang, int(params["to_go"])).lstrip("+")
    text = refusal_text(lang, refusal.code, refusal.message, params)
    join = offer_join or refusal.code == "join_required"
    return ResultView(
        tone=ATTENTION if join else REFUSED,
        headline=tr(lang, "btn_join") if join else tr(lang, "refused_title"),
        lines=(text,),
        card=card,
        offer_join=join,
        refused=True,
    )


def error_view(lang: str, store_failed: bool) -> ResultView:
    if store_failed:
        return ResultView(
            tone=ERROR,
            headline=tr(lang, "err_store_title"),
            lines=(tr(lang, "err_store_body"),),
            refused=True,
        )
    return ResultView(
        tone=ERROR, headline=tr(lang, "refused_title"), lines=(tr(lang, "err_generic"),), refused=True
    )


def simple_refusal(lang: str, code: str, message: str = "", **params: Any) -> ResultView:
    return refusal_view(lang, Refusal(code, message or code, params))


@dataclass(frozen=True)
class ChargeView:
    """The amount to charge at the till, large, with how it came about."""

    headline: str
    title: str
    amount: str
    breakdown: tuple[str, ...]
    lines: tuple[str, ...]
    card: str
    reward_ready: bool = False


def charge_view(
    lang: str, outcome: Outcome, charge: Charge, info: ProgramInfo, headline_key: str,
    now: datetime | None = None, category: str = "",
) -> ChargeView:
    """The amount to charge, large, and its breakdown; ``category``: what was bought, by
    its name in the screen's language (a program with purchase categories)."""

    def cash(cents: int) -> str:
        return money(lang, cents, info.currency)

    if charge.discount_cents:
        why = f" ({', '.join(charge.reasons)})" if charge.reasons else ""
        breakdown: tuple[str, ...] = (
            f"{tr(lang, 'charge_amount')}: {cash(charge.amount_cents)}",
            f"{tr(lang, 'charge_discount')}: -{cash(charge.discount_cents)}{why}",
            f"{tr(lang, 'charge_total')}: {cash(charge.charge_cents)}",
        )
    else:
        breakdown = (f"{tr(lang, 'charge_amount')}: {cash(charge.amount_cents)}",)
    if category:
        breakdown = (f"{tr(lang, 'charge_category')}: {category}", *breakdown)
    member = _member_view(lang, outcome, info, tr(lang, headline_key), now) if outcome.after else None
    return ChargeView(
        headline=tr(lang, headline_key),
        title=tr(lang, "charge_title"),
        amount=cash(charge.charge_cents),
        breakdown=breakdown,
        lines=member.lines if member is not None else (),
        card=outcome.card,
        reward_ready=member.reward_ready if member is not None else False,
    )


def choice_name(lang: str, choice: Choice | StampProgress, info: ProgramInfo) -> str:
    """A reward's, pass's or stamp card's name in the screen's language: the program file's
    names; the built-in rules' own words for their one stamp card."""
    if info.program is None:
        key = "reward_stamp_card" if isinstance(choice, Choice) else "stamp_card_name"
        return tr(lang, key)
    return choice.names.name(lang)


def staff_card_lines(lang: str, summary: CardSummary, info: ProgramInfo) -> list[str]:
    """What staff (or the member found by phone) read about a card: every stamp card,
    points, credit, tier, ready rewards, passes and subscriptions."""
    lines = [
        tr(lang, "card_stamps", name=choice_name(lang, p, info), have=p.have, need=p.need)
        for p in summary.stamps
    ]
    if summary.points:
        lines.append(tr(lang, "res_points", points=summary.points))
    if summary.credit_cents:
        lines.append(tr(lang, "res_credit", amount=money(lang, summary.credit_cents, info.currency)))
    if summary.tier:
        lines.append(tr(lang, "res_tier", tier=summary.tier))
    if summary.ready_rewards:
        names = ", ".join(
            choice_name(lang, r, info) + (f" ×{r.count}" if r.count and r.count > 1 else "")
            for r in summary.ready_rewards
        )
        lines.insert(0, tr(lang, "card_ready", names=names))
    if summary.usable_passes:
        names = ", ".join(
            tr(lang, "pass_uses_left", name=choice_name(lang, p, info), n=p.count)
            if p.count
            else choice_name(lang, p, info)
            for p in summary.usable_passes
        )
        lines.append(tr(lang, "card_passes", names=names))
    sub_names = {c.id: choice_name(lang, c, info) for c in (info.offers.subscriptions if info.offers else ())}
    for sub, until in summary.subscriptions.items():
        lines.append(tr(lang, "card_subscription", name=sub_names.get(sub, sub), date=_date(until)))
    return lines


def used_twice_lines(lang: str, conflicts: tuple[Conflict, ...]) -> list[str]:
    """The staff header's warning per double use: what was used and at which two kiosks
    (both events are kept; the staff decide what to do)."""
    lines = []
    for c in conflicts:
        if c.account == COUPON_USED:
            what = tr(lang, "used_coupon")
        elif c.account == WELCOME:
            what = tr(lang, "used_welcome")
        elif c.account in (REFERRALS, REFERRED_BY):
            what = tr(lang, "used_referral")
        else:
            what = c.account.removeprefix("meta:")
        if c.earlier is None:
            lines.append(tr(lang, "staff_used_twice_at", what=what, first=c.kiosk))
        else:
            lines.append(tr(lang, "staff_used_twice", what=what, first=c.earlier.kiosk, second=c.kiosk))
    return lines
