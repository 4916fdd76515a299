"""Attitude model: typed inputs, the numba kernel underneath, results as an object.

Units and frames: torques N m, momenta N m s, inertia kg m^2 in the body frame (+X forward,
+Y starboard, +Z nadir) about the centre of mass; thruster positions are body-frame metres
from the centre of mass (propellant use does not move it: documented approximation);
``q_lvlh`` is the body attitude relative to LVLH (scalar first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..constants import STANDARD_GRAVITY_M_S2
from ..errors import EvasimInputError
from . import kernel
from .quaternion import qconj, qmul, to_euler_321_deg

CMG_MOMENTUM_EACH_N_M_S = 4880.0  # Boeing CMG fact sheet (3,600 ft lbf s), conf H
CMG_COUNT = 4
CMG_MAX_TORQUE_N_M = 258.0
"""Not published in the bundled sources (nauka_event_2021-07-29.md: 'CMG maximum torque: not
published'). Named parameter: 258 N m for the array, an estimate of the order of one CMG's
output torque (DGCMG gimbal rates of a few deg/s on 4,880 N m s); it only sets how fast the
CMGs saturate, which in the Nauka event is seconds to minutes either way."""


_Q_LVLH_AT_0 = np.array([0.5, -0.5, -0.5, 0.5])  # q_il at t = 0 (the kernel's ``q_m0``)


def lvlh_quaternions(n: float, t: np.ndarray) -> np.ndarray:
    """q_il (N, 4), w >= 0: LVLH axes in the kernel's inertial frame at times ``t`` (s) for
    orbital rate ``n`` (rad/s). Closed form ``qz(n t) * q_m0``, vectorised; equal to
    :func:`kernel.lvlh_quaternion` sample by sample."""
    half = 0.5 * n * np.atleast_1d(np.asarray(t, float))
    qz = np.zeros((len(half), 4))
    qz[:, 0], qz[:, 3] = np.cos(half), np.sin(half)
    q = qmul(qz, _Q_LVLH_AT_0)
    return q * np.where(q[:, :1] < 0, -1.0, 1.0)


@dataclass(frozen=True)
class Thruster:
    """A thruster (or a group acting as one) firing on a schedule while propellant lasts."""

    name: str
    position_m: tuple[float, float, float]
    direction: tuple[float, float, float]
    thrust_n: float
    start_s: float
    stop_s: float = np.inf
    propellant_kg: float = np.inf
    isp_s: float = 300.0

    def row(self) -> np.ndarray:
        d = np.asarray(self.direction, float)
        d = d / np.linalg.norm(d)
        mdot = self.thrust_n / (self.isp_s * STANDARD_GRAVITY_M_S2)
        return np.array([*self.position_m, *d, self.thrust_n, self.start_s, self.stop_s, mdot])


@dataclass(frozen=True)
class RsController:
    """Russian-segment thruster attitude control joining at ``start_s`` with a torque limit."""

    name: str
    start_s: float
    max_torque_n_m: float


@dataclass(frozen=True)
class AeroModel:
    """Drag torque ``cp x F``, F = -1/2 rho v^2 CdA along the velocity (LVLH x)."""

    density_kg_m3: float
    speed_m_s: float
    cd_area_m2: float
    cp_minus_cm_m: tuple[float, float, float]


@dataclass(frozen=True)
class AttitudeConfig:
    inertia_kg_m2: np.ndarray
    orbital_rate_rad_s: float
    gravity_gradient: bool = True
    cmg: bool = True
    cmg_capacity_n_m_s: float = CMG_COUNT * CMG_MOMENTUM_EACH_N_M_S
    cmg_max_torque_n_m: float = CMG_MAX_TORQUE_N_M
    control_bandwidth_rad_s: float = 0.02
    control_damping: float = 0.9
    rs_bandwidth_rad_s: float = 0.01
    rs_damping: float = 1.0
    rs_max_rate_deg_s: float = 0.0  # slew-rate limit of the RS thruster control (0: none)
    cmg_handover_s: float = -1.0  # seconds saturated before CMGs are taken out (-1: never)
    cmg_loss_s: float = np.inf  # a CMG lost at this time (s from t0; inf: none) ...
    cmg_share_after_loss: float = 1.0  # ... leaving this share of capacity and torque (3/4)
    rs_always: bool = False
    desat_fraction: float = 0.0  # RS thrusters dump CMG momentum above this fraction (0: off)
    controllers: tuple[RsController, ...] = ()
    thrusters: tuple[Thruster, ...] = ()
    q_ref_lvlh: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    constant_torque_n_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    aero: AeroModel | None = None
    dt_s: float = 0.1
    control_sampling: str = "continuous"
    """How the CMG and RS control laws are sampled: ``"continuous"`` (evaluated at every RK4
    stage: continuous-time control) or ``"step"`` (computed from the state at the start of each
    integrator (sub)step and held over it, as a digital controller at the integrator's rate
    with a zero-order hold; what is held: ``kernel._rk4``)."""

    def __post_init__(self):
        if self.control_sampling not in kernel.CONTROL_SAMPLING:
            raise EvasimInputError(
                f"control_sampling: expected one of {', '.join(kernel.CONTROL_SAMPLING)}, "
                f"got {self.control_sampling!r}"
            )

    def arrays(self):
        bw, rbw = self.control_bandwidth_rad_s, self.rs_bandwidth_rad_s
        ctrl = np.zeros(kernel.N_CTRL)
        ctrl[kernel.C_CMG_ON] = 1.0 if self.cmg else 0.0
        ctrl[kernel.C_CAP] = self.cmg_capacity_n_m_s
        ctrl[kernel.C_TMAX] = self.cmg_max_torque_n_m
        ctrl[kernel.C_KP] = bw**2
        ctrl[kernel.C_KD] = 2 * self.control_damping * bw
        ctrl[kernel.C_RS_KP] = rbw**2
        ctrl[kernel.C_RS_KD] = 2 * self.rs_damping * rbw
        ctrl[kernel.C_HANDOVER] = self.cmg_handover_s
        ctrl[kernel.C_RS_ALWAYS] = 1.0 if self.rs_always else 0.0
        ctrl[kernel.C_DESAT] = self.desat_fraction
        ctrl[kernel.C_RS_MAXRATE] = np.radians(self.rs_max_rate_deg_s)
        ctrl[kernel.C_LOSS_T] = self.cmg_loss_s
        ctrl[kernel.C_LOSS_FRAC] = self.cmg_share_after_loss
        ctrl[kernel.C_SAMPLED] = kernel.CONTROL_SAMPLING.index(self.control_sampling)
        thr = (
            np.array([t.row() for t in self.thrusters])
            if self.thrusters
            else np.zeros((0, kernel.N_THR))
        )
        rs = (
            np.array([[c.start_s, c.max_torque_n_m] for c in self.controllers])
            if self.controllers
            else np.zeros((0, 2))
        )
        aero = np.zeros(kernel.N_AERO)
        if self.aero is not None:
            a = self.aero
            aero[:] = [1.0, a.density_kg_m3, a.speed_m_s, a.cd_area_m2, *a.cp_minus_cm_m]
        return (
            np.ascontiguousarray(self.inertia_kg_m2, float),
            float(self.orbital_rate_rad_s),
            bool(self.gravity_gradient),
            thr,
            ctrl,
            rs,
            np.asarray(self.q_ref_lvlh, float),
            np.asarray(self.constant_torque_n_m, float),
            aero,
        )


@dataclass(frozen=True)
class AttitudeHistory:
    """Sampled attitude states. ``t_s`` from the run's start."""

    config: AttitudeConfig = field(repr=False)
    t_s: np.ndarray
    q_ib: np.ndarray
    omega_body_rad_s: np.ndarray
    h_cmg_n_m_s: np.ndarray
    propellant_kg: np.ndarray
    cmg_active: np.ndarray

    @property
    def q_lvlh(self) -> np.ndarray:
        q_il = lvlh_quaternions(self.config.orbital_rate_rad_s, self.t_s)
        q = qmul(qconj(q_il), self.q_ib)
        return q * np.where(q[:, :1] < 0, -1.0, 1.0)

    def rpy_deg(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Roll, pitch, yaw of the body relative to LVLH (3-2-1), degrees."""
        return to_euler_321_deg(self.q_lvlh)

    @property
    def h_cmg_norm(self) -> np.ndarray:
        return np.linalg.norm(self.h_cmg_n_m_s, axis=1)

    def rate_relative_lvlh_rad_s(self) -> np.ndarray:
        """Body rate relative to LVLH, in body axes."""
        from .quaternion import matrices

        r_ib = matrices(self.q_ib)
        w_lvlh_b = np.einsum("nji,j->ni", r_ib, np.array([0, 0, self.config.orbital_rate_rad_s]))
        return self.omega_body_rad_s - w_lvlh_b

    def error_angle_about_deg(self, axis: int = 1) -> np.ndarray:
        """Unwrapped rotation (deg) about body ``axis`` relative to the commanded attitude:
        for a mostly single-axis excursion it counts whole turns (540 deg = 1.5 turns)."""
        q_ref = np.asarray(self.config.q_ref_lvlh, float)
        q_err = qmul(qconj(q_ref), self.q_lvlh)
        half = np.unwrap(2 * np.arctan2(q_err[:, 1 + axis], q_err[:, 0])) / 2
        return np.degrees(2 * half)

    def error_angle_deg(self) -> np.ndarray:
        """Total angle (deg, 0..180) between the attitude and the commanded attitude."""
        q_ref = np.asarray(self.config.q_ref_lvlh, float)
        q_err = qmul(qconj(q_ref), self.q_lvlh)
        return np.degrees(2 * np.arccos(np.clip(np.abs(q_err[:, 0]), 0, 1)))


def initial_state(
    config: AttitudeConfig,
    q_lvlh0=(1.0, 0, 0, 0),
    rate_rel_lvlh_rad_s=(0, 0, 0),
    h0=(0.0, 0.0, 0.0),
    t0: float = 0.0,
) -> np.ndarray:
    """Kernel state from an attitude and rate relative to LVLH."""
    from .quaternion import to_matrix

    q_il = kernel.lvlh_quaternion(config.orbital_rate_rad_s, t0)
    q_ib = qmul(q_il, np.asarray(q_lvlh0, float))[0]
    q_ib /= np.linalg.norm(q_ib)
    w_lvlh_b = to_matrix(q_ib).T @ np.array([0, 0, config.orbital_rate_rad_s])
    prop = [t.propellant_kg for t in config.thrusters]
    prop = [p if np.isfinite(p) else 1e30 for p in prop]
    return np.concatenate(
        [q_ib, w_lvlh_b + np.asarray(rate_rel_lvlh_rad_s, float), np.asarray(h0, float), prop]
    )


def _check_state(config: AttitudeConfig, y0: np.ndarray) -> None:
    expected = 10 + len(config.thrusters)
    if y0.shape[-1] != expected:
        raise EvasimInputError(
            f"y0: expected {expected} values (q_ib 4, omega 3, h_cmg 3, one propellant per "
            f"thruster), got {y0.shape[-1]}"
        )


def simulate(
    config: AttitudeConfig,
    duration_s: float,
    out_dt_s: float = 1.0,
    y0: np.ndarray | None = None,
    t0: float = 0.0,
) -> AttitudeHistory:
    y0 = initial_state(config, t0=t0) if y0 is None else np.asarray(y0, float)
    _check_state(config, y0)
    steps = round(duration_s / config.dt_s)
    out_every = max(1, round(out_dt_s / config.dt_s))
    inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero = config.arrays()
    t, y, modes = kernel.simulate(
        y0, t0, config.dt_s, steps, out_every, inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero
    )
    return AttitudeHistory(config, t, y[:, 0:4], y[:, 4:7], y[:, 7:10], y[:, 10:], modes)


def simulate_batch(
    config: AttitudeConfig,
    y0s: np.ndarray,
    inertias: np.ndarray,
    torques: np.ndarray,
    duration_s: float,
    out_dt_s: float = 10.0,
) -> np.ndarray:
    """N runs at once: states (N, n_out, len(y))."""
    _check_state(config, np.asarray(y0s))
    steps = round(duration_s / config.dt_s)
    out_every = max(1, round(out_dt_s / config.dt_s))
    _, n, gg, thr, ctrl, rs, q_ref, _, aero = config.arrays()
    return kernel.simulate_batch(
        np.ascontiguousarray(y0s, float),
        0.0,
        config.dt_s,
        steps,
        out_every,
        np.ascontiguousarray(inertias, float),
        n,
        gg,
        thr,
        ctrl,
        rs,
        q_ref,
        np.ascontiguousarray(torques, float),
        aero,
    )
