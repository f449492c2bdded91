"""Switching the kiosk to another program without hiding what members hold.

At opening, the store remembers which program last ran (``program`` in the ledger's
meta). When it differs from the one configured now, every member's balances are checked
against the new program's accounts (``kiosk.domain.programs.carry``): an account the new
program neither uses nor places in its ``[carry_over]`` stops the switch with a
``ProgramChangeRefused`` naming the file and the accounts, and nothing is recorded; else
the balances move, one event per member, and the new program is remembered.

Only the kiosk that made a member moves its balances (as with merges): kiosks that
switch while they cannot reach each other move each balance once between them; the
others' members arrive moved by sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.domain.events import EventDraft
from kiosk.domain.programs.accounts import is_meta
from kiosk.domain.programs.carry import carry_drafts, moves, unplaced
from kiosk.errors import ConfigError
from kiosk.services.loyalty import LoyaltyService

if TYPE_CHECKING:
    from kiosk.domain.programs.spec import ProgramSpec

PROGRAM_META = "program"
#: members whose balances move in one durable record
BATCH = 500


class ProgramChangeRefused(ConfigError):
    """The configured program would hide balances members hold."""


def _spec(service: LoyaltyService) -> ProgramSpec | None:
    # here, not at the top: a command run with the built-in rule never loads the engine
    from kiosk.domain.programs.engine import ProgramRules

    rules = service.rules
    return rules.spec if isinstance(rules, ProgramRules) else None


def adopt_program(service: LoyaltyService, now: datetime | None = None) -> int:
    """Make the configured program the store's; returns how many members' balances moved."""
    ledger = service.ledger
    label = service.rules.version
    if ledger.meta.get(PROGRAM_META) == label:
        return 0
    spec = _spec(service)
    members = list(ledger.all_members())
    held = {a for m in members for a, v in m.balances.items() if v and not is_meta(a)}
    missing = unplaced(held, spec)
    if missing:
        where = spec.source if spec is not None else "the built-in rule ([rules] in the kiosk config)"
        before = ledger.meta.get(PROGRAM_META) or "the program before it"
        raise ProgramChangeRefused(
            f"{where}: members hold balances in {', '.join(missing)} (from {before}), which this "
            "program does not use: add a [carry_over] table to the program file saying which of "
            'its accounts each moves into (e.g. stamps = "stamps:coffee"), or false to let it '
            "go. Nothing was changed; the kiosk does not start with this program until then."
        )
    moving = moves(spec)
    now = now or service.clock()
    moved = 0
    batch: list[EventDraft] = []
    for member in members:
        if not ledger.is_this_kiosk(member.created_by):
            continue
        drafts = carry_drafts(member, moving, label)
        if drafts:
            batch.extend(drafts)
            moved += 1
        if len(batch) >= BATCH:
            service.recorder.record(batch, now)
            batch = []
    if batch:
        service.recorder.record(batch, now)
    ledger.set_meta({PROGRAM_META: label})
    return moved
