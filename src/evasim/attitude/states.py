"""Attitude states of a replay, for spacewalks (nominal hold) and attitude events.

The kernel integrates attitude relative to a circular reference orbit on its own fixed-step
grid. :class:`AttitudeStates` keeps those samples with their own time array ``t_s`` (seconds
from the replay grid's start) and gives the states at any instant by interpolation
(:meth:`AttitudeStates.at`): the body-to-LVLH quaternion by cubic Hermite interpolation with the
body rate relative to LVLH as its derivative, the other quantities linearly. The body-to-GCRS
attitude at an instant combines that with the LVLH frame of the real SGP4 orbit (from GCRS
position and velocity) at the same instant: :func:`lvlh_to_gcrs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..scenario import Scenario
from ..sky.orbit import StationTrack
from ..sky.tle import ElementSet
from . import event, identify, kernel
from .identify import Identification
from .model import AttitudeConfig, AttitudeHistory, initial_state, simulate
from .quaternion import from_matrix, matrices, qconj, qmul, to_euler_321_deg
from .setup import (
    AttitudeSetup,
    orbital_rate_rad_s,
    setup_from_scenario,
    torque_equilibrium_attitude,
)

HOLD_MOMENTUM_TOLERANCE_N_M_S = 1e-6
"""The nominal hold is evaluated in closed form when the initial state is a relative
equilibrium to within this: the residual CMG momentum rate at the torque-equilibrium attitude
times the span (round-off in the principal axes leaves ~1e-11 N m of torque: ~3e-7 N m s over
a day) stays below it, and the residual angular acceleration times the span squared below
``HOLD_ANGLE_TOLERANCE_RAD``."""
HOLD_ANGLE_TOLERANCE_RAD = 1e-9


def lvlh_to_gcrs(r_gcrs_km: np.ndarray, v_gcrs_km_s: np.ndarray) -> np.ndarray:
    """q_gcrs_lvlh (N, 4) from (3, N) position and velocity: z nadir, y = -orbit normal."""
    r = r_gcrs_km.T
    v = v_gcrs_km_s.T
    z = -r / np.linalg.norm(r, axis=1)[:, None]
    h = np.cross(r, v)
    y = -h / np.linalg.norm(h, axis=1)[:, None]
    x = np.cross(y, z)
    return from_matrix(np.stack([x, y, z], axis=2))


def _positive_w(q: np.ndarray) -> np.ndarray:
    return q * np.where(q[:, :1] < 0, -1.0, 1.0)


@dataclass(frozen=True)
class AttitudeStates:
    """Attitude samples at the instants ``t_s`` (seconds from the replay grid's start).

    ``q_lvlh``: body -> LVLH (N, 4); ``q_gcrs``: body -> GCRS (N, 4), present once the states
    are placed on a real orbit (:meth:`at` with ``q_gcrs_lvlh``), else None;
    ``omega_body_rad_s``: inertial body rate in body axes; ``h_cmg_n_m_s``: CMG momentum in
    body axes; ``rate_rel_lvlh_deg_s``: magnitude of the body rate relative to LVLH.
    ``integrated``: the integrator-grid states these were interpolated from (None when these
    are the integrator's own samples).
    """

    mode: str  # "hold" (nominal, CMGs at TEA) or "event"
    config: AttitudeConfig = field(repr=False)
    t_s: np.ndarray
    q_lvlh: np.ndarray
    omega_body_rad_s: np.ndarray
    rate_rel_lvlh_body_rad_s: np.ndarray
    h_cmg_n_m_s: np.ndarray
    cmg_active: np.ndarray
    propellant_kg: np.ndarray
    error_deg: np.ndarray
    pitch_error_unwrapped_deg: np.ndarray
    q_gcrs: np.ndarray | None = None
    thruster_names: tuple[str, ...] = ()
    figures: dict | None = None
    fit_values: dict | None = None
    fit_sigma: dict | None = None
    residuals: np.ndarray | None = None
    setup: AttitudeSetup | None = field(repr=False, default=None)
    integrated: AttitudeStates | None = field(repr=False, default=None)
    identification: Identification | None = field(repr=False, default=None)

    @property
    def h_cmg_norm(self) -> np.ndarray:
        return np.linalg.norm(self.h_cmg_n_m_s, axis=1)

    @property
    def rate_rel_lvlh_deg_s(self) -> np.ndarray:
        return np.degrees(np.linalg.norm(self.rate_rel_lvlh_body_rad_s, axis=1))

    def rpy_deg(self):
        return to_euler_321_deg(self.q_lvlh)

    @property
    def source(self) -> AttitudeStates:
        """The integrator-grid samples (``self`` if these are they)."""
        return self.integrated if self.integrated is not None else self

    def at(self, seconds: np.ndarray, q_gcrs_lvlh: np.ndarray | None = None) -> AttitudeStates:
        """The states at ``seconds`` (from the replay grid's start), interpolated on the
        integrator's grid: q_lvlh by cubic Hermite (derivative 1/2 q (0, w_rel)), then
        normalised; rates, momenta and propellant linearly; ``cmg_active`` from the sample at
        or before; the attitude error from the interpolated attitude. ``q_gcrs_lvlh`` (N, 4):
        the real orbit's LVLH frame at those instants, giving ``q_gcrs``."""
        src = self.source
        s = np.atleast_1d(np.asarray(seconds, float))
        t = src.t_s
        tol = 1e-6 * max(1.0, abs(float(t[-1])))
        if s.size and (s.min() < t[0] - tol or s.max() > t[-1] + tol):
            raise ValueError(
                f"attitude asked at {s.min():.3f}..{s.max():.3f} s; integrated over "
                f"{t[0]:.3f}..{t[-1]:.3f} s"
            )
        if len(t) == 1:
            i = np.zeros(len(s), np.int64)
            f = np.zeros(len(s))
            h = np.ones(len(s))
            j = i
        else:
            i = np.clip(np.searchsorted(t, s, side="right") - 1, 0, len(t) - 2)
            j = i + 1
            h = t[j] - t[i]
            f = np.clip((s - t[i]) / h, 0.0, 1.0)
        exact_j = f >= 1.0
        q = np.where(exact_j[:, None], src.q_lvlh[j], src.q_lvlh[i])  # on a sample: itself
        between = (f > 0.0) & ~exact_j
        if np.any(between):
            k = np.flatnonzero(between)
            q[k] = _hermite_quaternions(
                src.q_lvlh, src.rate_rel_lvlh_body_rad_s, i[k], j[k], f[k], h[k]
            )

        def lin(x):
            x = np.asarray(x, float)
            w = f.reshape(-1, *([1] * (x.ndim - 1)))
            return x[i] + w * (x[j] - x[i])

        active = np.where(exact_j, src.cmg_active[j], src.cmg_active[i])
        q_ref = np.asarray(src.config.q_ref_lvlh, float)
        q_err = qmul(qconj(q_ref), q)
        error = np.degrees(
            2 * np.arctan2(np.linalg.norm(q_err[:, 1:], axis=1), np.abs(q_err[:, 0]))
        )
        q_gcrs = None
        if q_gcrs_lvlh is not None:
            q_gcrs = _positive_w(qmul(q_gcrs_lvlh, q))
        return replace(
            src,
            t_s=s,
            q_lvlh=q,
            omega_body_rad_s=lin(src.omega_body_rad_s),
            rate_rel_lvlh_body_rad_s=lin(src.rate_rel_lvlh_body_rad_s),
            h_cmg_n_m_s=lin(src.h_cmg_n_m_s),
            cmg_active=active,
            propellant_kg=lin(src.propellant_kg),
            error_deg=error,
            pitch_error_unwrapped_deg=lin(src.pitch_error_unwrapped_deg),
            q_gcrs=q_gcrs,
            integrated=src,
        )

    def take(self, k: int) -> AttitudeStates:
        """The states at instant ``k`` alone (per-instant arrays of length 1, as :meth:`at`
        returns for one instant), still interpolating from the same integrator samples."""
        sl = slice(k, k + 1)
        per = {n: getattr(self, n)[sl] for n in _PER_INSTANT if getattr(self, n) is not None}
        return replace(self, **per, integrated=self.source)

    def on_track(self, track: StationTrack) -> AttitudeStates:
        """The states at every sample of ``track`` with ``q_gcrs`` from its orbit."""
        return self.at(track.grid.seconds, lvlh_to_gcrs(track.r_gcrs_km, track.v_gcrs_km_s))


_PER_INSTANT = (
    "t_s",
    "q_lvlh",
    "omega_body_rad_s",
    "rate_rel_lvlh_body_rad_s",
    "h_cmg_n_m_s",
    "cmg_active",
    "propellant_kg",
    "error_deg",
    "pitch_error_unwrapped_deg",
    "q_gcrs",
)
"""The fields of :class:`AttitudeStates` with one row per instant (those
:meth:`~AttitudeStates.at` sets); the others describe the run."""


def _hermite_quaternions(q, dq_rate, i, j, f, h) -> np.ndarray:
    """Cubic Hermite between samples i and j of unit quaternions ``q`` (N, 4) whose time
    derivative is 1/2 q (0, w) with ``dq_rate`` = w (body rate relative to the reference
    frame, rad/s); the j end is taken on the same hemisphere as the i end. Normalised."""
    qa, qb = q[i], q[j]
    sign = np.where(np.sum(qa * qb, axis=1) < 0, -1.0, 1.0)[:, None]
    qb = qb * sign
    pure = np.zeros((len(i), 4))
    pure[:, 1:] = dq_rate[i]
    da = 0.5 * qmul(qa, pure) * h[:, None]
    pure[:, 1:] = dq_rate[j]
    db = 0.5 * qmul(qb, pure) * h[:, None]
    f = f[:, None]
    f2, f3 = f * f, f * f * f
    out = (
        (2 * f3 - 3 * f2 + 1) * qa
        + (f3 - 2 * f2 + f) * da
        + (-2 * f3 + 3 * f2) * qb
        + (f3 - f2) * db
    )
    return _positive_w(out / np.linalg.norm(out, axis=1)[:, None])


def _from_history(mode: str, hist: AttitudeHistory, **extra) -> AttitudeStates:
    """Integrator-grid states from a kernel history (every sample kept, none dropped)."""
    return AttitudeStates(
        mode,
        hist.config,
        np.asarray(hist.t_s, float),
        hist.q_lvlh,
        hist.omega_body_rad_s,
        hist.rate_relative_lvlh_rad_s(),
        hist.h_cmg_n_m_s,
        hist.cmg_active,
        hist.propellant_kg,
        hist.error_angle_deg(),
        hist.error_angle_about_deg(axis=1),
        None,
        tuple(t.name for t in hist.config.thrusters),
        **extra,
    )


def _covering_duration(track: StationTrack, dt_s: float) -> float:
    """The span rounded up to a whole number of integrator steps: the grid covers it."""
    span = float(track.grid.seconds[-1] - track.grid.seconds[0])
    return float(np.ceil(span / dt_s - 1e-9)) * dt_s


def hold_residual(config: AttitudeConfig, y0: np.ndarray) -> tuple[float, float]:
    """|d omega/dt| (rad/s^2) and |dh/dt| (N m) of the kernel at the initial state ``y0``."""
    inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero = config.arrays()
    dy = np.zeros_like(y0)
    kernel._rhs(
        0.0,
        y0,
        dy,
        bool(config.cmg),
        inertia,
        np.linalg.inv(inertia),
        n,
        gg,
        thr,
        ctrl,
        rs,
        q_ref,
        tau,
        aero,
    )
    return float(np.linalg.norm(dy[4:7])), float(np.linalg.norm(dy[7:10]))


def hold_is_equilibrium(config: AttitudeConfig, y0: np.ndarray, duration_s: float) -> bool:
    """Whether the hold from ``y0`` is a relative equilibrium of the kernel to within the
    stated tolerances over ``duration_s``: no thrusters, constant or aerodynamic torque, zero
    CMG momentum, the commanded attitude and the LVLH rate, and a residual derivative whose
    effect over the span is below ``HOLD_*_TOLERANCE``. The model is then autonomous in LVLH
    (circular reference orbit), so the constant state is its exact solution."""
    if config.thrusters or config.aero is not None or any(config.constant_torque_n_m):
        return False
    if np.any(y0[7:10] != 0.0):
        return False
    dw, dh = hold_residual(config, y0)
    return (
        dh * duration_s < HOLD_MOMENTUM_TOLERANCE_N_M_S
        and 0.5 * dw * duration_s**2 < HOLD_ANGLE_TOLERANCE_RAD
    )


def analytic_hold(config: AttitudeConfig, t_s: np.ndarray) -> AttitudeStates:
    """The hold as a relative equilibrium: body fixed at ``q_ref_lvlh`` in LVLH, turning with
    it at the orbital rate, CMG momentum zero, CMGs active."""
    t_s = np.asarray(t_s, float)
    m = len(t_s)
    q = np.tile(np.asarray(config.q_ref_lvlh, float), (m, 1))
    q = _positive_w(q / np.linalg.norm(q, axis=1)[:, None])
    r_lb = matrices(q[:1])[0]
    omega_lvlh_b = r_lb.T @ np.array([0.0, -config.orbital_rate_rad_s, 0.0])
    return AttitudeStates(
        "hold",
        config,
        t_s,
        q,
        np.tile(omega_lvlh_b, (m, 1)),
        np.zeros((m, 3)),
        np.zeros((m, 3)),
        np.ones(m, bool),
        np.zeros((m, 0)),
        np.zeros(m),
        np.zeros(m),
    )


def nominal_hold(
    sc: Scenario,
    element_set: ElementSet,
    track: StationTrack,
    inertia_kg_m2: np.ndarray,
    closed_form: bool = True,
) -> AttitudeStates:
    """CMGs holding the torque-equilibrium attitude over the grid (spacewalk replays), on the
    track's grid with ``q_gcrs``. ``closed_form``: use :func:`analytic_hold` when the hold is
    an equilibrium (:func:`hold_is_equilibrium`), else integrate (RK4, 0.2 s)."""
    q_tea = torque_equilibrium_attitude(inertia_kg_m2)
    config = AttitudeConfig(
        inertia_kg_m2, orbital_rate_rad_s(element_set), q_ref_lvlh=tuple(q_tea), dt_s=0.2
    )
    y0 = initial_state(config, q_lvlh0=q_tea)
    duration = _covering_duration(track, config.dt_s)
    if closed_form and hold_is_equilibrium(config, y0, duration):
        states = analytic_hold(config, track.grid.seconds)
    else:
        states = _from_history("hold", simulate(config, duration, config.dt_s, y0=y0))
    return states.on_track(track)


def event_states(
    sc: Scenario, element_set: ElementSet, track: StationTrack, with_uncertainty: bool = True
) -> AttitudeStates:
    """The scenario's attitude event on the track's grid (interpolated from every integrator
    step), its figures and fitted-parameter sigmas."""
    setup = setup_from_scenario(sc, element_set)
    dt = setup.config.dt_s
    duration = _covering_duration(track, dt)
    hist = event.run(setup, duration, dt)
    targets = sc.attitude.targets
    at = [t.at_utc for t in targets if t.at_utc is not None]
    figures = event.figures(hist, setup.t0_utc, at)
    ident = (
        identify.analyse(setup, targets, duration, sc.attitude.priors)
        if with_uncertainty and setup.fit_keys and targets
        else None
    )
    states = _from_history(
        "event",
        hist,
        figures=figures,
        fit_values=setup.values(),
        fit_sigma=ident.sigma if ident else None,
        residuals=ident.residuals if ident else None,
        setup=setup,
        identification=ident,
    )
    return states.on_track(track)
