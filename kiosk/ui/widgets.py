"""Small widgets drawn in Python: the stamp card, the tone icon, the keypad, the banner."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, SmoothEllipse, SmoothLine
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

#: colours always come with words or shapes: a check mark, a cross, a star, an "!"
TONE_RGBA = {
    "ok": (0.0, 0.45, 0.18, 1),
    "reward_ready": (0.55, 0.35, 0.0, 1),
    "refused": (0.65, 0.1, 0.1, 1),
    "error": (0.65, 0.1, 0.1, 1),
    "attention": (0.05, 0.25, 0.55, 1),
}


class ToneIcon(Widget):  # type: ignore[misc]
    tone = OptionProperty("ok", options=list(TONE_RGBA))
    rgba = ListProperty([0, 0, 0, 1])
    symbol_points = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(tone=self._redraw, pos=self._redraw, size=self._redraw)
        self._redraw()

    def _redraw(self, *_: Any) -> None:
        self.rgba = list(TONE_RGBA.get(self.tone, TONE_RGBA["ok"]))
        x, y, w, h = self.x, self.y, self.width, self.height

        def p(fx: float, fy: float) -> list[float]:
            return [x + fx * w, y + fy * h]

        if self.tone == "ok":
            pts = p(0.27, 0.52) + p(0.44, 0.33) + p(0.74, 0.68)
        elif self.tone == "reward_ready":  # a star
            pts = []
            import math

            for i in range(11):
                r = 0.36 if i % 2 == 0 else 0.15
                a = math.pi / 2 + i * math.pi / 5
                pts += p(0.5 + r * math.cos(a), 0.5 + r * math.sin(a))
        elif self.tone == "attention":  # "!"
            pts = p(0.5, 0.75) + p(0.5, 0.4) + p(0.5, 0.4) + p(0.5, 0.4)
        else:  # a cross
            pts = p(0.3, 0.3) + p(0.7, 0.7) + p(0.5, 0.5) + p(0.3, 0.7) + p(0.7, 0.3)
        self.symbol_points = pts


class ReaderArrow(Widget):  # type: ignore[misc]
    """An arrow pointing down towards the card reader."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_: Any) -> None:
        self.canvas.clear()
        cx, h = self.center_x, self.height
        with self.canvas:
            Color(0.05, 0.25, 0.55, 1)
            Line(points=[cx, self.top, cx, self.y + 2], width=max(2.0, h / 12))
            Line(
                points=[cx - h * 0.4, self.y + h * 0.45, cx, self.y + 2, cx + h * 0.4, self.y + h * 0.45],
                width=max(2.0, h / 12),
                joint="round",
            )


class StampCard(Widget):  # type: ignore[misc]
    """A stamp card: filled discs with a check for stamps, empty rings for the rest.

    Filled vs. empty is a shape difference, and the numbers are written beside it.
    """

    have = NumericProperty(0)
    target = NumericProperty(10)
    rows = NumericProperty(2)
    row_height = NumericProperty(60)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(have=self._redraw, target=self._redraw, pos=self._redraw, size=self._redraw)

    def _redraw(self, *_: Any) -> None:
        self.canvas.clear()
        target = int(self.target)
        if target <= 0:
            return
        cols = min(target, 5)
        rows = (target + cols - 1) // cols
        self.rows = rows
        cell = min(self.width / cols, (self.height / rows) if self.height > 10 else self.width / cols)
        self.row_height = max(10.0, min(self.width / cols, 200.0))
        d = cell * 0.8
        x0 = self.x + (self.width - cols * cell) / 2
        y_top = self.top
        with self.canvas:
            for i in range(target):
                r, c = divmod(i, cols)
                x = x0 + c * cell + (cell - d) / 2
                y = y_top - (r + 1) * cell + (cell - d) / 2
                if i < self.have:
                    Color(0.05, 0.25, 0.55, 1)
                    SmoothEllipse(pos=(x, y), size=(d, d))
                    Color(1, 1, 1, 1)
                    tick = [0.27, 0.52, 0.44, 0.33, 0.74, 0.68]
                    Line(
                        points=[(x if i % 2 == 0 else y) + d * f for i, f in enumerate(tick)],
                        width=max(1.5, d / 14),
                    )
                else:
                    Color(0.25, 0.25, 0.25, 1)
                    SmoothLine(circle=(x + d / 2, y + d / 2, d / 2 - 1), width=max(1.2, d / 30))


class Keypad(GridLayout):  # type: ignore[misc]
    """Digits, backspace and an optional extra key ("." for amounts, "+" for phones)."""

    value = StringProperty("")
    extra_key = StringProperty("")
    max_length = NumericProperty(12)

    def press(self, key: str) -> None:
        if key == "back":
            self.value = self.value[:-1]
        elif len(self.value) < self.max_length:
            if key in ".," and ("." in self.value or not self.value):
                return
            self.value += "." if key == "," else key


class Banner(Label):  # type: ignore[misc]
    pass


class CheckRow(BoxLayout):  # type: ignore[misc]
    text = StringProperty("")
    active = BooleanProperty(False)
