"""Attitude-event figures (peak rate, total attitude change, error at a time, control
regained) and the fit of a scenario's unknown parameters to published figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.optimize import least_squares

from ..scenario import TargetSpec
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
    regained_s = (
        float(hist.t_s[high[-1] + 1])
        if high.size and high[-1] + 1 < len(error)
        else (float("nan") if high.size else float(hist.t_s[0]))
    )
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


@dataclass(frozen=True)
class FitResult:
    values: dict[str, float]
    sigma: dict[str, float]
    residuals: np.ndarray
    cost: float
    evaluations: int


def _evaluate(setup, keys, x, targets, duration_s):
    s = with_values(setup, dict(zip(keys, x, strict=True)))
    hist = run(s, duration_s, out_dt_s=2.0)
    at = [t.at_utc for t in targets if t.at_utc is not None]
    return residuals(figures(hist, setup.t0_utc, at), targets, setup.t0_utc)


def uncertainty(
    setup: AttitudeSetup, targets: list[TargetSpec], duration_s: float, rel_step: float = 0.005
) -> tuple[dict[str, float], np.ndarray]:
    """1-sigma uncertainty of the fitted parameters from the Jacobian of the normalised
    residuals (Gauss-Newton covariance; pseudo-inverse where the data do not constrain)."""
    keys = list(setup.fit_keys)
    x0 = np.array([setup.values()[k] for k in keys])
    r0 = _evaluate(setup, keys, x0, targets, duration_s)
    jac = np.zeros((len(r0), len(keys)))
    for i in range(len(keys)):
        step = rel_step * max(abs(x0[i]), 1.0)
        x = x0.copy()
        x[i] += step
        jac[:, i] = (_evaluate(setup, keys, x, targets, duration_s) - r0) / step
    cov = np.linalg.pinv(jac.T @ jac)
    return {k: float(np.sqrt(max(cov[i, i], 0.0))) for i, k in enumerate(keys)}, r0


def fit(setup: AttitudeSetup, targets: list[TargetSpec], duration_s: float) -> FitResult:
    """Least-squares fit of the setup's fit parameters to the targets (positive, bounded)."""
    keys = list(setup.fit_keys)
    x0 = np.array([setup.values()[k] for k in keys])
    scale = np.maximum(np.abs(x0), 1.0)
    count = {"n": 0}

    def fun(z):
        count["n"] += 1
        return _evaluate(setup, keys, z * scale, targets, duration_s)

    result = least_squares(
        fun,
        x0 / scale,
        bounds=(0.05 * x0 / scale, 20 * x0 / scale),
        diff_step=0.02,
        x_scale="jac",
        max_nfev=200,
    )
    values = dict(zip(keys, result.x * scale, strict=True))
    fitted = with_values(setup, values)
    sigma, res = uncertainty(fitted, targets, duration_s)
    return FitResult(values, sigma, res, float(np.sum(res**2)), count["n"])
