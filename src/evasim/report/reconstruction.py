"""The reconstruction's identifiability and leave-one-out validation, as one JSON-ready dict and
its text lines: ``summary.json``, the HTML report and ``evasim fit`` all print these numbers.

What the published figures cannot constrain is the string ``"unconstrained"``, never a number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from ..attitude import identify
from ..attitude.identify import Identification
from ..scenario import FigurePrior
from ..sky.timegrid import utc_iso

UNCONSTRAINED = "unconstrained"
NOT_PREDICTED = "not predicted"

_UNITS = {"thrust_n": "N", "propellant_kg": "kg", "max_torque_n_m": "N m", "isp_s": "s"}
_SHORT = {
    "thrust_n": "thrust",
    "propellant_kg": "propellant",
    "max_torque_n_m": "torque",
    "isp_s": "Isp",
    "start_utc": "delay",
}


def _sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant figures."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - int(np.floor(np.log10(abs(x))))))


def parameter_label(key: str, names: dict[str, str]) -> str:
    """'Nauka thrust', 'Progress delay' from 'thrusters[0].thrust_n' and the item's name."""
    item, field = key.split(".")
    return f"{names.get(item, item).split()[0]} {_SHORT.get(field, field)}"


def reconstruction_summary(
    ident: Identification,
    t0_utc: datetime,
    names: dict[str, str],
    priors: list[FigurePrior] = (),
) -> dict:
    """JSON-ready identifiability and leave-one-out figures. ``names`` maps 'thrusters[0]' etc.
    to the scenario item's name (for labels)."""

    def when(seconds: float) -> str:
        return utc_iso(t0_utc + timedelta(seconds=float(seconds)))

    onset = when(ident.onset_s)
    params = []
    for key, value, scale, frac in zip(
        ident.keys, ident.values, ident.scales, ident.sigma_fraction, strict=True
    ):
        field = key.split(".")[1]
        is_time = field == "start_utc"
        sigma = UNCONSTRAINED if np.isnan(frac) else _sig(frac * scale)
        params.append(
            {
                "key": key,
                "label": parameter_label(key, names),
                "value": when(value) if is_time else _sig(value, 5),
                "unit": "UTC" if is_time else _UNITS.get(field, ""),
                "sigma": sigma,
                "sigma_unit": "s" if is_time else _UNITS.get(field, ""),
                "fraction_of": f"delay after {onset}" if is_time else "value",
            }
        )
    labels = [p["label"] for p in params]
    combinations = []
    for s, v, ok in zip(ident.singular_values, ident.directions, ident.constrained, strict=True):
        v = v * (1 if v[np.argmax(np.abs(v))] > 0 else -1)  # sign: largest term positive
        terms = {lab: round(float(c), 2) for lab, c in zip(labels, v, strict=True)}
        shown = sorted(
            ((lab, c) for lab, c in terms.items() if abs(c) >= 0.1), key=lambda t: -abs(t[1])
        )
        combinations.append(
            {
                "singular_value": _sig(float(s)),
                "status": "constrained" if ok else UNCONSTRAINED,
                "sigma_percent": _sig(100.0 / s) if ok else UNCONSTRAINED,
                "terms": terms,
                "text": " ".join(f"{c:+.2f} d{lab}" for lab, c in shown),
            }
        )
    loo = []
    for item in ident.leave_one_out:
        is_time = item.unit == "s"

        def val(x, is_time=is_time):
            return when(x) if is_time else _sig(x, 4)

        predicted = item.predicted is not None
        loo.append(
            {
                "figure": item.figure,
                "unit": "UTC" if is_time else item.unit,
                "published": val(item.published),
                "sigma": _sig(item.sigma),
                "sigma_unit": item.unit,
                "fitted_with_all": val(item.fitted),
                "status": "predicted" if predicted else NOT_PREDICTED,
                "predicted": val(item.predicted) if predicted else NOT_PREDICTED,
                "prediction_error": _sig(item.prediction_error) if predicted else NOT_PREDICTED,
                "prediction_sigma": _sig(item.prediction_sigma) if predicted else NOT_PREDICTED,
                "free_range_per_100pct": _sig(item.free_change_per_100pct),
                "nonlinear_change_at_minus_plus_10pct": [_sig(x) for x in item.nonlinear_change],
                "others_change_there_sigma": _sig(item.nonlinear_others_sigma),
            }
        )
    prior_rows = []
    for p, excess in zip(priors, ident.prior_excess, strict=True):
        prior_rows.append(
            {
                "quantity": p.quantity,
                "min": p.min,
                "max": p.max,
                "sigma": p.sigma,
                "reason": p.reason,
                "active": bool(excess > 0),
                "excess_sigma": _sig(float(excess)),
            }
        )
    return {
        "method": (
            "Local analysis at the scenario's values: Jacobian of (simulated - published) / "
            "sigma with respect to fractional parameter changes (central differences, "
            f"{identify.REL_STEP * 100:g} % steps; a start time as a fraction of its delay after "
            f"the onset {onset}). A combination or parameter whose 1-sigma exceeds "
            f"{identify.UNCONSTRAINED_FRACTION * 100:g} % of itself is unconstrained. Leave one "
            "out: a figure is predicted by the others only if every direction they leave free "
            f"moves it by at most {identify.PREDICTED_FREE_SIGMA:g} of its sigma per 100 % move."
        ),
        "figures": list(ident.targets),
        "parameters": params,
        "singular_values": [_sig(float(s)) for s in ident.singular_values],
        "combinations": combinations,
        "leave_one_out": loo,
        "leave_one_out_conclusion": (
            f"{sum(x['status'] == 'predicted' for x in loo)} of {len(loo)} published figures "
            "predicted by the others"
        ),
        "priors": prior_rows,
    }


def fmt(value, unit: str = "") -> str:
    """One number or status as every printer shows it."""
    if isinstance(value, str):
        return value
    return f"{value:g} {unit}".strip()


def reconstruction_lines(rec: dict) -> list[str]:
    """Plain-text lines of :func:`reconstruction_summary` (``evasim fit``)."""
    out = ["Parameters (1-sigma; unconstrained: the published figures do not bound it):"]
    for p in rec["parameters"]:
        out.append(
            f"  {p['label']}: {fmt(p['value'], p['unit'])} +/- {fmt(p['sigma'], p['sigma_unit'])}"
        )
    out.append(
        "Singular values (per fractional change): "
        + ", ".join(fmt(s) for s in rec["singular_values"])
    )
    for c in rec["combinations"]:
        sigma = fmt(c["sigma_percent"], "%")
        out.append(f"  s = {fmt(c['singular_value'])}: {c['text'] or '(none)'} -> {sigma}")
    out.append("Leave one out (fit on the other figures, predict this one):")
    for x in rec["leave_one_out"]:
        if x["status"] == "predicted":
            what = (
                f"predicted {fmt(x['predicted'], x['unit'])}, error "
                f"{fmt(x['prediction_error'], x['sigma_unit'])} +/- "
                f"{fmt(x['prediction_sigma'], x['sigma_unit'])}"
            )
        else:
            what = (
                f"{NOT_PREDICTED} (free range {fmt(x['free_range_per_100pct'], x['sigma_unit'])}"
                " per 100 % move)"
            )
        out.append(
            f"  {x['figure']}: published {fmt(x['published'], x['unit'])} +/- "
            f"{fmt(x['sigma'], x['sigma_unit'])}; {what}"
        )
    out.append(f"  {rec['leave_one_out_conclusion']}")
    for p in rec["priors"]:
        bound = " ".join(f"{k} {fmt(p[k])}" for k in ("min", "max") if p[k] is not None)
        state = "active" if p["active"] else "inactive"
        out.append(f"Prior {p['quantity']} {bound} ({state}): {p['reason']}")
    return out


def reconstruction_for(scenario, states) -> dict | None:
    """The reconstruction dict of an attitude replay's states (None without a fit)."""
    ident = getattr(states, "identification", None)
    if ident is None:
        return None
    return reconstruction_summary(
        ident, states.setup.t0_utc, item_names(states.config), list(scenario.attitude.priors)
    )


def item_names(config) -> dict[str, str]:
    """'thrusters[0]' -> the thruster's name, etc., of an :class:`AttitudeConfig`."""
    names = {f"thrusters[{i}]": t.name for i, t in enumerate(config.thrusters)}
    return names | {f"controllers[{i}]": c.name for i, c in enumerate(config.controllers)}
