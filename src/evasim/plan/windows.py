"""The day(s) of a plan as the scheduler sees them: orbital day/night and comm windows from the
window model (:func:`evasim.sky.comm.windows`) over the plan's days plus the next one (a
spacewalk that starts late runs past midnight), and the allowed intervals of a task for a given
hatch time, in solver steps from hatch open.

Times here are seconds from 00:00 UTC of the plan's first day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from ..sky.comm import Intervals, WindowSet, day_start, windows
from ..sky.comm_network import NETWORKS
from ..sky.timegrid import DAY_S
from ..sky.tle import ElementSet


@dataclass(frozen=True)
class PlanWindows:
    """Daylight, night and each network's coverage over the plan's days (+1)."""

    day0_utc: datetime
    span_s: float
    daylight: Intervals
    night: Intervals
    networks: dict[str, Intervals]
    element_sets: tuple[ElementSet, ...]
    sets: tuple[WindowSet, ...]

    def utc(self, seconds: float) -> datetime:
        return self.day0_utc + timedelta(seconds=float(seconds))

    def seconds(self, utc: datetime) -> float:
        return (utc - self.day0_utc).total_seconds()

    def for_requirement(self, kind: str, value: str) -> Intervals | None:
        """The intervals a task's ``light`` or ``comm`` requirement allows (None: anywhere)."""
        if kind == "light":
            return {"day": self.daylight, "night": self.night}.get(value)
        if value == "none":
            return None
        if value == "any":
            return Intervals.union_of(self.networks.values())
        return self.networks[value]

    def sunrises_s(self) -> np.ndarray:
        """Orbital sunrises: daylight starts that are not the clip at the span's start."""
        s = self.daylight.start_s
        return s[s > 0.0]


def _joined(parts: list[Intervals], offsets: list[float]) -> Intervals:
    return Intervals.merged(
        np.concatenate([p.start_s + o for p, o in zip(parts, offsets, strict=True)]),
        np.concatenate([p.end_s + o for p, o in zip(parts, offsets, strict=True)]),
    )


def plan_windows(days: list[date], element_set_for) -> PlanWindows:
    """Windows over ``days`` and the day after the last; ``element_set_for(day)`` gives each
    day's station element set (the catalogue's nearest, checked for age by the caller)."""
    all_days = [*days, days[-1] + timedelta(days=1)]
    sets = [windows(d, NETWORKS, element_set_for(d)) for d in all_days]
    offsets = [i * DAY_S for i in range(len(sets))]
    return PlanWindows(
        day_start(all_days[0]),
        len(sets) * DAY_S,
        _joined([s.daylight for s in sets], offsets),
        _joined([s.night for s in sets], offsets),
        {n: _joined([s.networks[n].union for s in sets], offsets) for n in NETWORKS},
        tuple(s.element_set for s in sets),
        tuple(sets),
    )


def to_steps(
    iv: Intervals, hatch_s: float, step_s: int, horizon: int
) -> tuple[tuple[int, int], ...]:
    """``iv`` relative to hatch open in whole steps, shrunk inwards (a task placed inside the
    result lies inside ``iv``), clipped to ``[0, horizon]``; empty pieces dropped."""
    out = []
    for s, e in zip(iv.start_s, iv.end_s, strict=True):
        a = max(0, math.ceil((s - hatch_s) / step_s - 1e-9))
        b = min(horizon, math.floor((e - hatch_s) / step_s + 1e-9))
        if b > a:
            out.append((a, b))
    return tuple(out)


def usable_s(iv: Intervals, start_s: float, end_s: float, shortest_s: float) -> float:
    """Seconds of ``iv`` inside ``[start_s, end_s]``, counting only pieces at least
    ``shortest_s`` long (a piece too short for any task is of no use to it)."""
    s = np.clip(iv.start_s, start_s, end_s)
    e = np.clip(iv.end_s, start_s, end_s)
    d = e - s
    return float(np.sum(d[d >= max(shortest_s, 1e-9)]))


def hatch_candidates(days: list[date], step_min: int) -> list[datetime]:
    """Every ``step_min`` minutes over the plan's days (UTC)."""
    out = []
    for d in days:
        t = datetime(d.year, d.month, d.day, tzinfo=UTC)
        end = t + timedelta(days=1)
        while t < end:
            out.append(t)
            t += timedelta(minutes=step_min)
    return out
