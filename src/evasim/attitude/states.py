"""Attitude states on a replay's time grid, for spacewalks (nominal hold) and attitude events.

The kernel integrates attitude relative to a circular reference orbit; here its body-to-LVLH
attitude is combined with the LVLH frame of the real SGP4 orbit (from GCRS position and
velocity) to give the body attitude in GCRS, which the helmet camera and the CCSDS AEM use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario import Scenario
from ..sky.orbit import StationTrack
from ..sky.timegrid import TimeGrid
from ..sky.tle import ElementSet
from . import event
from .model import AttitudeConfig, AttitudeHistory, initial_state, qmul, simulate
from .quaternion import from_matrix, to_euler_321_deg
from .setup import (
    AttitudeSetup,
    orbital_rate_rad_s,
    setup_from_scenario,
    torque_equilibrium_attitude,
)


def lvlh_to_gcrs(r_gcrs_km: np.ndarray, v_gcrs_km_s: np.ndarray) -> np.ndarray:
    """q_gcrs_lvlh (N, 4) from (3, N) position and velocity: z nadir, y = -orbit normal."""
    r = r_gcrs_km.T
    v = v_gcrs_km_s.T
    z = -r / np.linalg.norm(r, axis=1)[:, None]
    h = np.cross(r, v)
    y = -h / np.linalg.norm(h, axis=1)[:, None]
    x = np.cross(y, z)
    return from_matrix(np.stack([x, y, z], axis=2))


@dataclass(frozen=True)
class AttitudeStates:
    mode: str  # "hold" (nominal, CMGs at TEA) or "event"
    config: AttitudeConfig = field(repr=False)
    q_lvlh: np.ndarray
    q_gcrs: np.ndarray
    omega_body_rad_s: np.ndarray
    h_cmg_n_m_s: np.ndarray
    cmg_active: np.ndarray
    propellant_kg: np.ndarray
    error_deg: np.ndarray
    pitch_error_unwrapped_deg: np.ndarray
    rate_rel_lvlh_deg_s: np.ndarray
    thruster_names: tuple[str, ...] = ()
    figures: dict | None = None
    fit_values: dict | None = None
    fit_sigma: dict | None = None
    residuals: np.ndarray | None = None
    setup: AttitudeSetup | None = field(repr=False, default=None)

    @property
    def h_cmg_norm(self) -> np.ndarray:
        return np.linalg.norm(self.h_cmg_n_m_s, axis=1)

    def rpy_deg(self):
        return to_euler_321_deg(self.q_lvlh)


def _states(mode: str, hist: AttitudeHistory, track: StationTrack, **extra) -> AttitudeStates:
    n = min(len(hist.t_s), len(track.grid))
    q_lvlh = hist.q_lvlh[:n]
    q_gl = lvlh_to_gcrs(track.r_gcrs_km[:, :n], track.v_gcrs_km_s[:, :n])
    q_gcrs = qmul(q_gl, q_lvlh)
    q_gcrs *= np.where(q_gcrs[:, :1] < 0, -1.0, 1.0)
    rate = np.degrees(np.linalg.norm(hist.rate_relative_lvlh_rad_s(), axis=1))[:n]
    return AttitudeStates(
        mode,
        hist.config,
        q_lvlh,
        q_gcrs,
        hist.omega_body_rad_s[:n],
        hist.h_cmg_n_m_s[:n],
        hist.cmg_active[:n],
        hist.propellant_kg[:n],
        hist.error_angle_deg()[:n],
        hist.error_angle_about_deg(axis=1)[:n],
        rate,
        tuple(t.name for t in hist.config.thrusters),
        **extra,
    )


def _duration(grid: TimeGrid) -> float:
    return float(grid.seconds[-1] - grid.seconds[0])


def nominal_hold(
    sc: Scenario, element_set: ElementSet, track: StationTrack, inertia_kg_m2: np.ndarray
) -> AttitudeStates:
    """CMGs holding the torque-equilibrium attitude over the grid (spacewalk replays)."""
    q_tea = torque_equilibrium_attitude(inertia_kg_m2)
    config = AttitudeConfig(
        inertia_kg_m2, orbital_rate_rad_s(element_set), q_ref_lvlh=tuple(q_tea), dt_s=0.2
    )
    step = float(np.median(np.diff(track.grid.seconds)))
    hist = simulate(config, _duration(track.grid), step, y0=initial_state(config, q_lvlh0=q_tea))
    return _states("hold", hist, track)


def event_states(
    sc: Scenario, element_set: ElementSet, track: StationTrack, with_uncertainty: bool = True
) -> AttitudeStates:
    """The scenario's attitude event on the grid, its figures and fitted-parameter sigmas."""
    setup = setup_from_scenario(sc, element_set)
    step = float(np.median(np.diff(track.grid.seconds)))
    duration = _duration(track.grid)
    hist = event.run(setup, duration, step)
    targets = sc.attitude.targets
    at = [t.at_utc for t in targets if t.at_utc is not None]
    figures = event.figures(hist, setup.t0_utc, at)
    sigma, residuals = (
        event.uncertainty(setup, targets, duration)
        if with_uncertainty and setup.fit_keys and targets
        else (None, None)
    )
    return _states(
        "event",
        hist,
        track,
        figures=figures,
        fit_values=setup.values(),
        fit_sigma=sigma,
        residuals=residuals,
        setup=setup,
    )
