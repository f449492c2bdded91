""""My data" at the counter: a customer taps their card and sees what the kiosk holds
about them (contact details masked, since the screen faces the shop; consents with their
wording version and time; balances), can withdraw marketing consent, and can ask for
erasure, which a staff member confirms with their PIN. Everything goes through
``PrivacyService`` (the same calls as `kanta member export|consent|erase`), on the core's
dispatcher thread.
"""

from __future__ import annotations

from datetime import datetime

from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.events import CREDIT, POINTS, SPEND, STAMPS, VISITS
from kiosk.errors import Refused, UnknownCard
from kiosk.services.counter import mask_card
from kiosk.services.privacy import HeldAtCounter
from kiosk.ui.i18n import count, money, tr
from kiosk.ui.pin import pin_refused
from kiosk.ui.screens import KioskScreen
from kiosk.ui.shell import Shell


class MyDataScreen(KioskScreen):
    #: "wait" for the card, "shown" what is held, "gone" nothing is held (or just erased)
    step = StringProperty("wait")
    card = StringProperty("")
    body = StringProperty("")
    message = StringProperty("")
    can_withdraw = BooleanProperty(False)


class MyDataPinScreen(KioskScreen):
    """The erasure, confirmed by a staff member's PIN."""

    message = StringProperty("")
    busy = BooleanProperty(False)


#: the screens this module adds to the app, by name
MYDATA_SCREENS: dict[str, type[KioskScreen]] = {"mydata": MyDataScreen, "mydata_pin": MyDataPinScreen}


class MyDataFlows:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def open(self) -> None:
        """From the idle screen: the next card tapped is the one whose data is shown."""
        sh = self.shell
        screen = sh.screen("mydata")
        screen.step, screen.card, screen.body, screen.message = "wait", "", "", ""
        screen.can_withdraw = False
        sh.core.card_request = self._tapped
        sh.show("mydata")

    def _tapped(self, card: str) -> None:
        sh = self.shell
        if sh.current != "mydata":
            return
        sh.screen("mydata").card = card
        privacy = sh.core.privacy
        sh.core.submit(lambda: privacy.held_at_counter(card), self._show, self._not_held)

    def _show(self, held: HeldAtCounter, message: str = "") -> None:
        sh = self.shell
        screen = sh.screen("mydata")
        screen.step = "shown"
        screen.body = "\n".join(held_lines(sh.lang, screen.card, held, sh.program.currency))
        marketing = held.consents.get("marketing")
        screen.can_withdraw = marketing is not None and marketing[2] is None
        screen.message = message
        sh.show("mydata")

    def _not_held(self, exc: BaseException) -> None:
        sh = self.shell
        if not isinstance(exc, UnknownCard | Refused):  # a garbled code, a store failure
            sh.fail(exc)
            return
        self._gone("md_nothing_held")

    def _gone(self, key: str) -> None:
        sh = self.shell
        screen = sh.screen("mydata")
        screen.step, screen.card, screen.message = "gone", "", ""
        screen.body = sh.tr(key)
        screen.can_withdraw = False
        sh.show("mydata")

    def withdraw_marketing(self) -> None:
        sh = self.shell
        card, privacy = str(sh.screen("mydata").card), sh.core.privacy
        if not card:
            return

        def withdraw() -> HeldAtCounter:
            privacy.withdraw(card, "marketing")
            return privacy.held_at_counter(card, note=False)

        sh.core.submit(withdraw, lambda held: self._show(held, sh.tr("md_withdrawn")), sh.fail)

    def ask_erase(self) -> None:
        sh = self.shell
        pin = sh.screen("mydata_pin")
        pin.ids.pad.value = ""
        pin.message = ""
        pin.busy = False
        sh.show("mydata_pin")

    def cancel_erase(self) -> None:
        self.shell.show("mydata")

    def erase(self) -> None:
        """The staff member's PIN confirms; a wrong one changes nothing and says so."""
        sh = self.shell
        pin = sh.screen("mydata_pin")
        value, card = pin.ids.pad.value, str(sh.screen("mydata").card)
        pin.ids.pad.value = ""
        if pin.busy or not card:
            return
        pin.busy = True
        privacy, staff = sh.core.privacy, sh.core.staff

        def done(_events: object) -> None:
            pin.busy = False
            self._gone("md_erased")

        def fail(exc: BaseException) -> None:
            pin.busy = False
            pin.message = pin_refused(sh, exc)

        sh.core.submit(lambda: privacy.erase_at_counter(card, value, staff), done, fail)


def held_lines(lang: str, card: str, held: HeldAtCounter, currency: str) -> list[str]:
    """What is held, line by line, in the customer's language."""
    lines = [tr(lang, "md_card", card=mask_card(card))]
    contact = [tr(lang, f"md_{kind}", value=value) for kind, value in held.contact.items()
               if kind in ("phone", "email")]
    lines.extend(contact or [tr(lang, "md_no_contact")])
    for scope, (version, given, withdrawn) in held.consents.items():
        name = tr(lang, "md_scope_marketing" if scope == "marketing" else "md_scope_terms")
        if withdrawn:
            lines.append(tr(lang, "md_consent_withdrawn", name=name, version=version,
                            given=_when(given), withdrawn=_when(withdrawn)))
        else:
            lines.append(tr(lang, "md_consent_given", name=name, version=version, given=_when(given)))
    if not held.consents:
        lines.append(tr(lang, "md_no_consents"))
    lines.append(tr(lang, "md_balances", balances=balances_text(lang, held.balances, currency)))
    lines.append(tr(lang, "md_events", n=held.events))
    return lines


def balances_text(lang: str, balances: dict[str, int], currency: str) -> str:
    counted = {STAMPS: "stamps", POINTS: "points", VISITS: "visits"}
    parts = []
    for account, amount in balances.items():
        if account in counted:
            parts.append(count(lang, counted[account], amount))
        elif account in (CREDIT, SPEND):
            parts.append(money(lang, amount, currency))
        elif amount:
            parts.append(f"{account.split(':', 1)[-1]} {amount}")
    return ", ".join(parts) or "–"


def _when(text: str) -> str:
    """A recorded time as people read it: "4.12.2026 17:50" (as it was recorded)."""
    try:
        t = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)[:16]
    return f"{t.day}.{t.month}.{t.year} {t:%H:%M}"
