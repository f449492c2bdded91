"""A byte flipped inside the journal's last record, an acknowledged tap, is damage: the
store refuses to open, `kanta status` fails naming it, `kanta store verify` names it, and
`kanta store repair` keeps the record aside for inspection. Only a last line that never
reached its newline (an interrupted write) is cut as torn."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.errors import StoreCorrupt
from kiosk.store.ledger import Ledger


def _kanta(*args: str) -> int:
    return main(list(args))


def _tapped(data: Path, taps: int) -> Path:
    for i in range(taps):
        assert _kanta("--data", str(data), "tap", f"04E0{i:04d}") == 0
    return data / "journal.log"


def test_a_flipped_byte_in_the_last_complete_record_is_reported_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "k"
    journal = _tapped(data, 3)
    raw = bytearray(journal.read_bytes())
    assert raw.endswith(b"\n")
    last = raw.rfind(b"\n", 0, len(raw) - 1) + 1
    raw[last + 20] ^= 0x01
    journal.write_bytes(bytes(raw))
    capsys.readouterr()

    with pytest.raises(StoreCorrupt, match=r"last record .* written whole"):
        Ledger.open(data)
    assert journal.read_bytes() == bytes(raw)  # nothing was cut
    assert not list(data.glob("journal.torn-*"))
    assert _kanta("--data", str(data), "store", "verify") != 0
    assert "journal.log is damaged" in capsys.readouterr().err
    assert _kanta("--data", str(data), "status") == 1
    out = capsys.readouterr().out
    assert "FAIL  journal" in out and "written whole" in out
    assert _kanta("--data", str(data), "tap", "04E09999") != 0  # the kiosk does not start on it
    capsys.readouterr()

    assert _kanta("--data", str(data), "store", "repair") == 0
    (kept,) = data.glob("journal.damaged-*")
    assert kept.read_bytes() == bytes(raw[last:])  # the damaged record, kept for inspection
    assert _kanta("--data", str(data), "store", "verify") == 0


def test_a_last_line_cut_before_its_newline_is_still_a_torn_write(tmp_path: Path) -> None:
    data = tmp_path / "k"
    journal = _tapped(data, 2)
    raw = journal.read_bytes()
    journal.write_bytes(raw + raw[: len(raw) // 3].split(b"\n")[0][:40])  # an interrupted append
    with Ledger.open(data) as ledger:
        assert ledger.storage.stats().torn_tail_cut
    assert journal.read_bytes() == raw
