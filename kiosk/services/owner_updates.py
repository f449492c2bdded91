"""What the owner changed on the console, taken up by the kiosk at an idle moment (one call
from the kiosk core's maintenance): a newly published program and a new staff list."""

from __future__ import annotations

from kiosk.services import program_update, staff_update
from kiosk.services.loyalty import LoyaltyService
from kiosk.staff import StaffService


def take_up(service: LoyaltyService, staff: StaffService) -> None:
    program_update.load_if_new(service)
    storage = service.ledger.storage
    with storage.transaction():
        staff_update.load_if_new(staff, storage.path)
