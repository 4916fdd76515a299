"""evasim's CMG attitude hold against Basilisk on a shared case; prints one JSON.

Run (Basilisk is a benchmark-only dependency, kept out of the project's venv)::

    PYTHONPATH=src /path/to/venv-with-bsk/bin/python benchmarks/attitude_vs_basilisk_cmg.py

Without ``bsk`` the script reports evasim's own numbers only.

The case (issue 14 item 6): the rigid body, orbit, gravity gradient and constant body torque of
``benchmarks/attitude_vs_basilisk.py`` (JEOD-like inertia, (2, -5, 1) N m), with evasim's CMG
array holding the torque-equilibrium attitude (TEA) from an initial error of 0.2 deg about
(1, -2, 3), for one hour at 10 Hz (RK4, dt = 0.1 s). The momentum store stays below its
capacity (19,520 N m s) and the commanded torque below its limit (258 N m): both are reported.

evasim's array is an ideal momentum-exchange device: ``h' = -m - w x h`` with ``m`` the PD
torque of the LVLH attitude error, evaluated at every RK4 stage (continuous-time control).
Basilisk gets three orthogonal balanced reaction wheels (``reactionWheelStateEffector``, spin
inertia ``Js`` each, no friction, no torque or speed limits) whose motor torques come from a
Python module (``sysModel.SysModel``) evaluating evasim's own law (``kernel._rhs``: same gains,
same error quaternion, same clipping) on Basilisk's state at each task step.

State mapping. Basilisk's balanced wheels add nothing to the spacecraft's mass properties (the
hub inertia is the whole body's, wheels included) and its equations are, with ``u`` the motor
torques and ``Omega`` the wheel speeds relative to the body,
``(I_hub - Js 1) w' = tau - u - w x (I_hub w + Js Omega)`` and ``Js (Omega' + w) = u``. With
``I = I_hub - Js 1`` and ``h = Js (Omega + w)`` (the wheels' absolute spin momentum) these are
exactly evasim's ``I w' = tau + tau_c - w x I w``, ``tau_c = -h' - w x h``, ``h' = u``. So the
hub gets evasim's inertia plus ``Js`` on the diagonal, the wheels start at ``Omega = -w0`` (no
momentum) and the controller is handed ``h = Js (Omega + w)``: the continuous-time models are
identical for any ``Js``. The naive mapping (hub inertia = evasim's, ``h = Js Omega``) is run
too, to show what the wheels' spin inertia costs when it is not accounted for.

Control sampling: Basilisk's flight software runs once per task step and the wheel effector
holds its torque command over the step (zero-order hold). evasim's ``control_sampling = "step"``
does the same (the array's momentum-rate command ``h'`` computed at the start of each step and
held over its RK4 stages): that is the shared case, and should agree with Basilisk at the same
step to round-off. evasim's default, ``"continuous"``, re-evaluates the law at each RK4 stage
(continuous-time control): against Basilisk the difference of semantics is measured at finer
task rates (it should shrink in proportion to the step). Also reported: evasim's own
right-hand side (``kernel._rhs``) integrated with the same hold by a diagnostic RK4 loop in this
script (written before the kernel had the option; it should equal both), and evasim at 0.1 s
against 0.0125 s (its own integration error). A case that saturates the array (3 deg initial
error: the torque limit is reached at once and the momentum store from ~76 s to ~387 s) is
reported the same way, and again with evasim's gimbal stop (momentum beyond capacity goes into
the body after each RK4 step, as in the kernel) applied to Basilisk's states by the module:
Basilisk's wheels have no such stop, so without it they creep past the capacity under the held
command.

Frames and conventions as in ``attitude_vs_basilisk.py`` (``sigma_BN`` from ``q_ib``; evasim's
LVLH is the analytic circle, Basilisk's gravity gradient uses its integrated point-mass orbit).
Timing: one run each, side by side in one process, best of 3 (evasim after a warm-up call;
Basilisk's time includes building the simulation, its execute-only time is given too).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np

# Imported before evasim (sorted so): the plain comparison sets up the numba cache (a fresh
# directory unless NUMBA_CACHE_DIR is set) before numba is imported.
import attitude_vs_basilisk as plain
from evasim.attitude import AttitudeConfig, initial_state, kernel, simulate
from evasim.attitude.quaternion import qmul
from evasim.attitude.setup import torque_equilibrium_attitude

INERTIA = plain.INERTIA
TORQUE_N_M = plain.TORQUE_N_M
DT_S = plain.DT_S
DURATION_S = plain.DURATION_S
OUT_DT_S = 0.1  # every sample compared (Basilisk's recorders at 0.1 s at any task rate)
ERROR_AXIS = (1.0, -2.0, 3.0)  # initial attitude error axis (body), normalised below
ERROR_DEG = 0.2  # keeps the commanded torque below 258 N m (0.5 deg would reach it)
SATURATING_ERROR_DEG = 3.0
WHEEL_JS_KG_M2 = 10.0
"""Spin inertia of each Basilisk wheel: a benchmark parameter, not the ISS's CMG rotor (the
exact mapping makes the result independent of it; the naive one is run at 10 and 100)."""
FSW_DT_S = (0.1, 0.05, 0.025, 0.0125)
RK4_STAGES = (0.0, 0.5, 0.5, 1.0)  # each stage's time (and step into the state) / dt


def _config(dt_s: float = DT_S, sampling: str = "continuous") -> AttitudeConfig:
    return AttitudeConfig(
        inertia_kg_m2=INERTIA,
        orbital_rate_rad_s=plain.N_RAD_S,
        gravity_gradient=True,
        cmg=True,
        q_ref_lvlh=tuple(torque_equilibrium_attitude(INERTIA)),
        constant_torque_n_m=TORQUE_N_M,
        dt_s=dt_s,
        control_sampling=sampling,
    )


def _initial_state(cfg: AttitudeConfig, error_deg: float) -> np.ndarray:
    """TEA turned by ``error_deg`` about ERROR_AXIS, rotating with LVLH, no CMG momentum."""
    axis = np.asarray(ERROR_AXIS) / np.linalg.norm(ERROR_AXIS)
    half = np.radians(error_deg) / 2
    dq = np.r_[np.cos(half), np.sin(half) * axis]
    q_lvlh0 = qmul(np.asarray(cfg.q_ref_lvlh)[None], dq[None])[0]
    return initial_state(cfg, q_lvlh0=q_lvlh0)


class _EvasimLaw:
    """evasim's CMG law as the kernel evaluates it: ``hdot(t, q_ib, w, h)`` returns ``h'``
    (N m), i.e. ``-m - w x h`` with ``m`` the clipped PD torque (N m) on the body."""

    def __init__(self, cfg: AttitudeConfig):
        self.args = cfg.arrays()
        self.inertia_inv = np.linalg.inv(self.args[0])
        self.y = np.zeros(10)
        self.dy = np.zeros(10)

    def rhs(self, t, y, dy, ctrl=None, tau=None):
        inertia, n, gg, thr, ctrl0, rs, q_ref, tau0, aero = self.args
        kernel._rhs(t, y, dy, True, inertia, self.inertia_inv, n, gg, thr,
                    ctrl0 if ctrl is None else ctrl, rs, q_ref, tau0 if tau is None else tau,
                    aero)  # fmt: skip

    def hdot(self, t, q_ib, w, h) -> np.ndarray:
        self.y[0:4], self.y[4:7], self.y[7:10] = q_ib, w, h
        self.rhs(t, self.y, self.dy)
        return self.dy[7:10].copy()


def _evasim_with_hold(
    cfg: AttitudeConfig, y0: np.ndarray, dt_s: float, gimbal_stop: bool = False
) -> np.ndarray:
    """Diagnostic only (not an evasim feature): evasim's right-hand side integrated by RK4 with
    the CMG law evaluated once per step and ``h'`` held over the step, as Basilisk's wheel
    effector holds its motor torque. ``gimbal_stop``: momentum beyond capacity goes into the
    body after each step, as in the kernel (Basilisk's wheels have no such stop). States (n, 10)
    every OUT_DT_S."""
    law = _EvasimLaw(cfg)
    ctrl_off = law.args[4].copy()
    ctrl_off[kernel.C_CMG_ON] = 0.0  # keeps w x h on the body, adds no control torque
    tau0 = law.args[7]
    steps = round(DURATION_S / dt_s)
    every = round(OUT_DT_S / dt_s)
    y = y0.astype(float).copy()
    ks = [np.empty(10) for _ in range(4)]
    tmp = np.empty(10)
    out = [y.copy()]
    for i in range(steps):
        t = i * dt_s
        law.rhs(t, y, ks[0])
        u = ks[0][7:10].copy()
        tau = tau0 - u  # body torque -u - w x h, with the stage's own w and h
        for stage, c in enumerate(RK4_STAGES):
            tmp[:] = y + c * dt_s * ks[stage - 1] if stage else y
            law.rhs(t + c * dt_s, tmp, ks[stage], ctrl=ctrl_off, tau=tau)
            ks[stage][7:10] = u
        y += dt_s / 6 * (ks[0] + 2 * ks[1] + 2 * ks[2] + ks[3])
        y[0:4] /= np.linalg.norm(y[0:4])
        hn = np.linalg.norm(y[7:10])
        if gimbal_stop and hn > cfg.cmg_capacity_n_m_s:  # as the kernel's RK4 step
            excess = y[7:10] * (1.0 - cfg.cmg_capacity_n_m_s / hn)
            y[7:10] -= excess
            y[4:7] += law.inertia_inv @ excess
        if (i + 1) % every == 0:
            out.append(y.copy())
    return np.array(out)


def _basilisk_run(y0: np.ndarray, cfg: AttitudeConfig, dt_s: float, js_kg_m2: float,
                  exact_mapping: bool = True, with_law: bool = True,
                  gimbal_stop: bool = False) -> dict:  # fmt: skip
    """The case in Basilisk with the task (dynamics and flight software) at ``dt_s``; states
    recorded every OUT_DT_S. ``exact_mapping``: hub inertia = evasim's + Js 1, wheels start at
    Omega = -w0, the law gets h = Js (Omega + w); else hub inertia = evasim's, Omega0 = 0,
    h = Js Omega. ``with_law=False``: the law module left out (for timing only).
    ``gimbal_stop``: the law module also applies evasim's gimbal stop to Basilisk's states at
    each step (momentum beyond capacity into the body), as evasim's kernel does after each step;
    states are then taken from the module (after the stop)."""
    from Basilisk.architecture import messaging, sysModel
    from Basilisk.simulation import (
        GravityGradientEffector,
        extForceTorque,
        reactionWheelStateEffector,
        spacecraft,
    )
    from Basilisk.utilities import SimulationBaseClass, macros, simIncludeGravBody, simIncludeRW

    sim = SimulationBaseClass.SimBaseClass()
    step_ns = macros.sec2nano(dt_s)
    out_ns = macros.sec2nano(OUT_DT_S)
    sim.CreateNewProcess("dynamics").addTask(sim.CreateNewTask("task", step_ns))

    w0 = y0[4:7]
    sc = spacecraft.Spacecraft()
    sc.ModelTag = "iss"
    sc.hub.mHub = plain.MASS_KG
    sc.hub.r_BcB_B = [[0.0], [0.0], [0.0]]
    hub_inertia = INERTIA + (js_kg_m2 * np.eye(3) if exact_mapping else 0.0)
    sc.hub.IHubPntBc_B = hub_inertia.tolist()
    sc.hub.r_CN_NInit = [[plain.R0_M], [0.0], [0.0]]
    sc.hub.v_CN_NInit = [[0.0], [float(np.sqrt(plain.MU_M3_S2 / plain.R0_M))], [0.0]]
    sc.hub.sigma_BNInit = plain._quaternion_to_mrp(y0[0:4]).reshape(3, 1).tolist()
    sc.hub.omega_BN_BInit = w0.reshape(3, 1).tolist()
    # Priorities: the spacecraft integrates to t and writes its state, the law reads it and
    # writes the command, the wheels take it; it is held until the next step (ZOH).
    sim.AddModelToTask("task", sc, None, 300)

    grav = simIncludeGravBody.gravBodyFactory()
    earth = grav.createEarth()  # point mass: no spherical harmonics are loaded
    earth.isCentralBody = True
    earth.mu = plain.MU_M3_S2
    grav.addBodiesTo(sc)

    gg = GravityGradientEffector.GravityGradientEffector()
    gg.ModelTag = "gravityGradient"
    gg.addPlanetName(earth.planetName)
    sc.addDynamicEffector(gg)
    sim.AddModelToTask("task", gg, None, 290)

    ext = extForceTorque.ExtForceTorque()
    ext.ModelTag = "constantTorque"
    ext.extTorquePntB_B = [[TORQUE_N_M[0]], [TORQUE_N_M[1]], [TORQUE_N_M[2]]]
    sc.addDynamicEffector(ext)
    sim.AddModelToTask("task", ext, None, 280)

    factory = simIncludeRW.rwFactory()
    for i in range(3):
        omega0 = -w0[i] if exact_mapping else 0.0
        rw = factory.create("custom", list(np.eye(3)[i]), Js=float(js_kg_m2),
                            useMaxTorque=False, Omega=float(omega0 / macros.RPM))  # fmt: skip
        rw.Omega_max = -1.0  # no speed saturation
    wheels = reactionWheelStateEffector.ReactionWheelStateEffector()
    factory.addToSpacecraft("wheels", wheels, sc)

    law = _EvasimLaw(cfg)
    js = float(js_kg_m2)

    class EvasimCmgLaw(sysModel.SysModel):
        """evasim's CMG law on Basilisk's state: writes the wheels' motor torques (N m)."""

        def __init__(self):
            super().__init__()
            self.stateInMsg = messaging.SCStatesMsgReader()
            self.cmdOutMsg = messaging.ArrayMotorTorqueMsg()
            self.omegas = None  # the wheels' integrated speed state (set after init)
            self.hub_omega = None  # the hub's body-rate state (set after init)
            self.log = []  # states after the gimbal stop (t, q_ib, w, h) every OUT_DT_S

        def Reset(self, CurrentSimNanos):
            return

        def UpdateState(self, CurrentSimNanos):
            state = self.stateInMsg()
            sigma = np.array(state.sigma_BN)
            w = np.array(state.omega_BN_B)
            q_ib = plain._mrp_to_quaternion(sigma[None])[0]
            omegas = np.asarray(self.omegas.getState()).ravel()
            h = js * (omegas + w) if exact_mapping else js * omegas
            if gimbal_stop:
                w, h = self._gimbal_stop(w, h)
                if CurrentSimNanos % out_ns == 0:
                    self.log.append((CurrentSimNanos * 1e-9, q_ib, w, h))
            payload = messaging.ArrayMotorTorqueMsgPayload()
            torque = [0.0] * len(payload.motorTorque)
            torque[0:3] = law.hdot(CurrentSimNanos * 1e-9, q_ib, w, h).tolist()
            payload.motorTorque = torque
            self.cmdOutMsg.write(payload, CurrentSimNanos, self.moduleID)

        def _gimbal_stop(self, w, h):
            """evasim's gimbal stop (the kernel's, after each step): momentum beyond the
            capacity goes into the body, written back into Basilisk's hub rate and wheel speed
            states."""
            hn = np.linalg.norm(h)
            if hn <= cfg.cmg_capacity_n_m_s:
                return w, h
            excess = h * (1.0 - cfg.cmg_capacity_n_m_s / hn)
            w, h = w + law.inertia_inv @ excess, h - excess
            self.hub_omega.setState(w.reshape(3, 1).tolist())
            self.omegas.setState((h / js - w).reshape(3, 1).tolist())
            return w, h

    ctrl = EvasimCmgLaw()
    ctrl.ModelTag = "evasimCmgLaw"
    ctrl.stateInMsg.subscribeTo(sc.scStateOutMsg)
    if with_law:
        wheels.rwMotorCmdInMsg.subscribeTo(ctrl.cmdOutMsg)
        sim.AddModelToTask("task", ctrl, None, 200)
    sim.AddModelToTask("task", wheels, None, 100)

    rec = sc.scStateOutMsg.recorder(out_ns)
    rw_rec = wheels.rwSpeedOutMsg.recorder(out_ns)
    sim.AddModelToTask("task", rec, None, 50)
    sim.AddModelToTask("task", rw_rec, None, 50)

    sim.InitializeSimulation()
    ctrl.omegas = sc.dynManager.getStateObject(wheels.nameOfReactionWheelOmegasState)
    ctrl.hub_omega = sc.dynManager.getStateObject(sc.hub.nameOfHubOmega)
    t = time.perf_counter()
    sim.ConfigureStopTime(macros.sec2nano(DURATION_S))
    sim.ExecuteSimulation()
    execute_s = time.perf_counter() - t
    if gimbal_stop:  # the states the law saw, after the stop (the recorder's are before it)
        t_s, q_ib, w, h = (np.array(x) for x in zip(*ctrl.log, strict=True))
        return {"t_s": t_s, "q_ib": q_ib, "omega_body_rad_s": w, "h_n_m_s": h,
                "execute_s": execute_s}  # fmt: skip
    omega_bn = np.asarray(rec.omega_BN_B)
    speeds = np.asarray(rw_rec.wheelSpeeds)[:, 0:3]
    return {
        "t_s": np.asarray(rec.times()) * 1e-9,
        "q_ib": plain._mrp_to_quaternion(np.asarray(rec.sigma_BN)),
        "omega_body_rad_s": omega_bn,
        "h_n_m_s": js * (speeds + omega_bn) if exact_mapping else js * speeds,
        "execute_s": execute_s,
    }


def _difference(a: dict, b: dict) -> dict:
    """Largest differences over the run between two state series (same sample times)."""
    if len(a["t_s"]) != len(b["t_s"]) or np.abs(a["t_s"] - b["t_s"]).max() > 1e-9:
        raise RuntimeError("sample times differ")
    ang = plain._rotation_angle(a["q_ib"], b["q_ib"])
    rate = np.linalg.norm(a["omega_body_rad_s"] - b["omega_body_rad_s"], axis=1)
    mom = np.linalg.norm(a["h_n_m_s"] - b["h_n_m_s"], axis=1)
    return {
        "attitude_rad": float(ang.max()),
        "rate_rad_s": float(rate.max()),
        "momentum_n_m_s": float(mom.max()),
    }


def _states(hist) -> dict:
    return {"t_s": hist.t_s, "q_ib": hist.q_ib, "omega_body_rad_s": hist.omega_body_rad_s,
            "h_n_m_s": hist.h_cmg_n_m_s}  # fmt: skip


def _array_states(ys: np.ndarray) -> dict:
    t = np.arange(len(ys)) * OUT_DT_S
    return {"t_s": t, "q_ib": ys[:, 0:4], "omega_body_rad_s": ys[:, 4:7], "h_n_m_s": ys[:, 7:10]}


def _evasim_figures(cfg: AttitudeConfig, hist) -> dict:
    """How hard the case drives the array: peak commanded torque and momentum."""
    law = _EvasimLaw(cfg)
    torque = [
        np.linalg.norm(-law.hdot(t, q, w, h) - np.cross(w, h))
        for t, q, w, h in zip(
            hist.t_s, hist.q_ib, hist.omega_body_rad_s, hist.h_cmg_n_m_s, strict=True
        )
    ]
    err_deg = hist.error_angle_deg()
    return {
        "max_commanded_torque_n_m": float(max(torque)),
        "cmg_torque_limit_n_m": cfg.cmg_max_torque_n_m,
        "max_momentum_n_m_s": float(hist.h_cmg_norm.max()),
        "cmg_capacity_n_m_s": cfg.cmg_capacity_n_m_s,
        "error_from_tea_deg_start_end": [float(err_deg[0]), float(err_deg[-1])],
    }


def _order(dts, values) -> float:
    """Observed order of convergence: slope of log(difference) against log(step)."""
    return float(np.polyfit(np.log(dts), np.log(values), 1)[0])


def _by_step(cfg: AttitudeConfig, y0: np.ndarray, ev: dict, gimbal_stop: bool = False):
    """Basilisk at each task step against evasim (continuous and step sampling) at the same step
    and continuous at 0.1 s; returns the rows, the observed orders of the continuous difference
    and Basilisk's 0.1-s run."""
    rows, bsk_01 = [], None
    for dt in FSW_DT_S:
        bsk = _basilisk_run(y0, cfg, dt, WHEEL_JS_KG_M2, gimbal_stop=gimbal_stop)
        same = _states(simulate(_config(dt), DURATION_S, OUT_DT_S, y0))
        sampled = _states(simulate(_config(dt, "step"), DURATION_S, OUT_DT_S, y0))
        rows.append({
            "dt_s": dt,
            "basilisk_vs_evasim_step_sampling_same_step": _difference(sampled, bsk),
            "basilisk_vs_evasim_same_step": _difference(same, bsk),
            "basilisk_vs_evasim_dt_0p1": _difference(ev, bsk),
            "basilisk_max_momentum_n_m_s": float(np.linalg.norm(bsk["h_n_m_s"], axis=1).max()),
            "basilisk_execute_s": bsk["execute_s"],
        })  # fmt: skip
        if dt == DT_S:
            bsk_01 = bsk
    orders = {
        key: _order(
            [r["dt_s"] for r in rows], [r["basilisk_vs_evasim_same_step"][key] for r in rows]
        )
        for key in ("attitude_rad", "rate_rad_s", "momentum_n_m_s")
    }
    return rows, orders, bsk_01


def _compare(error_deg: float, saturating: bool) -> dict:
    cfg = _config()
    y0 = _initial_state(cfg, error_deg)
    simulate(cfg, 10.0, OUT_DT_S, y0)  # warm-up (compiles unless cached) ...
    _EvasimLaw(cfg).hdot(0.0, y0[0:4], y0[4:7], y0[7:10])  # ... and the law alone
    hist = simulate(cfg, DURATION_S, OUT_DT_S, y0)
    ev = _states(hist)
    fine = simulate(_config(min(FSW_DT_S)), DURATION_S, OUT_DT_S, y0)
    result: dict = {
        "initial_error_deg": error_deg,
        "evasim": _evasim_figures(cfg, hist),
        "evasim_dt_0p1_vs_evasim_dt_fine": {
            "fine_dt_s": min(FSW_DT_S),
            **_difference(ev, _states(fine)),
        },
    }
    with plain._stdout_to_stderr():
        rows, orders, bsk_01 = _by_step(cfg, y0, ev)
        result["basilisk_vs_evasim_by_step"] = rows
        result["convergence_order_same_step"] = orders
        held = _array_states(_evasim_with_hold(cfg, y0, DT_S))
        step = _states(simulate(_config(DT_S, "step"), DURATION_S, OUT_DT_S, y0))
        result["basilisk_vs_evasim_step_sampling_dt_0p1"] = _difference(step, bsk_01)
        result["evasim_step_sampling_vs_continuous_dt_0p1"] = _difference(step, ev)
        result["evasim_rhs_with_held_law_vs_basilisk_dt_0p1"] = _difference(held, bsk_01)
        result["evasim_rhs_with_held_law_vs_evasim_step_sampling"] = _difference(held, step)
        result["evasim_rhs_with_held_law_vs_evasim"] = _difference(held, ev)
        if saturating:
            rows, orders, bsk_01 = _by_step(cfg, y0, ev, gimbal_stop=True)
            held = _array_states(_evasim_with_hold(cfg, y0, DT_S, gimbal_stop=True))
            result["with_gimbal_stop_in_basilisk"] = {
                "basilisk_vs_evasim_by_step": rows,
                "convergence_order_same_step": orders,
                "basilisk_vs_evasim_step_sampling_dt_0p1": _difference(step, bsk_01),
                "evasim_rhs_with_held_law_and_stop_vs_basilisk_dt_0p1": _difference(held, bsk_01),
                "evasim_rhs_with_held_law_and_stop_vs_evasim_step_sampling": _difference(
                    held, step
                ),
            }
        else:
            naive = {}
            for js in (WHEEL_JS_KG_M2, 10 * WHEEL_JS_KG_M2):
                other = _basilisk_run(y0, cfg, DT_S, js, exact_mapping=False)
                exact = bsk_01 if js == WHEEL_JS_KG_M2 else _basilisk_run(y0, cfg, DT_S, js)
                naive[f"js_{js:g}_kg_m2"] = {
                    "naive_vs_exact_mapping": _difference(other, exact),
                    "exact_mapping_vs_evasim": _difference(exact, ev),
                }
            result["wheel_spin_inertia"] = naive
            result["single_run_s"] = _timing(cfg, y0)
    return result


def _timing(cfg: AttitudeConfig, y0: np.ndarray) -> dict:
    """Single runs side by side, alternating, best of 3 each; Basilisk also without the law
    module (wheels with no command: its C++ dynamics alone)."""
    ev, ev_step, bsk, bsk_exec, bare = np.inf, np.inf, np.inf, np.inf, np.inf
    cfg_step = _config(cfg.dt_s, "step")
    for _ in range(3):
        t = time.perf_counter()
        simulate(cfg, DURATION_S, OUT_DT_S, y0)
        ev = min(ev, time.perf_counter() - t)
        t = time.perf_counter()
        simulate(cfg_step, DURATION_S, OUT_DT_S, y0)
        ev_step = min(ev_step, time.perf_counter() - t)
        t = time.perf_counter()
        out = _basilisk_run(y0, cfg, DT_S, WHEEL_JS_KG_M2)
        bsk = min(bsk, time.perf_counter() - t)
        bsk_exec = min(bsk_exec, out["execute_s"])
        bare = min(bare, _basilisk_run(y0, cfg, DT_S, WHEEL_JS_KG_M2, with_law=False)["execute_s"])
    return {
        "evasim": ev,
        "evasim_step_sampling": ev_step,
        "basilisk": bsk,
        "basilisk_execute_only": bsk_exec,
        "basilisk_execute_without_law_module": bare,
        "speed_ratio_basilisk_over_evasim": bsk / ev,
    }


def main() -> None:
    try:
        bsk_version = importlib.metadata.version("bsk")
        import Basilisk  # noqa: F401
    except (ImportError, importlib.metadata.PackageNotFoundError):
        bsk_version = None
    cfg = _config()
    result: dict = {
        "case": {
            "inertia_kg_m2": INERTIA.tolist(),
            "torque_body_n_m": list(TORQUE_N_M),
            "gravity_gradient": True,
            "orbital_rate_rad_s": plain.N_RAD_S,
            "q_ref_lvlh_tea": list(cfg.q_ref_lvlh),
            "control_bandwidth_rad_s": cfg.control_bandwidth_rad_s,
            "control_damping": cfg.control_damping,
            "duration_s": DURATION_S,
            "dt_s": DT_S,
            "initial_error_axis_body": list(ERROR_AXIS),
            "basilisk_wheels": f"3 balanced, orthogonal (body x, y, z), Js = {WHEEL_JS_KG_M2} "
            "kg m^2 each, no friction, no limits",
        },
        "basilisk": f"bsk {bsk_version}" if bsk_version else "not installed (pip install bsk)",
    }
    if bsk_version is None:
        y0 = _initial_state(cfg, ERROR_DEG)
        simulate(cfg, 10.0, OUT_DT_S, y0)
        t = time.perf_counter()
        hist = simulate(cfg, DURATION_S, OUT_DT_S, y0)
        result["single_run_s"] = {"evasim": time.perf_counter() - t}
        result["hold"] = {"evasim": _evasim_figures(cfg, hist)}
    else:
        result["hold"] = _compare(ERROR_DEG, saturating=False)
        result["single_run_s"] = result["hold"].pop("single_run_s")
        result["saturating"] = _compare(SATURATING_ERROR_DEG, saturating=True)
    result["numba_cache"] = plain.NUMBA_CACHE
    result["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "bsk": bsk_version,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
