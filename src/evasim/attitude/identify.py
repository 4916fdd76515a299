"""What the published figures of an attitude event do and do not constrain, and how well the
model predicts a figure it was not fitted to.

Local (linearised) analysis at the scenario's parameter values:

- **Jacobian** ``J`` of the normalised residuals ((simulated - published) / sigma) with respect
  to *fractional* changes of the fitted parameters (``dp / p``; a start time as a fraction of
  its delay after the event's onset, the earliest thruster start), by central differences.
- **Singular values** ``s_k`` and right singular vectors ``v_k`` of ``J``: the parameter
  combination ``v_k`` is known to ``1 / s_k`` (a fraction). With more parameters than figures
  some ``s_k`` are exactly zero. A combination is **constrained** when ``1 / s_k`` is below
  ``UNCONSTRAINED_FRACTION`` (100 %: known better than to within its own size); otherwise it is
  **unconstrained** and no number is given for it.
- **Per parameter**: the 1-sigma from the pseudo-inverse of ``J`` (the Gauss-Newton covariance
  in the subspace the figures reach) if the parameter has no component (above ``NULL_TOL``)
  along a direction the figures leave exactly free and that sigma is below 100 %; otherwise
  "unconstrained".
- **Leave one out**: for each published figure, the other figures' Jacobian decides whether it is
  predicted. If the others leave a direction free (unconstrained, as above) along which a 100 %
  move changes the held-out figure by more than half its published sigma, the figure is **not
  predicted** by the others: no prediction error is given, only how far it can move (its "free
  range"). Otherwise the linearised refit on the others (a Gauss-Newton step in their
  constrained subspace) gives the prediction and its error against the published value. A
  nonlinear check runs the model 10 % along that free direction, both ways. With as many fitted
  parameters as figures or more, each figure carries information the others lack (the
  Jacobian's rank equals the number of figures), and no figure is predicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import FigurePrior, TargetSpec
from . import event
from .setup import AttitudeSetup, with_values

UNCONSTRAINED_FRACTION = 1.0
"""A combination (or parameter) whose 1-sigma is larger than this fraction of itself (100 %) is
reported as unconstrained: the data cannot even bound it to within its own size, and the
linearisation behind the sigma does not hold that far."""
NULL_TOL = 0.01
"""A parameter with a component above this along an exactly free direction is unconstrained
(a 100 % move along that direction would change it by more than 1 % with no change to any
figure)."""
REL_STEP = 0.005
"""Central-difference step (fraction of each parameter). Small enough to stay on one branch of
the event (the back flip's end is ~5 deg from its branch point: about 1 % of the thrust);
large enough for the figures' 1 s sampling (control regained is interpolated in time)."""
PREDICTED_FREE_SIGMA = 0.5
"""A held-out figure counts as predicted by the others only if, along every direction they leave
free, a 100 % move changes it by at most half its published sigma. Otherwise it could be matched
by moving along a free direction, and a "prediction" would only echo the starting values (which
were fitted with that figure)."""
NONLINEAR_MOVE = 0.10
"""Size of the nonlinear leave-one-out check: 10 % along the free direction."""

FIGURE_UNITS = {
    "peak_rate_deg_s": "deg/s",
    "total_attitude_change_deg": "deg",
    "error_deg_at": "deg",
    "control_regained_utc": "s",
}


@dataclass(frozen=True)
class LeaveOneOut:
    figure: str  # target label, e.g. "error_deg_at 16:42"
    unit: str
    published: float  # figure units (a time: seconds from the span start)
    sigma: float
    fitted: float  # simulated with all figures, figure units
    free_change_per_100pct: float  # |change| (figure units) along the others' free direction
    predicted: float | None  # None: not predicted by the other figures
    prediction_error: float | None  # predicted - published, figure units
    prediction_sigma: float | None  # 1-sigma of the prediction from the others' sigmas
    nonlinear_change: tuple[float, float]  # held-out figure change at -10 % and +10 %
    nonlinear_others_sigma: float  # largest change of the other figures there, in sigmas


@dataclass(frozen=True)
class Identification:
    keys: tuple[str, ...]
    values: np.ndarray  # model units (N, kg, N m; a start time in seconds from the span start)
    scales: np.ndarray  # the size each fraction refers to (same units)
    onset_s: float  # event onset (earliest thruster start), seconds from the span start
    targets: tuple[str, ...]
    target_sigmas: np.ndarray
    residuals: np.ndarray  # normalised, published figures
    prior_excess: np.ndarray  # prior penalties (0 inside the bound)
    jacobian: np.ndarray  # d residual / d fraction, (figures, parameters)
    singular_values: np.ndarray  # one per parameter (zeros where the figures run out)
    directions: np.ndarray  # rows: unit parameter combinations (fractions), same order
    constrained: np.ndarray  # bool per direction
    sigma_fraction: np.ndarray  # per parameter; nan = unconstrained
    leave_one_out: tuple[LeaveOneOut, ...]

    @property
    def sigma(self) -> dict[str, float | None]:
        """Per-parameter 1-sigma in model units, None where unconstrained."""
        return {
            k: None if np.isnan(f) else float(f * s)
            for k, f, s in zip(self.keys, self.sigma_fraction, self.scales, strict=True)
        }


def target_label(t: TargetSpec) -> str:
    return f"{t.quantity} {t.at_utc:%H:%M}" if t.at_utc is not None else t.quantity


def _svd(jac: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Singular values padded with zeros to ``n`` and the n x n right singular vectors."""
    _, s, vt = np.linalg.svd(jac, full_matrices=True)
    sv = np.zeros(n)
    sv[: len(s)] = s
    sv[sv < 1e-9 * max(sv.max(initial=0.0), 1e-300)] = 0.0
    return sv, vt


def _sigma_fraction(sv: np.ndarray, vt: np.ndarray) -> np.ndarray:
    free = sv == 0.0
    out = np.full(vt.shape[1], np.nan)
    for i in range(vt.shape[1]):
        if np.any(np.abs(vt[free, i]) > NULL_TOL):
            continue
        sigma = float(np.sqrt(np.sum((vt[~free, i] / sv[~free]) ** 2)))
        if sigma < UNCONSTRAINED_FRACTION:
            out[i] = sigma
    return out


def analyse(
    setup: AttitudeSetup,
    targets: list[TargetSpec],
    duration_s: float,
    priors: list[FigurePrior] = (),
) -> Identification:
    """Identifiability and leave-one-out validation at the setup's parameter values."""
    keys = list(setup.fit_keys)
    x0 = np.array([setup.values()[k] for k in keys])
    onset = min((t.start_s for t in setup.config.thrusters), default=0.0)
    scales = np.array(
        [
            max(x - onset, 1.0) if k.endswith("start_utc") else max(abs(x), 1e-9)
            for k, x in zip(keys, x0, strict=True)
        ]
    )
    sig = np.array([t.sigma for t in targets])

    def figs(frac: np.ndarray) -> dict:
        s = with_values(setup, dict(zip(keys, x0 + frac * scales, strict=True)))
        return event.evaluate_figures(s, targets, duration_s)

    def res(fig: dict) -> np.ndarray:
        return event.residuals(fig, targets, setup.t0_utc)

    fig0 = figs(np.zeros(len(keys)))
    r0 = res(fig0)
    jac = np.zeros((len(targets), len(keys)))
    for i in range(len(keys)):
        e = np.zeros(len(keys))
        e[i] = REL_STEP
        jac[:, i] = (res(figs(e)) - res(figs(-e))) / (2 * REL_STEP)
    sv, vt = _svd(jac, len(keys))
    constrained = sv > 1.0 / UNCONSTRAINED_FRACTION
    loo = tuple(
        _leave_one_out(j, targets, setup, jac, r0, sig, figs, res) for j in range(len(targets))
    )
    return Identification(
        tuple(keys),
        x0,
        scales,
        onset,
        tuple(target_label(t) for t in targets),
        sig,
        r0,
        event.prior_residuals(fig0, list(priors)),
        jac,
        sv,
        vt,
        constrained,
        _sigma_fraction(sv, vt),
        loo,
    )


def _leave_one_out(j, targets, setup, jac, r0, sig, figs, res) -> LeaveOneOut:
    t = targets[j]
    others = [i for i in range(len(targets)) if i != j]
    published = (
        (t.value - setup.t0_utc).total_seconds()
        if t.quantity == "control_regained_utc"
        else float(t.value)
    )
    fitted = published + r0[j] * sig[j]
    g = jac[j]
    sv, vt = _svd(jac[others], jac.shape[1])
    free = sv <= 1.0 / UNCONSTRAINED_FRACTION
    along = vt[free] @ g  # held-out sensitivity along each free direction of the others
    free_change = float(np.linalg.norm(along)) * sig[j]
    if free_change > PREDICTED_FREE_SIGMA * sig[j]:
        predicted = error = p_sigma = None
    else:
        # Gauss-Newton step that refits the others, in their constrained subspace only
        u, s, _ = np.linalg.svd(jac[others], full_matrices=True)  # the same factors as _svd
        c = ~free[: len(s)]
        coeff = -(u[:, : len(s)][:, c].T @ r0[others]) / s[c]
        dx = vt[: len(s)][c].T @ coeff
        r_pred = r0[j] + g @ dx
        predicted = published + float(r_pred) * sig[j]
        error = predicted - published
        # the others' sigmas carried through, and (in quadrature) the free range: along it the
        # prediction is set by the starting values, which were fitted with this figure too
        p_sigma = float(np.hypot(np.linalg.norm(vt[: len(s)][c] @ g / s[c]) * sig[j], free_change))
    # nonlinear check: the model run 10 % along the free direction that moves this figure most
    direction = vt[free].T @ along
    norm = np.linalg.norm(direction)
    changes, others_max = [], 0.0
    for sign in (-1.0, 1.0):
        if norm == 0.0:
            changes.append(0.0)
            continue
        r = res(figs(sign * NONLINEAR_MOVE * direction / norm))
        changes.append(float((r[j] - r0[j]) * sig[j]))
        others_max = max(others_max, float(np.max(np.abs(r[others] - r0[others]), initial=0.0)))
    return LeaveOneOut(
        target_label(t),
        FIGURE_UNITS[t.quantity],
        published,
        float(sig[j]),
        float(fitted),
        free_change,
        predicted,
        error,
        p_sigma,
        (changes[0], changes[1]),
        others_max,
    )
