"""Logging for the services: one plain line per event worth knowing, to the journal.

Under systemd, stderr goes to the journal, which adds its own timestamp, unit and pid; so
the lines here carry none of those, only a syslog priority prefix (``<4>``) that journald
turns into the entry's priority (``journalctl -p warning`` then works). On a terminal the
prefix is left out and the level is spelt out instead.

No personal data goes to the logs: card UIDs are shown as ``card_ref(uid)``, a short
keyed hash (HMAC-SHA256 with the installation's salt) that stays the same for one card
(so "the same card failed three times" is still visible) but does not give the UID back.
A filter on the handler rewrites any card-UID-looking token (4, 7 or 10 bytes of
upper-case hex, as the readers give them) that slipped into a message.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from hardware.events import card_label, set_label_key

__all__ = [
    "CardRedactor",
    "JournalFormatter",
    "TapSummary",
    "card_ref",
    "log_salt",
    "redact",
    "setup_logging",
]

#: the installer's environment file, which holds KANTA_LOG_SALT (systemd hands it to the
#: services; a `kanta` command typed in a shell reads it from here)
ENV_FILE = Path("/etc/kanta/kanta.env")
#: without any salt (a desktop, a test) a random one, the same for this process only: a
#: card's reference then stays the same within one run and means nothing outside it
_PROCESS_SALT = secrets.token_hex(16)

# 4-, 7- and 10-byte UIDs in upper-case hex, bare or with ':' / ' ' between the bytes;
# event ids and hashes are lower-case and never match
_HEX_PAIR = r"[0-9A-F]{2}"
_UID = re.compile(
    r"(?<![0-9A-Za-z:])(?:"
    + "|".join(
        rf"{_HEX_PAIR}(?:[: ]?{_HEX_PAIR}){{{n - 1}}}"
        for n in (10, 7, 4)
    )
    + r")(?![0-9A-Za-z:])"
)


def _salt_from_file(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return None
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip() == "KANTA_LOG_SALT" and value.strip():
            return value.strip().strip("'\"")
    return None


def log_salt(env: Mapping[str, str] | None = None, env_file: Path = ENV_FILE) -> bytes:
    """The key of the card references: $KANTA_LOG_SALT, else the installer's env file,
    else this process's random salt."""
    env = os.environ if env is None else env
    salt = env.get("KANTA_LOG_SALT") or _salt_from_file(env_file) or _PROCESS_SALT
    return salt.encode()


def card_ref(uid: str, env: Mapping[str, str] | None = None) -> str:
    """A card as it may appear in logs: ``card:`` and 8 hex digits of HMAC-SHA256 keyed
    with the installation's salt."""
    return card_label(uid, log_salt(env))


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """Replace every card-UID-looking token in ``text`` with its ``card_ref``."""
    if not _UID.search(text):
        return text
    return _UID.sub(lambda m: card_ref(m.group(0), env), text)


class CardRedactor(logging.Filter):
    """Rewrites card UIDs in a record's message (after %-formatting) before output."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def _priority(levelno: int) -> int:
    for level in (logging.CRITICAL, logging.ERROR, logging.WARNING, logging.INFO):
        if levelno >= level:
            return _PRIORITY[level]
    return 7


class JournalFormatter(logging.Formatter):
    """``<prio>logger: message`` for journald; ``LEVEL logger: message`` elsewhere.

    A traceback is folded onto the same entry with `` | `` so one event stays one line.
    """

    def __init__(self, journal: bool) -> None:
        super().__init__("%(name)s: %(message)s")
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", " | ")
        if self.journal:
            return f"<{_priority(record.levelno)}>{text}"
        return f"{record.levelname} {text}"


def stream_is_journal(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is the journal stream systemd connected (``$JOURNAL_STREAM``)."""
    env = os.environ if env is None else env
    expected = env.get("JOURNAL_STREAM")
    if not expected:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


_HANDLER_NAME = "kanta"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (as logging's own last
    resort does), so a command run in-process by a test logs into that test's capture."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def setup_logging(
    verbose: bool = False,
    *,
    stream: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    level: int | None = None,
) -> logging.Handler:
    """Configure the root logger for a service (kiosk, sync worker, server).

    INFO by default (each line is something worth knowing), DEBUG with ``verbose`` or
    ``$KANTA_LOG_LEVEL=debug``. Replaces the handler an earlier call set; leaves others.
    """
    env = os.environ if env is None else env
    set_label_key(log_salt(env))  # the hardware's card labels match this process's refs
    if level is None:
        named = env.get("KANTA_LOG_LEVEL", "").upper()
        level = logging.DEBUG if verbose else getattr(logging, named, logging.INFO)
        if not isinstance(level, int):
            level = logging.INFO
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JournalFormatter(stream_is_journal(stream or sys.stderr, env)))
    handler.addFilter(CardRedactor())
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # chatty libraries: their INFO lines are not events of the shop's
    for name in ("urllib3", "kivy", "asyncio", "httpx", "uvicorn.access"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler


class TapSummary:
    """One log line per period (an hour) instead of one per tap: the journal stays small
    (see bench/disk.py) and the line still says how the counter is doing.

    The app calls ``add("accepted" | "new" | "refused" | "error")`` for each tap and
    ``flush_if_due()`` from its clock tick; ``flush()`` on exit.
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        period: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = logger or logging.getLogger("kiosk.taps")
        self.period = period
        self._clock = clock
        self._since = clock()
        self.counts: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        self.counts[kind] += 1

    def flush_if_due(self) -> bool:
        if self._clock() - self._since < self.period:
            return False
        return self.flush()

    def flush(self) -> bool:
        """Log the line now if there was anything; start a new period either way."""
        counts, self.counts = self.counts, Counter()
        minutes = max(1, round((self._clock() - self._since) / 60))
        self._since = self._clock()
        total = sum(counts.values())
        if not total:
            return False
        detail = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
        level = logging.WARNING if counts.get("error") else logging.INFO
        self.log.log(level, "%d taps in the last %d min (%s)", total, minutes, detail)
        return True
