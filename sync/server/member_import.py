"""Bringing a shop's members and balances in from a spreadsheet (paper cards, another
system): each good row becomes a member with its card and, if it has any, one opening
balance event, recorded by the shop's ``console-import`` kiosk and stored through the push
path like any kiosk's events (so every kiosk gets them at its next sync, and the chain
checks apply). A file with any bad row imports nothing; the dry run lists every bad row
by its line.

Columns (a header line names them; ``;`` or ``,`` between fields): ``card`` (required),
``stamps``, ``points`` (whole numbers), ``credit`` (euros, decimal comma or point). Phone
numbers and e-mail addresses are kept only on the kiosk where a member joins, so they
are not imported; ``tier`` is not either (a tier follows from spend and visits).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from sqlalchemy.engine import Engine

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.events import CREDIT, POINTS, STAMPS, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.ids import uuid7
from kiosk.domain.money import parse_amount
from kiosk.errors import InvalidInput
from kiosk.services.loyalty import normalize_card
from sync.server import aggregates, db, store
from sync.server.store import KioskAuth

IMPORT_KIOSK = "console-import"
MAX_ROWS = 50_000
MAX_BALANCE = 10**9
IGNORED = ("phone", "email", "e-mail", "tier")


@dataclass(frozen=True)
class Row:
    line: int
    card: str
    stamps: int
    points: int
    credit: int


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _count(text: str, name: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > MAX_BALANCE:
        raise InvalidInput(f"{name} {text[:20]!r} is not a whole number from 0 to {MAX_BALANCE}")
    return int(text)


def parse(text: str, known_cards: set[str]) -> Checked:
    out = Checked()
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        out.errors.append("the file is empty: expected a header line card;stamps;points;credit")
        return out
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=";" if ";" in lines[0] else ",")
    names = [h.strip().lower().split("(")[0].strip() for h in next(reader)]
    if "card" not in names:
        out.errors.append("line 1: the header must name a card column")
        return out
    out.ignored = [n for n in names if n in IGNORED]
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(c.strip() for c in record):
            continue
        if len(out.rows) + len(out.errors) >= MAX_ROWS:
            out.errors.append(f"line {line}: more than {MAX_ROWS} rows; split the file")
            break
        f = {n: (record[i] if i < len(record) else "") for i, n in enumerate(names)}
        try:
            card = normalize_card(f["card"].strip().strip("=").strip('"'))
            credit_text = f.get("credit", "").replace("€", "").replace(" ", "").strip()
            credit = parse_amount(credit_text) if credit_text else 0
            if not 0 <= credit <= MAX_BALANCE:
                raise InvalidInput(f"credit {credit_text!r} is out of range")
            stamps, points = _count(f.get("stamps", ""), "stamps"), _count(f.get("points", ""), "points")
            row = Row(line, card, stamps, points, credit)
        except InvalidInput as exc:
            out.errors.append(f"line {line}: {exc}")
            continue
        if card in known_cards:
            out.errors.append(f"line {line}: card {card} already belongs to a member of this shop")
        elif card in seen:
            out.errors.append(f"line {line}: card {card} is already on line {seen[card]}")
        else:
            seen[card] = line
            out.rows.append(row)
    return out


def console_kiosk(engine: Engine, shop_id: int) -> tuple[KioskAuth, Stamper]:
    """The shop's console kiosk (made on first use) and its stamper, continuing its chain:
    what the console records (imports, erasures) goes through it."""
    with db.read_tx(engine) as conn:
        shop = str(db.q(conn, "SELECT name FROM shops WHERE id = ?", (shop_id,)).scalar_one())
        row = db.q(
            conn, "SELECT id, kiosk_ident FROM kiosks WHERE shop_id = ? AND name = ?", (shop_id, IMPORT_KIOSK)
        ).first()
    if row is None:
        store.add_kiosk(engine, shop, IMPORT_KIOSK)  # its token is never shown: only this server uses it
        with db.read_tx(engine) as conn:
            find = "SELECT id, kiosk_ident FROM kiosks WHERE shop_id = ? AND name = ?"
            row = db.q(conn, find, (shop_id, IMPORT_KIOSK)).one()
    ident = f"{IMPORT_KIOSK}-{shop_id}"
    with db.read_tx(engine) as conn:
        last = db.q(
            conn,
            'SELECT body FROM events WHERE shop_id = ? AND kiosk = ? ORDER BY "cursor" DESC LIMIT 1',
            (shop_id, ident),
        ).first()
    stamper = Stamper(kiosk=ident, boot="console")
    if last is not None:
        event = orjson.loads(last[0])
        clock = HybridLogicalClock(ident, HlcTimestamp.decode(event["hlc"]))
        stamper = Stamper(kiosk=ident, boot="console", seq=event["seq"], prev=event["hash"], clock=clock)
    return KioskAuth(int(row[0]), shop_id, IMPORT_KIOSK, row[1]), stamper


def known_cards(engine: Engine, shop_id: int) -> set[str]:
    aggregates.up_to_date(engine, shop_id)
    with db.read_tx(engine) as conn:
        return {r[0] for r in db.q(conn, 'SELECT "card" FROM agg_cards WHERE shop_id = ?', (shop_id,))}


def run(engine: Engine, shop_id: int, rows: list[Row], actor: str) -> int:
    """Record the rows' members and opening balances; returns the members made."""
    kiosk, stamper = console_kiosk(engine, shop_id)
    events = []
    for row in rows:
        now = datetime.now(UTC)
        member = str(uuid7(int(now.timestamp() * 1000), os.urandom(10)))
        card = {"card": row.card}
        drafts = [EventDraft(EventKind.MEMBER_CREATED, member, data=card, card=row.card, actor=actor)]
        amounts = ((STAMPS, row.stamps), (POINTS, row.points), (CREDIT, row.credit))
        postings = tuple(Posting(account, value) for account, value in amounts if value)
        if postings:
            opening = {"opening_balance": True}
            drafts.append(EventDraft(EventKind.POINTS_EARNED, member, postings, opening, row.card, actor))
        for draft in drafts:
            stamper, event = stamper.stamp(draft, now, os.urandom(10))
            events.append(event)
    batch = store.MAX_EVENTS
    for start in range(0, len(events), batch):
        raw = [e.to_dict() for e in events[start : start + batch]]
        store.push_events(engine, kiosk, store.validate_batch(raw))
    return len(rows)

