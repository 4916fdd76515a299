"""Numba kernels: rigid-body attitude with CMGs, gravity gradient, thrusters, RS thruster control.

State ``y = [q_ib (4), omega_b (3, rad/s), h_cmg_b (3, N m s), propellant (k, kg)]``, where
``q_ib`` rotates body vectors into the inertial frame. The inertial frame of the kernel is the
orbit-plane frame of a circular reference orbit (orbital rate ``n``): the station at angle
``n t`` from +X, orbit normal +Z. LVLH (ISS convention): x along velocity, z to nadir, y
opposite the orbit normal. Callers turn kernel attitudes into real frames (GCRS) with the
actual orbit (``evasim.attitude.model``).

Euler's equation with internal momentum: ``I w' = tau_ext + tau_c - w x (I w)``, where the
CMG torque on the body is ``tau_c = -h' - w x h``. Parameters are packed in arrays so one
compiled kernel serves every caller (see ``model.py`` for their meaning).

Integration: fixed-step RK4 with exact switching. The scheduled discontinuities (thrusters
starting and stopping, a thruster's propellant running out, RS controllers joining, a CMG lost)
are known before the run (:func:`schedule`); a step with one strictly inside is split there, and
each (sub)step takes its discrete modes at its midpoint, so a switch anywhere (on the grid or
off it) is integrated without the O(dt) error of evaluating it at the RK4 stage times, while the
smooth terms (the orbit angle) keep each stage's own time. The state-dependent mode (the CMGs
taken out of control after saturating) changes between steps. Propellant drains at a constant
rate while a thruster fires, so it is evaluated in closed form (:func:`propellant_used`).

Control sampling (``ctrl[C_SAMPLED]``, ``AttitudeConfig.control_sampling``): by default the CMG
and RS control laws are evaluated at every RK4 stage (continuous-time control); sampled, they
are computed once at the start of each (sub)step and held over its stages, as a digital
controller at the integrator's rate with a zero-order hold (:func:`_rk4` says what is held).

Speed: the inner loop holds the body state and the parameters as tuples of scalars
(:func:`pack`), so numba keeps them in registers and counts no array references per step (an
atomic increment and decrement per array per step took about half the time before); the
modes are computed only when a switch is crossed or the CMGs change mode, and the orbit angle
costs one sine and cosine per step (the midpoint by the addition formula).
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
    C_SAMPLED,
) = range(14)
N_CTRL = 14
# C_LOSS_T: time (s) from which only the fraction C_LOSS_FRAC of the CMGs' momentum capacity and
# torque remains (a CMG lost); +inf: none lost.
# C_SAMPLED: 0 continuous-time control (the control laws evaluated at every RK4 stage); 1 sampled
# at the integrator's rate (computed at the start of each (sub)step and held over its stages:
# see _rk4).
# thruster row layout: pos(3) dir(3) force t_on t_off mdot
N_THR = 10
# aero: on, rho, speed, cd_area, cp(3)
N_AERO = 7
SWITCH_TOLERANCE = 1e-6
"""A scheduled switch within this fraction of a step of the step's start or end is taken there
(no sliver of a substep; at dt = 0.1 s, 0.1 microsecond)."""
_NO_COMMAND = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
CONTROL_SAMPLING = ("continuous", "step")
"""The control sampling options, in the order of their ``C_SAMPLED`` codes."""


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
def _axpy(x, a, y):
    """``x + a y`` on two 10-tuples (the body state without propellant)."""
    return (
        x[0] + a * y[0], x[1] + a * y[1], x[2] + a * y[2], x[3] + a * y[3], x[4] + a * y[4],
        x[5] + a * y[5], x[6] + a * y[6], x[7] + a * y[7], x[8] + a * y[8], x[9] + a * y[9],
    )  # fmt: skip


@njit(cache=True)
def pack(inertia, ctrl, q_ref, aero, n, gg_on):
    """The run's constant parameters as one tuple of scalars (read in the inner loop: nothing
    there refers to an array, so numba counts no references per step)."""
    inv = np.linalg.inv(inertia)
    return (
        (inertia[0, 0], inertia[0, 1], inertia[0, 2], inertia[1, 0], inertia[1, 1],
         inertia[1, 2], inertia[2, 0], inertia[2, 1], inertia[2, 2]),
        (inv[0, 0], inv[0, 1], inv[0, 2], inv[1, 0], inv[1, 1], inv[1, 2], inv[2, 0], inv[2, 1],
         inv[2, 2]),
        (ctrl[0], ctrl[1], ctrl[2], ctrl[3], ctrl[4], ctrl[5], ctrl[6], ctrl[7], ctrl[8],
         ctrl[9], ctrl[10], ctrl[11], ctrl[12], ctrl[13]),
        (q_ref[0], q_ref[1], q_ref[2], q_ref[3]),
        (aero[0], aero[1], aero[2], aero[3], aero[4], aero[5], aero[6]),
        float(n),
        bool(gg_on),
    )  # fmt: skip


@njit(cache=True)
def check_state(y0, thr):
    """The state must hold one propellant per thruster (the kernels read ``y0[10 + i]``)."""
    if y0.shape[0] != 10 + thr.shape[0]:
        raise ValueError("y0: expected 10 values plus one propellant (kg) per thruster")


@njit(cache=True)
def schedule(t0, y0, thr, rs, ctrl):
    """The scheduled discontinuities of a run starting at ``t0`` (s) from state ``y0``.

    Returns ``(switch_s, off_s, empty_s)``: the sorted finite switch times after ``t0``
    (thruster starts and stops, RS controllers joining, the CMG loss), each thruster's off time
    (its stop, or the moment its propellant ``y0[10 + i]`` (kg) runs out at ``mdot`` from
    ``max(start, t0)``, whichever is first) and the time its propellant runs out (+inf if its
    stop comes first). Propellant only drains while a thruster fires at its constant ``mdot``,
    so the moment it runs out is known in advance and is a switch like the others."""
    k = thr.shape[0]
    off = np.empty(k)
    empty = np.full(k, np.inf)
    times = np.empty(2 * k + rs.shape[0] + 1)
    for i in range(k):
        if thr[i, 9] > 0:
            out = max(thr[i, 7], t0) + y0[10 + i] / thr[i, 9]
            if out < thr[i, 8]:
                empty[i] = out
        off[i] = min(thr[i, 8], empty[i])
        times[2 * i], times[2 * i + 1] = thr[i, 7], off[i]
    for j in range(rs.shape[0]):
        times[2 * k + j] = rs[j, 0]
    times[-1] = ctrl[C_LOSS_T]
    switch = np.empty(times.shape[0])
    c = 0
    for x in times:  # the finite ones after t0, by insertion (a handful: no np.sort to compile)
        if np.isfinite(x) and x > t0:
            p = c
            while p > 0 and switch[p - 1] > x:
                switch[p] = switch[p - 1]
                p -= 1
            switch[p] = x
            c += 1
    return switch[:c], off, empty


@njit(cache=True)
def _modes(tm, cmg_active, thr, off_s, ctrl, rs, tau_const):
    """The discrete modes at time ``tm`` (a (sub)step's midpoint): whether the CMGs control,
    their working share, the RS thrusters' torque limit and mode (0 off, 1 attitude control, 2
    CMG desaturation), and the constant body torque (the constant one plus the thrusters
    firing, N m)."""
    share = _cmg_share(ctrl, tm)
    tmax_rs = 0.0
    for j in range(rs.shape[0]):
        if tm >= rs[j, 0]:
            tmax_rs += rs[j, 1]
    cmg_ctl = ctrl[C_CMG_ON] > 0 and cmg_active
    rs_mode = 0
    if tmax_rs > 0:
        if (not cmg_active) or ctrl[C_RS_ALWAYS] > 0 or ctrl[C_CMG_ON] <= 0:
            rs_mode = 1
        elif ctrl[C_DESAT] > 0:
            rs_mode = 2
    tx, ty, tz = tau_const[0], tau_const[1], tau_const[2]
    for i in range(thr.shape[0]):
        if thr[i, 7] <= tm < off_s[i]:
            f = thr[i, 6]
            fx, fy, fz = f * thr[i, 3], f * thr[i, 4], f * thr[i, 5]
            px, py, pz = thr[i, 0], thr[i, 1], thr[i, 2]
            tx += py * fz - pz * fy
            ty += pz * fx - px * fz
            tz += px * fy - py * fx
    return cmg_ctl, share, tmax_rs, rs_mode, tx, ty, tz


@njit(cache=True, inline="always")
def _deriv(s, ch, sh, modes, par, held, use_held):
    """Time derivative of the body state ``s`` (10-tuple: q_ib, omega_b, h_cmg_b) as a
    10-tuple, and the control commands it used as a 6-tuple: the CMG array's momentum rate
    ``h'`` (N m, body axes, after the torque limit and the capacity projection) and the RS
    thrusters' torque on the body (N m). ``ch, sh``: cosine and sine of half the orbit angle
    ``n t`` at the stage's time; ``modes``: the (sub)step's discrete modes (:func:`_modes`);
    ``par``: :func:`pack`. ``use_held``: take the commands from ``held`` (a sampled controller
    holding them) instead of evaluating the control laws on ``s``."""
    cmg_ctl, share, tmax_rs, rs_mode, tx, ty, tz = modes
    inertia, inv, ctrl, q_ref, aero, n, gg_on = par
    q0, q1, q2, q3, w0, w1, w2, h0, h1, h2 = s
    i00, i01, i02, i10, i11, i12, i20, i21, i22 = inertia
    # R_ib (body -> inertial)
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = matrix_components(q0, q1, q2, q3)
    c, sn = 1.0 - 2.0 * sh * sh, 2.0 * sh * ch  # cos th, sin th from the half angle
    if gg_on:
        b0 = r00 * c + r10 * sn
        b1 = r01 * c + r11 * sn
        b2 = r02 * c + r12 * sn
        j0 = i00 * b0 + i01 * b1 + i02 * b2
        j1 = i10 * b0 + i11 * b1 + i12 * b2
        j2 = i20 * b0 + i21 * b1 + i22 * b2
        k = 3.0 * n * n
        tx += k * (b1 * j2 - b2 * j1)
        ty += k * (b2 * j0 - b0 * j2)
        tz += k * (b0 * j1 - b1 * j0)
    if use_held:
        hd0, hd1, hd2, f0, f1, f2 = held
        tx += -hd0 - (w1 * h2 - w2 * h1)
        ty += -hd1 - (w2 * h0 - w0 * h2)
        tz += -hd2 - (w0 * h1 - w1 * h0)
        tx += f0
        ty += f1
        tz += f2
    else:  # the continuous law, in the order of the kernel before the option (bit-identical)
        f0, f1, f2 = 0.0, 0.0, 0.0
        ex, ey, ez, ux, uy, uz = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        if cmg_ctl or rs_mode == 1:
            # LVLH: q_il = qz(th) * q_m0, q_m0 = (0.5, -0.5, -0.5, 0.5)
            l0, l1, l2, l3 = mul_components(ch, 0.0, 0.0, sh, 0.5, -0.5, -0.5, 0.5)
            a0, a1, a2, a3 = mul_components(l0, -l1, -l2, -l3, q0, q1, q2, q3)  # q_lb
            e0, e1, e2, e3 = mul_components(
                q_ref[0], -q_ref[1], -q_ref[2], -q_ref[3], a0, a1, a2, a3
            )
            sgn = 2.0 if e0 >= 0 else -2.0
            ex, ey, ez = sgn * e1, sgn * e2, sgn * e3
            # rate error: body rate minus LVLH rate (n about inertial +Z) in body axes
            ux, uy, uz = w0 - n * r20, w1 - n * r21, w2 - n * r22
        hd0, hd1, hd2 = 0.0, 0.0, 0.0
        cx = w1 * h2 - w2 * h1
        cy = w2 * h0 - w0 * h2
        cz = w0 * h1 - w1 * h0
        if cmg_ctl:
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
        if rs_mode == 1:
            kp, kd = ctrl[C_RS_KP], ctrl[C_RS_KD]
            # rate-limited PD: track the rate command -kp/kd e, at most C_RS_MAXRATE
            c0, c1, c2 = _clip3(
                -kp / kd * ex,
                -kp / kd * ey,
                -kp / kd * ez,
                ctrl[C_RS_MAXRATE] if ctrl[C_RS_MAXRATE] > 0 else -1.0,
            )
            v0, v1, v2 = kd * (ux - c0), kd * (uy - c1), kd * (uz - c2)
            f0, f1, f2 = _clip3(
                -(i00 * v0 + i01 * v1 + i02 * v2),
                -(i10 * v0 + i11 * v1 + i12 * v2),
                -(i20 * v0 + i21 * v1 + i22 * v2),
                tmax_rs,
            )
            tx += f0
            ty += f1
            tz += f2
        elif rs_mode == 2:
            hn = np.sqrt(h0 * h0 + h1 * h1 + h2 * h2)
            if hn > ctrl[C_DESAT] * ctrl[C_CAP]:
                f0, f1, f2 = -(tmax_rs * h0 / hn), -(tmax_rs * h1 / hn), -(tmax_rs * h2 / hn)
                tx += f0
                ty += f1
                tz += f2
    if aero[0] > 0:
        vb0 = -r00 * sn + r10 * c
        vb1 = -r01 * sn + r11 * c
        vb2 = -r02 * sn + r12 * c
        f = -0.5 * aero[1] * aero[2] ** 2 * aero[3]
        fx, fy, fz = f * vb0, f * vb1, f * vb2
        px, py, pz = aero[4], aero[5], aero[6]
        tx += py * fz - pz * fy
        ty += pz * fx - px * fz
        tz += px * fy - py * fx
    p0, p1, p2, p3 = mul_components(q0, q1, q2, q3, 0.0, w0, w1, w2)
    iw0 = i00 * w0 + i01 * w1 + i02 * w2
    iw1 = i10 * w0 + i11 * w1 + i12 * w2
    iw2 = i20 * w0 + i21 * w1 + i22 * w2
    g0 = tx - (w1 * iw2 - w2 * iw1)
    g1 = ty - (w2 * iw0 - w0 * iw2)
    g2 = tz - (w0 * iw1 - w1 * iw0)
    return (
        0.5 * p0,
        0.5 * p1,
        0.5 * p2,
        0.5 * p3,
        inv[0] * g0 + inv[1] * g1 + inv[2] * g2,
        inv[3] * g0 + inv[4] * g1 + inv[5] * g2,
        inv[6] * g0 + inv[7] * g1 + inv[8] * g2,
        hd0,
        hd1,
        hd2,
    ), (hd0, hd1, hd2, f0, f1, f2)


@njit(cache=True)
def _rhs(
    t, y, dy, cmg_active, inertia, inertia_inv, n, gg_on, thr, ctrl, rs, q_ref, tau_const, aero
):
    """Time derivative of the state ``y`` into ``dy`` at time ``t`` (s), the discrete modes
    taken at ``t`` (a thruster fires while its propellant in ``y`` lasts). ``inertia_inv`` is
    not read (kept for callers: the inverse is computed here)."""
    k = thr.shape[0]
    off = np.empty(k)
    for i in range(k):
        off[i] = thr[i, 8] if y[10 + i] > 0.0 else -np.inf
    modes = _modes(t, cmg_active, thr, off, ctrl, rs, tau_const)
    half = 0.5 * n * t
    s = (y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[8], y[9])
    par = pack(inertia, ctrl, q_ref, aero, n, gg_on)
    d, _ = _deriv(s, np.cos(half), np.sin(half), modes, par, _NO_COMMAND, False)
    for i in range(10):
        dy[i] = d[i]
    for i in range(k):
        dy[10 + i] = -thr[i, 9] if thr[i, 7] <= t < off[i] else 0.0


@njit(cache=True)
def _rk4(a, b, s, trig, modes, par):
    """One RK4 step of the body state ``s`` from time ``a`` to ``b`` (s) with fixed modes, then
    the quaternion renormalised and the gimbal stop applied; returns the new state. ``trig``:
    (cos, sin) of half the orbit angle at a, (a + b) / 2 and b. The four stages share one call
    site of :func:`_deriv`, so numba inlines it once (four copies would quadruple the compile
    time); the weighted sum k1 + 2 k2 + 2 k3 + k4 is accumulated in that order. Not inlined
    into its callers: one compiled copy serves them all (inlined, it ran ~20 % faster and
    doubled the kernels' compile time).

    Control sampling (``C_SAMPLED``): continuous, the control laws are evaluated at every
    stage; sampled, at the first stage only (the state at ``a``), and the two commands are held
    over the other three: the CMG array's momentum rate ``h'`` in body axes (the PD torque after
    the torque limit, minus ``w x h`` at ``a``, minus its outward part if the array is at
    capacity at ``a``: what a digital controller sends to the array, as a wheel's motor torque)
    and the RS thrusters' torque on the body. The body still gets ``-h' - w x h`` with each
    stage's own ``w`` and ``h`` (momentum is exchanged, not created); gravity gradient, drag and
    the thrusters keep each stage's state and time, and the gimbal stop still acts after the
    step."""
    ca, sa, cm, sm, cb, sb = trig
    dt = b - a
    zero = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    k, acc = zero, zero
    sampled = par[2][C_SAMPLED] > 0
    held = _NO_COMMAND
    for stage in range(4):
        if stage == 0:
            h, w, ch, sh = 0.0, 1.0, ca, sa
        elif stage == 1:
            h, w, ch, sh = dt / 2, 2.0, cm, sm
        elif stage == 2:
            h, w, ch, sh = dt / 2, 2.0, cm, sm
        else:
            h, w, ch, sh = dt, 1.0, cb, sb
        k, command = _deriv(_axpy(s, h, k), ch, sh, modes, par, held, sampled and stage > 0)
        if stage == 0:
            held = command
        acc = _axpy(acc, w, k)
    q0, q1, q2, q3, w0, w1, w2, h0, h1, h2 = _axpy(s, dt / 6, acc)
    qn = np.sqrt(q0**2 + q1**2 + q2**2 + q3**2)
    q0, q1, q2, q3 = q0 / qn, q1 / qn, q2 / qn, q3 / qn
    # gimbal stop: momentum beyond capacity goes into the body (total momentum conserved)
    inv, ctrl = par[1], par[2]
    if ctrl[C_CMG_ON] > 0:
        cap = ctrl[C_CAP] * _cmg_share(ctrl, b)
        hn = np.sqrt(h0**2 + h1**2 + h2**2)
        if hn > cap:
            f = 1.0 - cap / hn
            x0, x1, x2 = h0 * f, h1 * f, h2 * f
            h0, h1, h2 = h0 - x0, h1 - x1, h2 - x2
            w0 += inv[0] * x0 + inv[1] * x1 + inv[2] * x2
            w1 += inv[3] * x0 + inv[4] * x1 + inv[5] * x2
            w2 += inv[6] * x0 + inv[7] * x1 + inv[8] * x2
    return q0, q1, q2, q3, w0, w1, w2, h0, h1, h2


@njit(cache=True, inline="always")
def _whole_step(t, te, s, ca, sa, cd, sd, modes, par):
    """One RK4 step from ``t`` to ``te`` (s) with no switch inside, in scalars only (so numba
    counts no array references per step). ``ca, sa``: cos and sin of half the orbit angle at
    ``t``; ``cd, sd``: of a quarter of the angle swept in a step (the midpoint's by the
    addition formula). Returns the state and the cos, sin at ``te``."""
    cm, sm = ca * cd - sa * sd, sa * cd + ca * sd
    half = 0.5 * par[5] * te
    cb, sb = np.cos(half), np.sin(half)
    return _rk4(t, te, s, (ca, sa, cm, sm, cb, sb), modes, par), cb, sb


@njit(cache=True)
def advance(
    t, te, s, ca, sa, cd, sd, at, switch_s, off_s, tol, cmg_active, thr, ctrl, rs, tau_const,
    par,
):  # fmt: skip
    """Integrate the body state ``s`` (10-tuple) from ``t`` to ``te`` (s) across scheduled
    switches: one RK4 step split at every switch strictly inside (``switch_s[at:]``, sorted; a
    switch within ``tol`` of a boundary is taken at it), each (sub)step with the discrete modes
    of its midpoint, so a switch is integrated exactly wherever it falls; the orbit angle takes
    each stage's own time. Returns the state, the index of the next switch, the cos, sin of
    half the orbit angle at ``te`` and the modes of the last (sub)step (valid until the next
    switch or change of ``cmg_active``)."""
    nsw = switch_s.shape[0]
    while at < nsw and switch_s[at] <= t + tol:
        at += 1
    n = par[5]
    a = t
    while True:
        b = te
        if at < nsw and switch_s[at] < te - tol:
            b = switch_s[at]
            while at < nsw and switch_s[at] <= b + tol:
                at += 1
        modes = _modes(0.5 * (a + b), cmg_active, thr, off_s, ctrl, rs, tau_const)
        if a == t and b == te:  # a whole step: as _whole_step
            cm, sm = ca * cd - sa * sd, sa * cd + ca * sd
        else:
            half_m = 0.25 * n * (a + b)
            cm, sm = np.cos(half_m), np.sin(half_m)
        half_b = 0.5 * n * b
        cb, sb = np.cos(half_b), np.sin(half_b)
        s = _rk4(a, b, s, (ca, sa, cm, sm, cb, sb), modes, par)
        a, ca, sa = b, cb, sb
        if b == te:
            return s, at, ca, sa, modes


@njit(cache=True)
def propellant_used(t, t0, y0, thr, off_s, empty_s, tol, out):
    """Propellant (kg) each thruster has used from ``t0`` to ``t`` (s), into ``out``, in closed
    form: it drains at the constant ``mdot`` while the thruster fires (from ``max(start, t0)``
    to its off time, see :func:`schedule`), so the mass used is ``mdot`` times the burn time,
    and all of it (``y0[10 + i]``) from the moment it runs out."""
    for i in range(thr.shape[0]):
        if t >= empty_s[i] - tol:
            out[i] = y0[10 + i]
        else:
            burn = min(t, off_s[i]) - max(thr[i, 7], t0)
            out[i] = min(thr[i, 9] * burn, y0[10 + i]) if burn > 0 else 0.0


@njit(cache=True)
def simulate(
    y0, t0, dt, steps, out_every, inertia, n, gg_on, thr, ctrl, rs, q_ref, tau_const, aero
):
    """Integrate one run. Returns (t, y, cmg_active) sampled every ``out_every`` steps."""
    check_state(y0, thr)
    par = pack(inertia, ctrl, q_ref, aero, n, gg_on)
    ctl = par[2]
    switch_s, off_s, empty_s = schedule(t0, y0, thr, rs, ctrl)
    nsw = switch_s.shape[0]
    tol = SWITCH_TOLERANCE * dt
    n_out = steps // out_every + 1
    ts = np.empty(n_out)
    ys = np.empty((n_out, y0.shape[0]))
    modes_out = np.empty(n_out, dtype=np.bool_)
    used = np.empty(thr.shape[0])
    s = (y0[0], y0[1], y0[2], y0[3], y0[4], y0[5], y0[6], y0[7], y0[8], y0[9])
    t = t0
    ca, sa = np.cos(0.5 * n * t0), np.sin(0.5 * n * t0)
    cd, sd = np.cos(0.25 * n * dt), np.sin(0.25 * n * dt)
    at, next_s, fresh = 0, -np.inf, False
    modes = _modes(t0, False, thr, off_s, ctrl, rs, tau_const)  # replaced at the first step
    cmg_active = ctl[C_CMG_ON] > 0
    sat_since = -1.0
    ts[0] = t
    ys[0] = y0
    modes_out[0] = cmg_active
    j = 1
    for i in range(1, steps + 1):
        te = t0 + i * dt
        if fresh and next_s > te - tol:  # no switch reached: the modes still hold
            s, ca, sa = _whole_step(t, te, s, ca, sa, cd, sd, modes, par)
        else:
            s, at, ca, sa, modes = advance(t, te, s, ca, sa, cd, sd, at, switch_s, off_s, tol,
                                           cmg_active, thr, ctrl, rs, tau_const, par)  # fmt: skip
            next_s, fresh = switch_s[at] if at < nsw else np.inf, True
        t = te
        if cmg_active:
            hn = np.sqrt(s[7] ** 2 + s[8] ** 2 + s[9] ** 2)
            if hn >= ctl[C_CAP] * _cmg_share(ctl, t) * (1.0 - 1e-6):
                if sat_since < 0:
                    sat_since = t
                if ctl[C_HANDOVER] >= 0 and t - sat_since >= ctl[C_HANDOVER]:
                    cmg_active, fresh = False, False
            else:
                sat_since = -1.0
        if i % out_every == 0:
            ts[j] = t
            for c in range(10):
                ys[j, c] = s[c]
            if used.shape[0]:
                propellant_used(t, t0, y0, thr, off_s, empty_s, tol, used)
                for c in range(used.shape[0]):
                    ys[j, 10 + c] = y0[10 + c] - used[c]
            modes_out[j] = cmg_active
            j += 1
    return ts[:j], ys[:j], modes_out[:j]


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
