"""An in-memory ``Disk`` that can lose power, in the spirit of SQLite's crash-test VFS.

The model is the one a careful application must assume of a POSIX file system:

* every file is an *inode* with its current bytes (what reads return, the page cache) and
  its durable bytes (what survives a power cut). ``AppendFile.sync`` and the fsync inside
  ``write_synced`` / ``truncate`` make the current bytes durable;
* every directory has its current entries and its durable entries. Creating, renaming or
  removing a name changes only the current entries. Two models of when they become
  durable:

  - ``fs="posix"`` (the default, what POSIX promises): ``sync_dir`` makes that one
    folder's entries durable, and nothing else does. A rename between two folders is two
    independent changes: the new name is durable once the target folder is synced, the
    old name is gone once the source folder is synced. A new file's name needs an fsync
    of its folder, however often the file itself is fsync'ed.
  - ``fs="ext4"`` (ext4/jbd2 with data=ordered, Raspberry Pi OS's default): names live in
    one metadata journal committed in order, so *any* fsync (a file's or a folder's)
    makes every name change made so far durable, and a rename is atomic.

``crash(torn=..., rng=...)`` returns a new disk holding only the durable state, as after a
power cut. With ``torn=True`` each file may also keep a random piece of what was written
but not synced (a torn write): a prefix of an unsynced appended tail (or as many zero
bytes, when a file's new size reached the disk before its data), or for a file
rewritten in place, the old bytes, nothing, or a prefix of the new bytes.

Every operation counts as one step; ``cut_at=k`` makes the k-th step raise ``PowerCut``
before it does anything, so a test can stop the program at every point it can be stopped.
``fail_sync`` injects ``OSError(EIO)`` from fsync, the way a failing SD card reports.
"""

from __future__ import annotations

import errno
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kiosk.errors import StoreLocked


class PowerCut(BaseException):
    """The power went: nothing after this point runs (a BaseException nobody catches)."""


@dataclass(eq=False)
class Inode:
    data: bytearray = field(default_factory=bytearray)
    durable: bytes = b""

    def sync(self) -> None:
        self.durable = bytes(self.data)


class Dir:
    def __init__(self) -> None:
        self.entries: dict[str, Inode | Dir] = {}
        self.durable: dict[str, Inode | Dir] = {}

    def sync(self) -> None:
        self.durable = dict(self.entries)


class CrashAppendFile:
    def __init__(self, disk: CrashDisk, inode: Inode, name: str) -> None:
        self._disk = disk
        self._inode = inode
        self._name = name
        self._closed = False

    def write(self, data: bytes) -> None:
        self._disk._tick("write", self._name)
        self._check()
        self._inode.data += data

    def sync(self) -> None:
        self._disk._tick("sync", self._name)
        self._check()
        self._disk._maybe_fail_sync(self._name)
        self._inode.sync()
        self._disk._synced()

    def size(self) -> int:
        self._disk._tick("size", self._name)
        self._check()
        return len(self._inode.data)

    def truncate(self, size: int) -> None:
        self._disk._tick("truncate", self._name)
        self._check()
        del self._inode.data[size:]
        self._disk._tick("sync", self._name)  # OsAppendFile.truncate fsyncs
        self._disk._maybe_fail_sync(self._name)
        self._inode.sync()
        self._disk._synced()

    def close(self) -> None:
        self._closed = True

    def _check(self) -> None:
        if self._closed:
            raise ValueError(f"{self._name}: I/O on a closed file")


class _Lock:
    def __init__(self, disk: CrashDisk, path: Path) -> None:
        self.disk = disk
        self.path = path

    def release(self) -> None:
        self.disk._locks.discard(self.path)


class CrashDisk:
    """See the module docstring. ``root`` is a folder that exists and is durable."""

    def __init__(self, root: Path = Path("/crash"), fs: str = "posix") -> None:
        assert fs in ("posix", "ext4")
        self.root = root
        self.fs = fs
        self._dirs: dict[Path, Dir] = {root: Dir()}
        self._locks: set[Path] = set()
        self.ops = 0
        self.cut_at: int | None = None
        self.log: list[tuple[str, str]] = []
        #: called with (operation, name) before each step; return True to fail an fsync
        self.sync_fails: Callable[[str], bool] | None = None
        self.writes = 0  # steps that change anything (a read-only user must do none)

    # ---- fault injection ---------------------------------------------------------------

    def _tick(self, op: str, name: str) -> None:
        self.ops += 1
        self.log.append((op, name))
        if op not in ("read", "exists", "listdir", "size", "open_read"):
            self.writes += 1
        if self.cut_at is not None and self.ops >= self.cut_at:
            raise PowerCut(f"power cut at step {self.ops} ({op} {name})")

    def _maybe_fail_sync(self, name: str) -> None:
        if self.sync_fails is not None and self.sync_fails(name):
            raise OSError(errno.EIO, "Input/output error", name)

    def _synced(self, d: Dir | None = None) -> None:
        """After an fsync: which names became durable (see the two models above)."""
        if self.fs == "ext4":
            for each in self._dirs.values():
                each.sync()
        elif d is not None:
            d.sync()

    # ---- the model -----------------------------------------------------------------------

    def _dir(self, path: Path) -> Dir:
        d = self._dirs.get(path)
        if d is None:
            raise FileNotFoundError(errno.ENOENT, "No such directory", str(path))
        return d

    def _lookup(self, path: Path) -> Inode | Dir | None:
        d = self._dirs.get(path.parent)
        return None if d is None else d.entries.get(path.name)

    def _inode(self, path: Path) -> Inode:
        node = self._lookup(path)
        if not isinstance(node, Inode):
            raise FileNotFoundError(errno.ENOENT, "No such file", str(path))
        return node

    def _create(self, path: Path) -> Inode:
        parent = self._dir(path.parent)
        inode = Inode()
        parent.entries[path.name] = inode
        return inode

    def crash(
        self, torn: bool = False, rng: random.Random | None = None, *, short_by_one: bool | None = None
    ) -> CrashDisk:
        """A new disk with what a power cut leaves: durable state (+ torn unsynced pieces).

        ``short_by_one``: True keeps every unsynced appended tail but its very last byte (a
        record that lost only its newline); False never draws that one case; None (the
        default) draws it like any other length.
        """
        rng = rng or random.Random(0)
        new = CrashDisk(self.root, self.fs)
        copied: dict[int, Inode] = {}

        def survive(inode: Inode) -> Inode:
            if id(inode) in copied:
                return copied[id(inode)]
            data = inode.durable
            current = bytes(inode.data)
            if torn and current != data:
                if current.startswith(data):
                    end = rng.randint(len(data), len(current))
                    if short_by_one is True:
                        end = len(current) - 1
                    elif short_by_one is False and end == len(current) - 1:
                        end = len(current)
                    # the new size reached the disk, the data did not
                    zeros = short_by_one is not True and rng.random() < 0.25
                    data = data + b"\0" * (end - len(data)) if zeros else current[:end]
                else:  # rewritten in place: old bytes, nothing, or part of the new bytes
                    data = rng.choice([data, b"", current[: rng.randint(0, len(current))]])
            copy = Inode(bytearray(data), data)
            copied[id(inode)] = copy
            return copy

        def walk(old: Dir, path: Path) -> Dir:
            out = Dir()
            for name, node in old.durable.items():
                if isinstance(node, Dir):
                    out.entries[name] = walk(node, path / name)
                else:
                    out.entries[name] = survive(node)
            out.durable = dict(out.entries)
            new._dirs[path] = out
            return out

        walk(self._dirs[self.root], self.root)
        # the root itself is always there (the installer made it long ago)
        return new

    def clone(self) -> CrashDisk:
        """An exact copy of the current (not only durable) state: a process restart."""
        new = CrashDisk(self.root, self.fs)
        copied: dict[int, Inode] = {}

        def walk(old: Dir, path: Path) -> Dir:
            out = Dir()
            mapping: dict[int, Inode | Dir] = {}
            for name, node in old.entries.items():
                if isinstance(node, Dir):
                    mapping[id(node)] = out.entries[name] = walk(node, path / name)
                else:
                    if id(node) not in copied:
                        copied[id(node)] = Inode(bytearray(node.data), node.durable)
                    mapping[id(node)] = out.entries[name] = copied[id(node)]
            for name, node in old.durable.items():
                if id(node) in mapping:
                    out.durable[name] = mapping[id(node)]
                elif isinstance(node, Inode):
                    if id(node) not in copied:
                        copied[id(node)] = Inode(bytearray(node.data), node.durable)
                    out.durable[name] = copied[id(node)]
            new._dirs[path] = out
            return out

        walk(self._dirs[self.root], self.root)
        return new

    def make_durable(self) -> None:
        """Sync everything (an installer's ``sync``)."""
        for d in self._dirs.values():
            d.sync()
            for node in d.entries.values():
                if isinstance(node, Inode):
                    node.sync()

    # ---- test helpers (no steps counted) ---------------------------------------------------

    def files(self, path: Path) -> dict[str, bytes]:
        return {
            name: bytes(node.data)
            for name, node in self._dir(path).entries.items()
            if isinstance(node, Inode)
        }

    def set_bytes(self, path: Path, data: bytes) -> None:
        """Replace a file's bytes, current and durable (damage done while powered off)."""
        node = self._lookup(path)
        if not isinstance(node, Inode):
            node = self._create(path)
            self._dir(path.parent).sync()
        node.data = bytearray(data)
        node.sync()

    def get_bytes(self, path: Path) -> bytes:
        return bytes(self._inode(path).data)

    # ---- the Disk protocol ---------------------------------------------------------------------

    def open_append(self, path: Path) -> CrashAppendFile:
        self._tick("open_append", str(path))
        node = self._lookup(path)
        inode = node if isinstance(node, Inode) else self._create(path)
        return CrashAppendFile(self, inode, str(path))

    def read_bytes(self, path: Path) -> bytes:
        self._tick("read", str(path))
        return bytes(self._inode(path).data)

    def open_read(self, path: Path) -> IO[bytes]:
        self._tick("open_read", str(path))
        return io.BytesIO(bytes(self._inode(path).data))

    def write_synced(self, path: Path, data: bytes) -> None:
        # open(O_TRUNC) + write, then fsync: a cut between them leaves the file unsynced
        self._tick("write_file", str(path))
        node = self._lookup(path)
        inode = node if isinstance(node, Inode) else self._create(path)
        inode.data = bytearray(data)
        self._tick("fsync", str(path))
        self._maybe_fail_sync(str(path))
        inode.sync()
        self._synced()

    def rename(self, src: Path, dst: Path) -> None:
        self._tick("rename", f"{src} -> {dst}")
        node = self._lookup(src)
        if node is None:
            raise FileNotFoundError(errno.ENOENT, "No such file", str(src))
        del self._dir(src.parent).entries[src.name]
        self._dir(dst.parent).entries[dst.name] = node

    def sync_dir(self, path: Path) -> None:
        self._tick("sync_dir", str(path))
        self._maybe_fail_sync(str(path))
        self._synced(self._dir(path))

    def exists(self, path: Path) -> bool:
        self._tick("exists", str(path))
        return path == self.root or path in self._dirs or self._lookup(path) is not None

    def listdir(self, path: Path) -> list[str]:
        self._tick("listdir", str(path))
        return sorted(self._dir(path).entries)

    def size(self, path: Path) -> int:
        self._tick("size", str(path))
        return len(self._inode(path).data)

    def mkdir(self, path: Path) -> None:
        self._tick("mkdir", str(path))
        missing = []
        p = path
        while p not in self._dirs:
            missing.append(p)
            if p == p.parent:
                break
            p = p.parent
        for p in reversed(missing):
            if p.parent not in self._dirs:
                raise FileNotFoundError(errno.ENOENT, "No such directory", str(p.parent))
            if isinstance(self._lookup(p), Inode):
                raise FileExistsError(errno.EEXIST, "File exists", str(p))
            d = Dir()
            self._dirs[p] = d
            self._dirs[p.parent].entries[p.name] = d

    def remove(self, path: Path) -> None:
        self._tick("remove", str(path))
        d = self._dirs.get(path.parent)
        if d is not None and isinstance(d.entries.get(path.name), Inode):
            del d.entries[path.name]

    def lock(self, path: Path) -> object:
        self._tick("lock", str(path))
        if path in self._locks:
            raise StoreLocked(f"the data folder {path.parent} is in use (crash disk)")
        if self._lookup(path) is None:
            self._create(path)
        self._locks.add(path)
        return _Lock(self, path)
