"""Staff PINs, roles and the PIN pad's lockout.

PINs are stored as salted scrypt hashes (``hashlib.scrypt``) in the store's ``staff``
table, whose writes are journaled and durable like everything else. Five wrong PINs in a
row lock the pad; each further lockout doubles the delay (30 s, 60 s, 2 min ... at most
one hour). The lockout is a record in the same table, so pulling the plug does not reset
it. Every staff action carries the staff member's name as its ``actor``.

Roles, each including the ones before it: ``staff`` (purchases, redemptions, top-ups,
passes, cards, enrollment, status), ``manager`` (also undo and settings), ``owner`` (also
the staff list). The owner adds and removes staff, sets roles and changes PINs with the
same calls from the kiosk's screen and from `kanta staff`; the kiosk keeps at least one
owner. PINs easily guessed (0000, 1234, 4321, 1212, 2580, ...) are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.errors import InvalidInput, KantaError

if TYPE_CHECKING:
    from kiosk.store.ledger import Ledger

ROLES = ("staff", "manager", "owner")
MAX_TRIES = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600
#: scrypt cost; about 30 ms on a Raspberry Pi 4 class CPU per check
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PIN_LENGTHS = range(4, 9)

#: the store's table of staff, lockout and kiosk settings
STAFF_TABLE = "staff"
_STAFF = "staff"
_LOCK = "lockout"
_SETTINGS = "settings"
#: what a manager may change on the kiosk itself (the config file's values are defaults)
SETTINGS_CHOICES: dict[str, tuple[Any, ...]] = {
    "language": ("fi", "sv", "en"),
    "idle_timeout_seconds": (10, 20, 30, 60),
}


class PinLocked(KantaError):
    """Too many wrong PINs: the pad is locked for ``seconds`` more."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"the PIN pad is locked for {seconds} s after too many wrong PINs")
        self.seconds = seconds


class WrongPin(KantaError):
    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong PIN ({tries_left} tries left)")
        self.tries_left = tries_left


class NotAllowed(KantaError):
    def __init__(self, needed: str) -> None:
        super().__init__(f"this needs the role {needed}")
        self.needed = needed


class Table(Protocol):
    """The part of a TinyDB table used here (the store's durable ``staff`` table)."""

    def all(self) -> list[Any]: ...
    def insert(self, document: Any) -> int: ...
    def update(self, fields: Any, cond: Any = None, doc_ids: Any = None) -> list[int]: ...
    def remove(self, cond: Any = None, doc_ids: Any = None) -> list[int]: ...


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_pin(
    pin: str, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P
) -> dict[str, Any]:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return {"salt": salt.hex(), "hash": digest.hex(), "n": n, "r": r, "p": p}


def _check(pin: str, doc: dict[str, Any]) -> bool:
    digest = hashlib.scrypt(
        pin.encode(), salt=bytes.fromhex(doc["salt"]), n=doc["n"], r=doc["r"], p=doc["p"], dklen=32
    )
    return hmac.compare_digest(digest.hex(), doc["hash"])


#: PINs people pick most often (published analyses of leaked PINs; keypad shapes such as
#: 2580, the middle column), refused whatever the other rules say
COMMON_PINS = frozenset({"1004", "2000", "2001", "2580", "0852", "6969", "1122", "1100", "5683"})


def weak_pin_reason(pin: str) -> str | None:
    """Why a PIN is too easy to guess, or None: one digit repeated (0000, 1111), digits in a
    row up or down (1234, 4321, 7890), a repeated pattern (1212, 123123) or a common PIN."""
    if len(set(pin)) == 1:
        return "it repeats one digit"
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if steps in ({1}, {9}):
        return "its digits are in a row"
    for size in range(2, len(pin) // 2 + 1):
        if len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size):
            return "it repeats a pattern"
    if pin in COMMON_PINS:
        return "it is one of the most common PINs"
    return None


def check_pin(pin: str) -> str:
    """A PIN staff may choose: 4 to 8 digits, not easily guessed."""
    if not pin.isascii() or not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        raise InvalidInput("a PIN is 4 to 8 digits")
    why = weak_pin_reason(pin)
    if why is not None:
        raise InvalidInput(f"that PIN is too easy to guess ({why}); choose another")
    return pin


def lock_seconds(lockouts: int) -> int:
    """The delay of the ``lockouts``-th lockout in a row (1-based): 30 s doubling, capped."""
    return int(min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** max(0, lockouts - 1)))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, got {role!r}")


class StaffService:
    def __init__(
        self,
        table: Table,
        clock: Callable[[], datetime],
        *,
        cost: tuple[int, int, int] = (SCRYPT_N, SCRYPT_R, SCRYPT_P),
    ) -> None:
        self.table = table
        self.clock = clock
        self.cost = cost

    @classmethod
    def of_ledger(cls, ledger: Ledger, clock: Callable[[], datetime], **kwargs: Any) -> StaffService:
        """The staff of the kiosk whose store this is."""
        return cls(ledger.db.table(STAFF_TABLE), clock, **kwargs)

    # ---- the staff list ------------------------------------------------------------------

    def _docs(self, kind: str) -> list[Any]:
        return [d for d in self.table.all() if d.get("kind") == kind]

    def members(self) -> list[StaffMember]:
        return [StaffMember(d["name"], d["role"]) for d in self._docs(_STAFF)]

    def add(self, name: str, role: str, pin: str, actor: str | None = None) -> StaffMember:
        name = name.strip()
        if not name:
            raise InvalidInput("a staff member needs a name")
        _check_role(role)
        check_pin(pin)
        for doc in self._docs(_STAFF):
            if doc["name"] == name:
                raise InvalidInput(f"there is already a staff member called {name!r}")
        self._pin_is_free(pin)
        self.table.insert(
            {
                "kind": _STAFF,
                "name": name,
                "role": role,
                **self._hash(pin),
                "added_at": self.clock().isoformat(),
                "added_by": actor,
            }
        )
        return StaffMember(name, role)

    def _hash(self, pin: str) -> dict[str, Any]:
        n, r, p = self.cost
        return hash_pin(pin, n=n, r=r, p=p)

    def _pin_is_free(self, pin: str, but: str | None = None) -> None:
        for doc in self._docs(_STAFF):
            if doc["name"] != but and _check(pin, doc):
                raise InvalidInput("another staff member has this PIN; choose another")

    def _doc(self, name: str) -> Any:
        for doc in self._docs(_STAFF):
            if doc["name"] == name:
                return doc
        raise InvalidInput(f"no staff member called {name!r}")

    def _keep_an_owner(self, name: str, action: str) -> None:
        owners = [d["name"] for d in self._docs(_STAFF) if d["role"] == "owner"]
        if owners == [name]:
            raise InvalidInput(f"{name} is the only owner: add another owner before you {action}")

    def remove(self, name: str) -> bool:
        """Remove a staff member (False: there is none by that name); never the last owner."""
        ids = [d.doc_id for d in self._docs(_STAFF) if d["name"] == name]
        if ids:
            self._keep_an_owner(name, "remove them")
            self.table.remove(doc_ids=ids)
        return bool(ids)

    def update(
        self, name: str, *, role: str | None = None, pin: str | None = None, actor: str | None = None
    ) -> StaffMember:
        """Give a staff member another role and/or PIN, all checked before anything is
        written: a PIN by the same rules as a first one; the last owner stays an owner."""
        doc = self._doc(name)
        role = role or doc["role"]
        _check_role(role)
        if doc["role"] == "owner" and role != "owner":
            self._keep_an_owner(name, "change their role")
        changes: dict[str, Any] = {"role": role}
        if pin is not None:
            check_pin(pin)
            self._pin_is_free(pin, but=name)
            changes.update(self._hash(pin))
        changes.update(changed_at=self.clock().isoformat(), changed_by=actor)
        self.table.update(changes, doc_ids=[doc.doc_id])
        return StaffMember(name, role)

    def set_role(self, name: str, role: str, actor: str | None = None) -> StaffMember:
        return self.update(name, role=role, actor=actor)

    def change_pin(self, name: str, pin: str, actor: str | None = None) -> StaffMember:
        return self.update(name, pin=pin, actor=actor)

    # ---- kiosk settings a manager changes on the screen --------------------------------------

    def settings(self) -> dict[str, Any]:
        docs = self._docs(_SETTINGS)
        if not docs:
            return {}
        return {k: v for k, v in docs[0].items() if k in SETTINGS_CHOICES}

    def save_settings(self, values: dict[str, Any], actor: str) -> dict[str, Any]:
        for key, value in values.items():
            if key not in SETTINGS_CHOICES or value not in SETTINGS_CHOICES[key]:
                raise InvalidInput(f"{key} cannot be {value!r}")
        merged = {**self.settings(), **values}
        doc = {"kind": _SETTINGS, **merged, "changed_by": actor, "changed_at": self.clock().isoformat()}
        docs = self._docs(_SETTINGS)
        if docs:
            self.table.update(doc, doc_ids=[docs[0].doc_id])
        else:
            self.table.insert(doc)
        return merged

    # ---- the lockout ---------------------------------------------------------------------

    def _lock_doc(self) -> Any:
        docs = self._docs(_LOCK)
        return docs[0] if docs else None

    def _save_lock(self, failures: int, lockouts: int, until: str | None) -> None:
        values = {"kind": _LOCK, "failures": failures, "lockouts": lockouts, "until": until}
        doc = self._lock_doc()
        if doc is None:
            self.table.insert(values)
        else:
            self.table.update(values, doc_ids=[doc.doc_id])

    def locked_for(self) -> int:
        """Seconds the pad stays locked (0: open)."""
        doc = self._lock_doc()
        if doc is None or not doc.get("until"):
            return 0
        left = (datetime.fromisoformat(doc["until"]) - self.clock()).total_seconds()
        if left > FIRST_LOCK_SECONDS * 2**20:  # the clock was set back a long way
            return MAX_LOCK_SECONDS
        return max(0, int(left + 0.999))

    def tries_left(self) -> int:
        doc = self._lock_doc()
        return MAX_TRIES - (doc.get("failures", 0) if doc else 0)

    # ---- checking a PIN -------------------------------------------------------------------

    def verify(self, pin: str, need: str = "staff") -> StaffMember:
        """The staff member with this PIN, or ``WrongPin`` / ``PinLocked`` / ``NotAllowed``."""
        wait = self.locked_for()
        if wait:
            raise PinLocked(wait)
        found = None
        for doc in self._docs(_STAFF):
            if _check(pin, doc):
                found = StaffMember(doc["name"], doc["role"])
                break
        lock = self._lock_doc()
        failures = lock.get("failures", 0) if lock else 0
        lockouts = lock.get("lockouts", 0) if lock else 0
        if found is None:
            failures += 1
            if failures >= MAX_TRIES:
                lockouts += 1
                seconds = lock_seconds(lockouts)
                until = self.clock() + timedelta(seconds=seconds)
                self._save_lock(0, lockouts, until.isoformat())
                raise PinLocked(seconds)
            self._save_lock(failures, lockouts, None)
            raise WrongPin(MAX_TRIES - failures)
        if lock and (failures or lockouts or lock.get("until")):
            self._save_lock(0, 0, None)
        if not found.may(need):
            raise NotAllowed(need)
        return found
