"""A manager's tasks on the kiosk: undo a recent entry, the kiosk's settings, the staff
list (add, remove, roles, PINs; through ``StaffService``) and the device status."""

from __future__ import annotations

from typing import Any

from kiosk.ui import i18n
from kiosk.ui.port import DeviceStatus
from kiosk.ui.shell import Shell

#: the roles a manager may give (an owner is made with `kanta staff add` or by an owner)
ROLES = ("staff", "manager", "owner")


class StaffAdmin:
    def __init__(self, shell: Shell, actor: Any) -> None:
        self.shell = shell
        #: the session's staff member's name, read when a task runs
        self._actor = actor

    @property
    def actor(self) -> str:
        return str(self._actor())

    def open(self, task: str) -> None:
        if task == "undo":
            self.open_undo()
        elif task == "settings":
            self.open_settings()
        elif task == "team":
            self.open_team()
        elif task == "status":
            self.shell.core.refresh_status(self.open_status)

    # ---- undo ---------------------------------------------------------------------------------

    def open_undo(self) -> None:
        sh = self.shell
        screen = sh.screen("undo")
        screen.entries = [
            {
                "id": e.event_id,
                "text": f"{e.wall[11:16]}  {sh.tr('kind_' + e.kind)}: {self._changes(e.postings)}"
                f"  (…{e.card[-4:]}" + (f", {e.actor})" if e.actor else ")"),
            }
            for e in sh.core.recent_entries()[:6]
        ]
        screen.selected = ""
        screen.selected_text = ""
        screen.message = "" if screen.entries else sh.tr("undo_none")
        sh.show("undo")

    def _changes(self, postings: tuple[tuple[str, int], ...]) -> str:
        """Balance changes for people: "+1 stamp, +12 points", credit as money."""
        sh = self.shell
        parts = []
        for account, delta in postings:
            if account == "credit":
                parts.append(i18n.money(sh.lang, delta, sh.settings.currency, sign=True))
            elif account in ("stamps", "points"):
                parts.append(i18n.count(sh.lang, account, delta, sign=True))
        return ", ".join(parts) or "-"

    def undo_select(self, event_id: str, text: str) -> None:
        screen = self.shell.screen("undo")
        screen.selected, screen.selected_text = event_id, text

    def undo_with(self, reason_key: str, run: Any) -> None:
        sh = self.shell
        screen = sh.screen("undo")
        if not screen.selected:
            screen.message = sh.tr("undo_pick")
            return
        event_id, actor = screen.selected, self.actor
        reason = i18n.tr("en", reason_key)  # the history is kept in one language
        core = sh.core
        run(lambda: core.undo(event_id, reason, actor), "res_undone")

    # ---- settings -----------------------------------------------------------------------------

    def open_settings(self) -> None:
        sh = self.shell
        screen = sh.screen("settings")
        screen.language = sh.settings.language
        screen.timeout = int(sh.settings.idle_timeout_seconds)
        screen.message = ""
        sh.show("settings")

    def save_settings(self, language: str, timeout: int) -> None:
        sh = self.shell
        staff, actor = sh.core.staff, self.actor
        values = {"language": language, "idle_timeout_seconds": int(timeout)}

        def done(saved: dict[str, Any]) -> None:
            sh.apply_settings(saved)
            sh.screen("settings").message = sh.tr("settings_saved")

        sh.core.submit(lambda: staff.save_settings(values, actor=actor), done, sh.fail)

    # ---- the staff list -----------------------------------------------------------------------

    def open_team(self) -> None:
        sh = self.shell
        screen = sh.screen("team")
        screen.message = ""
        screen.reset_form()
        self._load_team()
        sh.show("team")

    def _load_team(self) -> None:
        sh = self.shell
        staff = sh.core.staff

        def shown(members: list[Any]) -> None:
            sh.screen("team").members = [
                {"name": m.name, "role": m.role, "text": f"{m.name} – {sh.tr('role_' + m.role)}"}
                for m in members
            ]

        sh.core.submit(staff.members, shown, sh.fail)

    def save_member(self, name: str, role: str, pin: str) -> None:
        """Add a staff member, or give an existing one a new role and PIN."""
        sh = self.shell
        screen = sh.screen("team")
        name = name.strip()
        if not name or role not in ROLES or not pin:
            screen.message = sh.tr("team_fill")
            return
        if role == "owner" and sh.staff_role != "owner":
            screen.message = sh.tr("pin_no_right", role=sh.tr("role_owner"))
            return
        staff, actor = sh.core.staff, self.actor

        def save() -> Any:
            if any(m.name == name for m in staff.members()):
                # checked whole before it is written: a refused PIN loses nobody
                return staff.update(name, role=role, pin=pin, actor=actor)
            return staff.add(name, role, pin, actor=actor)

        def done(_who: Any) -> None:
            screen.reset_form()
            screen.message = sh.tr("team_saved", name=name)
            self._load_team()

        def fail(exc: BaseException) -> None:
            from kiosk.errors import KantaError

            if isinstance(exc, KantaError):  # a trivial PIN, a PIN too short, a bad name
                screen.message = sh.tr("team_refused", reason=str(exc))
            else:
                sh.fail(exc)

        sh.core.submit(save, done, fail)

    def remove_member(self, name: str) -> None:
        sh = self.shell
        screen = sh.screen("team")
        if name == self.actor:
            screen.message = sh.tr("team_not_self")
            return
        staff = sh.core.staff

        def done(_removed: bool) -> None:
            screen.message = sh.tr("team_removed", name=name)
            self._load_team()

        sh.core.submit(lambda: staff.remove(name), done, sh.fail)

    # ---- status -------------------------------------------------------------------------------

    def open_status(self, status: DeviceStatus) -> None:
        sh = self.shell
        t = sh.tr

        def dev(v: bool | None, name: str) -> str:
            if v is None:
                return t("not_configured")
            return (t("ok_connected") if v else t("bad_unplugged")) + (f" ({name})" if name else "")

        rows = [
            (t("status_reader"), dev(status.reader, status.reader_name)),
            (t("status_scanner"), dev(status.scanner, status.scanner_name)),
            (t("status_storage"), t("ok_storage") if status.store_ok else t("bad_storage")),
            (t("status_clock"), t("ok_clock") if status.clock_ok else t("bad_clock")),
            (t("status_sync"), status.last_sync or t("not_configured")),
            (t("status_waiting"), "-" if status.waiting is None else str(status.waiting)),
            (t("status_members"), str(status.members)),
        ]
        sh.screen("status").rows = [f"{a}: {b}" for a, b in rows]
        sh.show("status")
