"""Offline astronomy context: a skyfield timescale and the DE421 ephemeris.

Both come from files installed with the package (skyfield's built-in leap-second and
Delta T tables, and the DE421 file from the ``skyfield-data`` package), so nothing is
ever downloaded. The context is an explicit object passed to the models, never a global.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from skyfield.api import Loader
from skyfield.timelib import Time, Timescale
from skyfield_data import get_skyfield_data_path


@dataclass(frozen=True)
class Sky:
    """Timescale plus planetary ephemeris (DE421)."""

    ts: Timescale
    ephemeris: object  # skyfield SpiceKernel

    @classmethod
    def load(cls) -> Sky:
        # skyfield-data warns that its finals2000A.all is stale; evasim does not read that
        # file (the timescale is skyfield's built-in one), so the warning is silenced here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            path = get_skyfield_data_path()
        loader = Loader(path, verbose=False)
        return cls(ts=loader.timescale(builtin=True), ephemeris=loader("de421.bsp"))

    @property
    def earth(self):
        return self.ephemeris["earth"]

    @property
    def sun(self):
        return self.ephemeris["sun"]

    def utc_seconds(self, t0_utc: datetime, seconds: np.ndarray | float) -> Time:
        """Times ``t0_utc + seconds`` (UTC seconds; no leap second falls inside a replay)."""
        t0 = t0_utc.astimezone(UTC)
        second = t0.second + t0.microsecond * 1e-6
        return self.ts.utc(
            t0.year, t0.month, t0.day, t0.hour, t0.minute, second + np.asarray(seconds, float)
        )


def to_utc_datetime(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
