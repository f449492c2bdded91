"""How a `kanta` process that loaded the store ends: without freeing it object by object.

A store of 50,000 members is hundreds of thousands of small Python objects. Freeing them
one by one when a command returns took 20-40 ms of CPU of a `kanta counter purchase`
(bench/cli.py), for memory the operating system takes back at once when the process ends. So when `kanta`
runs as its own process (``main()`` called without arguments, as the installed command
is), ``opened_service`` hands the loaded store to ``keep``, and ``main`` ends the process
with ``finish``: output and logs flushed, then ``os._exit`` with the command's status.
Only after the store was closed (its journal synced, its lock released). ``main(argv)``
called inside another program (the tests) frees everything as usual and returns.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import NoReturn

_kept: list[object] = []
_keeping = False


def keep_until_exit() -> None:
    """This process is `kanta` itself: what ``keep`` is given lasts until ``finish``."""
    global _keeping
    _keeping = True


def keep(value: object) -> None:
    """Leave ``value`` for the process's end, if this process is `kanta` itself."""
    if _keeping:
        _kept.append(value)


def holds_a_store() -> bool:
    return bool(_kept)


def finish(status: int) -> NoReturn:
    """End the process now with ``status``; everything it wrote is flushed first."""
    with contextlib.suppress(OSError):  # the reader went away (a closed pipe): nothing to tell
        sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(status)
