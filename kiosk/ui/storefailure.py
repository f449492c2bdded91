"""The screen the kiosk shows when its store cannot be opened, instead of the counter.

A damaged record the store had acknowledged (``StoreCorrupt``), or a read-only, full or
failing data folder (any other ``StoreError``), leaves nothing safe to record into. Staff
read what is wrong, that nothing is recorded, and what to do, in Finnish, Swedish or
English. The app opens no card reader and no scanner, so no tap is taken; ``kanta kiosk``
exits 74 when it is asked to stop (see ``kiosk.cli.kiosk``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.errors import StoreCorrupt, StoreError
from kiosk.ui import i18n
from kiosk.ui.look import Look, load_kv

DAMAGED, UNWRITABLE = "damaged", "unwritable"
#: the store's own words shown below the translated text (for whoever repairs it), cut here
DETAIL_CHARS = 240


def failure_kind(exc: StoreError) -> str:
    return DAMAGED if isinstance(exc, StoreCorrupt) else UNWRITABLE


def short_detail(message: str) -> str:
    """The store's message up to its first full stop (file, byte, record, what happened):
    the rest (what to do) is on the screen in the reader's language."""
    first = message.split(". ", 1)[0].rstrip(".")
    return first if len(first) <= DETAIL_CHARS else first[: DETAIL_CHARS - 1] + "…"


class StoreFailureView(BoxLayout):  # type: ignore[misc]
    kind = StringProperty(DAMAGED)
    folder = StringProperty("")
    detail = StringProperty("")

    def show(self, exc: StoreError, folder: str) -> None:
        self.kind = failure_kind(exc)
        self.folder = folder
        self.detail = short_detail(str(exc))


class StoreFailureApp(Look, App):  # type: ignore[misc]
    """A window with the store-failure view only; the language buttons switch its words."""

    def __init__(
        self,
        error: StoreError,
        folder: str,
        *,
        language: str = "fi",
        layout: str = "auto",
        on_ready: Callable[[], None] | None = None,
        on_tick: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.error, self.folder, self.layout = error, folder, layout
        self.lang = language if language in i18n.LANGS else "fi"
        self.on_ready, self.on_tick = on_ready, on_tick
        self.title = "Kanta"

    def build(self) -> StoreFailureView:
        self.apply_sizes(self.layout)
        Window.bind(on_resize=lambda *_: self.apply_sizes(self.layout))
        load_kv("widgets", "storefailure")
        view = StoreFailureView()
        view.show(self.error, self.folder)
        if self.on_ready is not None:
            ready = self.on_ready
            Clock.schedule_once(lambda _dt: ready(), 0)  # after the first frame is drawn
        if self.on_tick is not None:
            tick = self.on_tick
            Clock.schedule_interval(lambda _dt: tick(), 1.0)
        return view

    def set_lang(self, lang: str) -> None:
        if lang in i18n.LANGS:
            self.lang = lang
