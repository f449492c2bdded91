"""Service logging: one line per event, journald priorities, no card UIDs in the logs."""

from __future__ import annotations

import io
import logging
import os
import tempfile

import pytest

from kiosk.logs import JournalFormatter, card_ref, redact, setup_logging, stream_is_journal


@pytest.fixture(autouse=True)
def _restore_root() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def test_card_ref_is_stable_short_and_not_the_uid() -> None:
    ref = card_ref("04:a1:b2:c3:d4:e5:f6")
    assert ref == card_ref("04A1B2C3D4E5F6")
    assert ref.startswith("card:") and len(ref) == 13
    assert "A1B2" not in ref.upper()
    assert card_ref("04A1B2C3D4E5F6", {"KANTA_LOG_SALT": "other"}) != ref


@pytest.mark.parametrize(
    "uid", ["04A1B2C3D4E5F6", "DEADBE01", "04:A1:B2:C3:D4:E5:F6", "04 A1 B2 C3", "0102030405060708090A"]
)
def test_redact_uids(uid: str) -> None:
    out = redact(f"tap from {uid} accepted")
    assert uid not in out and card_ref(uid) in out


@pytest.mark.parametrize(
    "text",
    [
        "event 0192f3a1-7c2e-7abc-8def-0123456789ab recorded",  # ids are lower-case
        "hash c4a3c12d4a415302d117d392e0960a37",
        "wrote 1234567 bytes",
        "snapshot 000123.log",
    ],
)
def test_redact_leaves_other_text(text: str) -> None:
    assert redact(text) == text


def test_setup_logging_plain_lines_with_redaction() -> None:
    stream = io.StringIO()
    setup_logging(stream=stream, env={})
    log = logging.getLogger("kiosk.test")
    log.info("tap %s ok", "04A1B2C3D4E5F6")
    log.debug("hidden")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = stream.getvalue().splitlines()
    assert lines[0] == f"INFO kiosk.test: tap {card_ref('04A1B2C3D4E5F6')} ok"
    assert len(lines) == 2  # the traceback is folded into its entry's line
    assert lines[1].startswith("ERROR kiosk.test: failed | Traceback")


def test_journal_priority_prefix() -> None:
    fmt = JournalFormatter(journal=True)
    record = logging.LogRecord("kiosk.x", logging.WARNING, __file__, 1, "reader gone", None, None)
    assert fmt.format(record) == "<4>kiosk.x: reader gone"


def test_stream_is_journal_matches_journal_stream() -> None:
    with tempfile.TemporaryFile("w+") as f:
        st = os.fstat(f.fileno())
        assert stream_is_journal(f, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})  # type: ignore[arg-type]
        assert not stream_is_journal(f, {"JOURNAL_STREAM": "1:2"})  # type: ignore[arg-type]
        assert not stream_is_journal(f, {})  # type: ignore[arg-type]


def test_verbose_and_env_level() -> None:
    setup_logging(verbose=True, stream=io.StringIO(), env={})
    assert logging.getLogger().level == logging.DEBUG
    setup_logging(stream=io.StringIO(), env={"KANTA_LOG_LEVEL": "warning"})
    assert logging.getLogger().level == logging.WARNING


def test_tap_summary_one_line_per_period(caplog: pytest.LogCaptureFixture) -> None:
    from kiosk.logs import TapSummary

    now = [0.0]
    summary = TapSummary(period=3600, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="kiosk.taps"):
        for kind in ["accepted"] * 40 + ["new"] * 3 + ["refused"]:
            summary.add(kind)
            assert not summary.flush_if_due()
        now[0] = 3600
        assert summary.flush_if_due()
        now[0] = 7200
        assert not summary.flush_if_due()  # a quiet hour logs nothing
        summary.add("error")
        assert summary.flush()
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert messages == [
        (logging.INFO, "44 taps in the last 60 min (40 accepted, 3 new, 1 refused)"),
        (logging.WARNING, "1 taps in the last 1 min (1 error)"),
    ]
