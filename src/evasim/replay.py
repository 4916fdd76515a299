"""A replay: scenario in, states over a time array out. Products read a :class:`Replay`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

from .attitude.states import AttitudeStates, event_states, nominal_hold
from .errors import EvasimInputError
from .scenario import Scenario, locate_line
from .sky import Sky
from .sky.lighting import (
    LightingEdges,
    ShadowAngles,
    beta_angle_deg,
    find_edges,
    shadow_angles,
    sun_elevation_deg,
)
from .sky.orbit import Orbit, StationTrack, sgp4_teme
from .sky.sun import SunTable
from .sky.timegrid import TimeGrid, utc_iso
from .sky.tle import (
    ElementSet,
    bundled_set,
    load_omm_json,
    nearest,
    parse_omm_record,
    parse_tle_text,
)
from .station.context import StationContext, station_context
from .timeline import Timeline, build_timeline, hm

TLE_AGE_WARN_DAYS = 3.0
EDGE_SAMPLING_S = 10.0
EDGE_PAD_S = 100 * 60.0
BETA_CONTEXT_DAYS = 30.0
BETA_SUN_TABLE_STEP_S = 6 * 3600.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Replay:
    """Everything a product needs: inputs, the time grid and the states on it."""

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
    timeline: Timeline | None
    sun: SunTable = field(repr=False)
    beta_context: tuple[TimeGrid, np.ndarray] = field(repr=False, default=None)
    station: StationContext | None = field(repr=False, default=None)
    warnings: list[str] = field(default_factory=list)
    attitude: AttitudeStates | None = field(repr=False, default=None)

    def eva_mask(self) -> np.ndarray:
        eva = self.scenario.eva
        s = self.grid.seconds
        return (s >= self.grid.seconds_of(eva.hatch_open_utc)) & (
            s <= self.grid.seconds_of(eva.hatch_close_utc)
        )

    def summary(self) -> dict:
        """Key figures, JSON-ready."""
        if self.scenario.kind == "attitude":
            return self._attitude_summary()
        sc, eva = self.scenario, self.scenario.eva
        s_open = self.grid.seconds_of(eva.hatch_open_utc)
        s_close = self.grid.seconds_of(eva.hatch_close_utc)
        in_eva = (self.edges.seconds >= s_open) & (self.edges.seconds <= s_close)
        mask = self.eva_mask()
        step = float(np.median(np.diff(self.grid.seconds))) if len(self.grid) > 1 else 0.0
        daylight_s = float(np.sum(self.sunlit_fraction[mask]) * step)
        periods = self.track.orbital_periods_min()
        return {
            "scenario": sc.name,
            "title": sc.title,
            "airlock": eva.airlock,
            "crew": [{"name": m.name, "role": m.role, "suit": m.suit} for m in sc.crew],
            "hatch_open_utc": utc_iso(eva.hatch_open_utc),
            "hatch_close_utc": utc_iso(eva.hatch_close_utc),
            "duration_s": s_close - s_open,
            "duration_hm": hm(s_close - s_open),
            "sunrises_during_eva_utc": [
                utc_iso(self.grid.datetime_at(s), 1)
                for s in self.edges.seconds[in_eva & (self.edges.kind == "sunrise")]
            ],
            "sunsets_during_eva_utc": [
                utc_iso(self.grid.datetime_at(s), 1)
                for s in self.edges.seconds[in_eva & (self.edges.kind == "sunset")]
            ],
            "daylight_during_eva_s": round(daylight_s, 1),
            "daylight_fraction_during_eva": round(daylight_s / max(s_close - s_open, 1.0), 4),
            "beta_angle_deg": {
                "at_hatch_open": round(
                    float(np.interp(s_open, self.grid.seconds, self.beta_deg)), 3
                ),
                "min": round(float(np.min(self.beta_deg[mask])), 3),
                "max": round(float(np.max(self.beta_deg[mask])), 3),
            },
            "altitude_km": {
                "min": round(float(np.min(self.track.altitude_km)), 2),
                "max": round(float(np.max(self.track.altitude_km)), 2),
                "mean": round(float(np.mean(self.track.altitude_km)), 2),
            },
            "orbital_period_min": round(float(np.mean(periods)), 3) if periods.size else None,
            "inclination_from_track_deg": round(self.track.inclination_from_track_deg(), 3),
            "tle": {
                "epoch_utc": utc_iso(self.element_set.epoch_utc),
                "age_days_at_hatch_open": round(self.tle_age_days, 3),
                "line1": self.element_set.line1,
                "line2": self.element_set.line2,
                "origin": self.element_set.origin,
            },
            "station": self.station.to_json() if self.station else None,
            "attitude": self._attitude_hold_summary(),
            "flags": list(self.timeline.flags),
            "warnings": list(self.warnings),
            "step_s": step,
            "samples": len(self.grid),
        }

    def _attitude_hold_summary(self) -> dict | None:
        a = self.attitude
        if a is None:
            return None
        from .attitude.quaternion import to_euler_321_deg

        roll, pitch, yaw = to_euler_321_deg(np.asarray(a.config.q_ref_lvlh))
        return {
            "mode": "CMG attitude hold at the torque-equilibrium attitude (TEA)",
            "tea_roll_pitch_yaw_deg": [round(float(x[0]), 3) for x in (roll, pitch, yaw)],
            "max_attitude_error_deg": round(float(np.max(a.error_deg)), 6),
            "max_h_cmg_n_m_s": round(float(np.max(a.h_cmg_norm)), 3),
            "cmg_capacity_n_m_s": a.config.cmg_capacity_n_m_s,
        }

    def _attitude_summary(self) -> dict:
        sc, a = self.scenario, self.attitude
        f = a.figures
        t0 = self.grid.t0_utc
        published = {t.quantity: t for t in sc.attitude.targets}

        def pub(q):
            t = published.get(q)
            if t is None:
                return None
            value = utc_iso(t.value) if q == "control_regained_utc" else t.value
            return {
                "value": value,
                "sigma": t.sigma,
                "source": t.source,
                "confidence": t.confidence,
            }

        regained = (
            utc_iso(self.grid.datetime_at(f["control_regained_s"]))
            if np.isfinite(f["control_regained_s"])
            else None
        )
        error_at = {utc_iso(k): round(v, 2) for k, v in f["error_deg_at"].items()}
        fitted = {}
        for key, value in (a.fit_values or {}).items():
            shown = utc_iso(self.grid.datetime_at(value)) if key.endswith("start_utc") else value
            fitted[key] = {
                "value": shown if isinstance(shown, str) else round(float(shown), 3),
                "sigma": round(float((a.fit_sigma or {}).get(key, np.nan)), 3),
                "unit": _unit(key),
            }
        return {
            "scenario": sc.name,
            "title": sc.title,
            "kind": "attitude",
            "span_utc": [utc_iso(sc.span.start_utc), utc_iso(sc.span.end_utc)],
            "peak_rate_deg_s": round(f["peak_rate_deg_s"], 4),
            "peak_rate_utc": utc_iso(self.grid.datetime_at(f["peak_rate_s"])),
            "total_attitude_change_deg": round(f["total_attitude_change_deg"], 2),
            "error_deg_at": error_at,
            "control_regained_utc": regained,
            "max_h_cmg_n_m_s": round(f["max_h_cmg_n_m_s"], 3),
            "published": {
                "peak_rate_deg_s": pub("peak_rate_deg_s"),
                "total_attitude_change_deg": pub("total_attitude_change_deg"),
                "error_deg_at": pub("error_deg_at"),
                "control_regained_utc": pub("control_regained_utc"),
            },
            "fitted_parameters": fitted,
            "normalised_residuals": [
                round(float(x), 3) for x in (a.residuals if a.residuals is not None else [])
            ],
            "mass_properties": {
                "mass_kg": round(a.setup.mass.mass_kg, 1),
                "center_of_mass_m": [round(float(x), 3) for x in a.setup.mass.center_of_mass_m],
                "inertia_kg_m2": [
                    [round(float(x), 1) for x in row] for row in a.setup.mass.inertia_kg_m2
                ],
            },
            "tle": {
                "epoch_utc": utc_iso(self.element_set.epoch_utc),
                "age_days": round(self.tle_age_days, 3),
            },
            "reconstruction_note": RECONSTRUCTION_NOTE,
            "warnings": list(self.warnings),
            "start_utc": utc_iso(t0),
        }


RECONSTRUCTION_NOTE = (
    "Reconstructed, not recorded: no attitude telemetry of the event is public. The thrusters, "
    "their thrust, Nauka's propellant and the Zvezda/Progress counter-torques are model "
    "parameters fitted to the published figures (peak rate, total attitude change, 45 deg at "
    "16:42, control regained ~17:29); only net torques are observable, so Nauka's thrust and "
    "Zvezda's counter-torque trade off against each other (see their uncertainties)."
)


def _unit(key: str) -> str:
    for suffix, unit in (
        ("thrust_n", "N"),
        ("propellant_kg", "kg"),
        ("max_torque_n_m", "N m"),
        ("start_utc", "UTC"),
        ("isp_s", "s"),
    ):
        if key.endswith(suffix):
            return unit
    return ""


def choose_element_set(sc: Scenario) -> ElementSet:
    """The element set the scenario asks for (nearest epoch to hatch open for bundled sets)."""
    eph = sc.ephemeris
    when = sc.reference_utc
    if eph.source == "bundled":
        return nearest(bundled_set(eph.set), when)
    if eph.source == "tle":
        return nearest(
            parse_tle_text(eph.tle or "", source=f"{sc.origin}: ephemeris.tle", first_line=1), when
        )
    if eph.omm_file is not None:
        path = Path(eph.omm_file)
        if not path.is_absolute() and sc.origin and Path(sc.origin).exists():
            path = Path(sc.origin).parent / path
        return nearest(load_omm_json(path), when)
    return parse_omm_record(eph.omm or {}, source=f"{sc.origin}: ephemeris.omm")


def run_replay(sc: Scenario, sky: Sky | None = None, progress: Progress | None = None) -> Replay:
    """Compute the replay's states over the scenario's span at its step."""
    report = progress or (lambda _msg: None)
    sky = sky or Sky.load()
    report("ephemeris")
    element_set = choose_element_set(sc)
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
    if sc.kind == "attitude":
        report("attitude")
        timeline, context = None, None
        attitude = event_states(sc, element_set, track)
    else:
        report("timeline")
        timeline = build_timeline(sc, grid, edges)
        report("station")
        context = station_context(sc, warnings)
        report("attitude")
        attitude = _nominal_attitude(sc, element_set, track, warnings)
    return Replay(
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
        timeline,
        sun,
        beta_around(orbit, sky, sc.reference_utc),
        context,
        warnings,
        attitude,
    )


def _nominal_attitude(
    sc: Scenario, element_set: ElementSet, track: StationTrack, warnings: list[str]
) -> AttitudeStates | None:
    """CMG attitude hold at the TEA of the station's inertia on the scenario's date."""
    from .station import Station, StationError
    from .station.mass import mass_properties

    try:
        inertia = mass_properties(Station().at(sc.station_date)).inertia_kg_m2
    except StationError:
        from .station.mass import JEOD_ISS_LIKE_INERTIA_KG_M2 as inertia

        warnings.append("attitude uses the JEOD ISS-like inertia (no station model for the date)")
    return nominal_hold(sc, element_set, track, inertia)


def beta_around(
    orbit: Orbit, sky: Sky, centre_utc, days: float = BETA_CONTEXT_DAYS, step_s: float = 7200.0
) -> tuple[TimeGrid, np.ndarray]:
    """Beta angle (deg) every ``step_s`` over +/- ``days`` around ``centre_utc``.

    The orbit plane from one element set drifts correctly with J2 over weeks; the along-track
    phase does not matter for beta. The Sun comes from a 6-hour table here (the Sun moves
    0.25 deg in 6 h; the spline's error is < 1e-9 deg of beta against the hourly table, tested),
    which saves most of the precession-nutation work of a 60-day span.
    """
    span = timedelta(days=days)
    grid = TimeGrid.span(centre_utc - span, centre_utc + span, step_s)
    r, v = sgp4_teme(orbit.element_set, grid)
    sun = SunTable.build(sky, grid, step_s=BETA_SUN_TABLE_STEP_S)
    return grid, beta_angle_deg(r, v, sun.teme_km(grid))


__all__ = ["EvasimInputError", "Replay", "choose_element_set", "locate_line", "run_replay"]
