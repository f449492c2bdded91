"""Feedback backends: gpiozero LEDs and buzzer, a recording simulator, and silence.

The GPIO backend plays a pattern on a worker thread so ``play`` never blocks the
dispatcher; a new pattern cuts the current one short. The pin factory is injected
(gpiozero's ``MockFactory`` in tests and on a desktop).
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any

from hardware.interfaces import PATTERNS, Feedback
from hardware.patterns import OFF, Colour, Step, steps_for
from kiosk.config import GpioConfig

log = logging.getLogger(__name__)


class NullFeedback(Feedback):
    """No lights, no sound (no GPIO on this machine, or ``feedback = "none"``)."""

    backend = "none"

    def play(self, pattern: str) -> None:
        steps_for(pattern)  # an unknown name is a bug even where nothing lights up


class SimFeedback(Feedback):
    """Records the patterns played, for the desktop demo and tests."""

    backend = "sim"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._played: list[str] = []

    def play(self, pattern: str) -> None:
        steps_for(pattern)
        with self._lock:
            self._played.append(pattern)
        log.info("feedback: %s", pattern)

    @property
    def played(self) -> list[str]:
        with self._lock:
            return list(self._played)


class GpioFeedback(Feedback):
    """A status LED (single or RGB) and a buzzer on GPIO pins, through gpiozero."""

    backend = "gpio"

    def __init__(self, pins: GpioConfig, pin_factory: Any = None) -> None:
        from gpiozero import LED, RGBLED, Buzzer

        self._rgb: Any = None
        self._led: Any = None
        self._buzzer: Any = None
        try:
            if pins.rgb_led_pins is not None:
                red, green, blue = pins.rgb_led_pins
                self._rgb = RGBLED(red, green, blue, pwm=False, pin_factory=pin_factory)
            elif pins.status_led_pin is not None:
                self._led = LED(pins.status_led_pin, pin_factory=pin_factory)
            if pins.buzzer_pin is not None:
                self._buzzer = Buzzer(pins.buzzer_pin, pin_factory=pin_factory)
        except BaseException:
            self._close_devices()
            raise
        self._lock = threading.Lock()
        self._requested: str | None = None
        self._new_request = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._closing = False
        self._thread = threading.Thread(target=self._worker, name="kanta-feedback", daemon=True)
        self._thread.start()

    def play(self, pattern: str) -> None:
        steps_for(pattern)
        with self._lock:
            if self._closing:
                return
            self._requested = pattern
            self._idle.clear()
            self._new_request.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._new_request.set()
        self._thread.join(5.0)
        self._close_devices()

    def _close_devices(self) -> None:
        for device in (self._rgb, self._led, self._buzzer):
            if device is not None:
                device.close()

    def _worker(self) -> None:
        while True:
            self._new_request.wait()
            with self._lock:
                if self._closing:
                    break
                pattern, self._requested = self._requested, None
                self._new_request.clear()
            if pattern is None:
                continue
            completed = self._run(steps_for(pattern))
            if completed:
                self._show(Step(OFF, False, 0.0))
                with self._lock:
                    if self._requested is None:
                        self._idle.set()
        self._show(Step(OFF, False, 0.0))
        self._idle.set()

    def _run(self, steps: tuple[Step, ...]) -> bool:
        for step in steps:
            self._show(step)
            if self._new_request.wait(step.seconds):
                return False  # cut short by a newer pattern (or close)
        return True

    def _show(self, step: Step) -> None:
        self._set_colour(step.colour)
        if self._buzzer is not None:
            self._buzzer.value = step.buzz

    def _set_colour(self, colour: Colour) -> None:
        if self._rgb is not None:
            self._rgb.value = tuple(1.0 if on else 0.0 for on in colour)
        elif self._led is not None:
            self._led.value = any(colour)


def open_gpio_feedback(pins: GpioConfig, pin_factory: Any = None) -> Feedback:
    """GPIO feedback, or silent feedback (with one log line) where there is no GPIO."""
    try:
        with warnings.catch_warnings():
            # gpiozero warns once per factory it tries; the one line below says it all
            warnings.simplefilter("ignore")
            return GpioFeedback(pins, pin_factory=pin_factory)
    except Exception as exc:  # gpiozero raises BadPinFactory & co. off a Raspberry Pi
        log.warning("no GPIO here (%s: %s): feedback lights and buzzer are off",
                    type(exc).__name__, exc)
        return NullFeedback()


__all__ = ["PATTERNS", "GpioFeedback", "NullFeedback", "SimFeedback", "open_gpio_feedback"]
