"""GPIO feedback on gpiozero's MockFactory pins: the state sequence of every pattern."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.factory import open_feedback
from hardware.feedback import GpioFeedback, NullFeedback, SimFeedback, open_gpio_feedback
from hardware.interfaces import PATTERNS
from hardware.patterns import PATTERN_STEPS, UnknownPattern
from kiosk.config import GpioConfig, HardwareConfig

LED, BUZZER = 17, 18
RGB = (22, 23, 24)


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.reset()


def states(factory: MockFactory, pin: int) -> list[bool]:
    return [s.state for s in factory.pin(pin).states]


# What each pattern does, written out by hand (not derived from PATTERN_STEPS), so a
# change to a pattern has to change this table too.
SINGLE_LED = {
    "ok": ([False, True, False], [False, True, False]),
    "reward_ready": ([False, True, False, True, False, True, False, True, False],
                     [False, True, False, True, False, True, False]),
    "refused": ([False, True, False], [False, True, False, True, False]),
    "error": ([False, True, False], [False, True, False]),
    "attention": ([False, True, False, True, False, True, False], [False, True, False]),
}
RGB_LEGS = {  # red, green, blue
    "ok": ([False], [False, True, False], [False]),
    "refused": ([False, True, False], [False, True, False], [False]),
    "error": ([False, True, False], [False], [False]),
    "attention": ([False], [False], [False, True, False, True, False, True, False]),
}


def test_the_expected_table_covers_every_pattern() -> None:
    assert set(SINGLE_LED) == set(PATTERNS) == set(PATTERN_STEPS)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_single_led_and_buzzer_sequence(factory: MockFactory, pattern: str) -> None:
    feedback = GpioFeedback(GpioConfig(status_led_pin=LED, buzzer_pin=BUZZER),
                            pin_factory=factory)
    try:
        feedback.play(pattern)
        assert feedback.wait(5.0)
        led, buzzer = SINGLE_LED[pattern]
        assert states(factory, LED) == led
        assert states(factory, BUZZER) == buzzer
    finally:
        feedback.close()


@pytest.mark.parametrize("pattern", sorted(RGB_LEGS))
def test_rgb_led_colours(factory: MockFactory, pattern: str) -> None:
    feedback = GpioFeedback(GpioConfig(status_led_pin=None, rgb_led_pins=RGB, buzzer_pin=None),
                            pin_factory=factory)
    try:
        feedback.play(pattern)
        assert feedback.wait(5.0)
        for pin, expected in zip(RGB, RGB_LEGS[pattern], strict=True):
            assert states(factory, pin) == expected, pin
    finally:
        feedback.close()


def test_a_new_pattern_cuts_the_current_one_short(factory: MockFactory) -> None:
    feedback = GpioFeedback(GpioConfig(status_led_pin=None, rgb_led_pins=RGB, buzzer_pin=None),
                            pin_factory=factory)
    try:
        feedback.play("attention")  # 1.6 s of blue blinking
        feedback.play("error")
        assert feedback.wait(3.0)
        red, _, blue = (states(factory, pin) for pin in RGB)
        assert red == [False, True, False]
        assert blue in ([False], [False, True, False])  # at most the first blink showed
    finally:
        feedback.close()


def test_close_turns_everything_off_and_releases_pins(factory: MockFactory) -> None:
    feedback = GpioFeedback(GpioConfig(status_led_pin=LED, buzzer_pin=BUZZER),
                            pin_factory=factory)
    feedback.play("error")
    feedback.close()
    assert states(factory, LED)[-1] is False and states(factory, BUZZER)[-1] is False
    feedback.play("ok")  # after close: ignored, not an error
    again = GpioFeedback(GpioConfig(status_led_pin=LED, buzzer_pin=BUZZER), pin_factory=factory)
    again.close()


def test_unknown_pattern_is_refused_by_every_backend(factory: MockFactory) -> None:
    for feedback in (GpioFeedback(GpioConfig(), pin_factory=factory), SimFeedback(),
                     NullFeedback()):
        with feedback, pytest.raises(UnknownPattern):
            feedback.play("fanfare")


def test_no_gpio_falls_back_to_silence_with_one_log_line(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory

    def no_factory() -> None:
        raise BadPinFactory("Unable to load any default pin factory!")

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(no_factory))
    with caplog.at_level(logging.WARNING):
        feedback = open_gpio_feedback(GpioConfig())
    assert isinstance(feedback, NullFeedback)
    assert len(caplog.records) == 1 and "no GPIO here" in caplog.text
    feedback.play("ok")


def test_factory_chooses_the_configured_backend(factory: MockFactory) -> None:
    assert isinstance(open_feedback(HardwareConfig(feedback="sim")), SimFeedback)
    assert isinstance(open_feedback(HardwareConfig(feedback="none")), NullFeedback)
    gpio = open_feedback(HardwareConfig(feedback="gpio"), pin_factory=factory)
    assert isinstance(gpio, GpioFeedback)
    gpio.close()


def test_sim_feedback_records_what_played() -> None:
    feedback = SimFeedback()
    for pattern in PATTERNS:
        feedback.play(pattern)
    assert feedback.played == list(PATTERNS)
