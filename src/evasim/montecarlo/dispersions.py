"""Dispersion files: which attitude-model parameters vary, how, and with which seed.

A TOML file beside a scenario (``docs/montecarlo.md`` has the format)::

    seed = 20210729
    [[dispersion]]
    path = "thrusters[0].thrust_n"       # a parameter of the scenario's attitude model
    distribution = "truncated_normal"    # normal | uniform | truncated_normal | lognormal | choice
    sigma = 7.46                         # mean: the scenario's value unless given
    low = 5.0
    [[dispersion]]
    event = "cmg_loss"                   # one of the four CMGs lost at a uniform random time
    low_s = 0
    high_s = 4500
    probability = 0.5
    [criteria]                           # a run passes when every limit holds
    total_change_deg = 600

Run ``i`` draws its values from ``numpy.random.default_rng([seed, i])`` in the order of the
file, so any run is reproducible alone from (seed, index), wherever it runs.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..attitude.model import AttitudeConfig
from ..errors import EvasimInputError
from ..scenario import (
    MAX_BANDWIDTH_RAD_S,
    AttitudeSpec,
    ControllerSpec,
    ThrusterSpec,
    _dotted,
    _friendly,
    locate_line,
    read_toml,
)

MAX_DISPERSIONS = 100
MIN_TRUNCATED_SHARE = 1e-3
"""A truncated normal must keep at least this share of its draws (its rejection sampling
tries 10,000 times; beyond that every run would get the same clipped value)."""
CMG_SHARE_AFTER_ONE_LOST = 0.75
"""Three of the four CMGs left: capacity and torque limit scale by 3/4 (the momentum a failed
CMG held above the new capacity goes into the body through the gimbal-stop rule: an
approximation; a real failed CMG keeps spinning down)."""

# field -> (group, attribute, what it is)
_ITEM_FIELDS = {
    "thrusters": {
        "thrust_n": "thrust (N)",
        "start_s": "start (s from the span start)",
        "stop_s": "stop (s from the span start)",
        "propellant_kg": "propellant (kg)",
        "isp_s": "specific impulse (s)",
    },
    "controllers": {
        "start_s": "start (s from the span start)",
        "max_torque_n_m": "torque limit (N m)",
    },
}
_TOP_FIELDS = {
    "cmg_max_torque_n_m": "CMG torque limit (N m)",
    "cmg_capacity_n_m_s": "CMG momentum capacity (N m s)",
    "cmg_handover_s": "seconds saturated before the CMGs are taken out",
    "control_bandwidth_rad_s": "CMG control bandwidth (rad/s)",
    "rs_bandwidth_rad_s": "RS thruster control bandwidth (rad/s)",
    "rs_max_rate_deg_s": "RS slew-rate limit (deg/s)",
    "desat_fraction": "desaturation threshold (share of capacity)",
    "inertia_scale": "factor on the whole inertia tensor",
}
CRITERIA = {
    "peak_rate_deg_s": "largest allowed peak rate (deg/s)",
    "total_change_deg": "largest allowed rotation about body Y (deg)",
    "max_excursion_deg": "largest allowed angle from LVLH (deg)",
    "regained_s": "control regained within (s from the start; never regained fails)",
    "propellant_kg": "largest allowed propellant use (kg)",
    "cmg_saturated_s": "largest allowed time with the CMGs saturated (s)",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Dispersion(_Model):
    path: str | None = None
    event: Literal["cmg_loss"] | None = None
    distribution: Literal["normal", "uniform", "truncated_normal", "lognormal", "choice"] | None = (
        None
    )
    mode: Literal["value", "offset", "scale"] = "value"
    mean: float | None = None
    sigma: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None
    values: list[float] | None = Field(default=None, min_length=1, max_length=1000)
    weights: list[float] | None = None
    low_s: float | None = Field(default=None, ge=0)
    high_s: float | None = Field(default=None, ge=0)
    probability: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _shape(self):
        if (self.path is None) == (self.event is None):
            raise ValueError('expected either path = "..." or event = "cmg_loss"')
        if self.event == "cmg_loss":
            if self.low_s is None or self.high_s is None or self.high_s < self.low_s:
                raise ValueError("cmg_loss: expected low_s <= high_s (seconds from the start)")
            return self
        d = self.distribution
        if d is None:
            raise ValueError("distribution: required with a path")
        if d in ("normal", "lognormal") and self.sigma is None:
            raise ValueError(f"{d}: expected sigma > 0")
        if d == "truncated_normal" and (
            self.sigma is None or (self.low is None and self.high is None)
        ):
            raise ValueError("truncated_normal: expected sigma > 0 and low and/or high")
        if d == "uniform" and (self.low is None or self.high is None or self.high <= self.low):
            raise ValueError("uniform: expected low < high")
        if d == "choice":
            if not self.values:
                raise ValueError("choice: expected values = [...]")
            if self.weights is not None and (
                len(self.weights) != len(self.values)
                or min(self.weights) < 0
                or sum(self.weights) <= 0
            ):
                raise ValueError("choice: expected one weight >= 0 per value, not all zero")
        if self.low is not None and self.high is not None and self.high <= self.low:
            raise ValueError("expected low < high")
        return self


class DispersionFile(_Model):
    seed: int = Field(ge=0, lt=2**63)
    dispersion: list[Dispersion] = Field(min_length=1, max_length=MAX_DISPERSIONS)
    criteria: dict[str, float] = {}
    settle_deg: float = Field(default=5.0, gt=0, le=90)


@dataclass(frozen=True)
class Dispersions:
    """A validated dispersion file bound to one attitude configuration."""

    spec: DispersionFile
    source: str
    labels: tuple[str, ...]
    nominal: tuple[float, ...]
    lines: tuple[int | None, ...] = ()

    @property
    def seed(self) -> int:
        return self.spec.seed

    def draw(self, index: int) -> np.ndarray:
        """Dispersed values of run ``index`` (one per dispersion; for a CMG loss the time, s,
        or +inf where the draw kept all four)."""
        rng = np.random.default_rng([self.spec.seed, index])
        pairs = zip(self.spec.dispersion, self.nominal, strict=True)
        return np.array([_draw(d, nominal, rng) for d, nominal in pairs])

    def apply(self, config: AttitudeConfig, values: np.ndarray) -> AttitudeConfig:
        """``config`` with run values applied."""
        for d, v in zip(self.spec.dispersion, values, strict=True):
            config = _apply(config, d, float(v))
        return config


def _truncated_share(d: Dispersion, nominal: float) -> float:
    """The share of a truncated normal's untruncated draws that fall between its bounds."""
    base = {"value": nominal, "offset": 0.0, "scale": 1.0}[d.mode]
    mean = d.mean if d.mean is not None else base

    def below(x: float | None, default: float) -> float:
        if x is None:
            return default
        return 0.5 * (1.0 + math.erf((x - mean) / (d.sigma * math.sqrt(2.0))))

    return below(d.high, 1.0) - below(d.low, 0.0)


def _draw(d: Dispersion, nominal: float, rng: np.random.Generator) -> float:
    if d.event == "cmg_loss":
        hit = rng.random() < d.probability
        t = rng.uniform(d.low_s, d.high_s) if d.high_s > d.low_s else d.low_s
        return float(t) if hit else float("inf")
    base = {"value": nominal, "offset": 0.0, "scale": 1.0}[d.mode]
    mean = d.mean if d.mean is not None else base
    kind = d.distribution
    if kind == "normal":
        x = rng.normal(mean, d.sigma)
    elif kind == "lognormal":
        if mean <= 0:
            raise ValueError("lognormal needs a positive mean")
        x = mean * np.exp(rng.normal(0.0, d.sigma))
    elif kind == "uniform":
        x = rng.uniform(d.low, d.high)
    elif kind == "truncated_normal":
        lo = -np.inf if d.low is None else d.low
        hi = np.inf if d.high is None else d.high
        for _ in range(10_000):  # rejection: bounded, the file check keeps acceptance sane
            x = rng.normal(mean, d.sigma)
            if lo <= x <= hi:
                break
        else:
            x = float(np.clip(mean, lo, hi))
    else:
        p = None if d.weights is None else np.asarray(d.weights) / np.sum(d.weights)
        x = d.values[int(rng.choice(len(d.values), p=p))]
    if d.mode == "offset":
        return float(nominal + x)
    if d.mode == "scale":
        return float(nominal * x)
    return float(x)


_PATH = re.compile(r"^(?:(thrusters|controllers)\[(\d+)\]\.)?([a-z_]+)$")


def known_paths(config: AttitudeConfig) -> list[str]:
    out = [f"thrusters[{i}].{f}" for i in range(len(config.thrusters)) for f in
           _ITEM_FIELDS["thrusters"]]  # fmt: skip
    out += [f"controllers[{j}].{f}" for j in range(len(config.controllers)) for f in
            _ITEM_FIELDS["controllers"]]  # fmt: skip
    return out + list(_TOP_FIELDS)


def _get(config: AttitudeConfig, path: str) -> float:
    group, index, name = _PATH.match(path).groups()
    if group:
        return float(getattr(getattr(config, group)[int(index)], name))
    if name == "inertia_scale":
        return 1.0
    return float(getattr(config, name))


_SPEC_OF = {"thrusters": ThrusterSpec, "controllers": ControllerSpec, None: AttitudeSpec}
_EXTRA_LIMITS = {  # dispersible fields that scenario files do not give directly
    "cmg_capacity_n_m_s": (0.0, False, math.inf, True),
    "control_bandwidth_rad_s": (0.0, False, MAX_BANDWIDTH_RAD_S, True),
    "inertia_scale": (0.0, False, math.inf, True),
}


def limits(path: str) -> tuple[float, bool, float, bool]:
    """(low, low included, high, high included) a dispersed value of ``path`` must respect: the
    bounds a scenario file puts on the same parameter (so a run is a model a scenario could
    give), e.g. ``thrusters[0].thrust_n`` in (0, 100000] N."""
    group, _, name = _PATH.match(path).groups()
    if name in _EXTRA_LIMITS:
        return _EXTRA_LIMITS[name]
    field = _SPEC_OF[group].model_fields.get(name)
    lo, lo_in, hi, hi_in = -math.inf, True, math.inf, True
    for m in field.metadata if field is not None else ():
        if getattr(m, "gt", None) is not None:
            lo, lo_in = float(m.gt), False
        if getattr(m, "ge", None) is not None:
            lo, lo_in = float(m.ge), True
        if getattr(m, "lt", None) is not None:
            hi, hi_in = float(m.lt), False
        if getattr(m, "le", None) is not None:
            hi, hi_in = float(m.le), True
    return lo, lo_in, hi, hi_in


def check_value(path: str, value: float) -> None:
    """ValueError (the run is recorded with it) when a drawn ``value`` of ``path`` is NaN or
    outside :func:`limits` (an infinite stop time is allowed: no stop)."""
    lo, lo_in, hi, hi_in = limits(path)
    ok = not math.isnan(value) and (lo <= value if lo_in else lo < value)
    ok = ok and (value <= hi if hi_in else value < hi)
    if not ok:
        raise ValueError(
            f"{path} drawn as {value:g}; expected {'[' if lo_in else '('}{lo:g}, {hi:g}"
            f"{']' if hi_in else ')'} as in a scenario file (a truncated_normal or uniform "
            "keeps draws inside)"
        )


def _apply(config: AttitudeConfig, d: Dispersion, value: float) -> AttitudeConfig:
    if d.event == "cmg_loss":
        if not np.isfinite(value):
            return config
        return replace(config, cmg_loss_s=value, cmg_share_after_loss=CMG_SHARE_AFTER_ONE_LOST)
    check_value(d.path, value)
    group, index, name = _PATH.match(d.path).groups()
    if group:
        items = list(getattr(config, group))
        items[int(index)] = replace(items[int(index)], **{name: value})
        return replace(config, **{group: tuple(items)})
    if name == "inertia_scale":
        return replace(config, inertia_kg_m2=np.asarray(config.inertia_kg_m2) * value)
    return replace(config, **{name: value})


def parse_dispersions(text: str, source: str, config: AttitudeConfig) -> Dispersions:
    """Validate a dispersion file against ``config``: every path must name a parameter of this
    model; one-line errors with file and line."""
    raw = read_toml(text, source)
    items = raw.get("dispersion")
    if isinstance(items, list) and len(items) > MAX_DISPERSIONS:
        raise EvasimInputError(
            f"dispersion: {len(items)} entries; expected at most {MAX_DISPERSIONS} (the limit)",
            source=source,
        )
    try:
        spec = DispersionFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        if first["type"] == "extra_forbidden":
            known = (Dispersion if "dispersion" in loc else DispersionFile).model_fields
            close = difflib.get_close_matches(str(loc[-1]), list(known), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = f"unknown field; {hint}expected one of: {', '.join(known)}"
        else:
            msg = _friendly(first)
        raise EvasimInputError(
            f"{_dotted(loc) or 'file'}: {msg}", source=source, line=locate_line(text, loc)
        ) from None
    paths = known_paths(config)
    labels, nominal, lines = [], [], []
    for i, d in enumerate(spec.dispersion):
        where = locate_line(text, ("dispersion", i, "path" if d.path else "event"))
        lines.append(where)
        if d.event == "cmg_loss":
            if not config.cmg:
                raise EvasimInputError(
                    f"dispersion[{i}].event: cmg_loss, but the scenario's model has no CMGs "
                    "(attitude.cmg = false): the dispersion would change nothing",
                    source=source,
                    line=where,
                )
            labels.append("cmg_loss_s")
            nominal.append(float("inf"))
            continue
        if d.path not in paths:
            close = difflib.get_close_matches(d.path, paths, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise EvasimInputError(
                f"dispersion[{i}].path: {d.path!r} is not a parameter of this scenario's model; "
                f"{hint}expected one of: {', '.join(paths)}",
                source=source,
                line=where,
            )
        if d.path in labels:
            raise EvasimInputError(
                f"dispersion[{i}].path: {d.path!r} is dispersed twice", source=source, line=where
            )
        labels.append(d.path)
        nominal.append(_get(config, d.path))
        if d.distribution == "truncated_normal":
            kept = _truncated_share(d, nominal[-1])
            if not kept >= MIN_TRUNCATED_SHARE:
                raise EvasimInputError(
                    f"dispersion[{i}]: truncated_normal keeps {kept:.2g} of its draws between low "
                    f"and high; expected at least {MIN_TRUNCATED_SHARE:g} (the limit): bounds "
                    "within a few sigma of the mean",
                    source=source,
                    line=where,
                )
        if d.distribution == "lognormal" and (d.mean if d.mean is not None else nominal[-1]) <= 0:
            raise EvasimInputError(
                f"dispersion[{i}].mean: lognormal needs a positive mean", source=source, line=where
            )
    for key in spec.criteria:
        if key not in CRITERIA:
            raise EvasimInputError(
                f"criteria.{key}: unknown; expected one of: {', '.join(CRITERIA)}",
                source=source,
                line=locate_line(text, ("criteria", key)),
            )
    return Dispersions(spec, source, tuple(labels), tuple(nominal), tuple(lines))
