"""Bringing a shop's members and balances in from a spreadsheet (paper cards, another
system): each good row becomes a member with its card and, if it has any, one opening
balance event, recorded by the shop's ``console-import`` kiosk and stored through the push
path like any kiosk's events (so every kiosk gets them at its next sync, and the chain
checks apply). A file with any bad row imports nothing; the dry run lists every bad row
by its line.

Columns (a header line names them; ``;`` or ``,`` between fields): ``card`` (required),
``stamps``, ``points`` (whole numbers), ``credit`` (euros, decimal comma or point),
``phone`` and ``email`` with ``consent`` (``yes`` or the date it was given): a row with a
phone number or e-mail and no consent is refused by its line, as is one the kiosks would
not take (checked as ``kanta member join`` checks them). The details are never stored
here: they are sealed to the kiosk the owner chose and handed over at its next sync
(:mod:`sync.server.contact_handover`). ``tier`` names one of the running program's tiers:
the member starts with the qualifying activity (spend or visits) that tier needs, counted
until the program's tier window ends, as if it had been earned today; a tier the program
does not have is refused by its line. Finnish and Swedish column names are read too (kortti, kort,
leimat, puhelin, sähköposti, suostumus, telefon, e-post, samtycke, ...). The file is read
within bounds (:mod:`sync.server.uploads`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.engine import Engine

from kiosk.domain.clock import HlcTimestamp, HybridLogicalClock
from kiosk.domain.events import CREDIT, POINTS, STAMPS, EventDraft, EventKind, Posting, Stamper
from kiosk.domain.ids import uuid7
from kiosk.domain.money import parse_amount
from kiosk.domain.programs import clock
from kiosk.domain.programs.engine import QUALIFY
from kiosk.domain.programs.spec import ProgramSpec, Tier, TiersSpec
from kiosk.errors import InvalidInput
from kiosk.services.loyalty import normalize_card
from kiosk.services.privacy import check_contact
from sync.server import aggregates, contact_handover, db, store, uploads
from sync.server.contact_handover import Keeper
from sync.server.store import KioskAuth
from sync.server.texts import BadInput, Msg

IMPORT_KIOSK = "console-import"
MAX_ROWS = 50_000
MAX_BALANCE = 10**9
KNOWN = ("card", "stamps", "points", "credit", "tier", "phone", "email", "consent")
#: a file of a shop's members: 50,000 rows of a few dozen bytes
LIMITS = uploads.Limits(max_bytes=4 * 1024 * 1024, max_rows=MAX_ROWS)
#: column names as a Finnish or Swedish spreadsheet writes them -> the import's own
COLUMN_NAMES = {
    "kortti": "card",
    "kort": "card",
    "leimat": "stamps",
    "stämplar": "stamps",
    "pisteet": "points",
    "poäng": "points",
    "saldo": "credit",
    "taso": "tier",
    "nivå": "tier",
    "puhelin": "phone",
    "telefon": "phone",
    "sähköposti": "email",
    "e-post": "email",
    "e-mail": "email",
    "suostumus": "consent",
    "samtycke": "consent",
}
#: a consent cell that says yes (a date says when it was given, which is a yes too)
CONSENT_YES = {"yes", "y", "x", "1", "true", "kyllä", "k", "ja", "j"}
CONSENT_NO = {"", "no", "n", "0", "false", "ei", "e", "nej", "-"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}\.\d{1,2}\.\d{4}$")


@dataclass(frozen=True)
class Row:
    line: int
    card: str
    stamps: int
    points: int
    credit: int
    tier: Tier | None = None
    #: phone / email as the kiosks keep them; empty when the row has none
    contact: dict[str, str] = field(default_factory=dict)
    #: the consent cell as written (``yes`` or a date), when there are contact details
    consent: str = ""


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    errors: list[Msg] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def contacts(self) -> int:
        """Rows with a phone number or e-mail (to hand over to a kiosk)."""
        return sum(1 for row in self.rows if row.contact)


def _contact(phone: str, email: str, consent: str) -> tuple[dict[str, str], str]:
    """A row's contact details, checked as the kiosk's join checks them, and its consent."""
    phone = phone.strip().strip("=").strip('"')
    try:
        contact = check_contact(phone, None)
    except InvalidInput:
        raise BadInput(
            Msg("phone {value!r} is not a phone number (digits, spaces, '+', '-')", value=phone[:40])
        ) from None
    try:
        contact.update(check_contact(None, email))
    except InvalidInput:
        raise BadInput(Msg("e-mail {value!r} is not an e-mail address", value=email.strip()[:80])) from None
    said = consent.strip()
    if not contact:
        return {}, ""
    if said.casefold() in CONSENT_NO:
        raise BadInput(Msg("phone or e-mail without consent: write yes or its date in the consent column"))
    if said.casefold() not in CONSENT_YES and not _DATE.match(said):
        raise BadInput(Msg("consent {value!r} is not yes or a date", value=said[:20]))
    return contact, said


def _count(text: str, name: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > MAX_BALANCE:
        raise BadInput(
            Msg(
                "{column} {value!r} is not a whole number from 0 to {top}",
                column=Msg(name),
                value=text[:20],
                top=MAX_BALANCE,
            )
        )
    return int(text)


def _card(text: str) -> str:
    try:
        return normalize_card(text.strip().strip("=").strip('"'))
    except InvalidInput:
        raise BadInput(
            Msg("{value!r} is not a card number: use 4 to 64 letters, digits, '-' or '_'", value=text[:70])
        ) from None


def _credit(text: str) -> int:
    text = text.replace("€", "").replace(" ", "").strip()
    if not text:
        return 0
    try:
        cents = parse_amount(text)
    except InvalidInput:
        raise BadInput(
            Msg("credit {value!r} is not an amount in euros like 15,50", value=text[:20])
        ) from None
    if not 0 <= cents <= MAX_BALANCE:
        raise BadInput(Msg("credit {value!r} is out of range", value=text[:20]))
    return cents


def column_name(header: str) -> str:
    """A header cell as the import names its column: ``Credit (€)`` and ``saldo`` -> credit."""
    name = header.strip().lower().split("(")[0].strip()
    return COLUMN_NAMES.get(name, name)


def parse(raw: bytes, known_cards: set[str], tiers: TiersSpec | None = None) -> Checked:
    """Every row of an uploaded file checked (nothing recorded); ``tiers`` is the running
    program's, for a ``tier`` column. Raises BadInput for a file that is not read at all
    (too large, not UTF-8)."""
    out = Checked()
    empty = Msg("the file is empty: expected a header line card;stamps;points;credit")
    table = uploads.read(raw, LIMITS, empty)
    out.errors = table.errors
    if not table.header:
        return out
    names = [COLUMN_NAMES.get(n, n) for n in table.header]
    if "card" not in names:
        out.errors.insert(0, Msg("the header line must name a card column"))
        return out
    out.ignored = [n for n in names if n not in KNOWN]
    seen: dict[str, int] = {}
    for line, record in table.rows:
        if not any(c.strip() for c in record):
            continue
        f = {n: (record[i] if i < len(record) else "") for i, n in enumerate(names)}
        try:
            card = _card(f["card"])
            credit = _credit(f.get("credit", ""))
            stamps, points = _count(f.get("stamps", ""), "stamps"), _count(f.get("points", ""), "points")
            tier = _tier(f.get("tier", ""), tiers)
            contact, consent = _contact(f.get("phone", ""), f.get("email", ""), f.get("consent", ""))
            row = Row(line, card, stamps, points, credit, tier, contact, consent)
        except BadInput as exc:
            out.errors.append(Msg("line {line}: {problem}", line=line, problem=exc.message))
            continue
        if card in known_cards:
            out.errors.append(
                Msg("line {line}: card {card} already belongs to a member of this shop", line=line, card=card)
            )
        elif card in seen:
            out.errors.append(
                Msg(
                    "line {line}: card {card} is already on line {other}",
                    line=line,
                    card=card,
                    other=seen[card],
                )
            )
        else:
            seen[card] = line
            out.rows.append(row)
    out.errors.sort(key=uploads.line_of)
    return out


def _tier(text: str, tiers: TiersSpec | None) -> Tier | None:
    """The program's tier named in a row (any case), or None for an empty cell."""
    name = text.strip()
    if not name:
        return None
    if tiers is None:
        raise BadInput(
            Msg("tier {value!r}: the program has no tiers; leave the tier column empty", value=name)
        )
    for level in tiers.levels:
        if level.name.casefold() == name.casefold():
            return level
    known = ", ".join(level.name for level in tiers.levels)
    raise BadInput(Msg("tier {value!r} is not one of the program's tiers: {known}", value=name, known=known))


def opening_tier(tier: Tier, tiers: TiersSpec, zone: ZoneInfo, now: datetime) -> Posting | None:
    """The qualifying activity that puts a member in ``tier`` from now until the program's
    tier window ends (as a purchase or visit counted now would), or None for the first
    tier, which is everyone's."""
    if tier.at <= 0:
        return None
    if tiers.window == "calendar_year":
        ends = clock.next_year(now, zone)
    else:
        ends = clock.add_months(now, tiers.months, zone)
    return Posting(QUALIFY, tier.at, clock.utc_iso(ends))


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


def run(
    engine: Engine,
    shop_id: int,
    rows: list[Row],
    actor: str,
    program: ProgramSpec | None = None,
    keeper: Keeper | None = None,
) -> int:
    """Record the rows' members and opening balances (and opening tiers, under ``program``'s
    tiers), and queue their contact details sealed to ``keeper`` (the kiosk that keeps
    them; needed when a row has any); returns the members made."""
    if keeper is None and any(row.contact for row in rows):
        raise BadInput(Msg("choose the kiosk that keeps the phone numbers and e-mails"))
    kiosk, stamper = console_kiosk(engine, shop_id)
    events = []
    boxes: list[tuple[str, str]] = []
    zone = program.zone if program is not None else ZoneInfo("UTC")
    for row in rows:
        now = datetime.now(UTC)
        member = str(uuid7(int(now.timestamp() * 1000), os.urandom(10)))
        card = {"card": row.card}
        drafts = [EventDraft(EventKind.MEMBER_CREATED, member, data=card, card=row.card, actor=actor)]
        amounts = ((STAMPS, row.stamps), (POINTS, row.points), (CREDIT, row.credit))
        postings = tuple(Posting(account, value) for account, value in amounts if value)
        if row.tier is not None and program is not None and program.tiers is not None:
            qualifying = opening_tier(row.tier, program.tiers, zone, now)
            postings += (qualifying,) if qualifying is not None else ()
        if postings:
            opening = {"opening_balance": True}
            drafts.append(EventDraft(EventKind.POINTS_EARNED, member, postings, opening, row.card, actor))
        for draft in drafts:
            stamper, event = stamper.stamp(draft, now, os.urandom(10))
            events.append(event)
        if row.contact and keeper is not None:
            # sealed here, in memory: the clear details never reach the database
            plain = orjson.dumps({"card": row.card, **row.contact, "consent": row.consent})
            boxes.append((member, contact_handover.seal(keeper, member, plain)))
    batch = store.MAX_EVENTS
    for start in range(0, len(events), batch):
        raw = [e.to_dict() for e in events[start : start + batch]]
        store.push_events(engine, kiosk, store.validate_batch(raw))
    if keeper is not None:
        contact_handover.queue(engine, shop_id, keeper, boxes)
    return len(rows)
