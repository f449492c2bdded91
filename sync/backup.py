"""Backups: one zip file with a manifest, the events, and CSV a spreadsheet opens.

Parts of ``kanta-backup-<when>.zip``:

* ``manifest.json``: format, when and from where, counts, the SHA-256 and size of every
  other part, each kiosk's hash-chain head (first/last sequence number, event count, hash
  of its last event), the CSV delimiter.
* ``events.jsonl``: every event, one JSON object a line, in hybrid-clock order (so each
  kiosk's events are in sequence order and a restore folds every member in the same
  order the kiosks do).
* ``members.csv``: one row per member, the state the events fold to.
* ``ledger.csv``: one row per event, with a column per account.

CSV files are UTF-8 with a byte-order mark (so Excel reads the text right), CRLF line
ends, and a configurable delimiter (``;`` for Finnish-locale Excel); money in euros with a
decimal comma and the unit in the column's name, card numbers as text Excel keeps, times
as ``YYYY-MM-DD HH:MM:SS`` in UTC. Text cells that a spreadsheet would take for a formula
get a leading apostrophe.

``pull`` makes one from the server (owner login), ``create`` from a kiosk's own store
(no server: a USB stick); ``verify`` checks every part and says which one is damaged
and how; ``restore`` makes a replacement kiosk (a new kiosk id) with the shop's state.

This module is the door the commands and the console use; the work is in
``backup_format`` (parts, rows), ``backup_write``, ``backup_pull``, ``backup_seal``,
``backup_verify`` and ``backup_restore``.
"""

from sync.backup_format import (
    BOM,
    EVENTS,
    FORMAT,
    LEDGER,
    MANIFEST,
    MEMBERS,
    PARTS,
    BackupError,
    bulk_gc,
    csv_delimiter,
    read_members_csv,
    trusted_event,
)
from sync.backup_pull import pull_from_server
from sync.backup_restore import RestoreResult, restore
from sync.backup_verify import VerifyReport, verify
from sync.backup_write import BackupWriter, create_from_store

__all__ = [
    "BOM",
    "EVENTS",
    "FORMAT",
    "LEDGER",
    "MANIFEST",
    "MEMBERS",
    "PARTS",
    "BackupError",
    "BackupWriter",
    "RestoreResult",
    "VerifyReport",
    "bulk_gc",
    "create_from_store",
    "csv_delimiter",
    "pull_from_server",
    "read_members_csv",
    "restore",
    "trusted_event",
    "verify",
]
