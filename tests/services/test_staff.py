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
    weak_pin_reason,
)
from kiosk.store.ledger import Ledger
from tests.conftest import FakeClock

CHEAP = (2**4, 8, 1)  # scrypt cost for tests only


def staff_for(ledger: Ledger, clock: FakeClock) -> StaffService:
    return StaffService(ledger.db.table("staff"), clock, cost=CHEAP)


def test_pins_are_salted_scrypt_hashes(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Aino", "manager", "4827")
    staff.add("Bo", "staff", "3591")
    docs = ledger.db.table("staff").all()
    assert all("4827" not in str(d) and "3591" not in str(d) for d in docs)
    assert len({d["salt"] for d in docs}) == 2
    assert staff.verify("4827").name == "Aino"
    assert staff.verify("3591").role == "staff"


def test_bad_pins_and_duplicates_are_refused(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Aino", "owner", "4827")
    for name, role, pin in [("", "staff", "7305"), ("X", "boss", "7305"), ("X", "staff", "12"),
                            ("X", "staff", "12a4"), ("Aino", "staff", "6294"), ("X", "staff", "4827")]:
        with pytest.raises(InvalidInput):
            staff.add(name, role, pin)


def test_roles_include_the_lower_ones(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Bo", "staff", "3591")
    staff.add("Owner", "owner", "6294")
    with pytest.raises(NotAllowed):
        staff.verify("3591", need="manager")
    assert staff.verify("6294", need="manager").name == "Owner"


def test_five_wrong_pins_lock_with_a_growing_delay_that_survives_restart(
    tmp_path: Path, clock: FakeClock
) -> None:
    ledger = Ledger.open(tmp_path / "d")
    staff = staff_for(ledger, clock)
    staff.add("Aino", "staff", "4827")
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
        staff.verify("4827")
    clock.advance(seconds=31)
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(WrongPin):
            staff.verify("0000")
    with pytest.raises(PinLocked) as locked:
        staff.verify("0000")
    assert locked.value.seconds == 60  # the second lockout in a row lasts twice as long
    clock.advance(seconds=61)
    assert staff.verify("4827").name == "Aino"  # success resets the count and the delay
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


@pytest.mark.parametrize(
    "pin",
    ["0000", "1111", "1234", "4321", "1212", "0123", "7890", "9876", "123123", "12345678", "2580", "1122"],
)
def test_easily_guessed_pins_are_refused(ledger: Ledger, clock: FakeClock, pin: str) -> None:
    assert weak_pin_reason(pin) is not None
    staff = staff_for(ledger, clock)
    with pytest.raises(InvalidInput, match="too easy to guess"):
        staff.add("Aino", "owner", pin)
    staff.add("Aino", "owner", "4827")
    with pytest.raises(InvalidInput, match="too easy to guess"):
        staff.change_pin("Aino", pin)
    assert staff.verify("4827").name == "Aino"


@pytest.mark.parametrize("pin", ["4827", "3591", "7305", "190584"])
def test_other_pins_are_fine(pin: str) -> None:
    assert weak_pin_reason(pin) is None


def test_the_owner_sets_roles_and_changes_pins(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Owner", "owner", "6294")
    staff.add("Bo", "staff", "3591")
    assert staff.set_role("Bo", "manager", actor="Owner").role == "manager"
    assert staff.verify("3591", need="manager").name == "Bo"
    staff.change_pin("Bo", "7305", actor="Owner")
    with pytest.raises(WrongPin):
        staff.verify("3591")
    assert staff.verify("7305").name == "Bo"
    with pytest.raises(InvalidInput, match="another staff member has this PIN"):
        staff.change_pin("Bo", "6294")
    with pytest.raises(InvalidInput, match="no staff member called"):
        staff.set_role("Nobody", "staff")


def test_the_kiosk_keeps_an_owner(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Owner", "owner", "6294")
    with pytest.raises(InvalidInput, match="only owner"):
        staff.remove("Owner")
    with pytest.raises(InvalidInput, match="only owner"):
        staff.set_role("Owner", "manager")
    staff.add("Second", "owner", "3591")
    assert staff.remove("Owner")
    assert [m.name for m in staff.members()] == ["Second"]


def test_a_refused_update_changes_nothing(ledger: Ledger, clock: FakeClock) -> None:
    staff = staff_for(ledger, clock)
    staff.add("Owner", "owner", "6294")
    staff.add("Bo", "staff", "3591")
    with pytest.raises(InvalidInput, match="too easy to guess"):
        staff.update("Bo", role="manager", pin="1234", actor="Owner")
    assert staff.verify("3591").role == "staff"
    assert staff.update("Bo", role="manager", pin="7305", actor="Owner").role == "manager"
    assert staff.verify("7305", need="manager").name == "Bo"
