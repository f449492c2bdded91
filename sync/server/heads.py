"""The kiosks' signing keys and the signed chain heads the server has received.

A kiosk registers its public key when it is paired (the first key a kiosk's token sends
is kept; another one later is refused, so a copy of the kiosk's files with a new key
cannot take its place), then sends its newest signed chain head after each push. The
server checks each signature and keeps every head: they go into the owner's backups with
the keys, and ``kanta backup verify`` checks the events against them
(kiosk.store.signing), so a history rewritten with every hash recomputed is caught even
by someone who holds the kiosk's files.

This module is the one that reads and writes the ``kiosk_keys`` and ``signed_heads``
tables (defined in :mod:`sync.server.heads_schema`, created by :mod:`sync.server.db`'s
migrations).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from kiosk.store.signing import SignedHead, signature_ok
from sync.server import db
from sync.server.errors import ApiError
from sync.server.heads_schema import kiosk_keys, signed_heads
from sync.server.store import KioskAuth

#: heads per request; a kiosk sends its newest one after each push
MAX_HEADS = 100
#: heads a kiosk's `kanta store verify` fetches at most (a kiosk signs a few an hour)
MAX_KIOSK_HEADS = 1000
#: heads in an owner's backup: the newest this many per shop
MAX_BACKUP_HEADS = 100_000
_HEX64 = r"^[0-9a-f]{64}$"


class HeadItem(BaseModel):
    seq: int = Field(ge=1, le=2**62)
    hash: str = Field(pattern=r"^[0-9a-f]{32}$")
    signature: str = Field(min_length=1, max_length=200)


class HeadsBody(BaseModel):
    public_key: str = Field(pattern=_HEX64)
    heads: list[HeadItem] = Field(default_factory=list, max_length=MAX_HEADS)


def record(engine: Engine, kiosk: KioskAuth, body: HeadsBody) -> dict[str, int]:
    """Register the kiosk's key (first time) and keep the heads whose signature holds."""
    if body.heads and kiosk.ident is None:
        raise ApiError(409, "push this kiosk's events before its chain heads", field="heads")
    heads = [
        SignedHead(kiosk.ident or "", h.seq, h.hash, body.public_key, h.signature) for h in body.heads
    ]
    for i, head in enumerate(heads):
        if not signature_ok(head):
            raise ApiError(422, f"heads.{i}: the signature does not hold", field=f"heads.{i}")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stored = 0
    with db.write_tx(engine) as conn:
        key = conn.execute(
            sa.select(kiosk_keys.c.public_key).where(kiosk_keys.c.kiosk_row == kiosk.row_id)
        ).scalar()
        if key is None:
            conn.execute(
                kiosk_keys.insert().values(
                    kiosk_row=kiosk.row_id,
                    shop_id=kiosk.shop_id,
                    public_key=body.public_key,
                    registered_at=now,
                )
            )
        elif key != body.public_key:
            raise ApiError(
                409,
                "this kiosk registered another signing key when it was paired; a kiosk made "
                "from a copy of its files needs a token of its own",
                field="public_key",
            )
        for head in heads:
            exists = conn.execute(
                sa.select(signed_heads.c.seq).where(
                    signed_heads.c.shop_id == kiosk.shop_id,
                    signed_heads.c.kiosk == head.kiosk,
                    signed_heads.c.seq == head.seq,
                )
            ).first()
            if exists is None:
                conn.execute(
                    signed_heads.insert().values(
                        shop_id=kiosk.shop_id,
                        kiosk=head.kiosk,
                        seq=head.seq,
                        hash=head.hash,
                        public_key=head.public_key,
                        signature=head.signature,
                        received_at=now,
                    )
                )
                stored += 1
    return {"stored": stored}


def kept_for_kiosk(engine: Engine, kiosk: KioskAuth) -> dict[str, Any]:
    """What the server holds to vouch for this kiosk's history, for its `kanta store
    verify`: the key it registered and the newest heads it kept (the newest
    alone vouches for every event before it, each event's hash covering the one before)."""
    with db.read_tx(engine) as conn:
        key = conn.execute(
            sa.select(kiosk_keys.c.public_key).where(kiosk_keys.c.kiosk_row == kiosk.row_id)
        ).scalar()
        rows = (
            conn.execute(
                sa.select(signed_heads)
                .where(signed_heads.c.shop_id == kiosk.shop_id, signed_heads.c.kiosk == kiosk.ident)
                .order_by(signed_heads.c.seq.desc())
                .limit(MAX_KIOSK_HEADS)
            ).all()
            if kiosk.ident
            else []
        )
    return {
        "kiosk": kiosk.ident,
        "public_key": key,
        "heads": [
            {"seq": int(r.seq), "hash": r.hash, "public_key": r.public_key, "signature": r.signature}
            for r in rows
        ],
    }


def for_backup(engine: Engine, shop_id: int) -> dict[str, Any]:
    """The shop's registered keys (by the kiosk id its events carry) and signed heads,
    in the form a backup's manifest holds them."""
    kiosks = db.kiosks
    with db.read_tx(engine) as conn:
        keys = conn.execute(
            sa.select(kiosks.c.kiosk_ident, kiosk_keys.c.public_key)
            .join(kiosk_keys, kiosk_keys.c.kiosk_row == kiosks.c.id)
            .where(kiosks.c.shop_id == shop_id, kiosks.c.kiosk_ident.is_not(None))
        ).all()
        rows = conn.execute(
            sa.select(signed_heads)
            .where(signed_heads.c.shop_id == shop_id)
            .order_by(signed_heads.c.received_at.desc(), signed_heads.c.seq.desc())
            .limit(MAX_BACKUP_HEADS)
        ).all()
    return {
        "kiosk_keys": {str(k): str(v) for k, v in keys},
        "signed_heads": [
            asdict(SignedHead(r.kiosk, int(r.seq), r.hash, r.public_key, r.signature))
            for r in reversed(rows)
        ],
    }
