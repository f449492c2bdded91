"""The profiles table's upkeep when a store opens (``Ledger``): keys and details that a
crash or an older version left behind.

Contact details live in the profiles table under their member's document id, sealed with
the member's own key (``kiosk.store.personal``).
"""

from __future__ import annotations

from kiosk.domain.member import ERASED
from kiosk.store.personal import MemberKeys
from kiosk.store.storage import CrashSafeStorage

#: up to this many members with details, each is read alone (a byte search of the snapshot,
#: a few ms); more, and the members' table is decoded whole once
READ_ALONE = 8


def tidy_personal_data(storage: CrashSafeStorage, keys: MemberKeys, members: str, profiles: str) -> None:
    """Forget keys nothing needs (a crash between a key and its record, or between an
    erasure and its key's destruction), drop details whose key is gone, and seal details
    an older version kept in the clear."""
    details = storage.table(profiles)
    member_doc = storage.table(members).get if len(details) > READ_ALONE else (
        lambda doc_id: storage.document(members, doc_id)
    )
    wanted: dict[str, int] = {}
    for doc_id in details:
        member = member_doc(doc_id)
        if member is not None and member.get("s") != ERASED:
            wanted[member["m"]] = doc_id
    keys.destroy(keys.members() - set(wanted))
    stale = [doc_id for doc_id in details if doc_id not in wanted.values()]
    clear = {m: d for m, d in wanted.items() if "sealed" not in details[d]}
    stale += [d for m, d in wanted.items() if m not in clear and not keys.has(m)]
    if not stale and not clear:
        return
    keys.ensure(clear)
    with storage.transaction():
        for doc_id in stale:
            storage.put(profiles, doc_id, None)
        for member_id, doc_id in clear.items():
            fields = {str(k): str(v) for k, v in details[doc_id].items()}
            storage.put(profiles, doc_id, keys.seal(member_id, fields))
