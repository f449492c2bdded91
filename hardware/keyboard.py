"""Turning a barcode scanner's key events into text: a pure decoder, no I/O.

A USB scanner is a keyboard. It "types" each code in the keyboard layout it was
programmed for and ends it with Enter (or Tab). The decoder tracks Shift, AltGr and Caps
Lock, maps key codes through the configured layout (``us`` or ``nordic``, the
Finnish/Swedish one) and discards a half-typed code when the keys pause for longer than
the timeout: a scanner types a whole code in a burst, so a pause means a lost key or a
person at a keyboard. Timestamps come from the events, so the decoder needs no clock.

Key codes are Linux's (``linux/input-event-codes.h``), spelled out here so this module
imports nothing platform-specific.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_RELEASE, KEY_PRESS, KEY_REPEAT = 0, 1, 2

KEY_1, KEY_0 = 2, 11
KEY_MINUS, KEY_EQUAL, KEY_BACKSPACE, KEY_TAB = 12, 13, 14, 15
KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_ENTER = 26, 27, 28
KEY_SEMICOLON, KEY_APOSTROPHE, KEY_GRAVE, KEY_LEFTSHIFT, KEY_BACKSLASH = 39, 40, 41, 42, 43
KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_RIGHTSHIFT, KEY_KPASTERISK = 51, 52, 53, 54, 55
KEY_SPACE, KEY_CAPSLOCK = 57, 58
KEY_KPMINUS, KEY_KPPLUS, KEY_KPDOT, KEY_102ND = 74, 78, 83, 86
KEY_KPENTER, KEY_KPSLASH, KEY_RIGHTALT = 96, 98, 100

_LETTER_ROWS = {16: "qwertyuiop", 30: "asdfghjkl", 44: "zxcvbnm"}
_KEYPAD_DIGITS = {71: "7", 72: "8", 73: "9", 75: "4", 76: "5", 77: "6", 79: "1", 80: "2",
                  81: "3", 82: "0"}
_KEYPAD_SIGNS = {KEY_KPMINUS: "-", KEY_KPPLUS: "+", KEY_KPDOT: ".", KEY_KPASTERISK: "*",
                 KEY_KPSLASH: "/"}

END_KEYS = frozenset({KEY_ENTER, KEY_KPENTER, KEY_TAB})
SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
ALTGR_KEYS = frozenset({KEY_RIGHTALT})

#: a character the layout does not define; the validator rejects codes containing it
UNKNOWN_KEY = "\ufffd"


@dataclass(frozen=True)
class Layout:
    name: str
    #: key code -> (plain, with Shift); letters are added for every layout
    keys: dict[int, tuple[str, str]]
    #: key code -> character with AltGr (right Alt)
    altgr: dict[int, str]


def _with_common_keys(keys: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    table: dict[int, tuple[str, str]] = {}
    for first, row in _LETTER_ROWS.items():
        for offset, letter in enumerate(row):
            table[first + offset] = (letter, letter.upper())
    for code, char in {**_KEYPAD_DIGITS, **_KEYPAD_SIGNS}.items():
        table[code] = (char, char)
    table[KEY_SPACE] = (" ", " ")
    table.update(keys)
    return table


def _digit_row(shifted: str) -> dict[int, tuple[str, str]]:
    digits = "1234567890"
    return {KEY_1 + i: (digits[i], shifted[i]) for i in range(10)}


US = Layout(
    name="us",
    keys=_with_common_keys(
        {
            **_digit_row("!@#$%^&*()"),
            KEY_MINUS: ("-", "_"),
            KEY_EQUAL: ("=", "+"),
            KEY_LEFTBRACE: ("[", "{"),
            KEY_RIGHTBRACE: ("]", "}"),
            KEY_SEMICOLON: (";", ":"),
            KEY_APOSTROPHE: ("'", '"'),
            KEY_GRAVE: ("`", "~"),
            KEY_BACKSLASH: ("\\", "|"),
            KEY_COMMA: (",", "<"),
            KEY_DOT: (".", ">"),
            KEY_SLASH: ("/", "?"),
            KEY_102ND: ("\\", "|"),
        }
    ),
    altgr={},
)

#: Finnish / Swedish keyboard (the two are the same for what a scanner types)
NORDIC = Layout(
    name="nordic",
    keys=_with_common_keys(
        {
            **_digit_row('!"#¤%&/()='),
            KEY_MINUS: ("+", "?"),
            KEY_EQUAL: ("´", "`"),
            KEY_LEFTBRACE: ("å", "Å"),
            KEY_RIGHTBRACE: ("¨", "^"),
            KEY_SEMICOLON: ("ö", "Ö"),
            KEY_APOSTROPHE: ("ä", "Ä"),
            KEY_GRAVE: ("§", "½"),
            KEY_BACKSLASH: ("'", "*"),
            KEY_COMMA: (",", ";"),
            KEY_DOT: (".", ":"),
            KEY_SLASH: ("-", "_"),
            KEY_102ND: ("<", ">"),
        }
    ),
    altgr={
        KEY_1 + 1: "@",
        KEY_1 + 2: "£",
        KEY_1 + 3: "$",
        KEY_1 + 4: "€",
        KEY_1 + 6: "{",
        KEY_1 + 7: "[",
        KEY_1 + 8: "]",
        KEY_0: "}",
        KEY_MINUS: "\\",
        KEY_RIGHTBRACE: "~",
        KEY_102ND: "|",
    },
)

LAYOUTS = {layout.name: layout for layout in (US, NORDIC)}


def layout_named(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r} (known: {', '.join(LAYOUTS)})") from None


class ScanDecoder:
    """Feeds on key events of one device; returns each complete code once.

    ``feed`` returns the text of a code when its end key (Enter, keypad Enter or Tab) is
    pressed, otherwise ``None``. ``discarded`` counts half codes dropped after a pause.
    """

    def __init__(self, layout: str | Layout = "us", timeout_s: float = 0.1) -> None:
        self.layout = layout if isinstance(layout, Layout) else layout_named(layout)
        self.timeout_s = timeout_s
        self.discarded = 0
        self._chars: list[str] = []
        self._shift_down: set[int] = set()
        self._altgr_down = False
        self._caps_lock = False
        self._last_key_at: float | None = None

    @property
    def pending(self) -> str:
        """The half code typed so far."""
        return "".join(self._chars)

    def reset(self) -> None:
        self._chars.clear()
        self._shift_down.clear()
        self._altgr_down = False
        self._last_key_at = None

    def expire(self, now: float) -> bool:
        """Drop a half code whose last key is older than the timeout; True if one was."""
        last = self._last_key_at
        if self._chars and last is not None and now - last > self.timeout_s:
            self._chars.clear()
            self.discarded += 1
            return True
        return False

    def feed(self, keycode: int, value: int, timestamp: float) -> str | None:
        self.expire(timestamp)
        self._last_key_at = timestamp
        if keycode in SHIFT_KEYS:
            if value == KEY_RELEASE:
                self._shift_down.discard(keycode)
            else:
                self._shift_down.add(keycode)
            return None
        if keycode in ALTGR_KEYS:
            self._altgr_down = value != KEY_RELEASE
            return None
        if value != KEY_PRESS:
            # a scanner never auto-repeats; a repeat is a stuck key, not a character
            return None
        if keycode == KEY_CAPSLOCK:
            self._caps_lock = not self._caps_lock
            return None
        if keycode in END_KEYS:
            text = "".join(self._chars)
            self._chars.clear()
            return text or None
        if keycode == KEY_BACKSPACE:
            if self._chars:
                self._chars.pop()
            return None
        self._chars.append(self._character(keycode))
        return None

    def _character(self, keycode: int) -> str:
        if self._altgr_down:
            return self.layout.altgr.get(keycode, UNKNOWN_KEY)
        plain_shifted = self.layout.keys.get(keycode)
        if plain_shifted is None:
            return UNKNOWN_KEY
        plain, shifted = plain_shifted
        shift = bool(self._shift_down)
        if self._caps_lock and plain.isalpha():
            shift = not shift
        return shifted if shift else plain
