"""Staff PINs: scrypt hashes, roles, and a lockout that survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import InvalidInput
from kiosk.staff import (
    MAX_TRIES,
    NotAllowed,
    PinLocked,
    StaffService,
    WrongPin,
    lock_seconds,
)
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

CHEAP = (2**4, 8, 1)  # scrypt cost for tests only


def staff_for(ledger: Ledger, clock: FakeClock) -> StaffService:
    return StaffService(ledger.db.table("staff"), clock, cost=CHEAP)


def test_pins_are_salted_scrypt_hashes(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Aino", "manager", "1234")
    staff.add("Bo", "staff", "5678")
    docs = ledger.db.table("staff").all()
    assert all("1234" not in str(d) and "5678" not in str(d) for d in docs)
    assert len({d["salt"] for d in docs}) == 2
    assert staff.verify("1234").name == "Aino"
    assert staff.verify("5678").role == "staff"


def test_bad_pins_and_duplicates_are_refused(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Aino", "owner", "1234")
    for name, role, pin in [("", "staff", "1111"), ("X", "boss", "1111"), ("X", "staff", "12"),
                            ("X", "staff", "12a4"), ("Aino", "staff", "9999"), ("X", "staff", "1234")]:
        with pytest.raises(InvalidInput):
            staff.add(name, role, pin)


def test_roles_include_the_lower_ones(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Bo", "staff", "5678")
    staff.add("Owner", "owner", "9999")
    with pytest.raises(NotAllowed):
        staff.verify("5678", need="manager")
    assert staff.verify("9999", need="manager").name == "Owner"


def test_five_wrong_pins_lock_with_a_growing_delay_that_survives_restart(
    tmp_path: Path, clock: FakeClock
) -> None:
    ledger = Ledger.open(tmp_path / "d")
    staff = staff_for(ledger, clock)
    staff.add("Aino", "staff", "1234")
    for left in range(MAX_TRIES - 1, 0, -1):
        with pytest.raises(WrongPin) as wrong:
            staff.verify("0000")
        assert wrong.value.tries_left == left
    with pytest.raises(PinLocked) as locked:
        staff.verify("0000")
    assert locked.value.seconds == lock_seconds(1) == 30
    ledger.close()

    # the plug is pulled and the kiosk restarts: still locked, even for the right PIN
    ledger = Ledger.open(tmp_path / "d")
    staff = staff_for(ledger, clock)
    with pytest.raises(PinLocked):
        staff.verify("1234")
    clock.advance(seconds=31)
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(WrongPin):
            staff.verify("0000")
    with pytest.raises(PinLocked) as locked:
        staff.verify("0000")
    assert locked.value.seconds == 60  # the second lockout in a row lasts twice as long
    clock.advance(seconds=61)
    assert staff.verify("1234").name == "Aino"  # success resets the count and the delay
    assert staff.tries_left() == MAX_TRIES
    ledger.close()


def test_lock_delay_is_capped() -> None:
    assert lock_seconds(1) == 30 and lock_seconds(3) == 120 and lock_seconds(40) == 3600


def test_settings_are_checked_kept_and_say_who_changed_them(tmp_path: Path, clock: FakeClock) -> None:
    ledger = Ledger.open(tmp_path / "d")
    staff = staff_for(ledger, clock)
    assert staff.settings() == {}
    staff.save_settings({"language": "sv"}, actor="Aino")
    with pytest.raises(InvalidInput):
        staff.save_settings({"idle_timeout_seconds": 5}, actor="Aino")
    ledger.close()
    ledger = Ledger.open(tmp_path / "d")
    staff = staff_for(ledger, clock)
    assert staff.settings() == {"language": "sv"}
    kept = [d for d in ledger.db.table("staff").all() if d.get("kind") == "settings"]
    assert [d["changed_by"] for d in kept] == ["Aino"]
    ledger.close()
