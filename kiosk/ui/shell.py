"""What the flows (customer, staff, admin) need from the app around them: the screens,
navigation and the core's port. The app implements it; the flows never import the app,
so there is no cycle between the window and what happens in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.ui.port import CorePort
from kiosk.ui.viewmodel import ProgramInfo, ResultView


@dataclass
class UiSettings:
    shop_name: str = "Kanta"
    currency: str = "EUR"
    language: str = "fi"
    idle_timeout_seconds: float = 20.0
    staff_timeout_seconds: float = 90.0
    #: landscape | portrait | auto (from the window's shape)
    layout: str = "auto"
    maintenance_interval_seconds: float = 30.0
    demo_help: bool = False
    #: the shop's logo (a PNG path; "" for none) and accent colour ("#RRGGBB")
    logo: str = ""
    accent: str = ""
    #: key -> action, for the desktop demo (simulate a tap, a scan, an unplug)
    demo_keys: dict[str, Callable[[], None]] = field(default_factory=dict)
    on_ready: Callable[[], None] | None = None
    #: called about once a second while the app is healthy (systemd watchdog)
    on_main_loop_tick: Callable[[], None] | None = None


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """ "#RRGGBB" as Kivy's RGBA; anything else is a config error naming the key."""
    from kiosk.errors import ConfigError

    value = text.strip().lstrip("#")
    if len(value) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in value):
        raise ConfigError(f"shop.colour = {text!r} is not a colour: write it as #RRGGBB, like #0B3D91")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


class Shell(Protocol):
    core: CorePort
    program: ProgramInfo
    settings: UiSettings
    lang: str
    staff_name: str
    staff_role: str
    staff_card: str
    staff_member: str
    staff_overdrawn: str

    @property
    def current(self) -> str: ...
    def tr(self, key: str, lang: str | None = None, **params: Any) -> str: ...
    def screen(self, name: str) -> Any: ...
    def show(self, name: str) -> None: ...
    def go_idle(self) -> None: ...
    def show_result(self, view: ResultView) -> None: ...
    def fail(self, exc: BaseException) -> None: ...
    def apply_settings(self, values: dict[str, Any]) -> None: ...
