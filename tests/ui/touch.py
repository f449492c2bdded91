"""A Kivy window on Xvfb driven by touch: the base class of the UI flow tests."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from kivy.tests.common import GraphicUnitTest, UnitTestTouch

from hardware.events import CardTapped, ReaderConnected, ScannerConnected
from tests.conftest import FakeClock
from tests.ui.harness import make_app, make_core


@pytest.mark.usefixtures("xvfb")
class TouchTest(GraphicUnitTest):  # type: ignore[misc]
    tmp: Path

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self.tmp = tmp_path

    def start(self, lang: str = "en", clock: FakeClock | None = None, **kw: Any) -> Any:
        self.Window.size = (800, 480)
        if getattr(self, "app", None) is not None:
            self.app.dispatch("on_stop")  # kv's `app` forgets the old app only on stop
        self.clock = clock or FakeClock()
        self.core = make_core(self.tmp / "data", self.clock, **kw)
        self.app = make_app(self.core, language=lang)
        root = self.root_widget = self.app.build()
        self.core.start()
        self.core.sink(ReaderConnected("sim reader"))
        self.core.sink(ScannerConnected("sim scanner"))
        self.render(root)
        return self.app

    def tearDown(self) -> None:
        if getattr(self, "app", None) is not None:
            self.app.dispatch("on_stop")
            self.app = None
        with contextlib.suppress(Exception):
            self.core.service.ledger.close()
        super().tearDown()

    # ---- helpers ---------------------------------------------------------------------------

    def touch(self, widget: Any) -> None:
        self.advance_frames(2)
        assert not widget.disabled, f"{widget} is disabled"
        x, y = widget.to_window(*widget.center)
        self.touches = getattr(self, "touches", 0) + 1
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()
        self.advance_frames(1)

    def tap(self, card: str) -> None:
        self.core.sink(CardTapped(card, "sim reader"))
        self.advance_frames(1)

    def button(self, screen: str, text: str) -> Any:
        """The button on a screen whose label is exactly ``text`` (as the customer reads it);
        on a customer screen the top bar's (the shop, Staff) count as the screen's."""
        assert self.app.current == screen or screen not in ("idle", "result"), (screen, self.app.current)
        places = [self.app.screen(screen)]
        if self.app.customer_bar and self.app.current == screen:
            places.append(self.root_widget.ids.bar)
        found = [w for place in places for w in place.walk()
                 if getattr(w, "text", None) == text and hasattr(w, "on_release")]
        assert found, f"no button {text!r} on {screen}"
        return found[0]

    def type_pin(self, pin: str) -> None:
        pad = self.app.screen("pin").ids.pad
        for digit in pin:
            self.touch(next(w for w in pad.children if getattr(w, "text", None) == digit))
        self.touch(self.app.screen("pin").ids.ok)

    def texts(self, screen: str) -> str:
        """Every label's text on a screen, as staff or the customer read it."""
        return "\n".join(
            w.text for w in self.app.screen(screen).walk() if isinstance(getattr(w, "text", None), str)
        )
