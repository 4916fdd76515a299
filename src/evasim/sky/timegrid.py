"""Time arrays: UTC seconds from a reference instant, convertible to what each library needs.

All models take a :class:`TimeGrid`. Seconds are UTC seconds (no leap second is inserted
inside a grid; none fell in 2021-2026). ``jd_utc()`` is what SGP4 expects (TLE epochs are UTC,
AIAA 2006-6753); ``skyfield(sky)`` gives a skyfield ``Time`` for frame rotations and UT1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from .context import Sky, to_utc_datetime

_JD_UNIX_EPOCH = 2440587.5
DAY_S = 86400.0


@dataclass(frozen=True)
class TimeGrid:
    """``t0_utc + seconds``; ``seconds`` is a 1-D float array (UTC seconds)."""

    t0_utc: datetime
    seconds: np.ndarray

    @classmethod
    def span(cls, start_utc: datetime, end_utc: datetime, step_s: float = 1.0) -> TimeGrid:
        """Regular grid from start to end inclusive (the last step may be short)."""
        start = to_utc_datetime(start_utc)
        total = (to_utc_datetime(end_utc) - start).total_seconds()
        n = int(np.floor(total / step_s + 1e-9))
        seconds = np.arange(n + 1, dtype=float) * step_s
        if seconds[-1] < total - 1e-9:
            seconds = np.append(seconds, total)
        return cls(start, seconds)

    def with_seconds(self, seconds: np.ndarray) -> TimeGrid:
        return TimeGrid(self.t0_utc, np.asarray(seconds, dtype=float))

    def __len__(self) -> int:
        return len(self.seconds)

    def jd_utc(self) -> tuple[np.ndarray, np.ndarray]:
        """Julian date (UTC) as whole + fraction, the split SGP4 wants."""
        t0 = to_utc_datetime(self.t0_utc)
        jd0 = _JD_UNIX_EPOCH + t0.timestamp() / DAY_S
        whole0 = np.floor(jd0 - 0.5) + 0.5
        frac = (jd0 - whole0) + self.seconds / DAY_S
        shift = np.floor(frac)
        return whole0 + shift, frac - shift

    def skyfield(self, sky: Sky):
        return sky.utc_seconds(self.t0_utc, self.seconds)

    def datetimes64(self) -> np.ndarray:
        """UTC instants as ``datetime64[ms]``."""
        t0 = np.datetime64(to_utc_datetime(self.t0_utc).replace(tzinfo=None), "ms")
        return t0 + np.round(self.seconds * 1000.0).astype("timedelta64[ms]")

    def datetime_at(self, seconds: float) -> datetime:
        return to_utc_datetime(self.t0_utc) + timedelta(seconds=float(seconds))

    def seconds_of(self, when_utc: datetime) -> float:
        return (to_utc_datetime(when_utc) - to_utc_datetime(self.t0_utc)).total_seconds()


def utc_iso(when: datetime, digits: int = 0) -> str:
    """'2021-09-03T14:41:00Z' (``digits`` decimals of seconds)."""
    when = when.astimezone(UTC)
    if digits <= 0:
        when = (when + timedelta(microseconds=500_000)).replace(microsecond=0)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text[: len(text) - (6 - digits)] + "Z"
