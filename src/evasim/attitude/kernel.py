"""Numba kernels: rigid-body attitude with CMGs, gravity gradient, thrusters, RS thruster control.

State ``y = [q_ib (4), omega_b (3, rad/s), h_cmg_b (3, N m s), propellant (k, kg)]``, where
``q_ib`` rotates body vectors into the inertial frame. The inertial frame of the kernel is the
orbit-plane frame of a circular reference orbit (orbital rate ``n``): the station at angle
``n t`` from +X, orbit normal +Z. LVLH (ISS convention): x along velocity, z to nadir, y
opposite the orbit normal. Callers turn kernel attitudes into real frames (GCRS) with the
actual orbit (``evasim.attitude.model``).

Euler's equation with internal momentum: ``I w' = tau_ext + tau_c - w x (I w)``, where the
CMG torque on the body is ``tau_c = -h' - w x h``. Fixed-step RK4; discrete modes (CMGs
active or not) change between steps. Parameters are packed in arrays so one compiled kernel
serves every caller (see ``model.py`` for their meaning).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .quaternion import from_matrix_one, matrix_components, mul_components

# ctrl array layout
(
    C_CMG_ON,
    C_CAP,
    C_TMAX,
    C_KP,
    C_KD,
    C_RS_KP,
    C_RS_KD,
    C_HANDOVER,
    C_RS_ALWAYS,
    C_DESAT,
    C_RS_MAXRATE,
    C_LOSS_T,
    C_LOSS_FRAC,
) = range(13)
N_CTRL = 13
# C_LOSS_T: time (s) from which only the fraction C_LOSS_FRAC of the CMGs' momentum capacity and
# torque remains (a CMG lost); +inf: none lost.
# thruster row layout: pos(3) dir(3) force t_on t_off mdot
N_THR = 10
# aero: on, rho, speed, cd_area, cp(3)
N_AERO = 7


@njit(cache=True)
def lvlh_quaternion(n, t):
    """q_il: LVLH axes in the kernel's inertial frame at time t."""
    th = n * t
    # columns: x = velocity dir, y = -orbit normal, z = -radial
    c, s = np.cos(th), np.sin(th)
    return from_matrix_one(np.array([[-s, 0.0, -c], [c, 0.0, -s], [0.0, -1.0, 0.0]]))


@njit(cache=True, inline="always")
def _cmg_share(ctrl, t):
    """Share of the CMG array still working at time t (1 before a loss)."""
    return ctrl[C_LOSS_FRAC] if t >= ctrl[C_LOSS_T] else 1.0


@njit(cache=True, inline="always")
def _clip3(x, y, z, limit):
    nrm = np.sqrt(x * x + y * y + z * z)
    if limit >= 0.0 and nrm > limit:
        f = limit / nrm
        return x * f, y * f, z * f
    return x, y, z


@njit(cache=True, inline="always")
def _rhs(
    t, y, dy, cmg_active, inertia, inertia_inv, n, gg_on, thr, ctrl, rs, q_ref, tau_const, aero
):
    """Time derivative of the state into ``dy`` (scalar code: no allocation per call)."""
    q0, q1, q2, q3 = y[0], y[1], y[2], y[3]
    w0, w1, w2 = y[4], y[5], y[6]
    h0, h1, h2 = y[7], y[8], y[9]
    i00, i01, i02 = inertia[0, 0], inertia[0, 1], inertia[0, 2]
    i10, i11, i12 = inertia[1, 0], inertia[1, 1], inertia[1, 2]
    i20, i21, i22 = inertia[2, 0], inertia[2, 1], inertia[2, 2]
    # R_ib (body -> inertial)
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = matrix_components(q0, q1, q2, q3)
    th = n * t
    ch, sh = np.cos(th / 2), np.sin(th / 2)
    c, s = 1.0 - 2.0 * sh * sh, 2.0 * sh * ch  # cos th, sin th from the half angle
    tx, ty, tz = tau_const[0], tau_const[1], tau_const[2]
    if gg_on:
        b0 = r00 * c + r10 * s
        b1 = r01 * c + r11 * s
        b2 = r02 * c + r12 * s
        j0 = i00 * b0 + i01 * b1 + i02 * b2
        j1 = i10 * b0 + i11 * b1 + i12 * b2
        j2 = i20 * b0 + i21 * b1 + i22 * b2
        k = 3.0 * n * n
        tx += k * (b1 * j2 - b2 * j1)
        ty += k * (b2 * j0 - b0 * j2)
        tz += k * (b0 * j1 - b1 * j0)
    # LVLH: q_il = qz(th) * q_m0, q_m0 = (0.5, -0.5, -0.5, 0.5)
    l0, l1, l2, l3 = mul_components(ch, 0.0, 0.0, sh, 0.5, -0.5, -0.5, 0.5)
    a0, a1, a2, a3 = mul_components(l0, -l1, -l2, -l3, q0, q1, q2, q3)  # q_lb
    e0, e1, e2, e3 = mul_components(q_ref[0], -q_ref[1], -q_ref[2], -q_ref[3], a0, a1, a2, a3)
    sgn = 2.0 if e0 >= 0 else -2.0
    ex, ey, ez = sgn * e1, sgn * e2, sgn * e3
    # rate error: body rate minus LVLH rate (n about inertial +Z) in body axes
    ux, uy, uz = w0 - n * r20, w1 - n * r21, w2 - n * r22
    hd0, hd1, hd2 = 0.0, 0.0, 0.0
    cx = w1 * h2 - w2 * h1
    cy = w2 * h0 - w0 * h2
    cz = w0 * h1 - w1 * h0
    if ctrl[C_CMG_ON] > 0 and cmg_active:
        share = _cmg_share(ctrl, t)
        kp, kd = ctrl[C_KP], ctrl[C_KD]
        v0, v1, v2 = kp * ex + kd * ux, kp * ey + kd * uy, kp * ez + kd * uz
        m0, m1, m2 = _clip3(
            -(i00 * v0 + i01 * v1 + i02 * v2),
            -(i10 * v0 + i11 * v1 + i12 * v2),
            -(i20 * v0 + i21 * v1 + i22 * v2),
            ctrl[C_TMAX] * share,
        )
        hd0, hd1, hd2 = -m0 - cx, -m1 - cy, -m2 - cz
        hn = np.sqrt(h0 * h0 + h1 * h1 + h2 * h2)
        if hn >= ctrl[C_CAP] * share * (1.0 - 1e-9):
            along = (hd0 * h0 + hd1 * h1 + hd2 * h2) / hn
            if along > 0:
                hd0 -= along * h0 / hn
                hd1 -= along * h1 / hn
                hd2 -= along * h2 / hn
    tx += -hd0 - cx
    ty += -hd1 - cy
    tz += -hd2 - cz
    tmax_rs = 0.0
    for j in range(rs.shape[0]):
        if t >= rs[j, 0]:
            tmax_rs += rs[j, 1]
    if tmax_rs > 0:
        if (not cmg_active) or ctrl[C_RS_ALWAYS] > 0 or ctrl[C_CMG_ON] <= 0:
            kp, kd = ctrl[C_RS_KP], ctrl[C_RS_KD]
            # rate-limited PD: track the rate command -kp/kd e, at most C_RS_MAXRATE
            c0, c1, c2 = _clip3(
                -kp / kd * ex,
                -kp / kd * ey,
                -kp / kd * ez,
                ctrl[C_RS_MAXRATE] if ctrl[C_RS_MAXRATE] > 0 else -1.0,
            )
            v0, v1, v2 = kd * (ux - c0), kd * (uy - c1), kd * (uz - c2)
            m0, m1, m2 = _clip3(
                -(i00 * v0 + i01 * v1 + i02 * v2),
                -(i10 * v0 + i11 * v1 + i12 * v2),
                -(i20 * v0 + i21 * v1 + i22 * v2),
                tmax_rs,
            )
            tx += m0
            ty += m1
            tz += m2
        elif ctrl[C_DESAT] > 0:
            hn = np.sqrt(h0 * h0 + h1 * h1 + h2 * h2)
            if hn > ctrl[C_DESAT] * ctrl[C_CAP]:
                tx -= tmax_rs * h0 / hn
                ty -= tmax_rs * h1 / hn
                tz -= tmax_rs * h2 / hn
    for i in range(thr.shape[0]):
        dy[10 + i] = 0.0
        if thr[i, 7] <= t < thr[i, 8] and y[10 + i] > 0.0:
            f = thr[i, 6]
            fx, fy, fz = f * thr[i, 3], f * thr[i, 4], f * thr[i, 5]
            px, py, pz = thr[i, 0], thr[i, 1], thr[i, 2]
            tx += py * fz - pz * fy
            ty += pz * fx - px * fz
            tz += px * fy - py * fx
            dy[10 + i] = -thr[i, 9]
    if aero[0] > 0:
        vb0 = -r00 * s + r10 * c
        vb1 = -r01 * s + r11 * c
        vb2 = -r02 * s + r12 * c
        f = -0.5 * aero[1] * aero[2] ** 2 * aero[3]
        fx, fy, fz = f * vb0, f * vb1, f * vb2
        px, py, pz = aero[4], aero[5], aero[6]
        tx += py * fz - pz * fy
        ty += pz * fx - px * fz
        tz += px * fy - py * fx
    p0, p1, p2, p3 = mul_components(q0, q1, q2, q3, 0.0, w0, w1, w2)
    dy[0], dy[1], dy[2], dy[3] = 0.5 * p0, 0.5 * p1, 0.5 * p2, 0.5 * p3
    iw0 = i00 * w0 + i01 * w1 + i02 * w2
    iw1 = i10 * w0 + i11 * w1 + i12 * w2
    iw2 = i20 * w0 + i21 * w1 + i22 * w2
    g0 = tx - (w1 * iw2 - w2 * iw1)
    g1 = ty - (w2 * iw0 - w0 * iw2)
    g2 = tz - (w0 * iw1 - w1 * iw0)
    dy[4] = inertia_inv[0, 0] * g0 + inertia_inv[0, 1] * g1 + inertia_inv[0, 2] * g2
    dy[5] = inertia_inv[1, 0] * g0 + inertia_inv[1, 1] * g1 + inertia_inv[1, 2] * g2
    dy[6] = inertia_inv[2, 0] * g0 + inertia_inv[2, 1] * g1 + inertia_inv[2, 2] * g2
    dy[7], dy[8], dy[9] = hd0, hd1, hd2


@njit(cache=True, inline="always")
def _step(
    t,
    y,
    dt,
    cmg_active,
    inertia,
    inertia_inv,
    n,
    gg_on,
    thr,
    ctrl,
    rs,
    q_ref,
    tau_c,
    aero,
    k1,
    k2,
    k3,
    k4,
    tmp,
):
    """One RK4 step from ``y`` (updated in place). The four stages share one call site of
    :func:`_rhs`, so numba inlines it once (a call passes ~20 array structs; four inlined copies
    would quadruple the compile time)."""
    m = y.shape[0]
    for stage in range(4):
        if stage == 0:
            k, prev, h, ts = k1, k1, 0.0, t
        elif stage == 1:
            k, prev, h, ts = k2, k1, dt / 2, t + dt / 2
        elif stage == 2:
            k, prev, h, ts = k3, k2, dt / 2, t + dt / 2
        else:
            k, prev, h, ts = k4, k3, dt, t + dt
        for i in range(m):
            tmp[i] = y[i] + h * prev[i] if stage > 0 else y[i]
        _rhs(ts, tmp, k, cmg_active, inertia, inertia_inv, n, gg_on, thr, ctrl, rs, q_ref,
             tau_c, aero)  # fmt: skip
    for i in range(m):
        y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])
    qn = np.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2 + y[3] ** 2)
    for i in range(4):
        y[i] /= qn
    for i in range(10, m):
        if y[i] < 0:
            y[i] = 0.0
    # gimbal stop: momentum beyond capacity goes into the body (total momentum conserved)
    if ctrl[C_CMG_ON] > 0:
        cap = ctrl[C_CAP] * _cmg_share(ctrl, t + dt)
        hn = np.sqrt(y[7] ** 2 + y[8] ** 2 + y[9] ** 2)
        if hn > cap:
            f = 1.0 - cap / hn
            x0, x1, x2 = y[7] * f, y[8] * f, y[9] * f
            y[7] -= x0
            y[8] -= x1
            y[9] -= x2
            for i in range(3):
                y[4 + i] += inertia_inv[i, 0] * x0 + inertia_inv[i, 1] * x1 + inertia_inv[i, 2] * x2


@njit(cache=True)
def simulate(
    y0, t0, dt, steps, out_every, inertia, n, gg_on, thr, ctrl, rs, q_ref, tau_const, aero
):
    """Integrate one run. Returns (t, y, cmg_active) sampled every ``out_every`` steps."""
    inertia_inv = np.linalg.inv(inertia)
    n_out = steps // out_every + 1
    ts = np.empty(n_out)
    ys = np.empty((n_out, y0.shape[0]))
    modes = np.empty(n_out, dtype=np.bool_)
    y = y0.copy()
    m = y.shape[0]
    k1, k2, k3, k4, tmp = (np.empty(m), np.empty(m), np.empty(m), np.empty(m), np.empty(m))
    t = t0
    cmg_active = ctrl[C_CMG_ON] > 0
    sat_since = -1.0
    ts[0] = t
    ys[0] = y
    modes[0] = cmg_active
    j = 1
    for i in range(1, steps + 1):
        _step(
            t,
            y,
            dt,
            cmg_active,
            inertia,
            inertia_inv,
            n,
            gg_on,
            thr,
            ctrl,
            rs,
            q_ref,
            tau_const,
            aero,
            k1,
            k2,
            k3,
            k4,
            tmp,
        )
        t = t0 + i * dt
        if cmg_active:
            hn = np.sqrt(y[7] ** 2 + y[8] ** 2 + y[9] ** 2)
            if hn >= ctrl[C_CAP] * _cmg_share(ctrl, t) * (1.0 - 1e-6):
                if sat_since < 0:
                    sat_since = t
                if ctrl[C_HANDOVER] >= 0 and t - sat_since >= ctrl[C_HANDOVER]:
                    cmg_active = False
            else:
                sat_since = -1.0
        if i % out_every == 0:
            ts[j] = t
            ys[j] = y
            modes[j] = cmg_active
            j += 1
    return ts[:j], ys[:j], modes[:j]


@njit(cache=True, parallel=True)
def simulate_batch(
    y0s, t0, dt, steps, out_every, inertias, n, gg_on, thr, ctrl, rs, q_ref, tau_consts, aero
):
    """N dispersed runs at once (per-run initial state, inertia and constant torque), in
    parallel over runs. Returns sampled states (N, n_out, len(y))."""
    runs = y0s.shape[0]
    n_out = steps // out_every + 1
    out = np.empty((runs, n_out, y0s.shape[1]))
    for r in prange(runs):
        _, ys, _ = simulate(
            y0s[r],
            t0,
            dt,
            steps,
            out_every,
            inertias[r],
            n,
            gg_on,
            thr,
            ctrl,
            rs,
            q_ref,
            tau_consts[r],
            aero,
        )
        out[r] = ys
    return out
