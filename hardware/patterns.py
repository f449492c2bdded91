"""The feedback patterns as data: what the light shows and the buzzer does, step by step.

Colours are (red, green, blue) on/off; a single-colour status LED is lit whenever the
colour is not black. Every pattern ends with everything off.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import HardwareError

Colour = tuple[bool, bool, bool]

OFF: Colour = (False, False, False)
RED: Colour = (True, False, False)
GREEN: Colour = (False, True, False)
BLUE: Colour = (False, False, True)
YELLOW: Colour = (True, True, False)


class UnknownPattern(HardwareError):
    """A feedback pattern name that no backend knows."""


@dataclass(frozen=True)
class Step:
    colour: Colour
    buzz: bool
    seconds: float


def _blinks(colour: Colour, times: int, on: float, off: float, buzz: bool) -> tuple[Step, ...]:
    steps: list[Step] = []
    for _ in range(times):
        steps += [Step(colour, buzz, on), Step(OFF, False, off)]
    return tuple(steps)


PATTERN_STEPS: dict[str, tuple[Step, ...]] = {
    # one short chirp and a steady green: "done"
    "ok": (Step(GREEN, True, 0.08), Step(GREEN, False, 0.4)),
    # three chirps with green flashes: worth looking at the screen
    "reward_ready": (*_blinks(GREEN, 3, 0.08, 0.08, buzz=True), Step(GREEN, False, 0.5)),
    # two low double beeps in yellow: not allowed, but nothing is broken
    "refused": (
        Step(YELLOW, True, 0.15),
        Step(YELLOW, False, 0.1),
        Step(YELLOW, True, 0.15),
        Step(YELLOW, False, 0.3),
    ),
    # one long beep in red: something failed, staff may be needed
    "error": (Step(RED, True, 0.6), Step(RED, False, 0.4)),
    # slow blue blinks, one chirp: the kiosk wants a person's attention
    "attention": (Step(BLUE, True, 0.08), *_blinks(BLUE, 3, 0.25, 0.25, buzz=False)),
}


def steps_for(pattern: str) -> tuple[Step, ...]:
    try:
        return PATTERN_STEPS[pattern]
    except KeyError:
        raise UnknownPattern(
            f"no feedback pattern {pattern!r} (known: {', '.join(PATTERN_STEPS)})"
        ) from None
