"""A store as a Kanta before per-member keys left it: contact details as plain ``profiles``
documents, in kept ledger segments, the snapshot, the journal and a torn tail kept for
inspection.

Built with the code path that version used for them — ``storage.put(PROFILES, doc_id,
fields)`` inside the store's transaction, the one line the sealing replaced (commit
cf4f68f) — on a store otherwise written by today's code, which is what such a kiosk's
folder holds after an upgrade: the same record format, events and chain."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.events import EventDraft, EventKind
from kiosk.store.disk import Disk
from kiosk.store.ledger import MEMBERS, META, PROFILES, Ledger
from tests.conftest import FakeClock
from tests.store.workload import service_for

CARDS = ("04C0FFEE0001", "04C0FFEE0002", "04C0FFEE0003")
#: every value ever given in the clear; each must be gone from every file afterwards
PHONE_1, PHONE_1_NEW = "040 555 0101", "+358 50 555 0199"
EMAIL_1, EMAIL_1_NEW = "aino@example.fi", "aino.k@example.fi"
PHONE_2 = "045 777 0202"  # this member was erased by the old version
EMAIL_3 = "eero.virtanen@example.fi"
PHONE_TORN = "050 999 0123"  # only in a write cut short, never acknowledged
CLEAR = (PHONE_1, PHONE_1_NEW, EMAIL_1, EMAIL_1_NEW, PHONE_2, EMAIL_3, PHONE_TORN)
#: what each card's member holds now
HELD = {CARDS[0]: {"phone": PHONE_1_NEW, "email": EMAIL_1_NEW}, CARDS[2]: {"email": EMAIL_3}}


def build_old_store(path: Path, disk: Disk | None = None) -> None:
    clock = FakeClock()
    ledger = Ledger.open(path, disk=disk)
    service = service_for(ledger, clock)
    for card in CARDS:
        clock.advance(seconds=5)
        assert service.tap(card).accepted
    storage = ledger.storage

    def old_profile(card: str, fields: dict[str, str] | None) -> None:
        member = ledger.member_for_card(card)
        assert member is not None
        doc_id = next(d for d, doc in storage.table(MEMBERS).items() if doc["m"] == member.member_id)
        with storage.transaction():  # how the old version wrote a profile
            storage.put(PROFILES, doc_id, fields)

    old_profile(CARDS[0], {"phone": PHONE_1, "email": EMAIL_1})
    old_profile(CARDS[1], {"phone": PHONE_2})
    storage.snapshot()  # ledger/000001.log holds them
    old_profile(CARDS[0], {"phone": PHONE_1_NEW, "email": EMAIL_1})
    member_2 = ledger.member_for_card(CARDS[1])
    assert member_2 is not None
    service.recorder.record(
        [EventDraft(EventKind.MEMBER_ERASED, member_2.member_id, program=service.rules.version)],
        clock(),
    )  # the old erasure: the profile document deleted, its old copies left behind
    old_profile(CARDS[2], {"email": EMAIL_3})
    # the old version knew no "contacts" note (nor member-keys.json)
    storage.put(META, 1, {k: v for k, v in ledger.meta.items() if k != "contacts"})
    storage.snapshot()  # ledger/000002.log, and snapshot.json with plain documents
    old_profile(CARDS[0], {"phone": PHONE_1_NEW, "email": EMAIL_1_NEW})  # in journal.log
    ledger.close()
    assert not ledger.keys.members()
    disk_ = ledger.storage.disk
    # a write the old version was cut in the middle of, kept for inspection at the next start
    torn = f'{{"n":99,"ops":[["profiles",1,{{"email":"{EMAIL_1}","phone":"{PHONE_TORN}'
    disk_.write_synced(path / "journal.torn-1764000000", torn.encode())
    # and a snapshot it was writing when the power went
    disk_.write_synced(path / "snapshot.json.tmp", b'{"profiles":{"3":{"email":"' + EMAIL_3.encode())
    disk_.sync_dir(path)
