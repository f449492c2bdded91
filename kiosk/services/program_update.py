"""A kiosk takes up the program its owner published, at its next idle moment, no restart.

The sync worker downloads each new program version to ``<data>/sync/program.toml``
(atomically, through :mod:`kiosk.store.downloads`). When no customer is on
screen, the kiosk's maintenance calls :func:`load_if_new`: a file it has not looked at
yet is read with the kiosk's own program loader; a valid program replaces the rules the
kiosk runs, so the next event records its ``<id>@<version>``; an invalid one is logged
once and the kiosk keeps the rules it had (the server checks programs with the same
loader before publishing, so this takes a hand-edited file). A program that would hide
balances members hold (no ``[carry_over]`` for them) is refused the same way
(:mod:`kiosk.services.program_change`).
"""

from __future__ import annotations

import logging
import weakref

from kiosk.domain.program import load_program
from kiosk.errors import KantaError
from kiosk.services.loyalty import LoyaltyService
from kiosk.services.program_change import adopt_program
from kiosk.store.downloads import program_path

log = logging.getLogger(__name__)

#: per service: (mtime, size) of the file it last looked at
_looked_at: weakref.WeakKeyDictionary[LoyaltyService, tuple[int, int]] = weakref.WeakKeyDictionary()


def load_if_new(service: LoyaltyService) -> str | None:
    """Load a newly downloaded program into ``service``; returns its version if one was."""
    path = program_path(service.ledger.storage.path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    seen = (stat.st_mtime_ns, stat.st_size)
    if _looked_at.get(service) == seen:
        return None
    _looked_at[service] = seen
    try:
        rules = load_program(path)
    except (KantaError, OSError) as exc:
        log.error("the downloaded program was not loaded (the kiosk keeps its rules): %s", exc)
        return None
    if rules.version == service.rules.version:
        return None
    previous, service.rules = service.rules, rules
    try:
        adopt_program(service)  # members' balances move into its accounts, or it is refused
    except KantaError as exc:
        service.rules = previous
        log.error("the downloaded program was not loaded (the kiosk keeps its rules): %s", exc)
        return None
    log.info("program %s loaded", rules.version)
    return rules.version
