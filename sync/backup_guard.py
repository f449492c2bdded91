"""What keeps a backup whole or refused, beside :mod:`sync.backup`: a part's stated size
checked before it is read, restores that leave nothing behind when killed, private files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import zipfile
from pathlib import Path
from typing import Any

#: a restore builds its kiosk in ``.<name>.restoring-XXXX`` beside the target folder
RESTORING = ".restoring-"
#: beside that folder while the restore runs (``<folder>.pid``): the restoring process's id
_PID = ".pid"


def size_mismatch(zf: zipfile.ZipFile, name: str, info: Any) -> str | None:
    """Why a part cannot be read as the manifest describes it, or None.

    The zip's own header bounds how much a part inflates to (Python's zip reader stops
    there); checking it against the manifest's byte count before reading means a part that
    claims more than the manifest says is refused at once, and a check takes time and
    memory in proportion to the sizes the manifest states."""
    stated = info.get("bytes") if isinstance(info, dict) else None
    if type(stated) is not int or stated < 0:
        return "the manifest gives no byte count for it"
    try:
        actual = zf.getinfo(name).file_size
    except KeyError:
        return "missing from the file"
    if actual != stated:
        return f"the zip says it holds {actual} bytes, the manifest {stated}: damaged or altered"
    return None


def _pid_file(work: Path) -> Path:
    return work.with_name(work.name + _PID)


def mark_restoring(work: Path) -> None:
    _pid_file(work).write_text(str(os.getpid()), encoding="ascii")


def unmark_restoring(work: Path) -> None:
    _pid_file(work).unlink(missing_ok=True)


def clean_killed_restores(data_dir: Path) -> list[Path]:
    """Remove the temp folders of restores into ``data_dir`` whose process is gone (killed
    mid-way); a restore still running keeps its folder. Returns what was removed."""
    removed: list[Path] = []
    parent = data_dir.parent
    if not parent.is_dir():
        return removed
    for folder in parent.glob(f".{data_dir.name}{RESTORING}*"):
        if folder.name.endswith(_PID):
            if not folder.with_name(folder.name[: -len(_PID)]).exists():
                folder.unlink(missing_ok=True)  # its restore finished or was cleaned
            continue
        if folder.is_dir() and not _alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            _pid_file(folder).unlink(missing_ok=True)
            removed.append(folder)
    return removed


def _alive(folder: Path) -> bool:
    try:
        pid = int(_pid_file(folder).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False  # killed before it wrote its mark, or its mark is damaged
    if pid == os.getpid():
        return True  # (another restore of this process, in another thread)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def private_mode(folder: Path) -> int:
    """0600 for a file Kanta writes with shop data (the server's database, backups, exports);
    0640 in a folder whose group the installer set for the service (setgid), so the group
    can read it."""
    with contextlib.suppress(OSError):
        if folder.stat().st_mode & stat.S_ISGID:
            return 0o640
    return 0o600
