"""Exact switching in the attitude kernel: a thruster pulse about a principal axis against its
closed form (switch times off the integrator's grid and on it), propellant used against
mdot times the burn time, the batched figures against the single run."""

from __future__ import annotations

import numpy as np
import pytest

from evasim.attitude import AttitudeConfig, Thruster, simulate
from evasim.attitude.batch import COLUMNS, figures_batch
from evasim.constants import STANDARD_GRAVITY_M_S2

N_ISS = 2 * np.pi / (92.9 * 60)
I_Y = 1.2e8  # kg m^2, about body Y (a principal axis)
INERTIA = np.diag([1.0e8, I_Y, 1.6e8])
ARM_M, THRUST_N, ISP_S = 17.0, 26.0, 300.0  # at +Z, firing along +X: a torque about +Y
TAU_N_M = ARM_M * THRUST_N
MDOT_KG_S = THRUST_N / (ISP_S * STANDARD_GRAVITY_M_S2)
DT_S, END_S = 0.1, 30.0


def _pulse(on_s: float, off_s: float, propellant_kg: float = np.inf) -> AttitudeConfig:
    push = Thruster("pulse", (0.0, 0.0, ARM_M), (1.0, 0.0, 0.0), THRUST_N, on_s, off_s,
                    propellant_kg, ISP_S)  # fmt: skip
    return AttitudeConfig(INERTIA, N_ISS, gravity_gradient=False, cmg=False, thrusters=(push,),
                          dt_s=DT_S)  # fmt: skip


def _at_rest(propellant_kg: float = 1e30) -> np.ndarray:
    """Inertially at rest, body axes on the inertial ones (no LVLH rate: nothing but the
    thruster acts, so the body turns about Y alone and the motion has a closed form)."""
    return np.array([1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, propellant_kg])


def _closed_form(on_s: float, burn_s: float, t_s: float) -> tuple[float, float]:
    """Rate (rad/s) and angle (rad) about Y at ``t_s`` after a pulse of ``burn_s`` from
    ``on_s``: constant acceleration tau / I_y while it fires, then a constant rate."""
    alpha = TAU_N_M / I_Y
    fired = np.clip(t_s - on_s, 0.0, burn_s)
    rate = alpha * fired
    return rate, 0.5 * alpha * fired**2 + rate * max(t_s - on_s - burn_s, 0.0)


@pytest.mark.parametrize(("on_s", "off_s"), [(10.03, 20.07), (10.0, 20.0), (10.05, 10.08)])
def test_pulse_about_a_principal_axis_matches_its_closed_form(on_s, off_s):
    """Off the grid, on it, and a pulse shorter than a step inside one: rate and angle to
    1e-12 of themselves (switching evaluated at stage times errs by ~1e-3 of them here)."""
    hist = simulate(_pulse(on_s, off_s), END_S, DT_S, y0=_at_rest())
    for k in (len(hist.t_s) // 2, -1):
        rate, angle = _closed_form(on_s, off_s - on_s, float(hist.t_s[k]))
        w = hist.omega_body_rad_s[k]
        q = hist.q_ib[k]
        assert w[1] == pytest.approx(rate, rel=1e-12, abs=1e-20)
        assert 2 * np.arctan2(q[2], q[0]) == pytest.approx(angle, rel=1e-12, abs=1e-20)
        assert w[0] == w[2] == 0.0 and q[1] == q[3] == 0.0  # about Y alone


@pytest.mark.parametrize(("on_s", "off_s"), [(10.03, 20.07), (3.0, 27.0)])
def test_propellant_used_is_mdot_times_the_burn_time(on_s, off_s):
    start_kg = 5.0
    hist = simulate(_pulse(on_s, off_s, start_kg), END_S, DT_S, y0=_at_rest(start_kg))
    p = hist.propellant_kg[:, 0]
    t = hist.t_s
    expected = start_kg - MDOT_KG_S * np.clip(t - on_s, 0.0, off_s - on_s)
    np.testing.assert_allclose(p, expected, rtol=1e-14, atol=1e-14)
    assert p[-1] == pytest.approx(start_kg - MDOT_KG_S * (off_s - on_s), rel=1e-14)


def test_a_thruster_stops_exactly_when_its_propellant_runs_out():
    """50 g at 8.84 g/s last 5.66 s: the propellant runs out between grid points, the impulse
    is exactly tau times that, and none is left (not a round-off remainder)."""
    start_kg, on_s = 0.05, 4.02
    burn_s = start_kg / MDOT_KG_S
    assert (on_s + burn_s) % DT_S > 0.01  # off the grid
    hist = simulate(_pulse(on_s, np.inf, start_kg), END_S, DT_S, y0=_at_rest(start_kg))
    rate, angle = _closed_form(on_s, burn_s, END_S)
    assert hist.omega_body_rad_s[-1, 1] == pytest.approx(rate, rel=1e-12)
    assert 2 * np.arctan2(hist.q_ib[-1, 2], hist.q_ib[-1, 0]) == pytest.approx(angle, rel=1e-12)
    assert hist.propellant_kg[-1, 0] == 0.0
    empty = hist.t_s[np.flatnonzero(hist.propellant_kg[:, 0] == 0.0)[0]]
    assert on_s + burn_s <= empty < on_s + burn_s + DT_S  # the first sample after it ran out


def figures_batch_propellant(cfg: AttitudeConfig, y0: np.ndarray) -> float:
    inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero = cfg.arrays()
    out = figures_batch(y0[None], 0.0, DT_S, round(END_S / DT_S), 1, inertia[None], n, gg,
                        thr[None], ctrl[None], rs[None], q_ref, tau, aero, 0.1)  # fmt: skip
    return float(out[0, COLUMNS.index("propellant_kg")])


def test_batched_figures_equal_the_single_run_across_switches():
    """figures_batch integrates the same steps as simulate, switches inside steps included:
    the same peak rate, and mdot times the burn time of propellant used (with a finite tank
    and with the unlimited one's 1e30 kg stand-in, whose mass used is still exact)."""
    used = figures_batch_propellant(_pulse(10.03, 20.07), _at_rest())
    assert used == pytest.approx(MDOT_KG_S * (20.07 - 10.03), rel=1e-14)
    cfg = _pulse(10.03, 20.07, 5.0)
    y0 = _at_rest(5.0)
    hist = simulate(cfg, END_S, DT_S, y0=y0)
    inertia, n, gg, thr, ctrl, rs, q_ref, tau, aero = cfg.arrays()
    out = figures_batch(y0[None], 0.0, DT_S, round(END_S / DT_S), 1, inertia[None], n, gg,
                        thr[None], ctrl[None], rs[None], q_ref, tau, aero, 0.1)  # fmt: skip
    col = {c: i for i, c in enumerate(COLUMNS)}
    assert out[0, col["propellant_kg"]] == pytest.approx(5.0 - hist.propellant_kg[-1, 0], rel=1e-14)
    assert out[0, col["propellant_kg"]] == pytest.approx(MDOT_KG_S * (20.07 - 10.03), rel=1e-14)
    peak = np.linalg.norm(hist.rate_relative_lvlh_rad_s(), axis=1).max()
    assert out[0, col["peak_rate_deg_s"]] == pytest.approx(np.degrees(peak), rel=1e-12)


def test_a_state_without_the_thrusters_propellant_is_refused():
    """The kernels read one propellant per thruster after the 10 body values: a shorter state
    is an input error, not a read past its end."""
    from evasim.errors import EvasimInputError

    with pytest.raises(EvasimInputError, match=r"y0: expected 11 values .* got 10"):
        simulate(_pulse(1.0, 2.0), END_S, DT_S, y0=_at_rest()[:10])
