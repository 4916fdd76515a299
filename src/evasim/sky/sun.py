"""The Sun's geocentric position in the TEME frame, from DE421, as a smooth interpolant.

Skyfield computes the astrometric (light-time corrected) Sun from DE421 on an hourly table
and rotates it into TEME (the frame SGP4 works in, whose z axis is the true pole of date);
a cubic spline then gives the Sun at any instant. Over one hour the spline's error is far
below 1 m of the Sun's 1.5e8 km distance, so lighting edges computed against it carry
no measurable interpolation error (see ``tests/test_sun.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.interpolate import CubicSpline
from skyfield.sgp4lib import TEME

from .context import Sky, to_utc_datetime
from .timegrid import TimeGrid

_TABLE_STEP_S = 3600.0
_PAD_S = 4 * _TABLE_STEP_S


@dataclass(frozen=True)
class SunTable:
    """Sun position (km, TEME, geocentric) over a span, interpolated in time."""

    t0_utc: datetime
    spline: CubicSpline
    start_s: float
    end_s: float

    @classmethod
    def build(cls, sky: Sky, grid: TimeGrid, step_s: float = _TABLE_STEP_S) -> SunTable:
        lo = float(np.min(grid.seconds)) - _PAD_S
        hi = float(np.max(grid.seconds)) + _PAD_S
        n = int(np.ceil((hi - lo) / step_s)) + 1
        knots = lo + np.arange(n) * step_s
        t = grid.with_seconds(knots).skyfield(sky)
        sun_gcrs_km = sky.earth.at(t).observe(sky.sun).position.km  # (3, n)
        sun_teme_km = np.einsum("ijn,jn->in", TEME.rotation_at(t), sun_gcrs_km)
        return cls(grid.t0_utc, CubicSpline(knots, sun_teme_km, axis=1), lo, float(knots[-1]))

    def _local_seconds(self, grid: TimeGrid) -> np.ndarray:
        offset = (to_utc_datetime(grid.t0_utc) - to_utc_datetime(self.t0_utc)).total_seconds()
        s = grid.seconds + offset
        if s.size and (np.min(s) < self.start_s - 1e-6 or np.max(s) > self.end_s + 1e-6):
            raise ValueError("time outside the Sun table; build it over the whole span")
        return s

    def teme_km(self, grid: TimeGrid) -> np.ndarray:
        """Geocentric Sun position (3, N), km, TEME frame."""
        return self.spline(self._local_seconds(grid))
