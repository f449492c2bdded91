"""The customer's own flows: "Card at home?" (find the membership by phone number; it shows
the member and records nothing until the visit is confirmed) and joining the club."""

from __future__ import annotations

from typing import Any

from kiosk.domain.rules import Refusal
from kiosk.services.counter import CardSummary
from kiosk.ui.i18n import refusal_text
from kiosk.ui.shell import Shell
from kiosk.ui.viewmodel import simple_refusal, staff_card_lines, welcome_view


class CustomerFlows:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    # ---- card at home ------------------------------------------------------------------------

    def open_lookup(self) -> None:
        sh = self.shell
        screen = sh.screen("lookup")
        screen.ids.pad.value = ""
        screen.message = ""
        sh.show("lookup")

    def lookup(self, phone: str) -> None:
        sh = self.shell

        def found(match: CardSummary | Refusal) -> None:
            if isinstance(match, Refusal):  # nobody has it, or it was looked up too often
                params = {k: v for k, v in match.params.items() if isinstance(v, str | int)}
                sh.screen("lookup").message = refusal_text(sh.lang, match.code, match.message, params)
                return
            screen = sh.screen("found")
            screen.card = match.card
            screen.title = sh.tr("found_title", card=match.label)
            screen.body = "\n".join(staff_card_lines(sh.lang, match, sh.program))
            sh.show("found")

        def fail(exc: BaseException) -> None:
            from kiosk.errors import InvalidInput

            if isinstance(exc, InvalidInput):  # too few digits, too long
                sh.screen("lookup").message = sh.tr("ref_no_phone")
            else:
                sh.fail(exc)

        sh.core.submit(lambda: sh.core.lookup_phone(phone), found, fail)

    def confirm_visit(self) -> None:
        """The member found by phone confirms the visit: recorded like a tap."""
        sh = self.shell
        card = str(sh.screen("found").card)
        if card:
            sh.core.submit(lambda: sh.core.confirm_visit(card), None, sh.fail)

    # ---- joining ------------------------------------------------------------------------------

    def open_join(self, card: str, actor: str = "") -> None:
        sh = self.shell
        if not card:
            sh.show_result(simple_refusal(sh.lang, "other", sh.tr("join_tap_first")))
            return
        sh.screen("join").reset(card, actor)
        sh.show("join")

    def join_next(self) -> None:
        sh = self.shell
        join = sh.screen("join")
        if not join.consent:
            join.message = sh.tr("join_need_consent")
            return
        contact = sh.screen("contact")
        contact.value = ""
        contact.message = ""
        sh.show("contact")

    def consent_line(self, scope: str, lang: str) -> str:
        """The consent as the shop's config words it (``[consent]``), in the screen's language."""
        wording = self.shell.core.privacy.consent.wording(scope, lang)
        need = "join_required" if scope == "terms" else "join_optional"
        return f"{wording.text} ({self.shell.tr(need, lang)})"

    def join_finish(self, with_contact: bool) -> None:
        sh = self.shell
        join = sh.screen("join")
        contact_screen = sh.screen("contact")
        contact: dict[str, str] | None = None
        if with_contact and contact_screen.value.strip():
            contact = parse_contact(contact_screen.value)
            if contact is None:
                contact_screen.message = sh.tr("join_contact_bad")
                return
        card, actor = join.card, join.actor or sh.staff_name or None
        # the version recorded is the one of the wording on the screen, in its language
        consent = sh.core.privacy.consent
        terms = consent.wording("terms", sh.lang)
        marketing = consent.wording("marketing", sh.lang) if join.marketing else None
        texts = {"program": terms.text, **({"marketing": marketing.text} if marketing else {})}

        def enroll() -> Any:
            return sh.core.enroll(
                card,
                terms=terms.version,
                marketing=marketing.version if marketing else None,
                contact=contact,
                actor=actor,
                texts=texts,
            )

        sh.core.submit(enroll, lambda o: sh.show_result(welcome_view(sh.lang, o, sh.program)), sh.fail)


def parse_contact(text: str) -> dict[str, str] | None:
    """An email or a phone number typed on the keyboard; None for anything else."""
    value = text.strip()
    digits = "".join(ch for ch in value if ch.isdigit())
    if "@" in value and "." in value.split("@")[-1] and " " not in value:
        return {"email": value}
    if len(digits) >= 6 and all(ch.isdigit() or ch in "+ -" for ch in value):
        return {"phone": value}
    return None
