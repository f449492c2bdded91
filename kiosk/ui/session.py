"""A staff session: one PIN, one customer. Pure Python (no Kivy), so its rules are tested
without a window.

A PIN opens a session for ONE card: the card of the screen staff came from (even a
refused customer's screen), or, if that screen had none, the next card tapped. Nothing
else ever changes the session's card; a customer tap, Back/Done or the idle timeout ends
the session, and every staff action reads its card from the session at the moment it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

#: roles that may undo entries and change settings or staff
MANAGER_ROLES = ("manager", "owner")


@dataclass
class StaffSession:
    name: str
    role: str
    #: the one customer this session acts on ("" until the next card is tapped)
    card: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    def bind(self, card: str) -> bool:
        """Bind the session to its customer; a session already bound keeps its card."""
        if self.card:
            return False
        self.card = card
        return True
