"""What a backup file is made of: its parts' names, the CSV rows, and the small helpers
the writing, checking and restoring modules share (see :mod:`sync.backup`)."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from kiosk import spreadsheet
from kiosk.domain.events import CREDIT, SPEND, Event, event_from_trusted_dict
from kiosk.domain.member import MemberState
from kiosk.errors import KantaError
from kiosk.spreadsheet import as_text, euros, utc_time

FORMAT = 1
MANIFEST = "manifest.json"
EVENTS = "events.jsonl"
MEMBERS = "members.csv"
LEDGER = "ledger.csv"
PARTS = (EVENTS, MEMBERS, LEDGER)
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
BOM = spreadsheet.BOM
#: text cells starting with these are formulas to a spreadsheet
_FORMULA_CHARS = frozenset("=+-@\t\r")

#: accounts kept in cents (kiosk.domain.events): written in euros with a decimal comma,
#: the unit in the column's name, as Finnish-locale Excel reads money
MONEY_ACCOUNTS = frozenset({CREDIT, SPEND})
CURRENCY = "EUR"

MEMBER_COLUMNS = (
    "member",
    "status",
    "cards",
    "retired_cards",
    "created_at (UTC)",
    "enrolled_at (UTC)",
    "last_visit_at (UTC)",
    "events",
    "overdrawn",
)
LEDGER_COLUMNS = (
    "id",
    "wall (UTC)",
    "hlc",
    "kiosk",
    "seq",
    "kind",
    "member",
    "card",
    "actor",
    "reverses",
    "program",
    "data",
)

#: JSON lines are parsed with orjson: a third of json.loads's cost (its errors are ValueErrors)
loads_json = orjson.loads


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Millions of small objects are made and mostly kept: the collector's full passes
    over them cost as much as the work. What exists before is frozen out of its sight,
    and it runs rarely; the caller's settings come back afterwards."""
    threshold = gc.get_threshold()
    # a process owner that froze its own objects keeps them frozen: then only the thresholds
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if ours:
            gc.unfreeze()


class BackupError(KantaError):
    """A backup cannot be written, read or restored."""


def csv_delimiter(name: str) -> str:
    try:
        return DELIMITERS[name]
    except KeyError:
        raise BackupError(f"CSV delimiter {name!r}: use ',', ';' or 'tab'") from None


def account_column(account: str) -> str:
    """An account's column name: money says its unit."""
    return f"{account} ({CURRENCY})" if account in MONEY_ACCOUNTS else account


def _amount(account: str, value: int) -> int | str:
    return euros(value) if account in MONEY_ACCOUNTS else value


def _card_cell(cards: str) -> str:
    """Card numbers as text Excel keeps: else a 13-digit card shows as 4,00638E+12."""
    return as_text(_cell(cards)) if cards else ""


def _time_cell(value: str | None) -> str:
    return _cell(utc_time(value))


def _cell(value: str) -> str:
    """Text for a CSV cell: one line, and never taken for a formula."""
    if not value:
        return value
    if "\n" in value or "\r" in value:
        value = value.replace("\r", " ").replace("\n", " ")
    if value[0] in _FORMULA_CHARS:
        return "'" + value
    return value


def trusted_event(raw: dict[str, Any]) -> Event:
    """An event from a part whose SHA-256 matched (it was validated when the backup was
    made): built without re-validating, which costs more than everything else here."""
    try:
        return event_from_trusted_dict(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"a malformed event ({exc!r}): run `kanta backup verify` on the file") from None


def ledger_row(raw: dict[str, Any], accounts: list[str]) -> list[Any]:
    """The row of an event in its JSON form (the fields ``trusted_event`` takes as they are)."""
    deltas: dict[str, int] = {}
    for p in raw.get("postings", ()):
        deltas[p[0]] = deltas.get(p[0], 0) + p[1]
    data = raw.get("data")
    return [
        raw["id"],
        _time_cell(raw["wall"]),
        raw["hlc"],
        _cell(raw["kiosk"]),
        raw["seq"],
        raw["kind"],
        _cell(raw["member"]),
        _card_cell(raw.get("card") or ""),
        _cell(raw.get("actor") or ""),
        raw.get("reverses") or "",
        _cell(raw["program"]),
        _cell(json.dumps(dict(data), ensure_ascii=False, sort_keys=True) if data else ""),
        *[_amount(a, deltas[a]) if a in deltas else "" for a in accounts],
    ]


def member_row(state: MemberState, accounts: list[str]) -> list[Any]:
    return [
        _cell(state.member_id),
        state.status,
        _card_cell(" ".join(state.cards)),
        _card_cell(" ".join(state.retired_cards)),
        _time_cell(state.created_at),
        _time_cell(state.enrolled_at),
        _time_cell(state.last_visit_at),
        state.event_count,
        " ".join(state.overdrawn),
        *(_amount(a, state.balances.get(a, 0)) for a in accounts),
    ]


def fsync_path(path: Path) -> None:
    """fsync a file or a folder."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_members_csv(path: Path) -> list[dict[str, str]]:
    """The members part as dictionaries (tests, tools)."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        text = zf.read(MEMBERS).decode("utf-8-sig")
    delimiter = csv_delimiter(manifest.get("csv_delimiter", ";"))
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
