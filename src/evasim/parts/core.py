"""The core of every replay: time grid, element set, track, the Sun and the lighting on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from ..scenario import Scenario
from ..sky import Sky
from ..sky.lighting import (
    LightingEdges,
    ShadowAngles,
    beta_angle_deg,
    find_edges,
    shadow_angles,
    sun_elevation_deg,
)
from ..sky.orbit import Orbit, StationTrack, sgp4_teme
from ..sky.sun import SunTable
from ..sky.timegrid import TimeGrid, utc_iso
from ..sky.tle import ElementSet

TLE_AGE_WARN_DAYS = 3.0
EDGE_SAMPLING_S = 10.0
EDGE_PAD_S = 100 * 60.0
BETA_CONTEXT_DAYS = 30.0
BETA_SUN_TABLE_STEP_S = 6 * 3600.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReplayCore:
    """What every replay has: inputs, the time grid and the orbit-and-light states on it."""

    scenario: Scenario
    element_set: ElementSet
    tle_age_days: float
    grid: TimeGrid
    track: StationTrack
    sun_teme_km: np.ndarray
    shadow: ShadowAngles
    sunlit_fraction: np.ndarray
    sun_elevation_deg: np.ndarray
    beta_deg: np.ndarray
    edges: LightingEdges
    sun: SunTable = field(repr=False)
    beta_context: tuple[TimeGrid, np.ndarray] = field(repr=False, default=None)
    warnings: tuple[str, ...] = ()


def build_core(
    sc: Scenario, element_set: ElementSet, sky: Sky, progress: Progress | None = None
) -> ReplayCore:
    """Orbit, Sun and lighting over the scenario's span at its step."""
    report = progress or (lambda _msg: None)
    age_days = (sc.reference_utc - element_set.epoch_utc).total_seconds() / 86400.0
    warnings = []
    if abs(age_days) > TLE_AGE_WARN_DAYS:
        warnings.append(
            f"element set epoch {utc_iso(element_set.epoch_utc)} is "
            f"{abs(age_days):.1f} days from hatch open (> {TLE_AGE_WARN_DAYS:g} days): "
            "positions may be off by tens of km"
        )
    grid = TimeGrid.span(sc.span.start_utc, sc.span.end_utc, sc.span.step_s)
    orbit = Orbit(element_set, sky)
    report("orbit")
    track = orbit.at(grid)
    sun = SunTable.build(sky, grid)  # padded by 4 h: covers the edge search
    sun_teme = sun.teme_km(grid)
    report("day/night")
    shadow = shadow_angles(track.r_teme_km, sun_teme)
    sunlit = shadow.sunlit_fraction()
    elevation = sun_elevation_deg(
        track.r_itrs_km, track.latitude_deg, track.longitude_deg, sun_teme, track.gmst_rad
    )
    beta = beta_angle_deg(track.r_teme_km, track.v_teme_km_s, sun_teme)
    # Edges are searched one orbit beyond the span so that flags can say "N min after sunset"
    # at its ends; events.csv keeps those inside the span only.
    pad = timedelta(seconds=EDGE_PAD_S)
    coarse = TimeGrid.span(sc.span.start_utc - pad, sc.span.end_utc + pad, EDGE_SAMPLING_S)
    edges = find_edges(orbit, sun, coarse).on(grid)
    return ReplayCore(
        sc,
        element_set,
        age_days,
        grid,
        track,
        sun_teme,
        shadow,
        sunlit,
        elevation,
        beta,
        edges,
        sun,
        beta_around(orbit, sky, sc.reference_utc),
        tuple(warnings),
    )


def beta_around(
    orbit: Orbit, sky: Sky, centre_utc, days: float = BETA_CONTEXT_DAYS, step_s: float = 7200.0
) -> tuple[TimeGrid, np.ndarray]:
    """Beta angle (deg) every ``step_s`` over +/- ``days`` around ``centre_utc``.

    The orbit plane from one element set drifts correctly with J2 over weeks; the along-track
    phase does not matter for beta. The Sun comes from a 6-hour table here (the Sun moves
    0.25 deg in 6 h; the spline's error is < 1e-9 deg of beta against the hourly table, tested),
    which saves most of the precession-nutation work of a 60-day span. Instants one element
    set cannot reach with SGP4 (weeks from an unusual epoch) are NaN, not an error: the
    replayed span itself is checked where it is propagated.
    """
    span = timedelta(days=days)
    grid = TimeGrid.span(centre_utc - span, centre_utc + span, step_s)
    r, v = sgp4_teme(orbit.element_set, grid, failed_as_nan=True)
    sun = SunTable.build(sky, grid, step_s=BETA_SUN_TABLE_STEP_S)
    return grid, beta_angle_deg(r, v, sun.teme_km(grid))
