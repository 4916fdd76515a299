"""Control sampling in the attitude kernel (``AttitudeConfig.control_sampling``).

"step" (a digital controller at the integrator's rate: the CMG array's momentum-rate command
and the RS thrusters' torque computed at the start of each step and held over its RK4 stages)
against an independent numpy RK4 written here from the equations of motion, with the command
held the same way; "continuous" against it too (they must differ: the option does something);
the sampled law converging to the continuous one at order 1 in the step; the batched kernels
equal to the single run with the option on; a bad option refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from evasim.attitude import AttitudeConfig, RsController, Thruster, initial_state, simulate
from evasim.attitude.batch import COLUMNS, figures_batch
from evasim.attitude.event import figures
from evasim.attitude.model import simulate_batch
from evasim.attitude.quaternion import qmul
from evasim.attitude.setup import torque_equilibrium_attitude
from evasim.errors import EvasimInputError

# The rigid body of benchmarks/attitude_vs_basilisk*.py: NASA JEOD's ISS-like inertia (kg m^2),
# a (2, -5, 1) N m body torque, a 420 km circular orbit's rate.
INERTIA = np.array(
    [[1.02e8, -6.96e6, -5.48e6], [-6.96e6, 0.91e8, 5.90e5], [-5.48e6, 5.90e5, 1.64e8]]
)
TORQUE_N_M = (2.0, -5.0, 1.0)
N_RAD_S = 1.1317e-3
AXIS = np.array([1.0, -2.0, 3.0]) / np.sqrt(14.0)


def _config(sampling: str, dt_s: float = 0.1, **kw) -> AttitudeConfig:
    return AttitudeConfig(
        inertia_kg_m2=INERTIA,
        orbital_rate_rad_s=N_RAD_S,
        q_ref_lvlh=tuple(torque_equilibrium_attitude(INERTIA)),
        constant_torque_n_m=TORQUE_N_M,
        dt_s=dt_s,
        control_sampling=sampling,
        **kw,
    )


def _y0(cfg: AttitudeConfig, error_deg: float) -> np.ndarray:
    """The commanded attitude turned by ``error_deg`` about AXIS, rotating with LVLH."""
    half = np.radians(error_deg) / 2
    dq = np.r_[np.cos(half), np.sin(half) * AXIS]
    return initial_state(cfg, q_lvlh0=qmul(np.asarray(cfg.q_ref_lvlh)[None], dq[None])[0])


# --- an independent reference: numpy, rotation matrices, the law held over each RK4 step ------


def _matrix(q):
    """Body -> inertial rotation of the unit quaternion q (scalar first, Hamilton)."""
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])  # fmt: skip


def _lvlh(th):
    """LVLH axes (columns: along velocity, minus orbit normal, nadir) in the orbit-plane frame
    with the station at angle ``th`` from +X, orbit normal +Z."""
    c, s = np.cos(th), np.sin(th)
    return np.array([[-s, 0.0, -c], [c, 0.0, -s], [0.0, -1.0, 0.0]])


def _clip(v, limit):
    nrm = np.linalg.norm(v)
    return v * (limit / nrm) if 0 <= limit < nrm else v


def _reference(cfg: AttitudeConfig, y0: np.ndarray, duration_s: float) -> np.ndarray:
    """RK4 of the rigid body with gravity gradient, constant torque, the CMG array's PD law and
    the RS thrusters' rate-limited PD law, each command computed from the state at the start of
    the step and held (the array's momentum rate h' in body axes, the thrusters' torque); the
    body feels -h' - w x h with each stage's w and h. Gimbal stop after each step. The final
    state (10)."""
    inertia, inv, n = INERTIA, np.linalg.inv(INERTIA), cfg.orbital_rate_rad_s
    r_ref = _matrix(np.asarray(cfg.q_ref_lvlh, float))
    bw, rbw = cfg.control_bandwidth_rad_s, cfg.rs_bandwidth_rad_s
    kp, kd = bw**2, 2 * cfg.control_damping * bw
    rkp, rkd = rbw**2, 2 * cfg.rs_damping * rbw
    cap = cfg.cmg_capacity_n_m_s
    rs_torque = sum(c.max_torque_n_m for c in cfg.controllers)

    def commands(t, y):
        q, w, h = y[0:4], y[4:7], y[7:10]
        r_ib = _matrix(q)
        r_e = r_ref.T @ _lvlh(n * t).T @ r_ib  # body -> commanded attitude
        qw = 0.5 * np.sqrt(1.0 + np.trace(r_e))
        err = 2 * np.array([r_e[2, 1] - r_e[1, 2], r_e[0, 2] - r_e[2, 0],
                            r_e[1, 0] - r_e[0, 1]]) / (4 * qw)  # fmt: skip
        rate = w - r_ib.T @ np.array([0.0, 0.0, n])
        hdot, f = np.zeros(3), np.zeros(3)
        if cfg.cmg:
            torque = _clip(-inertia @ (kp * err + kd * rate), cfg.cmg_max_torque_n_m)
            hdot = -torque - np.cross(w, h)
            hn = np.linalg.norm(h)
            if hn >= cap * (1 - 1e-9) and hdot @ h > 0:
                hdot = hdot - (hdot @ h) / hn**2 * h
        else:
            limit = np.radians(cfg.rs_max_rate_deg_s) if cfg.rs_max_rate_deg_s > 0 else -1.0
            rate_cmd = _clip(-rkp / rkd * err, limit)
            f = _clip(-inertia @ (rkd * (rate - rate_cmd)), rs_torque)
        return hdot, f

    def deriv(t, y, hdot, f):
        q, w, h = y[0:4], y[4:7], y[7:10]
        r_ib = _matrix(q)
        b = r_ib.T @ np.array([np.cos(n * t), np.sin(n * t), 0.0])  # radial, body axes
        tau = np.asarray(TORQUE_N_M) + 3 * n * n * np.cross(b, inertia @ b) + f
        tau = tau - hdot - np.cross(w, h)
        dw = inv @ (tau - np.cross(w, inertia @ w))
        q0, qv = q[0], q[1:]
        dq = 0.5 * np.r_[-qv @ w, q0 * w + np.cross(qv, w)]
        return np.r_[dq, dw, hdot]

    y = y0[:10].astype(float).copy()
    dt = cfg.dt_s
    for i in range(round(duration_s / dt)):
        t = i * dt
        hdot, f = commands(t, y)
        k1 = deriv(t, y, hdot, f)
        k2 = deriv(t + dt / 2, y + dt / 2 * k1, hdot, f)
        k3 = deriv(t + dt / 2, y + dt / 2 * k2, hdot, f)
        k4 = deriv(t + dt, y + dt * k3, hdot, f)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        y[0:4] /= np.linalg.norm(y[0:4])
        hn = np.linalg.norm(y[7:10])
        if cfg.cmg and hn > cap:
            excess = y[7:10] * (1 - cap / hn)
            y[7:10] -= excess
            y[4:7] += inv @ excess
    return y


def _angle(q_a, q_b) -> float:
    return 2 * np.arcsin(min(1.0, np.linalg.norm(qmul(np.asarray(q_a)[None] * [1, -1, -1, -1],
                                                       np.asarray(q_b)[None])[0, 1:])))  # fmt: skip


CASES = {
    # 3 deg off: the torque limit at once, the momentum store saturated from ~76 s
    "cmg_saturating": dict(error_deg=3.0, duration_s=300.0, kw={}),
    # CMGs off: the RS thrusters alone, rate-limited and torque-limited
    "rs_thrusters": dict(error_deg=3.0, duration_s=200.0,
                         kw=dict(cmg=False, rs_bandwidth_rad_s=0.05, rs_max_rate_deg_s=0.02,
                                 controllers=(RsController("zvezda", -1.0, 300.0),))),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_step_sampling_equals_an_independent_rk4_with_the_command_held(case):
    """The kernel's "step" sampling is the held-command RK4 of the numpy reference to round-off
    (~1e-14 rad here); "continuous" differs from it by orders of magnitude more."""
    spec = CASES[case]
    cfg = _config("step", **spec["kw"])
    y0 = _y0(cfg, spec["error_deg"])
    ref = _reference(cfg, y0, spec["duration_s"])
    step = simulate(cfg, spec["duration_s"], spec["duration_s"], y0)
    cont = simulate(_config("continuous", **spec["kw"]), spec["duration_s"], spec["duration_s"], y0)
    assert step.t_s[-1] == pytest.approx(spec["duration_s"])
    assert _angle(step.q_ib[-1], ref[0:4]) < 1e-12
    np.testing.assert_allclose(step.omega_body_rad_s[-1], ref[4:7], rtol=0, atol=1e-14)
    np.testing.assert_allclose(step.h_cmg_n_m_s[-1], ref[7:10], rtol=0, atol=1e-8)
    assert _angle(cont.q_ib[-1], ref[0:4]) > 1e-9  # the option changes the result
    if cfg.cmg:  # the case does reach the capacity (the projection and stop are exercised)
        assert np.linalg.norm(ref[7:10]) == pytest.approx(cfg.cmg_capacity_n_m_s, rel=1e-6)


def test_sampled_law_converges_to_the_continuous_one_at_order_one():
    """Holding the command over a step of dt perturbs the control by O(dt): the difference from
    continuous-time control halves with the step (RK4's own error is ~1e-13 rad here)."""
    diffs = []
    for dt in (0.4, 0.2, 0.1):
        y0 = _y0(_config("step"), 0.2)
        a = simulate(_config("step", dt), 600.0, 600.0, y0)
        b = simulate(_config("continuous", dt), 600.0, 600.0, y0)
        diffs.append(_angle(a.q_ib[-1], b.q_ib[-1]))
    orders = np.log2(np.array(diffs[:-1]) / np.array(diffs[1:]))
    assert diffs[-1] > 1e-10
    np.testing.assert_allclose(orders, 1.0, atol=0.05)


def _nauka_like(sampling: str) -> AttitudeConfig:
    """Thrusters switching inside steps, a CMG hand-over, desaturation, a CMG lost, RS control."""
    push = Thruster("push", (0.0, 0.0, 17.0), (1.0, 0.0, 0.0), 26.0, 100.05, 700.0, 20.0)
    return _config(sampling, thrusters=(push,), cmg_handover_s=30.0, desat_fraction=0.5,
                   rs_max_rate_deg_s=0.3, cmg_loss_s=500.03, cmg_share_after_loss=0.75,
                   controllers=(RsController("zvezda", 300.0, 200.0),
                                RsController("progress", 900.02, 1100.0)))  # fmt: skip


def test_batched_kernels_equal_the_single_run_with_step_sampling():
    """simulate_batch is the single run bit for bit, and figures_batch gives the history's
    figures, with the option on (and the option reaches them: the figures move)."""
    cfg = _nauka_like("step")
    y0 = initial_state(cfg, rate_rel_lvlh_rad_s=(1e-4, -2e-4, 5e-5))
    hist = simulate(cfg, 1500.0, 1.0, y0)
    batch = simulate_batch(cfg, y0[None], INERTIA[None], np.asarray(TORQUE_N_M)[None], 1500.0, 1.0)
    states = np.c_[hist.q_ib, hist.omega_body_rad_s, hist.h_cmg_n_m_s, hist.propellant_kg]
    assert np.array_equal(batch[0], states)
    rows = []
    for c in (cfg, _nauka_like("continuous")):
        inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero = c.arrays()
        rows.append(figures_batch(y0[None], 0.0, c.dt_s, 15_000, 10, inertia[None], n, gg,
                                  thr[None], ctrl[None], rs[None], q_ref, tau, aero,
                                  np.radians(5.0))[0])  # fmt: skip
    f = figures(hist, None)
    col = {c: i for i, c in enumerate(COLUMNS)}
    assert rows[0][col["peak_rate_deg_s"]] == pytest.approx(f["peak_rate_deg_s"], rel=1e-12)
    assert rows[0][col["max_h_cmg_n_m_s"]] == pytest.approx(f["max_h_cmg_n_m_s"], rel=1e-12)
    assert rows[0][col["total_change_deg"]] == pytest.approx(
        f["total_attitude_change_deg"], rel=1e-12
    )
    assert abs(rows[0][col["peak_rate_deg_s"]] - rows[1][col["peak_rate_deg_s"]]) > 1e-9


def test_an_unknown_sampling_is_an_input_error():
    with pytest.raises(EvasimInputError, match="control_sampling: expected one of continuous"):
        _config("zoh")


def test_scenario_files_choose_the_sampling():
    """``[attitude] control_sampling`` reaches the kernel's configuration; a bad value is one
    line naming the field."""
    from pathlib import Path

    from evasim.attitude.setup import setup_from_scenario
    from evasim.replay import choose_element_set
    from evasim.scenario import parse_scenario

    text = (
        Path(__file__).parents[1] / "src/evasim/data/scenarios/nauka-2021-07-29.toml"
    ).read_text()
    assert "control_sampling" not in text
    default = parse_scenario(text, "n.toml")
    assert default.attitude.control_sampling == "continuous"
    sc = parse_scenario(text.replace("dt_s = 0.1\n", 'dt_s = 0.1\ncontrol_sampling = "step"\n'),
                        "n.toml")  # fmt: skip
    assert setup_from_scenario(sc, choose_element_set(sc)).config.control_sampling == "step"
    bad = text.replace("dt_s = 0.1\n", 'dt_s = 0.1\ncontrol_sampling = "zoh"\n')
    with pytest.raises(EvasimInputError, match=r"attitude\.control_sampling"):
        parse_scenario(bad, "n.toml")
