"""A hybrid logical clock (Kulkarni et al. 2014) so events stay ordered when the Pi's clock
is wrong: stuck at 1970 before NTP, jumping back a day, or jumping forward a year.

A timestamp is (wall milliseconds, counter, node). It never goes backwards on one node,
and it moves past any timestamp the node has seen from another kiosk, so the order of
events that caused each other is kept even across wrong clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

#: don't let a remote timestamp drag our clock further ahead than this (a kiosk with a
#: clock a decade ahead must not poison the whole shop)
MAX_REMOTE_DRIFT_MS = 400 * 24 * 3600 * 1000


@dataclass(frozen=True, order=True)
class HlcTimestamp:
    wall_ms: int
    counter: int
    node: str = ""

    def encode(self) -> str:
        """A fixed-width string that sorts like the timestamp."""
        return f"{self.wall_ms:015d}-{self.counter:06d}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> HlcTimestamp:
        wall, counter, node = text.split("-", 2)
        if not (wall.isdigit() and counter.isdigit()):
            raise ValueError(f"not a hybrid logical clock timestamp: {text!r}")
        return cls(int(wall), int(counter), node)


@dataclass(frozen=True)
class HybridLogicalClock:
    """Immutable clock state; each method returns the new clock and a timestamp."""

    node: str
    last: HlcTimestamp = HlcTimestamp(0, 0, "")

    def tick(self, now_ms: int) -> tuple[HybridLogicalClock, HlcTimestamp]:
        """Timestamp a local event happening at physical time ``now_ms``."""
        if now_ms > self.last.wall_ms:
            ts = HlcTimestamp(now_ms, 0, self.node)
        else:
            ts = HlcTimestamp(self.last.wall_ms, self.last.counter + 1, self.node)
        return HybridLogicalClock(self.node, ts), ts

    def observe(self, remote: HlcTimestamp, now_ms: int) -> HybridLogicalClock:
        """Move past a timestamp received from another kiosk."""
        if remote.wall_ms > max(now_ms, self.last.wall_ms) + MAX_REMOTE_DRIFT_MS:
            return self  # an absurd clock elsewhere: keep our order, don't adopt it
        wall = max(self.last.wall_ms, remote.wall_ms, now_ms)
        if wall == self.last.wall_ms == remote.wall_ms:
            counter = max(self.last.counter, remote.counter) + 1
        elif wall == self.last.wall_ms:
            counter = self.last.counter + 1
        elif wall == remote.wall_ms:
            counter = remote.counter + 1
        else:
            counter = 0
        return HybridLogicalClock(self.node, HlcTimestamp(wall, counter, self.node))
