"""``kanta backup restore``: a replacement kiosk (a new kiosk id) with the shop's state,
built beside the target while the whole file is checked; a damaged file changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from kiosk.config import StoreConfig
from kiosk.domain.events import Event, in_to_dict_form
from sync.backup_format import EVENTS, MANIFEST, BackupError, bulk_gc, fsync_path, loads_json, trusted_event
from sync.backup_guard import (
    RESTORING,
    clean_killed_restores,
    mark_restoring,
    size_mismatch,
    unmark_restoring,
)
from sync.backup_verify import verify
from sync.progress import Progress

if TYPE_CHECKING:
    from kiosk.services.replication import ImportResult


@dataclass(frozen=True)
class RestoreResult:
    kiosk: str
    events: int
    members: int
    overdrawn: int
    #: the kiosk whose merges the new one took over, if known
    replaces: str | None = None


def restore(
    path: Path,
    data_dir: Path,
    *,
    replaces: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 20_000,
) -> RestoreResult:
    """Make a replacement kiosk in an empty ``data_dir`` from a backup: a new kiosk id (so
    sequence numbers never collide with the old kiosk's), every event, every member.

    The new kiosk takes over the old one's duty of merging the members it made for a card
    another kiosk had made a member for first (kiosk.domain.merge): the old kiosk is
    ``replaces``, or the kiosk a kiosk's own backup (``create``) came from.

    The whole file is checked (``verify``, checksums only) in a thread while the store is
    built in a temp folder beside the target; the folder is renamed into place only if
    the check passed, so a damaged backup changes nothing."""
    path, data_dir = Path(path), Path(data_dir)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(
            f"{data_dir} is not empty: restore into an empty folder (a new kiosk), then point "
            "the kiosk at it with --data or KANTA_DATA"
        )
    manifest = _readable_manifest(path)
    # a damaged manifest is left to the check, which says what is wrong with it
    replaces = _replaced_kiosk(manifest, replaces) if manifest is not None else None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_killed_restores(data_dir)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # every check verify makes (each event's hash, each kiosk's chain): a restore
        # refuses whatever verify refuses
        checking = pool.submit(verify, path, deep=True)

        def refusal() -> BackupError | None:
            report = checking.result()
            if report.ok:
                return None
            return BackupError("the backup is damaged; nothing was restored.\n" + report.summary())

        def stop_if_damaged() -> None:
            """Called now and then while building: a damaged file stops it at once."""
            if checking.done() and (damage := refusal()) is not None:
                raise damage

        # built beside the target and renamed into place when complete and checked: an
        # interrupted restore leaves no half-made kiosk where the kiosk would start
        work = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}{RESTORING}", dir=data_dir.parent))
        try:
            mark_restoring(work)
            try:
                result, kiosk, members = _restore_into(
                    path, work, manifest, replaces, progress, batch_size, stop_if_damaged
                )
            except Exception:
                # a damaged part can fail the build first: the check says what is wrong
                damage = refusal()
                if damage is not None:
                    raise damage from None
                raise
            damage = refusal()
            if damage is not None:
                raise damage
            if data_dir.exists():
                data_dir.rmdir()  # empty, checked above
            unmark_restoring(work)
            os.rename(work, data_dir)
            fsync_path(data_dir.parent)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            unmark_restoring(work)
            raise
    if progress is not None:
        progress.finish()
    return RestoreResult(kiosk, result.applied, members, len(result.overdrawn), replaces)


def _restore_into(
    path: Path,
    work: Path,
    manifest: dict[str, Any] | None,
    replaces: str | None,
    progress: Progress | None,
    batch_size: int,
    check: Callable[[], None],
) -> tuple[ImportResult, str, int]:
    """Fill the store in ``work`` from the backup; returns (import result, kiosk id, members)."""
    from kiosk.services.replication import import_restored_events
    from kiosk.store.ledger import Ledger

    if manifest is None:
        raise BackupError(f"{MANIFEST} is not a Kanta backup manifest")
    with zipfile.ZipFile(path) as zf:
        overrun = size_mismatch(zf, EVENTS, manifest.get("parts", {}).get(EVENTS))
        if overrun is not None:
            raise BackupError(f"{EVENTS}: {overrun}")
        if progress is not None:
            progress.total = int(manifest.get("counts", {}).get("events", 0))
        ledger = Ledger.open(work, config=StoreConfig(snapshot_min_journal_bytes=1 << 62))
        try:
            with zf.open(EVENTS) as f, bulk_gc():
                items = _restore_items(f, progress, check)
                result = import_restored_events(ledger, items, batch_size=batch_size)
            ledger.record(
                [],
                [],
                meta={
                    "restored_from": {
                        "source": manifest.get("source"),
                        "created": manifest.get("created"),
                        "server_cursor": manifest.get("server_cursor"),
                    },
                    "replaces": [replaces] if replaces else [],
                },
            )
            ledger.storage.snapshot()
            return result, ledger.kiosk_id, ledger.member_count()
        finally:
            ledger.close()


def _readable_manifest(path: Path) -> dict[str, Any] | None:
    """The backup's manifest, or None when it cannot be read (``verify`` says why)."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except Exception:  # a damaged zip raises many kinds (zlib.error too): verify says which
        return None
    return manifest if isinstance(manifest, dict) else None


def _replaced_kiosk(manifest: dict[str, Any], replaces: str | None) -> str | None:
    """The kiosk a restore replaces: the one named, which must have events in the backup,
    or the kiosk whose own backup this is."""
    chains = manifest.get("chains")
    kiosks: list[str] = sorted(chains) if isinstance(chains, dict) else []
    if replaces is not None:
        if replaces not in kiosks:
            named = ", ".join(kiosks) or "none"
            raise BackupError(
                f"kiosk {replaces} has no events in this backup, so it cannot be the one "
                f"replaced (the kiosks in it: {named})"
            )
        return replaces
    source = str(manifest.get("source", ""))
    if source.startswith("kiosk ") and source[6:] in kiosks:
        return source[6:]
    return None


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a zip member, read in large chunks (its own readline is slow)."""
    rest = b""
    while chunk := stream.read(1 << 20):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _restore_items(
    stream: IO[bytes], progress: Progress | None, check: Callable[[], None]
) -> Iterator[tuple[Event, bytes]]:
    """Each event with the JSON text the store keeps for it: the backup's own line when it
    is in ``to_dict()`` form (every line a kiosk or server wrote is), else re-encoded.
    ``check`` is called every few thousand lines."""
    for number, line in enumerate(_lines(stream)):
        if not number & 0x1FFF:
            check()
        try:
            raw = loads_json(line)
        except ValueError:
            raw = None
        if type(raw) is not dict:
            raise BackupError("events.jsonl holds a line that is not an event")
        event = trusted_event(raw)
        yield event, (line if in_to_dict_form(raw) else orjson.dumps(event.to_dict()))
        if progress is not None:
            progress.advance()
