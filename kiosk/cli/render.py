"""Plain-text and JSON views of members and outcomes for the command line."""

from __future__ import annotations

from typing import Any

from kiosk.domain.events import CREDIT, POINTS, STAMPS, VISITS, Event
from kiosk.domain.member import MemberState
from kiosk.domain.money import format_amount
from kiosk.domain.programs.accounts import is_meta
from kiosk.services.loyalty import Outcome


def member_json(state: MemberState) -> dict[str, Any]:
    return {
        "member": state.member_id,
        "status": state.status,
        "cards": list(state.cards),
        "retired_cards": list(state.retired_cards),
        "balances": {a: v for a, v in sorted(state.balances.items()) if not is_meta(a)},
        "stamps": state.balance(STAMPS),
        "points": state.balance(POINTS),
        "credit_cents": state.balance(CREDIT),
        "visits": state.balance(VISITS),
        "expiring": {
            account: [{"amount": lot.amount, "expires_at": lot.expires_at} for lot in lots]
            for account, lots in sorted(state.lots.items())
        },
        "consents": {
            scope: {"wording": c.wording, "given_at": c.given_at, "withdrawn_at": c.withdrawn_at}
            for scope, c in sorted(state.consents.items())
        },
        "created_at": state.created_at,
        "created_by": state.created_by,
        "merged_into": state.merged_into,
        "enrolled_at": state.enrolled_at,
        "last_visit_at": state.last_visit_at,
        "overdrawn": list(state.overdrawn),
        "double_uses": [
            {
                "account": c.account,
                "event": c.event,
                "kiosk": c.kiosk,
                "earlier_kiosk": c.earlier.kiosk if c.earlier else None,
            }
            for c in state.open_conflicts
        ],
        "events": state.event_count,
    }


def describe_member(state: MemberState, currency: str) -> str:
    lines = [
        f"member   {state.member_id} ({state.status})",
        f"cards    {', '.join(state.cards) or '-'}",
        f"stamps   {state.balance(STAMPS)}",
        f"points   {state.balance(POINTS)}",
        f"credit   {format_amount(state.balance(CREDIT), currency)}",
        f"visits   {state.balance(VISITS)}",
    ]
    if state.overdrawn:
        lines.append(f"OVERDRAWN: {', '.join(state.overdrawn)} (check the history)")
    for c in state.open_conflicts:
        earlier = f" and kiosk {c.earlier.kiosk}" if c.earlier else ""
        lines.append(f"USED TWICE: {c.account} at kiosk {c.kiosk}{earlier} while they could not sync")
    return "\n".join(lines)


def describe_outcome(outcome: Outcome, currency: str) -> str:
    if outcome.refusal is not None and not outcome.events:
        return f"not recorded: {outcome.refusal.message}"
    head = "new card: visit recorded" if outcome.new_member else "recorded"
    parts = [head]
    if outcome.after is not None:
        before = outcome.before
        stamps = outcome.after.balance(STAMPS) - (before.balance(STAMPS) if before else 0)
        if stamps:
            parts.append(f"{stamps:+d} stamp{'s' if abs(stamps) != 1 else ''}")
        parts.append(describe_member(outcome.after, currency))
    return "\n".join(parts)


def event_json(event: Event) -> dict[str, Any]:
    return event.to_dict()


def describe_event(event: Event) -> str:
    postings = ", ".join(f"{p.account} {p.delta:+d}" for p in event.postings) or "-"
    extra = f" (undoes {event.reverses})" if event.reverses else ""
    who = f" by {event.actor}" if event.actor else ""
    return f"{event.wall}  {event.kind.value:<18} {postings}{extra}{who}  [{event.id}]"
