"""The seal of a backup file: a checksum of every byte (zip headers too), per part, in the
zip's comment, so a flipped byte anywhere is found and blamed on the part it hit."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

SEAL = "kanta-seal-1 "


def _regions(path: Path) -> tuple[dict[str, tuple[int, int]], int]:
    """Byte ranges of each part's header and data in the file, and the directory's start."""
    with zipfile.ZipFile(path) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        start_dir = zf.start_dir
    regions: dict[str, tuple[int, int]] = {}
    for i, info in enumerate(infos):
        end = infos[i + 1].header_offset if i + 1 < len(infos) else start_dir
        regions[info.filename] = (info.header_offset, end)
    return regions, start_dir


def _region_hashes(
    path: Path, regions: dict[str, tuple[int, int]], dir_range: tuple[int, int]
) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open("rb") as f:
        for name, (start, end) in [*regions.items(), ("(zip directory)", dir_range)]:
            f.seek(start)
            sha = hashlib.sha256()
            left = end - start
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                sha.update(chunk)
                left -= len(chunk)
            out[name] = sha.hexdigest()
    return out


def seal(path: Path) -> None:
    """Checksum every byte of the file, zip headers too, per part, in the zip's comment:
    a flipped byte anywhere is then found and blamed on the part it hit."""
    regions, start_dir = _regions(path)
    size = path.stat().st_size
    # the end record's last two bytes are the comment's length: everything before is sealed
    hashes = _region_hashes(path, regions, (start_dir, size - 2))
    comment = (SEAL + json.dumps(hashes, sort_keys=True, separators=(",", ":"))).encode()
    with path.open("r+b") as f:
        f.seek(size - 2)
        f.write(len(comment).to_bytes(2, "little") + comment)


def seal_problems(path: Path, zf: zipfile.ZipFile) -> list[tuple[str | None, str]]:
    """What is wrong with the file's seal, as (part or None for the file, problem)."""
    comment = zf.comment
    if not comment.startswith(SEAL.encode()):
        return [(None, "the file's seal (checksums of every byte, in the zip comment) is missing or damaged")]
    try:
        sealed = json.loads(comment[len(SEAL) :])
    except ValueError:
        return [(None, "the file's seal (in the zip comment) is damaged, or the file was cut short")]
    total = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, total - len(comment) - 2))
        declared = int.from_bytes(f.read(2), "little")
    if declared != len(comment):
        return [(None, "the zip's end record is damaged (its comment length is wrong)")]
    size = total - len(comment)
    try:
        regions, start_dir = _regions(path)
        if not all(0 <= a <= b <= size for a, b in [*regions.values(), (start_dir, size - 2)]):
            raise ValueError("offsets outside the file")
        actual = _region_hashes(path, regions, (start_dir, size - 2))
    except Exception as exc:
        return [(None, f"the zip's table of contents is damaged ({exc})")]
    problems: list[tuple[str | None, str]] = [
        (name, "its bytes in the file (zip header or compressed data) were changed")
        for name, digest in actual.items()
        if sealed.get(name) != digest
    ]
    problems += [(name, "missing from the file") for name in set(sealed) - set(actual)]
    return problems
