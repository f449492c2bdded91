"""The pure key-event decoder: layouts, Shift, AltGr, end keys, the pause timeout."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware import keyboard as kb
from hardware.keyboard import (
    KEY_ENTER,
    KEY_LEFTSHIFT,
    KEY_PRESS,
    KEY_RELEASE,
    KEY_REPEAT,
    KEY_RIGHTALT,
    KEY_TAB,
    LAYOUTS,
    UNKNOWN_KEY,
    ScanDecoder,
)

KeyEvent = tuple[int, int, float]


def keystrokes(text: str, layout: str = "us", start: float = 0.0, gap: float = 0.002,
               end_key: int = KEY_ENTER) -> list[KeyEvent]:
    """The key events a scanner programmed for ``layout`` sends when it types ``text``."""
    events: list[KeyEvent] = []
    now = start

    def key(code: int, value: int) -> None:
        nonlocal now
        events.append((code, value, now))
        now += gap

    for char in text:
        code, shift, altgr = type_char(char, layout)
        if altgr:
            key(KEY_RIGHTALT, KEY_PRESS)
        if shift:
            key(KEY_LEFTSHIFT, KEY_PRESS)
        key(code, KEY_PRESS)
        key(code, KEY_RELEASE)
        if shift:
            key(KEY_LEFTSHIFT, KEY_RELEASE)
        if altgr:
            key(KEY_RIGHTALT, KEY_RELEASE)
    key(end_key, KEY_PRESS)
    key(end_key, KEY_RELEASE)
    return events


def type_char(char: str, layout: str) -> tuple[int, bool, bool]:
    table = LAYOUTS[layout]
    # the main keyboard, not the keypad: that is what scanners type with
    for code in sorted(table.keys):
        plain, shifted = table.keys[code]
        if plain == char:
            return code, False, False
        if shifted == char:
            return code, True, False
    for code, altgr_char in table.altgr.items():
        if altgr_char == char:
            return code, False, True
    raise KeyError(char)


def decode(events: list[KeyEvent], decoder: ScanDecoder) -> list[str]:
    codes = []
    for code, value, at in events:
        text = decoder.feed(code, value, at)
        if text is not None:
            codes.append(text)
    return codes


def test_key_codes_match_the_linux_ones() -> None:
    ecodes = pytest.importorskip("evdev.ecodes", reason="python-evdev missing")
    for name in dir(kb):
        if name.startswith("KEY_") and name not in ("KEY_RELEASE", "KEY_PRESS", "KEY_REPEAT"):
            assert getattr(ecodes, name) == getattr(kb, name), name
    assert ecodes.KEY_Q == 16 and ecodes.KEY_A == 30 and ecodes.KEY_Z == 44
    assert ecodes.KEY_KP7 == 71 and ecodes.KEY_KP0 == 82


def test_digits_and_enter_make_a_code() -> None:
    assert decode(keystrokes("4006381333931"), ScanDecoder()) == ["4006381333931"]


def test_tab_also_ends_a_code() -> None:
    assert decode(keystrokes("KANTA42", end_key=KEY_TAB), ScanDecoder()) == ["KANTA42"]


def test_shift_makes_capitals_and_symbols() -> None:
    assert decode(keystrokes("Ab-_!@"), ScanDecoder()) == ["Ab-_!@"]


def test_nordic_layout_reads_what_a_nordic_scanner_types() -> None:
    text = "Åäö-_+?/@€"
    assert decode(keystrokes(text, "nordic"), ScanDecoder("nordic")) == [text]


def test_the_wrong_layout_garbles_symbols_but_not_digits_or_letters() -> None:
    nordic_keys = keystrokes("AB-12/", "nordic")
    assert decode(nordic_keys, ScanDecoder("us")) == ["AB/12&"]


def test_keypad_digits_count() -> None:
    events = [(code, value, i * 0.001) for i, (code, value) in enumerate(
        [(79, KEY_PRESS), (79, KEY_RELEASE), (82, KEY_PRESS), (82, KEY_RELEASE),
         (kb.KEY_KPENTER, KEY_PRESS)])]
    assert decode(events, ScanDecoder()) == ["10"]


def test_a_pause_longer_than_the_timeout_discards_the_half_code() -> None:
    decoder = ScanDecoder(timeout_s=0.1)
    half = keystrokes("400638")[:-2]  # no Enter: the scanner lost the rest
    rest = keystrokes("4006381333931", start=half[-1][2] + 0.5)
    assert decode(half + rest, decoder) == ["4006381333931"]
    assert decoder.discarded == 1


def test_a_pause_within_the_timeout_keeps_the_code() -> None:
    events = keystrokes("12345678", gap=0.04)
    assert decode(events, ScanDecoder(timeout_s=0.1)) == ["12345678"]


def test_expire_drops_a_stale_half_code() -> None:
    decoder = ScanDecoder(timeout_s=0.1)
    decode(keystrokes("1234")[:-2], decoder)
    assert decoder.pending == "1234"
    assert not decoder.expire(now=0.05)
    assert decoder.expire(now=10.0) and decoder.pending == ""


def test_repeats_are_ignored_and_unknown_keys_marked() -> None:
    events = [(2, KEY_PRESS, 0.0), (2, KEY_REPEAT, 0.001), (2, KEY_RELEASE, 0.002),
              (240, KEY_PRESS, 0.003), (KEY_ENTER, KEY_PRESS, 0.004)]
    assert decode(events, ScanDecoder()) == ["1" + UNKNOWN_KEY]


def test_enter_alone_is_not_a_code() -> None:
    assert decode([(KEY_ENTER, KEY_PRESS, 0.0), (KEY_ENTER, KEY_RELEASE, 0.001)],
                  ScanDecoder()) == []


def test_caps_lock_inverts_letters_only() -> None:
    events = [(kb.KEY_CAPSLOCK, KEY_PRESS, 0.0), *keystrokes("ab1", start=0.001)]
    assert decode(events, ScanDecoder()) == ["AB1"]


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown keyboard layout"):
        ScanDecoder("dvorak")


PRINTABLE = {layout: sorted({c for pair in LAYOUTS[layout].keys.values() for c in pair
                             if c != " "} | set(LAYOUTS[layout].altgr.values()))
             for layout in LAYOUTS}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@given(data=st.data())
def test_whatever_a_scanner_types_is_decoded_back(layout: str, data: st.DataObject) -> None:
    texts = data.draw(st.lists(st.text(alphabet=PRINTABLE[layout], min_size=1, max_size=30),
                               min_size=1, max_size=4))
    events: list[KeyEvent] = []
    start = 0.0
    for text in texts:
        events += keystrokes(text, layout, start=start)
        start = events[-1][2] + 1.0
    assert decode(events, ScanDecoder(layout)) == texts
