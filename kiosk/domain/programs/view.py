"""What a member sees at ``now``: stamps, points, credit, tier, rewards ready, expiries.

Derived from the state alone (pure), for the kiosk screen and the simulator's report.
Expiring lots count until their instant: a lot expiring at ``now`` is already gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.domain.events import CREDIT, POINTS, REWARDS
from kiosk.domain.member import MemberState
from kiosk.domain.programs import clock
from kiosk.domain.programs.accounts import (
    QUALIFY,
    is_meta,
    latest_expiry,
    live,
    pass_account,
    stamps_account,
    sub_account,
)
from kiosk.domain.programs.engine import ProgramRules
from kiosk.domain.programs.spec import TimePass, VisitCard


@dataclass(frozen=True)
class Expiring:
    account: str
    amount: int
    #: the instant, in the shop's time zone
    at: str


@dataclass(frozen=True)
class RewardReady:
    reward: str
    name: str
    count: int


@dataclass(frozen=True)
class MemberView:
    stamps: dict[str, int] = field(default_factory=dict)
    points: int = 0
    credit: int = 0
    tier: str | None = None
    #: qualifying spend (cents) or visits in the tier window
    qualifying: int = 0
    #: the next tier and how much qualifying activity it still needs
    next_tier: tuple[str, int] | None = None
    perks: tuple[str, ...] = ()
    rewards_ready: tuple[RewardReady, ...] = ()
    rewards_redeemed: int = 0
    #: visit cards: uses left; time passes: 1 while valid
    passes: dict[str, int] = field(default_factory=dict)
    #: pass or subscription id -> valid until (shop time), for those still running
    valid_until: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)
    vouchers: dict[str, int] = field(default_factory=dict)
    expiring: tuple[Expiring, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "stamps": dict(self.stamps),
            "points": self.points,
            "credit_cents": self.credit,
            "tier": self.tier,
            "qualifying": self.qualifying,
            "next_tier": None
            if self.next_tier is None
            else {"name": self.next_tier[0], "to_go": self.next_tier[1]},
            "perks": list(self.perks),
            "rewards_ready": [
                {"reward": r.reward, "name": r.name, "count": r.count} for r in self.rewards_ready
            ],
            "rewards_redeemed": self.rewards_redeemed,
            "passes": dict(self.passes),
            "valid_until": dict(self.valid_until),
            "subscriptions": dict(self.subscriptions),
            "vouchers": dict(self.vouchers),
            "expiring": [{"account": e.account, "amount": e.amount, "at": e.at} for e in self.expiring],
        }


def member_view(rules: ProgramRules, state: MemberState, now: datetime) -> MemberView:
    spec, zone = rules.spec, rules.zone
    stamps = {c.id: live(state, stamps_account(c.id), now) for c in spec.stamp_cards}
    points = live(state, POINTS, now)
    ready: list[RewardReady] = []
    for card in spec.stamp_cards:
        n = stamps[card.id] // card.reward_at
        if n > 0:
            ready.append(RewardReady(card.id, card.reward, n))
    if spec.points is not None:
        for reward in spec.points.rewards:
            n = points // reward.points
            if n > 0:
                ready.append(RewardReady(reward.id, reward.name, n))
    tier = rules.tier(state, now)
    next_tier = None
    qualifying = live(state, QUALIFY, now)
    if spec.tiers is not None:
        above = [lv for lv in spec.tiers.levels if lv.at > qualifying]
        if above:
            next_tier = (above[0].name, above[0].at - qualifying)
    passes: dict[str, int] = {}
    valid_until: dict[str, str] = {}
    all_passes: list[VisitCard | TimePass] = [*spec.visit_cards, *spec.time_passes]
    for p in all_passes:
        left = live(state, pass_account(p.id), now)
        if left > 0:
            passes[p.id] = left if isinstance(p, VisitCard) else 1
            end = latest_expiry(state, pass_account(p.id), now)
            if end is not None:
                valid_until[p.id] = end.astimezone(zone).isoformat()
    subs: dict[str, str] = {}
    for s in spec.subscriptions:
        end = latest_expiry(state, sub_account(s.id), now)
        if end is not None:
            subs[s.id] = end.astimezone(zone).isoformat()
    vouchers = {
        a[8:]: live(state, a, now)
        for a in sorted(state.balances)
        if a.startswith("voucher:") and live(state, a, now) > 0
    }
    expiring = []
    for account in sorted(state.lots):
        if is_meta(account):
            continue
        for lot in state.lots[account]:
            at = clock.parse_instant(lot.expires_at)
            if at > now:
                expiring.append(Expiring(account, lot.amount, at.astimezone(zone).isoformat()))
    expiring.sort(key=lambda e: (clock.parse_instant(e.at), e.account))
    return MemberView(
        stamps=stamps,
        points=points,
        credit=live(state, CREDIT, now),
        tier=None if tier is None else tier.name,
        qualifying=qualifying,
        next_tier=next_tier,
        perks=() if tier is None else tier.perks,
        rewards_ready=tuple(ready),
        rewards_redeemed=state.balance(REWARDS),
        passes=passes,
        valid_until=valid_until,
        subscriptions=subs,
        vouchers=vouchers,
        expiring=tuple(expiring),
    )
