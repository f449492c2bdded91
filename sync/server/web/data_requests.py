"""A customer's data requests answered from the owner's console: everything the server
holds about a member (export), and an erasure, planned first and then recorded.

The server holds a member's events (balances, visits, consents with their wording
version and time) and nothing else: contact details are kept only on the kiosk where they
were given, sealed with the member's own key, and never sent here. An erasure is a
``member_erased`` event recorded by the shop's console kiosk and stored through the push
path, as the import's events are (:func:`sync.server.member_import.console_kiosk`); every
kiosk receives it at its next sync, destroys the member's key (the contact details with
it) and closes the balances. Each request is logged without personal data: what was
asked, for which member id, when it was asked and when done.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kiosk.domain.events import Event, EventDraft, EventKind, event_from_dict
from kiosk.domain.member import ERASED, MemberState, apply
from sync.server import aggregates, blind_index, contact_handover, db, member_import, store
from sync.server.requests_schema import data_requests
from sync.server.web.spreadsheet import as_text

#: a member with more events than this is refused an export (none comes near it: a daily
#: visitor for 50 years makes ~40,000); the response stays bounded
MAX_EXPORT_EVENTS = 200_000
#: a member's log shows its newest requests
MAX_LOG_ROWS = 200
#: how many members one card can tie together in an erasure plan
MAX_SAME_PERSON = 20

CONTACT_NOTE = (
    "Contact details (phone, e-mail) are kept only on the kiosk where they were given (or, "
    "imported, on the kiosk chosen for them), sealed with the member's own key, and never "
    "kept on the server: ask on that kiosk (kanta member export) to see them. An erasure "
    "from here destroys them there at that kiosk's next sync."
)


class TooManyEvents(Exception):
    """The member's events exceed the export bound."""


@dataclass(frozen=True)
class Held:
    """Everything the server holds about one member: its events in clock order and the
    state they fold to (as the kiosks fold them)."""

    state: MemberState
    events: list[dict[str, Any]]

    @property
    def erased(self) -> bool:
        return self.state.status == ERASED


def held(engine: Engine, shop_id: int, member: str) -> Held:
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            'SELECT body FROM events WHERE shop_id = ? AND "member" = ? ORDER BY hlc, "cursor" LIMIT ?',
            (shop_id, member, MAX_EXPORT_EVENTS + 1),
        ).all()
    if len(rows) > MAX_EXPORT_EVENTS:
        raise TooManyEvents(f"this member has more than {MAX_EXPORT_EVENTS} events: too many to export here")
    return Held(*fold_bodies(member, (body for (body,) in rows)))


def is_erased(engine: Engine, shop_id: int, member: str) -> bool:
    try:
        return held(engine, shop_id, member).erased
    except TooManyEvents:
        return False  # shown, as before: the page names the bound if asked for an export


def fold_bodies(member: str, bodies: Iterable[str]) -> tuple[MemberState, list[dict[str, Any]]]:
    """A member's state folded from its stored event bodies (in clock order, as the kiosks
    fold them), and the events."""
    state = MemberState(member)
    events = []
    for body in bodies:
        raw = orjson.loads(body)
        state = apply(state, event_from_dict(raw, verify_hash=False))
        events.append(raw)
    return state, events


def contact_kiosks(events: list[dict[str, Any]]) -> list[str]:
    """The kiosks where the member gave contact details (kept only there)."""
    return sorted(
        {
            str(e["kiosk"])
            for e in events
            if e.get("kind") == EventKind.MEMBER_ENROLLED.value and (e.get("data") or {}).get("contact")
        }
    )


def _consents(events: list[dict[str, Any]], kind: EventKind) -> list[dict[str, Any]]:
    out = []
    for e in events:
        if e.get("kind") != kind.value:
            continue
        data = e.get("data") or {}
        entry: dict[str, Any] = {"scope": data.get("scope", "program"), "at": e["wall"], "kiosk": e["kiosk"]}
        if kind is EventKind.CONSENT_GIVEN:
            entry.update(wording=data.get("wording"), text=data.get("text"))
        out.append(entry)
    return out


def export(member: Held, now: datetime) -> dict[str, Any]:
    """The JSON export: the member's state, consents (wording version, text and time) and
    every event, with the note on contact details."""
    state = member.state
    return {
        "member": state.member_id,
        "status": state.status,
        "cards": list(state.cards),
        "retired_cards": list(state.retired_cards),
        "balances": {k: v for k, v in sorted(state.balances.items()) if not k.startswith("meta:")},
        "created_at": state.created_at,
        "enrolled_at": state.enrolled_at,
        "last_visit_at": state.last_visit_at,
        "consents": _consents(member.events, EventKind.CONSENT_GIVEN),
        "consents_withdrawn": _consents(member.events, EventKind.CONSENT_WITHDRAWN),
        "contact": None,
        "contact_details": CONTACT_NOTE,
        "contact_given_at_kiosks": contact_kiosks(member.events),
        "events": member.events,
        "exported_by": "server",
        "exported_at": now.isoformat(),
    }


CSV_HEADER = ("time", "what", "card", "change", "who", "kiosk", "consent", "wording version", "event id")


def export_rows(member: Held) -> list[list[str]]:
    """The CSV export: the note on contact details first, then one row per event (consents
    with their scope and wording version), oldest first."""
    rows = [["", "note", "", CONTACT_NOTE, "", "", "", "", ""]]
    for e in member.events:
        data = e.get("data") or {}
        consent = e.get("kind") in (EventKind.CONSENT_GIVEN.value, EventKind.CONSENT_WITHDRAWN.value)
        change = " ".join(f"{p[0]} {p[1]:+d}" for p in e.get("postings") or [])
        rows.append(
            [
                str(e["wall"]),
                str(e["kind"]),
                as_text(str(e["card"])) if e.get("card") else "",
                change,
                str(e.get("actor") or ""),
                str(e["kiosk"]),
                str(data.get("scope", "program")) if consent else "",
                str(data.get("wording") or "") if consent else "",
                str(e["id"]),
            ]
        )
    return rows


# ---- erasure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """One member an erasure would close: what goes, and what stays without the person."""

    member: str
    cards: tuple[str, ...]
    balances: dict[str, int]
    events: int
    contact_kiosks: tuple[str, ...]


def same_person(engine: Engine, shop_id: int, member: Held) -> list[Held]:
    """The member and every other member not erased that holds one of its cards now (made
    for the card at two kiosks that could not sync: the same person, as the kiosks'
    ``kanta member erase`` takes them all)."""
    cards = list(member.state.cards)[:MAX_SAME_PERSON]
    out = [member]
    if not cards:
        return out
    aggregates.up_to_date(engine, shop_id)
    marks = ", ".join("?" * len(cards))
    with db.read_tx(engine) as conn:
        rows = db.q(
            conn,
            f'SELECT DISTINCT "member" FROM agg_cards WHERE shop_id = ? AND "card" IN ({marks}) '
            f'AND "member" <> ? ORDER BY "member" LIMIT {MAX_SAME_PERSON}',
            (shop_id, *cards, member.state.member_id),
        ).all()
    for (other,) in rows:
        found = held(engine, shop_id, str(other))
        if not found.erased and set(found.state.cards) & set(cards):
            out.append(found)
    return out


def plan(engine: Engine, shop_id: int, people: list[Held]) -> list[PlanItem]:
    """What erasing these members would do; kiosks named as on the kiosks page."""
    names = {k["kiosk_id"]: k["name"] for k in store.list_kiosks(engine, shop_id) if k["kiosk_id"]}

    def named(kiosk: str) -> str:
        return f"{names[kiosk]} ({kiosk})" if kiosk in names else kiosk

    return [
        PlanItem(
            p.state.member_id,
            tuple(p.state.cards),
            {k: v for k, v in sorted(p.state.balances.items()) if v and not k.startswith("meta:")},
            len(p.events),
            tuple(named(k) for k in contact_kiosks(p.events)),
        )
        for p in people
    ]


def erase(engine: Engine, shop_id: int, people: list[Held], actor: str) -> list[Event]:
    """Record ``member_erased`` for each member, by the shop's console kiosk through the
    push path (chain checks included): every kiosk gets it at its next sync."""
    kiosk, stamper = member_import.console_kiosk(engine, shop_id)
    events = []
    for person in people:
        draft = EventDraft(EventKind.MEMBER_ERASED, person.state.member_id, actor=actor)
        stamper, event = stamper.stamp(draft, datetime.now(UTC), os.urandom(10))
        events.append(event)
    store.push_events(engine, kiosk, store.validate_batch([e.to_dict() for e in events]))
    for person in people:  # the phone / e-mail search finds them no more, from now
        blind_index.forget(engine, shop_id, person.state.member_id)
        contact_handover.forget(engine, shop_id, person.state.member_id)  # not yet handed over
    return events


# ---- the request log -------------------------------------------------------------------


def log(engine: Engine, shop_id: int, request: str, member: str, asked: datetime, done: datetime) -> None:
    with db.write_tx(engine) as conn:
        conn.execute(
            sa.insert(data_requests).values(
                shop_id=shop_id,
                member=member[:200],
                request=request[:40],
                asked_at=asked.isoformat(),
                done_at=done.isoformat(),
            )
        )


def entries(engine: Engine, shop_id: int, member: str) -> list[dict[str, str]]:
    """The member's requests, newest first."""
    t = data_requests.c
    with db.read_tx(engine) as conn:
        rows = conn.execute(
            sa.select(t.request, t.asked_at, t.done_at)
            .where(t.shop_id == shop_id, t.member == member)
            .order_by(t.id.desc())
            .limit(MAX_LOG_ROWS)
        ).all()
    out: list[dict[str, Any]] = [{"request": r[0], "asked": r[1], "done": r[2]} for r in rows]
    erasures = [e for e in out if e["request"] == "erase"]
    if erasures:
        kiosks = [
            k
            for k in store.list_kiosks(engine, shop_id)
            if not k["revoked"] and k["name"] != member_import.IMPORT_KIOSK
        ]
        for entry in erasures:
            entry["synced"], entry["waiting"] = synced_since(kiosks, entry["done"])
    return out


def synced_since(kiosks: list[dict[str, Any]], when: str) -> tuple[list[str], list[str]]:
    """The kiosks that have synced since ``when`` (their heartbeat follows their pull, so
    they have the erasure and take it in at their next idle moment), and those not yet."""
    since = datetime.fromisoformat(when)
    synced = [k["name"] for k in kiosks if k["last_seen"] and datetime.fromisoformat(k["last_seen"]) > since]
    return synced, [k["name"] for k in kiosks if k["name"] not in synced]
