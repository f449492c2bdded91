"""The few file operations the store needs, behind a small interface.

Production uses ``OsDisk``. The crash tests swap in a disk that remembers what was
fsync'ed and can "lose power" (tests/store/crashdisk.py), in the spirit of SQLite's
crash-test VFS. Keeping this interface small is what makes that test possible.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import IO, Protocol

from kiosk.errors import StoreLocked


class AppendFile(Protocol):
    def write(self, data: bytes) -> None: ...
    def sync(self) -> None: ...
    def size(self) -> int: ...
    def truncate(self, size: int) -> None: ...
    def close(self) -> None: ...


class Disk(Protocol):
    def open_append(self, path: Path) -> AppendFile: ...
    def read_bytes(self, path: Path) -> bytes: ...
    def open_read(self, path: Path) -> IO[bytes]: ...
    def write_synced(self, path: Path, data: bytes) -> None:
        """Create or overwrite ``path`` with ``data`` and fsync the file (not the folder)."""
        ...

    def rename(self, src: Path, dst: Path) -> None: ...
    def sync_dir(self, path: Path) -> None: ...
    def exists(self, path: Path) -> bool: ...
    def listdir(self, path: Path) -> list[str]: ...
    def size(self, path: Path) -> int: ...
    def mkdir(self, path: Path) -> None: ...
    def remove(self, path: Path) -> None: ...
    def lock(self, path: Path) -> object:
        """Take an exclusive lock on ``path`` for this process, or raise StoreLocked."""
        ...


class OsAppendFile:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def sync(self) -> None:
        os.fdatasync(self._fd)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def truncate(self, size: int) -> None:
        os.ftruncate(self._fd, size)
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class OsDisk:
    def open_append(self, path: Path) -> AppendFile:
        return OsAppendFile(path)

    def read_bytes(self, path: Path) -> bytes:
        return path.read_bytes()

    def open_read(self, path: Path) -> IO[bytes]:
        return open(path, "rb")

    def write_synced(self, path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o640)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def rename(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def sync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def exists(self, path: Path) -> bool:
        return path.exists()

    def listdir(self, path: Path) -> list[str]:
        return sorted(os.listdir(path))

    def size(self, path: Path) -> int:
        return path.stat().st_size

    def mkdir(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def lock(self, path: Path) -> object:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = ""
            try:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                who = f" (process {holder})" if holder else ""
                raise StoreLocked(
                    f"the data folder {path.parent} is in use by another Kanta process{who}; "
                    "stop it first (only one kiosk or command may write the store at a time)"
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return _Lock(fd)


def write_atomic(
    path: Path, data: bytes, *, durable: bool = True, mode: int = 0o640, disk: Disk | None = None
) -> None:
    """Replace ``path`` with ``data`` all at once: a temp file beside it, then a rename, so a
    reader or a power cut sees the old content or the new, never a mix. ``durable``: fsync
    the file before the rename and the folder after (the store's snapshot, the sync
    worker's cursor); without it (live status files, rewritten every few seconds, in RAM
    on the appliance) the rename alone keeps readers from seeing half a file. ``mode``:
    the file's permissions (0o600 for one holding a token).

    The one way Kanta writes a whole file; the store passes its ``disk`` (durable, in its
    own folder) so that its crash tests see every step."""
    tmp = path.with_name(path.name + ".tmp")
    if disk is not None:
        disk.write_synced(tmp, data)
        disk.rename(tmp, path)
        disk.sync_dir(path.parent)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if durable:
        OsDisk().sync_dir(path.parent)


class _Lock:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = -1
