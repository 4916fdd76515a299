"""The playback clock: simulation seconds = anchor + speed x wall seconds since the anchor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ClockState:
    seconds: float  # simulation seconds on the replay's grid
    speed: float
    paused: bool
    ended: bool


class PlaybackClock:
    """Thread-safe: the render thread reads it, the event loop reads and steers it.

    Time is clamped to ``[start_s, end_s]``: at the end of the replay the clock stays there.
    """

    def __init__(
        self,
        start_s: float,
        end_s: float,
        begin_s: float,
        speed: float,
        time_fn: Callable[[], float] = time.monotonic,
    ):
        if end_s < start_s:
            raise ValueError("end before start")
        self.start_s, self.end_s = float(start_s), float(end_s)
        self._time = time_fn
        self._lock = threading.Lock()
        self._anchor_s = self._clamp(begin_s)
        self._anchor_wall = time_fn()
        self._speed = float(speed)
        self._paused = False

    def _clamp(self, s: float) -> float:
        return min(max(float(s), self.start_s), self.end_s)

    def _now(self) -> float:
        if self._paused:
            return self._anchor_s
        return self._clamp(self._anchor_s + self._speed * (self._time() - self._anchor_wall))

    def _rebase(self, seconds: float) -> None:
        self._anchor_s = self._clamp(seconds)
        self._anchor_wall = self._time()

    def now_s(self) -> float:
        with self._lock:
            return self._now()

    def state(self) -> ClockState:
        with self._lock:
            s = self._now()
            return ClockState(s, self._speed, self._paused, s >= self.end_s)

    def pause(self) -> None:
        with self._lock:
            self._rebase(self._now())
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._rebase(self._now())
            self._paused = False

    def seek(self, seconds: float) -> None:
        with self._lock:
            self._rebase(seconds)

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._rebase(self._now())
            self._speed = float(speed)
