"""Attitude dynamics against physics: conservation laws, Dzhanibekov, gravity-gradient
libration, CMG capacity, TEA; batch = single; the Nauka reconstruction's figures."""

from __future__ import annotations

import numpy as np
import pytest

from evasim.attitude import AttitudeConfig, RsController, Thruster, simulate, simulate_batch
from evasim.attitude.model import initial_state
from evasim.attitude.quaternion import from_euler_321_deg, matrices, qmul
from evasim.attitude.setup import torque_equilibrium_attitude
from evasim.station.mass import JEOD_ISS_LIKE_INERTIA_KG_M2 as JEOD

N_ISS = 2 * np.pi / (92.9 * 60)


def _inertial_state(inertia, omega_b):
    """Kernel state with identity inertial attitude and a body rate (no LVLH reference)."""
    return np.concatenate([[1.0, 0, 0, 0], omega_b, np.zeros(3)])


def test_torque_free_conserves_momentum_and_energy_over_8h():
    cfg = AttitudeConfig(JEOD, N_ISS, gravity_gradient=False, cmg=False, dt_s=0.1)
    y0 = initial_state(cfg, rate_rel_lvlh_rad_s=(0.002, -0.001, 0.003))
    hist = simulate(cfg, 8 * 3600, 60.0, y0=y0)
    w = hist.omega_body_rad_s
    momentum = np.einsum("nij,nj->ni", matrices(hist.q_ib), w @ JEOD.T)
    energy = 0.5 * np.einsum("ni,ij,nj->n", w, JEOD, w)
    assert np.abs(momentum - momentum[0]).max() / np.linalg.norm(momentum[0]) < 1e-9
    assert np.abs(energy - energy[0]).max() / energy[0] < 1e-9


@pytest.mark.parametrize(("axis", "flips"), [(0, False), (1, True), (2, False)])
def test_dzhanibekov(axis, flips):
    inertia = np.diag([1.0e8, 2.0e8, 3.0e8])
    cfg = AttitudeConfig(inertia, N_ISS, gravity_gradient=False, cmg=False, dt_s=0.1)
    omega = np.full(3, 1e-5)
    omega[axis] = 0.01
    hist = simulate(cfg, 3 * 3600, 5.0, y0=_inertial_state(inertia, omega))
    w = hist.omega_body_rad_s
    if flips:
        assert w[:, axis].min() < -0.9 * 0.01  # the intermediate axis turns over
    else:
        others = np.delete(w, axis, axis=1)
        assert np.abs(others).max() < 1e-3  # stays within a few per cent of the spin axis
        assert w[:, axis].min() > 0.99 * 0.01


def test_gravity_gradient_pitch_libration_period():
    """Small pitch oscillation about LVLH: w^2 = 3 n^2 (Ix - Iz) / Iy (stable: Ix > Iz)."""
    inertia = np.diag([1.6e8, 1.0e8, 0.6e8])
    cfg = AttitudeConfig(inertia, N_ISS, gravity_gradient=True, cmg=False, dt_s=0.2)
    y0 = initial_state(cfg, q_lvlh0=from_euler_321_deg(0.0, 0.5, 0.0))
    expected = 2 * np.pi / (N_ISS * np.sqrt(3 * (1.6 - 0.6) / 1.0))
    hist = simulate(cfg, 5 * expected, 1.0, y0=y0)
    pitch = hist.rpy_deg()[1]
    s = np.sign(pitch)
    i = np.flatnonzero(s[:-1] > s[1:])  # downward zero crossings
    t = hist.t_s[i] - pitch[i] * (hist.t_s[i + 1] - hist.t_s[i]) / (pitch[i + 1] - pitch[i])
    period = np.mean(np.diff(t))
    assert abs(period / expected - 1) < 0.005
    assert np.abs(pitch).max() < 0.51


def test_tea_zeroes_gravity_gradient_and_cmgs_hold_it():
    """TEA zeroes the gravity-gradient torque; the CMGs hold it against a real disturbance:
    from 0.17 deg off TEA with a constant 0.5 N m torque about the orbit normal, the error
    settles to the PD law's steady state tau / (I_n kp) and the CMGs absorb tau * t."""
    q_tea = torque_equilibrium_attitude(JEOD)
    r_lb = matrices(q_tea[None])[0]
    nadir_b = r_lb.T @ np.array([0.0, 0, 1])
    assert np.linalg.norm(np.cross(nadir_b, JEOD @ nadir_b)) < 1e-6 * np.linalg.norm(JEOD)
    normal_b = r_lb.T @ np.array([0.0, 1.0, 0.0])  # LVLH y: minus the orbit normal
    tau = 0.5  # N m
    cfg = AttitudeConfig(
        JEOD, N_ISS, q_ref_lvlh=tuple(q_tea), dt_s=0.2, constant_torque_n_m=tuple(tau * normal_b)
    )
    off = qmul(q_tea, from_euler_321_deg(0.1, -0.1, 0.1))[0]
    duration = 3 * 3600
    hist = simulate(cfg, duration, 10.0, y0=initial_state(cfg, q_lvlh0=off))
    error = hist.error_angle_deg()
    assert error[0] > 0.15
    settled = error[hist.t_s >= 600]
    steady = np.degrees(tau / ((normal_b @ JEOD @ normal_b) * cfg.control_bandwidth_rad_s**2))
    assert steady == pytest.approx(8.18e-4, rel=0.01)  # deg
    assert settled.max() < 1.03 * steady and settled.min() > 0.97 * steady
    h_normal = hist.h_cmg_n_m_s[-1] @ normal_b
    assert h_normal == pytest.approx(tau * duration, rel=0.01)
    assert hist.h_cmg_norm.max() < cfg.cmg_capacity_n_m_s / 3  # never near saturation
    # The same hold at plain LVLH saturates the CMGs within the hour (why the ISS flies TEA).
    lvlh = simulate(AttitudeConfig(JEOD, N_ISS, dt_s=0.2), 3600, 10.0)
    assert lvlh.h_cmg_norm.max() == pytest.approx(4 * 4880.0)


def test_cmg_momentum_never_exceeds_capacity():
    push = Thruster("test", (-20.0, 0.0, 15.0), (1.0, 0, 0), 60.0, 100.0, 1500.0)
    cfg = AttitudeConfig(
        JEOD,
        N_ISS,
        thrusters=(push,),
        cmg_handover_s=-1,
        dt_s=0.1,
        controllers=(RsController("rs", 2000.0, 800.0),),
        desat_fraction=0.8,
    )
    hist = simulate(cfg, 3600, 1.0)
    assert hist.h_cmg_norm.max() <= cfg.cmg_capacity_n_m_s * (1 + 1e-12)
    assert hist.h_cmg_norm.max() > 0.99 * cfg.cmg_capacity_n_m_s  # it did saturate


def test_batch_equals_single_runs():
    cfg = AttitudeConfig(JEOD, N_ISS, cmg=False, dt_s=0.1)
    rng = np.random.default_rng(7)
    y0s = np.array(
        [initial_state(cfg, rate_rel_lvlh_rad_s=rng.normal(0, 1e-4, 3)) for _ in range(3)]
    )
    inertias = np.array([JEOD * (1 + 0.05 * k) for k in range(3)])
    torques = rng.normal(0, 2.0, (3, 3))
    batch = simulate_batch(cfg, y0s, inertias, torques, 600.0, 10.0)
    for k in range(3):
        single = AttitudeConfig(
            inertias[k], N_ISS, cmg=False, dt_s=0.1, constant_torque_n_m=tuple(torques[k])
        )
        hist = simulate(single, 600.0, 10.0, y0=y0s[k])
        assert np.array_equal(batch[k, :, :4], hist.q_ib)


def test_aero_torque_matches_hand_computation():
    """Drag torque cp x F with F = -1/2 rho v^2 CdA along the velocity (LVLH +x): from rest in
    LVLH, the initial angular acceleration is I^-1 tau (no other torque)."""
    from evasim.attitude import AeroModel

    aero = AeroModel(2.8e-12, 7660.0, 2000.0, (0.0, 0.0, -5.0))
    inertia = np.diag([1.0e8, 1.0e8, 1.5e8])
    cfg = AttitudeConfig(inertia, N_ISS, gravity_gradient=False, cmg=False, aero=aero, dt_s=0.01)
    y0 = initial_state(cfg)
    hist = simulate(cfg, 1.0, 1.0, y0=y0)
    drag = -0.5 * 2.8e-12 * 7660.0**2 * 2000.0
    tau = np.cross([0.0, 0.0, -5.0], [drag, 0.0, 0.0])
    # the LVLH rate term is constant; compare the change of body rate over 1 s
    dw = hist.omega_body_rad_s[-1] - hist.omega_body_rad_s[0]
    assert np.allclose(dw, np.linalg.solve(inertia, tau), rtol=1e-3, atol=1e-14)
