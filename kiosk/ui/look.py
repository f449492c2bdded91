"""What every kiosk window shares: sizes in millimetres of the glass, the language, the
shop's colour, and the .kv files loaded once per process.

Both the kiosk app and the store-failure app (shown when the store cannot be opened) mix
this in, so the shared widgets (``kv/widgets.kv``) look and measure the same in each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.ui import i18n

KV_DIR = Path(__file__).parent / "kv"
_loaded: set[str] = set()


def load_kv(*names: str) -> None:
    """Load ``kv/<name>.kv`` for each name not loaded yet in this process."""
    for name in names:
        if name not in _loaded:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
            _loaded.add(name)


class Look:
    """Mixed into a Kivy ``App``: the properties the .kv files read as ``app.*``."""

    lang = StringProperty("fi")
    portrait = BooleanProperty(False)
    px_mm = NumericProperty(5.2)
    target = NumericProperty(60)
    fs_huge = NumericProperty(56)
    fs_title = NumericProperty(34)
    fs_body = NumericProperty(24)
    fs_small = NumericProperty(18)
    fs_button = NumericProperty(24)
    fs_key = NumericProperty(30)
    #: the shop's colour (the top bar, the main buttons)
    accent_rgba = ListProperty([0.05, 0.25, 0.55, 1])

    def mm(self, x: float) -> float:
        return float(x * self.px_mm)

    def apply_sizes(self, mode: str) -> None:
        """Sizes for the window as it is now; ``mode``: landscape | portrait | auto."""
        w, h = Window.size
        self.portrait = h > w if mode == "auto" else mode == "portrait"
        # both Raspberry Pi 7" touchscreens are about 155 mm along the long side
        self.px_mm = max(w, h) / 155.0
        self.target = self.mm(11)  # at least 9 mm, wet fingers included
        # type sizes in millimetres on the glass: the same look on both displays
        self.fs_huge = self.mm(11)
        self.fs_title = self.mm(6.5)
        self.fs_body = self.mm(4.6)
        self.fs_small = self.mm(3.5)
        self.fs_button = self.mm(4.4)
        self.fs_key = self.mm(6)

    def tr(self, key: str, lang: str | None = None, **params: Any) -> str:
        return i18n.tr(lang or self.lang, key, **params)
