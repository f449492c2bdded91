"""The owner's downloads beside the store (kiosk.store.downloads): the sync worker writes
the staff list through it, the kiosk takes it up through it; a damaged or oversized file
changes nothing on the kiosk and is simply fetched again by the worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.services import staff_update
from kiosk.staff import StaffService, hash_pin
from kiosk.store import downloads
from kiosk.store.ledger import Ledger
from sync import staff_list
from tests.conftest import FakeClock
from tests.ui.harness import CHEAP_SCRYPT


def _list(version: int, name: str) -> dict[str, object]:
    pin = hash_pin("4821", None, *CHEAP_SCRYPT)
    return {"version": version, "staff": [{"name": name, "role": "staff", **pin}]}


def test_a_list_written_by_the_worker_is_taken_up_once(ledger: Ledger, clock: FakeClock) -> None:
    staff = StaffService(ledger.db.table("staff"), clock, cost=CHEAP_SCRYPT)
    data = ledger.storage.path
    assert staff_list.held_version(data) == 0 and staff_update.load_if_new(staff, data) is None
    downloads.write_staff(data, _list(3, "Aino"))
    assert downloads.staff_path(data).stat().st_mode & 0o077 == 0  # PIN hashes: the kiosk's only
    assert staff_list.held_version(data) == 3
    assert staff_update.load_if_new(staff, data) == 3
    assert staff_update.load_if_new(staff, data) is None
    assert staff.verify("4821").name == "Aino"


@pytest.mark.parametrize("damage", [b'{"version": 4, "sta', b" " * (downloads.MAX_STAFF_BYTES + 1)])
def test_a_damaged_or_oversized_list_changes_nothing(
    ledger: Ledger, clock: FakeClock, damage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    staff = StaffService(ledger.db.table("staff"), clock, cost=CHEAP_SCRYPT)
    data = ledger.storage.path
    downloads.write_staff(data, _list(3, "Aino"))
    assert staff_update.load_if_new(staff, data) == 3
    Path(downloads.staff_path(data)).write_bytes(damage)
    assert staff_update.load_if_new(staff, data) is None
    assert "staff list is unreadable" in caplog.text
    assert staff.verify("4821").name == "Aino"  # the staff it knew
    assert staff_list.held_version(data) == 0  # so the worker fetches a good one again
