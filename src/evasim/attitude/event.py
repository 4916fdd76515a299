"""Attitude-event figures (peak rate, total attitude change, error at a time, control
regained) and the fit of a scenario's unknown parameters to published figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.optimize import least_squares

from ..scenario import FigurePrior, TargetSpec
from .model import AttitudeHistory, initial_state, simulate
from .setup import AttitudeSetup, with_values

REGAINED_ERROR_DEG = 5.0


def run(setup: AttitudeSetup, duration_s: float, out_dt_s: float = 1.0) -> AttitudeHistory:
    y0 = initial_state(setup.config, q_lvlh0=setup.q0_lvlh)
    return simulate(setup.config, duration_s, out_dt_s, y0=y0)


def figures(hist: AttitudeHistory, t0_utc: datetime, at_utc: list[datetime] = ()) -> dict:
    """Event figures from an attitude history."""
    rate = np.degrees(np.linalg.norm(hist.rate_relative_lvlh_rad_s(), axis=1))
    about = hist.error_angle_about_deg(axis=1)
    error = hist.error_angle_deg()
    high = np.flatnonzero(error > REGAINED_ERROR_DEG)
    if not high.size:
        regained_s = float(hist.t_s[0])
    elif high[-1] + 1 >= len(error):
        regained_s = float("nan")
    else:  # the last downward crossing of the threshold, interpolated between samples
        i = int(high[-1])
        e0, e1 = float(error[i]), float(error[i + 1])
        frac = (e0 - REGAINED_ERROR_DEG) / (e0 - e1) if e0 != e1 else 1.0
        regained_s = float(hist.t_s[i] + frac * (hist.t_s[i + 1] - hist.t_s[i]))
    i_peak = int(np.argmax(rate))
    return {
        "peak_rate_deg_s": float(rate[i_peak]),
        "peak_rate_s": float(hist.t_s[i_peak]),
        "total_attitude_change_deg": float(np.max(np.abs(about))),
        "error_deg_at": {
            w: float(np.interp((w - t0_utc).total_seconds(), hist.t_s, error)) for w in at_utc
        },
        "control_regained_s": regained_s,
        "max_h_cmg_n_m_s": float(np.max(hist.h_cmg_norm)),
    }


def residuals(fig: dict, targets: list[TargetSpec], t0_utc: datetime) -> np.ndarray:
    out = []
    for t in targets:
        if t.quantity == "peak_rate_deg_s":
            sim = fig["peak_rate_deg_s"]
        elif t.quantity == "total_attitude_change_deg":
            sim = fig["total_attitude_change_deg"]
        elif t.quantity == "error_deg_at":
            sim = fig["error_deg_at"][t.at_utc]
        else:
            sim = fig["control_regained_s"]
            if not np.isfinite(sim):
                sim = 1e6
            out.append((sim - (t.value - t0_utc).total_seconds()) / t.sigma)
            continue
        out.append((sim - float(t.value)) / t.sigma)
    return np.array(out)


def prior_residuals(fig: dict, priors: list[FigurePrior]) -> np.ndarray:
    """Penalties of the documented one-sided priors: the excess beyond each bound / sigma."""
    out = []
    for p in priors:
        value = fig[p.quantity]
        excess = 0.0
        if p.max is not None and value > p.max:
            excess = value - p.max
        if p.min is not None and value < p.min:
            excess = p.min - value
        out.append(excess / p.sigma)
    return np.array(out)


@dataclass(frozen=True)
class FitResult:
    values: dict[str, float]
    residuals: np.ndarray  # normalised, published figures only
    cost: float
    evaluations: int


MIN_COST_GAIN = 0.01
"""A fit that lowers the cost (sum of squared normalised residuals) by less than this keeps its
starting values: the published figures cannot tell such solutions apart, and along the
directions they leave free the optimiser would otherwise drift from run to run."""


def evaluate_figures(setup: AttitudeSetup, targets: list[TargetSpec], duration_s: float) -> dict:
    """The event figures from a run sampled at every integrator step: the samples the replay
    computes its figures from, so that the fit, the analysis and the replay agree."""
    hist = run(setup, duration_s, out_dt_s=setup.config.dt_s)
    return figures(hist, setup.t0_utc, [t.at_utc for t in targets if t.at_utc is not None])


def _evaluate(setup, keys, x, targets, duration_s, priors=()):
    s = with_values(setup, dict(zip(keys, x, strict=True)))
    fig = evaluate_figures(s, targets, duration_s)
    r = residuals(fig, targets, setup.t0_utc)
    return np.concatenate([r, prior_residuals(fig, list(priors))]) if priors else r


def fit(
    setup: AttitudeSetup,
    targets: list[TargetSpec],
    duration_s: float,
    priors: list[FigurePrior] = (),
) -> FitResult:
    """Least-squares fit of the setup's fit parameters to the targets (positive, bounded) under
    the documented priors. The published figures rarely pin every parameter down: where they
    do not, the optimum found depends on the starting values (the scenario's); see
    :mod:`evasim.attitude.identify` for what is and is not constrained."""
    keys = list(setup.fit_keys)
    x0 = np.array([setup.values()[k] for k in keys])
    scale = np.maximum(np.abs(x0), 1.0)
    count = {"n": 0}

    def fun(z):
        count["n"] += 1
        return _evaluate(setup, keys, z * scale, targets, duration_s, priors)

    result = least_squares(
        fun,
        x0 / scale,
        bounds=(0.05 * x0 / scale, 20 * x0 / scale),
        diff_step=0.005,
        x_scale="jac",
        max_nfev=200,
    )
    x = result.x * scale
    res = _evaluate(setup, keys, x, targets, duration_s, priors)
    res0 = _evaluate(setup, keys, x0, targets, duration_s, priors)
    if np.sum(res0**2) - np.sum(res**2) < MIN_COST_GAIN:
        x, res = x0, res0  # the start is already as good: do not drift along free directions
    values = dict(zip(keys, x, strict=True))
    return FitResult(values, res[: len(targets)], float(np.sum(res**2)), count["n"])
