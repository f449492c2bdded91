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

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from kiosk.domain.events import Event, EventDraft, EventKind, Posting
from kiosk.domain.member import ENROLLED, ERASED, MemberState
from kiosk.domain.programs import clock, earning, holdings, referrals
from kiosk.domain.programs.accounts import (
    COUPON_USED,
    QUALIFY,
    REFERRALS,
    REFERRED_BY,
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
    preview,
    stamps_account,
    sub_account,
)
from kiosk.domain.programs.base import Ctx, ProgramBase
from kiosk.domain.programs.spec import ProgramSpec
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


Handler = Callable[[Ctx], Decision]


class ProgramRules(ProgramBase):
    """Implements ``kiosk.domain.rules.Rules`` for a program file: checks what applies to
    every action (erased, joined, the program's term, an action counted once), closes
    expired lots, then hands the action to its handler (``earning``, ``holdings``,
    ``referrals``)."""

    def __init__(self, spec: ProgramSpec) -> None:
        super().__init__(spec)
        self._handlers: dict[ActionKind, Handler] = {
            ActionKind.ENROLL: partial(earning.on_enroll, self),
            ActionKind.VISIT: partial(earning.on_visit, self),
            ActionKind.PURCHASE: partial(earning.on_purchase, self),
            ActionKind.REDEEM: partial(holdings.on_redeem, self),
            ActionKind.TOPUP: partial(earning.on_topup, self),
            ActionKind.SPEND_CREDIT: partial(earning.on_spend_credit, self),
            ActionKind.BUY_PASS: partial(holdings.on_buy_pass, self),
            ActionKind.USE_PASS: partial(holdings.on_use_pass, self),
            ActionKind.REFER: partial(referrals.on_refer, self),
            ActionKind.SUBSCRIBE: partial(holdings.on_subscribe, self),
            ActionKind.COUPON: partial(referrals.on_coupon, self),
        }

    # ---- the Rules interface ---------------------------------------------------------

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
            if self.bonus_action(code) is None and self.coupon(code) is not None:
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
            outside = self.outside_term(local.date())
            if outside is not None:
                return outside
        expiry = self.expiry_drafts(state, now)
        current = preview(state, expiry, now)
        ctx = Ctx(current, action, now, local, other)
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


def named_points(draft: EventDraft | Event) -> Mapping[str, int]:
    """The named parts of the points an event earns (for audits and property tests)."""
    parts = draft.data.get("points", {})
    return parts if isinstance(parts, Mapping) else {}
