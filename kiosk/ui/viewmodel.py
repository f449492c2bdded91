"""View-models: what a screen shows, computed from service outcomes. Pure Python.

The screens bind to these plain objects; nothing here knows Kivy, a store or a device,
so the wording and arithmetic are tested without a window. Everything said by colour on
screen is also said in words here (``tone`` picks the colour, ``headline`` says it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.domain.events import CREDIT, POINTS, STAMPS
from kiosk.domain.member import ENROLLED, MemberState
from kiosk.domain.money import format_amount
from kiosk.domain.rules import Refusal
from kiosk.services.loyalty import Outcome
from kiosk.ui.i18n import refusal_text, tr

#: tones map to colours and to sounds (``Feedback`` patterns)
OK, REWARD, REFUSED, ERROR, ATTENTION = "ok", "reward_ready", "refused", "error", "attention"

#: how soon an expiry is worth telling the customer about
EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class ProgramInfo:
    """What the idle screen says about the program, and the stamp card's size."""

    shop_name: str
    currency: str = "EUR"
    stamps_target: int | None = 10
    points_per_unit: int = 1
    require_join: bool = False


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
    #: what the "Claim" flow needs
    member_status: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sound(self) -> str:
        return self.tone


def _plural_stamp(lang: str, n: int) -> str:
    return tr(lang, "res_stamp" if abs(n) == 1 else "res_stamps", n=n)


def _date(text: str) -> str:
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        return text[:10]
    return f"{d.day}.{d.month}.{d.year}"


def member_lines(
    lang: str,
    state: MemberState,
    before: MemberState | None,
    info: ProgramInfo,
    now: datetime | None = None,
) -> list[str]:
    """Points, credit, tier and expiry lines (stamps are drawn as a card)."""
    lines: list[str] = []
    if info.stamps_target:
        have = state.balance(STAMPS)
        if have < info.stamps_target:
            lines.append(
                tr(
                    lang,
                    "res_stamps_progress",
                    have=have,
                    target=info.stamps_target,
                    to_go=info.stamps_target - have,
                )
            )
        else:
            lines.append(tr(lang, "res_reward_ready"))
    points = state.balance(POINTS)
    delta = points - (before.balance(POINTS) if before else 0)
    if delta:
        lines.append(tr(lang, "res_points_change", points=points, delta=delta))
    elif points:
        lines.append(tr(lang, "res_points", points=points))
    credit = state.balance(CREDIT)
    cdelta = credit - (before.balance(CREDIT) if before else 0)
    if cdelta:
        sign = "+" if cdelta > 0 else ""
        lines.append(
            tr(
                lang,
                "res_credit_change",
                amount=format_amount(credit, info.currency),
                delta=sign + format_amount(cdelta, info.currency),
            )
        )
    elif credit:
        lines.append(tr(lang, "res_credit", amount=format_amount(credit, info.currency)))
    tier = _tier(state)
    if tier is not None:
        name, nxt, need = tier
        if nxt:
            lines.append(tr(lang, "res_tier_next", tier=name, next=nxt, need=need))
        else:
            lines.append(tr(lang, "res_tier", tier=name))
    lines.extend(_expiring(lang, state, now))
    return lines


def _tier(state: MemberState) -> tuple[str, str, str] | None:
    """A tier, where the program engine records one in the balances ("tier:Gold")."""
    for account in state.balances:
        if account.startswith("tier:"):
            return account.split(":", 1)[1], "", ""
    return None


def _expiring(lang: str, state: MemberState, now: datetime | None) -> list[str]:
    out: list[str] = []
    for account, what in ((STAMPS, "what_stamps"), (POINTS, "what_points")):
        lots = state.expiring(account)
        if not lots:
            continue
        first = lots[0]
        if now is not None:
            try:
                when = datetime.fromisoformat(first.expires_at)
                if (when - now).days > EXPIRY_NOTICE_DAYS:
                    continue
            except (ValueError, TypeError):
                pass
        out.append(
            tr(lang, "res_expiring", amount=first.amount, what=tr(lang, what), date=_date(first.expires_at))
        )
    return out


def tap_view(lang: str, outcome: Outcome, info: ProgramInfo, now: datetime | None = None) -> ResultView:
    """The screen after a tap: what happened, in big words, and what comes next."""
    if outcome.refusal is not None and not outcome.events:
        return refusal_view(lang, outcome.refusal, card=outcome.card, offer_join=outcome.new_member)
    after = outcome.after
    assert after is not None
    before = outcome.before
    gained = after.balance(STAMPS) - (before.balance(STAMPS) if before else 0)
    headline = _plural_stamp(lang, gained) if gained > 0 else tr(lang, "res_recorded")
    lines = member_lines(lang, after, before, info, now)
    if outcome.new_member:
        lines.insert(0, tr(lang, "res_new_card"))
    ready = bool(info.stamps_target and after.balance(STAMPS) >= info.stamps_target)
    offer_join = after.status != ENROLLED
    if offer_join:
        lines.append(tr(lang, "res_offer_join"))
    return ResultView(
        tone=REWARD if ready else OK,
        headline=headline,
        lines=tuple(lines),
        card=outcome.card,
        stamps_have=after.balance(STAMPS),
        stamps_target=info.stamps_target or 0,
        reward_ready=ready,
        offer_join=offer_join,
        member_status=after.status,
    )


def action_view(
    lang: str, outcome: Outcome, info: ProgramInfo, headline_key: str, now: datetime | None = None
) -> ResultView:
    """After a staff action (purchase, redeem, top-up, undo...)."""
    if outcome.refusal is not None and not outcome.events:
        return refusal_view(lang, outcome.refusal, card=outcome.card)
    after = outcome.after
    assert after is not None
    lines = member_lines(lang, after, outcome.before, info, now)
    ready = bool(info.stamps_target and after.balance(STAMPS) >= info.stamps_target)
    return ResultView(
        tone=REWARD if ready and headline_key != "res_redeemed" else OK,
        headline=tr(lang, headline_key),
        lines=tuple(lines),
        card=outcome.card,
        stamps_have=after.balance(STAMPS),
        stamps_target=info.stamps_target or 0,
        reward_ready=ready,
        member_status=after.status,
    )


def welcome_view(lang: str, outcome: Outcome, info: ProgramInfo, now: datetime | None = None) -> ResultView:
    if outcome.refusal is not None:
        return refusal_view(lang, outcome.refusal, card=outcome.card)
    after = outcome.after
    assert after is not None
    before = outcome.before
    lines = []
    bonus = []
    for account, what in ((STAMPS, "what_stamps"), (POINTS, "what_points")):
        d = after.balance(account) - (before.balance(account) if before else 0)
        if d > 0:
            bonus.append(f"+{d} {tr(lang, what)}")
    if bonus:
        lines.append(tr(lang, "res_welcome_bonus", bonus=", ".join(bonus)))
    lines.extend(member_lines(lang, after, after, info, now))
    return ResultView(
        tone=OK,
        headline=tr(lang, "res_welcome"),
        lines=tuple(lines),
        card=outcome.card,
        stamps_have=after.balance(STAMPS),
        stamps_target=info.stamps_target or 0,
        reward_ready=bool(info.stamps_target and after.balance(STAMPS) >= info.stamps_target),
        member_status=after.status,
    )


def refusal_view(lang: str, refusal: Refusal, card: str = "", offer_join: bool = False) -> ResultView:
    params = dict(refusal.params)
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
