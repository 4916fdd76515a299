"""Many dispersed runs of the attitude kernel at once, each reduced to its event figures on the
fly (numba, parallel over runs): no per-run history is kept, so 10,000 runs need a few MB.

The figures are those of :func:`evasim.attitude.event.figures` (same definitions, same 1-s
sampling: the tests compare them to 1e-9 on a full history) plus a few a Monte Carlo needs:

=====================  ==================================================================
column                 meaning (units)
=====================  ==================================================================
peak_rate_deg_s        largest body rate relative to LVLH (deg/s) at the output samples
peak_rate_s            when (s from the run's start)
total_change_deg       largest unwrapped rotation about body Y from the commanded attitude
max_excursion_deg      largest angle between the body axes and LVLH (0..180 deg)
regained_s             last downward crossing of 5 deg error (NaN: still beyond at the end)
max_h_cmg_n_m_s        largest CMG momentum norm
cmg_saturated_s        time with the CMGs at their (working) capacity (s, integrator steps)
handover_s             when the CMGs were taken out of control (NaN: never)
propellant_kg          propellant used by the scenario's thrusters (kg)
final_error_deg        error from the commanded attitude at the end (deg)
=====================  ==================================================================
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernel import (
    C_CAP,
    C_CMG_ON,
    C_HANDOVER,
    SWITCH_TOLERANCE,
    _cmg_share,
    _modes,
    _whole_step,
    advance,
    check_state,
    pack,
    propellant_used,
    schedule,
)
from .quaternion import matrix_components, mul_components

COLUMNS = (
    "peak_rate_deg_s",
    "peak_rate_s",
    "total_change_deg",
    "max_excursion_deg",
    "regained_s",
    "max_h_cmg_n_m_s",
    "cmg_saturated_s",
    "handover_s",
    "propellant_kg",
    "final_error_deg",
)
N_COLUMNS = len(COLUMNS)


@njit(cache=True, inline="always")
def _wrap(d):
    """numpy.unwrap's correction of one step (period 2 pi)."""
    dd = (d + np.pi) % (2 * np.pi) - np.pi
    if dd == -np.pi and d > 0:
        dd = np.pi
    return d if abs(d) < np.pi else dd


@njit(cache=True)
def run_figures(
    y0, t0, dt, steps, out_every, inertia, n, gg_on, thr, ctrl, rs, q_ref, tau, aero, limit_rad, out
):
    """Integrate one run (as :func:`evasim.attitude.kernel.simulate`) and write its figures
    (:data:`COLUMNS`, degrees and seconds) into ``out``."""
    check_state(y0, thr)
    par = pack(inertia, ctrl, q_ref, aero, n, gg_on)
    ctl = par[2]
    switch_s, off_s, empty_s = schedule(t0, y0, thr, rs, ctrl)
    nsw = switch_s.shape[0]
    tol = SWITCH_TOLERANCE * dt
    s = (y0[0], y0[1], y0[2], y0[3], y0[4], y0[5], y0[6], y0[7], y0[8], y0[9])
    ca, sa = np.cos(0.5 * n * t0), np.sin(0.5 * n * t0)
    cd, sd = np.cos(0.25 * n * dt), np.sin(0.25 * n * dt)
    at, next_s, fresh = 0, -np.inf, False
    modes = _modes(t0, False, thr, off_s, ctrl, rs, tau)  # replaced at the first step
    cmg_active = ctl[C_CMG_ON] > 0
    sat_since = -1.0
    sat_total = 0.0
    handover = np.nan
    peak, peak_t, change, excursion, hmax = -1.0, t0, 0.0, 0.0, 0.0
    about_prev_raw, about = 0.0, 0.0
    last_high, err_last_high, err_after, t_after = -1.0, 0.0, 0.0, 0.0
    err = 0.0
    prev_high = False
    t = t0
    for i in range(0, steps + 1):
        if i > 0:  # the step of kernel.simulate
            te = t0 + i * dt
            if fresh and next_s > te - tol:
                s, ca, sa = _whole_step(t, te, s, ca, sa, cd, sd, modes, par)
            else:
                s, at, ca, sa, modes = advance(t, te, s, ca, sa, cd, sd, at, switch_s,
                                               off_s, tol, cmg_active, thr, ctrl, rs, tau,
                                               par)  # fmt: skip
                next_s, fresh = switch_s[at] if at < nsw else np.inf, True
            t = te
            hn = np.sqrt(s[7] ** 2 + s[8] ** 2 + s[9] ** 2)
            saturated = ctl[C_CMG_ON] > 0 and hn >= ctl[C_CAP] * _cmg_share(ctl, t) * (1.0 - 1e-6)
            if saturated:
                sat_total += dt
            if cmg_active:
                if saturated:
                    if sat_since < 0:
                        sat_since = t
                    if ctl[C_HANDOVER] >= 0 and t - sat_since >= ctl[C_HANDOVER]:
                        cmg_active, fresh = False, False
                        handover = t
                else:
                    sat_since = -1.0
        if i % out_every != 0:
            continue
        # attitude relative to LVLH: q_lb = conj(q_il) q_ib, q_il = qz(n t) q_m0
        ch, sh = ca, sa  # cos, sin of half the orbit angle at t
        l0, l1, l2, l3 = mul_components(ch, 0.0, 0.0, sh, 0.5, -0.5, -0.5, 0.5)
        a0, a1, a2, a3 = mul_components(l0, -l1, -l2, -l3, s[0], s[1], s[2], s[3])
        if a0 < 0:
            a0, a1, a2, a3 = -a0, -a1, -a2, -a3
        excursion = max(excursion, 2 * np.arccos(min(abs(a0), 1.0)))
        e0, _, e2, _ = mul_components(q_ref[0], -q_ref[1], -q_ref[2], -q_ref[3], a0, a1, a2, a3)
        raw = 2 * np.arctan2(e2, e0)
        if i == 0:
            about = raw
        else:
            about += _wrap(raw - about_prev_raw)
        about_prev_raw = raw
        change = max(change, abs(about))
        err = 2 * np.arccos(min(abs(e0), 1.0))
        # rate relative to LVLH in body axes: w - R_ib^T (0, 0, n)
        _, _, _, _, _, _, r20, r21, r22 = matrix_components(s[0], s[1], s[2], s[3])
        ux, uy, uz = s[4] - n * r20, s[5] - n * r21, s[6] - n * r22
        rate = np.sqrt(ux * ux + uy * uy + uz * uz)
        if rate > peak:
            peak, peak_t = rate, t
        hmax = max(hmax, np.sqrt(s[7] ** 2 + s[8] ** 2 + s[9] ** 2))
        if prev_high and err <= limit_rad:  # first sample back below after a high one
            err_after, t_after = err, t
        high = err > limit_rad
        if high:
            last_high, err_last_high = t, err
        prev_high = high
    each = np.empty(thr.shape[0])
    propellant_used(t, t0, y0, thr, off_s, empty_s, tol, each)
    used = each.sum()
    if last_high < 0:
        regained = t0
    elif prev_high:
        regained = np.nan
    else:
        frac = (err_last_high - limit_rad) / (err_last_high - err_after)
        regained = last_high + frac * (t_after - last_high)
    out[0] = np.degrees(peak)
    out[1] = peak_t
    out[2] = np.degrees(change)
    out[3] = np.degrees(excursion)
    out[4] = regained
    out[5] = hmax
    out[6] = sat_total
    out[7] = handover
    out[8] = used
    out[9] = np.degrees(err)


@njit(cache=True, parallel=True)
def figures_batch(
    y0s, t0, dt, steps, out_every, inertias, n, gg_on, thrs, ctrls, rss, q_ref, tau, aero, limit_rad
):
    """Figures of N runs (per-run initial state, inertia, thruster rows, control array and RS
    controllers), in parallel over runs: (N, :data:`N_COLUMNS`)."""
    runs = y0s.shape[0]
    out = np.empty((runs, N_COLUMNS))
    for r in prange(runs):
        run_figures(y0s[r], t0, dt, steps, out_every, inertias[r], n, gg_on, thrs[r], ctrls[r],
                    rss[r], q_ref, tau, aero, limit_rad, out[r])  # fmt: skip
    return out
