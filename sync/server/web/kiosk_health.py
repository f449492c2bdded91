"""A kiosk's health as its heartbeat reports it, said on the Kiosks page in the owner's
language: each check a level and a code with values (``kiosk.health.heartbeat_health``),
read here against the codes the kiosks send, every value checked for its kind and bounds.

What an older kiosk sends (English words without a code) is shown as it came, marked as
English; a code this server does not know, or one whose values are not what it takes, is
shown as "unrecognised" with the code as written: nothing of a heartbeat is trusted as
words or markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync.server.texts import Msg, Verbatim
from sync.server.web import i18n

#: heartbeat entries shown as health (whatever the kiosk reports under these keys)
HEALTH_KEYS = ("reader", "scanner", "disk", "clock", "members")
LEVELS = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "unknown": "unknown"}
#: the longest text shown of an older kiosk's words, or of a code not known here
MAX_SHOWN = 200
_BACKEND = re.compile(r"[a-z0-9_-]{1,20}")
_MAX_BYTES = 2**53
_MAX_COUNT = 10**6

#: what a kiosk's codes say: code -> {the names of its values: the English text}; the
#: kinds of the values are in _VALUES
CODES: dict[str, dict[frozenset[str], str]] = {
    "not_configured": {frozenset(): "not configured"},
    "connected": {frozenset(): "connected", frozenset({"backend"}): "connected ({backend})"},
    "not_connected": {
        frozenset(): "not connected",
        frozenset({"backend"}): "not connected ({backend}): check the USB cable",
    },
    "app_cannot_tell": {frozenset(): "the app cannot tell"},
    "app_not_running": {frozenset(): "unknown while the app is not running"},
    "disk_free": {frozenset({"free", "total"}): "{free} free of {total}"},
    "disk_nearly_full": {frozenset({"free", "total"}): "{free} free of {total}: nearly full"},
    "cannot_tell": {frozenset(): "cannot tell"},
    "clock_synchronised": {frozenset(): "synchronised"},
    "clock_not_synchronised": {
        frozenset(): "not synchronised (the kiosk keeps working; check the network/NTP)"
    },
    # a count: said with its plural (PLURAL below)
    "cards_to_merge": {frozenset({"n"}): "{n} card held by two members, one of whom joined: merge them"},
}
PLURAL = {
    "{n} card held by two members, one of whom joined: merge them": (
        "{n} cards held by two members, one of whom joined: merge them"
    )
}


@dataclass(frozen=True)
class Shown:
    """One check on the page: its name, its level's word, and what it says: a Msg in the
    owner's language, or (an older kiosk's) English words."""

    key: str
    level: str
    said: Msg | None = None
    english: str | None = None


def health(hardware: object, lang: str) -> list[Shown]:
    """The checks of a heartbeat's ``hardware`` part, in HEALTH_KEYS order."""
    if not isinstance(hardware, dict):
        return []
    return [_check(key, hardware[key], lang) for key in HEALTH_KEYS if key in hardware]


def _check(key: str, value: object, lang: str) -> Shown:
    if not isinstance(value, dict):  # a kiosk from before the levels: its words as they came
        return Shown(key, "unknown", english=str(value)[:MAX_SHOWN])
    level = LEVELS.get(str(value.get("level")), "unknown")
    code = value.get("code")
    if code is None:  # a kiosk from before the codes
        return Shown(key, level, english=str(value.get("detail", ""))[:MAX_SHOWN])
    said = _said(code, value.get("params", {}), lang)
    if said is None:
        said = Msg("unrecognised report {code}", code=Verbatim(str(code)[:MAX_SHOWN]))
    return Shown(key, level, said=said)


def _said(code: object, params: object, lang: str) -> Msg | None:
    """The code's text with its values, or None unless the code is known and its values
    are exactly the ones it takes, each of its kind and within bounds."""
    if not isinstance(code, str) or code not in CODES or not isinstance(params, dict):
        return None
    text = CODES[code].get(frozenset(params))
    if text is None:
        return None
    values: dict[str, object] = {}
    for name, raw in params.items():
        value = _VALUES[name](raw, lang)
        if value is None:
            return None
        values[name] = value
    if "n" in values:
        return Msg.n(int(params["n"]), text, PLURAL[text])
    return Msg(text, **values)


def _backend(raw: object, lang: str) -> Verbatim | None:
    return Verbatim(raw) if isinstance(raw, str) and _BACKEND.fullmatch(raw) else None


def _bytes(raw: object, lang: str) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= _MAX_BYTES:
        return None
    return i18n.size(raw, lang)


def _count(raw: object, lang: str) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= _MAX_COUNT:
        return None
    return raw


_VALUES = {"backend": _backend, "free": _bytes, "total": _bytes, "n": _count}
