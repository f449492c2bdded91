"""The staff PIN pad: asks for a PIN (a manager's when the task needs one), shows a lockout
and how many tries are left; the PIN is checked by ``StaffService`` on the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.ui.shell import Shell


class PinPad:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def ask(self, then: Callable[[Any], None], need: str = "staff", title_key: str = "pin_title") -> None:
        sh = self.shell
        pin = sh.screen("pin")
        pin.ids.pad.value = ""
        pin.title = sh.tr(title_key)
        pin.need = need
        pin.on_verified = then
        pin.message = ""
        staff = sh.core.staff

        def state() -> tuple[int, bool]:  # the store is read on the dispatcher thread only
            return staff.locked_for(), bool(staff.members())

        def shown(result: tuple[int, bool]) -> None:
            locked, any_staff = result
            if not any_staff:
                pin.message = sh.tr("pin_no_staff")
            elif locked:
                pin.message = sh.tr("pin_locked", seconds=locked)

        sh.core.submit(state, shown)
        sh.show("pin")

    def submit(self) -> None:
        sh = self.shell
        pin = sh.screen("pin")
        value = pin.ids.pad.value
        pin.ids.pad.value = ""
        if pin.busy:
            return
        pin.busy = True
        staff, need = sh.core.staff, pin.need

        def done(who: Any) -> None:
            pin.busy = False
            pin.message = ""
            then, pin.on_verified = pin.on_verified, None
            if then is not None:
                then(who)

        def fail(exc: BaseException) -> None:
            pin.busy = False
            pin.message = pin_refused(sh, exc)

        sh.core.submit(lambda: staff.verify(value, need=need), done, fail)


def pin_refused(sh: Shell, exc: BaseException) -> str:
    """What a PIN pad says when a PIN is refused (locked, wrong, not allowed); anything
    else is a failure the shell shows, and the pad says nothing."""
    from kiosk.staff import NotAllowed, PinLocked, WrongPin

    if isinstance(exc, PinLocked):
        return sh.tr("pin_locked", seconds=exc.seconds)
    if isinstance(exc, WrongPin):
        return sh.tr("pin_wrong", left=exc.tries_left)
    if isinstance(exc, NotAllowed):
        return sh.tr("pin_no_right", role=sh.tr("role_" + exc.needed))
    sh.fail(exc)
    return ""
