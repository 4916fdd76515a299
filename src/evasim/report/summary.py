"""summary.json: the key figures of a replay, one function per kind of replay.

``summary(replay)`` dispatches once on the replay's part; adding a kind of scenario means adding
its part and one row to ``SUMMARIES``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..attitude.identify import FIGURE_UNITS
from ..attitude.quaternion import to_euler_321_deg
from ..parts import AttitudeEventPart, SpacewalkPart
from ..replay import Replay
from ..sky.timegrid import utc_iso
from ..timeline import hm
from .reconstruction import reconstruction_for


def summary(replay: Replay) -> dict:
    """Key figures, JSON-ready (what summary.json holds)."""
    return SUMMARIES[type(replay.part)](replay)


def spacewalk_summary(replay: Replay) -> dict:
    """Key figures of a spacewalk, JSON-ready."""
    sc, eva = replay.scenario, replay.scenario.eva
    s_open = replay.grid.seconds_of(eva.hatch_open_utc)
    s_close = replay.grid.seconds_of(eva.hatch_close_utc)
    in_eva = (replay.edges.seconds >= s_open) & (replay.edges.seconds <= s_close)
    mask = replay.eva_mask()
    step = float(np.median(np.diff(replay.grid.seconds))) if len(replay.grid) > 1 else 0.0
    daylight_s = float(np.sum(replay.sunlit_fraction[mask]) * step)
    periods = replay.track.orbital_periods_min()
    return {
        "scenario": sc.name,
        "title": sc.title,
        "catalog_number": sc.catalog_number,
        "timeline": "generic" if sc.generic_timeline else "detailed",
        "time_convention": eva.time_convention,
        "notes": scenario_notes(sc),
        "airlock": eva.airlock,
        "crew": [{"name": m.name, "role": m.role, "suit": m.suit} for m in sc.crew],
        "iv_crew": list(eva.iv_crew),
        "hatch_open_utc": utc_iso(eva.hatch_open_utc),
        "hatch_close_utc": utc_iso(eva.hatch_close_utc),
        "duration_s": s_close - s_open,
        "duration_hm": hm(s_close - s_open),
        "sunrises_during_eva_utc": [
            utc_iso(replay.grid.datetime_at(s), 1)
            for s in replay.edges.seconds[in_eva & (replay.edges.kind == "sunrise")]
        ],
        "sunsets_during_eva_utc": [
            utc_iso(replay.grid.datetime_at(s), 1)
            for s in replay.edges.seconds[in_eva & (replay.edges.kind == "sunset")]
        ],
        "daylight_during_eva_s": round(daylight_s, 1),
        "daylight_fraction_during_eva": round(daylight_s / max(s_close - s_open, 1.0), 4),
        "beta_angle_deg": {
            "at_hatch_open": round(
                float(np.interp(s_open, replay.grid.seconds, replay.beta_deg)), 3
            ),
            "min": round(float(np.min(replay.beta_deg[mask])), 3),
            "max": round(float(np.max(replay.beta_deg[mask])), 3),
        },
        "altitude_km": {
            "min": round(float(np.min(replay.track.altitude_km)), 2),
            "max": round(float(np.max(replay.track.altitude_km)), 2),
            "mean": round(float(np.mean(replay.track.altitude_km)), 2),
        },
        "orbital_period_min": round(float(np.mean(periods)), 3) if periods.size else None,
        "inclination_from_track_deg": round(replay.track.inclination_from_track_deg(), 3),
        "tle": {
            "epoch_utc": utc_iso(replay.element_set.epoch_utc),
            "age_days_at_hatch_open": round(replay.tle_age_days, 3),
            "line1": replay.element_set.line1,
            "line2": replay.element_set.line2,
            "origin": replay.element_set.origin,
        },
        "station": replay.station.to_json() if replay.station else None,
        "attitude": _attitude_hold_summary(replay),
        "flags": list(replay.timeline.flags),
        "warnings": list(replay.warnings),
        "step_s": step,
        "samples": len(replay.grid),
    }


GENERIC_TIMELINE_NOTE = (
    "GENERIC timeline: the tasks are an outline (egress, the purpose as one work block at the "
    "airlock's module, ingress), not what was done when; no detailed timeline of this spacewalk "
    "is in evasim"
)
TIME_CONVENTIONS = {
    "hatch": "hatch open and close",
    "battery": "suits on and off battery power (NASA's count), not the hatch times",
    "unknown": "not known whether hatch or suit battery-power times",
}
"""What a spacewalk's start and end times mark, by ``eva.time_convention``."""


def scenario_notes(sc) -> list[str]:
    """What a spacewalk replay's reader must know about its scenario: the ISS spacewalk number,
    a generic timeline, what the EVA times mark, and the scenario's own notes."""
    notes = []
    if sc.catalog_number is not None:
        notes.append(
            f"ISS spacewalk no. {sc.catalog_number} (NASA's running count; eva-{sc.catalog_number})"
        )
    if sc.generic_timeline:
        notes.append(GENERIC_TIMELINE_NOTE)
    notes.append(f"EVA start and end times: {TIME_CONVENTIONS[sc.eva.time_convention]}")
    return [*notes, *(n for n in sc.notes if n not in notes)]


def _attitude_hold_summary(replay: Replay) -> dict | None:
    a = replay.attitude
    if a is None:
        return None
    roll, pitch, yaw = to_euler_321_deg(np.asarray(a.config.q_ref_lvlh))
    return {
        "mode": "CMG attitude hold at the torque-equilibrium attitude (TEA)",
        "tea_roll_pitch_yaw_deg": [round(float(x[0]), 3) for x in (roll, pitch, yaw)],
        "max_attitude_error_deg": round(float(np.max(a.error_deg)), 6),
        "max_h_cmg_n_m_s": round(float(np.max(a.h_cmg_norm)), 3),
        "cmg_capacity_n_m_s": a.config.cmg_capacity_n_m_s,
        "integrator": integrator_summary(a.config),
    }


def integrator_summary(config) -> dict:
    """How the attitude was integrated (``evasim.attitude.kernel``): the step and whether the
    control law is evaluated continuously or sampled once per step and held."""
    return {
        "method": "RK4, split at scheduled switches (numba)",
        "dt_s": config.dt_s,
        "control_sampling": config.control_sampling,
    }


def attitude_event_summary(replay: Replay) -> dict:
    """Key figures of an attitude event (reconstructed and published), JSON-ready."""
    sc, a = replay.scenario, replay.attitude
    f = a.figures
    t0 = replay.grid.t0_utc
    rec = reconstruction_for(sc, a)
    sigmas = {p["key"]: p for p in (rec or {}).get("parameters", [])}

    def pub(t):  # a published figure, from the scenario's [[attitude.targets]]
        is_time = t.quantity == "control_regained_utc"
        return {
            "value": utc_iso(t.value) if is_time else t.value,
            "at_utc": utc_iso(t.at_utc) if t.at_utc else None,
            "sigma": t.sigma,
            "sigma_unit": FIGURE_UNITS[t.quantity],
            "source": t.source,
            "confidence": t.confidence,
        }

    regained = (
        utc_iso(replay.grid.datetime_at(f["control_regained_s"]))
        if np.isfinite(f["control_regained_s"])
        else None
    )
    error_at = {utc_iso(k): round(v, 2) for k, v in f["error_deg_at"].items()}
    fitted = {}
    for key, value in (a.fit_values or {}).items():
        shown = utc_iso(replay.grid.datetime_at(value)) if key.endswith("start_utc") else value
        fitted[key] = {
            "value": shown if isinstance(shown, str) else round(float(shown), 3),
            # Without published figures to fit, nothing bounds the parameter.
            "sigma": sigmas[key]["sigma"] if key in sigmas else "unconstrained",
            "unit": _unit(key),
            "sigma_unit": sigmas[key]["sigma_unit"] if key in sigmas else None,
        }
    return {
        "scenario": sc.name,
        "title": sc.title,
        "kind": "attitude",
        "span_utc": [utc_iso(sc.span.start_utc), utc_iso(sc.span.end_utc)],
        "peak_rate_deg_s": round(f["peak_rate_deg_s"], 4),
        "peak_rate_utc": utc_iso(replay.grid.datetime_at(f["peak_rate_s"])),
        "total_attitude_change_deg": round(f["total_attitude_change_deg"], 2),
        "error_deg_at": error_at,
        "control_regained_utc": regained,
        "max_h_cmg_n_m_s": round(f["max_h_cmg_n_m_s"], 3),
        "integrator": integrator_summary(a.config),
        "published": {t.quantity: pub(t) for t in sc.attitude.targets},
        "fitted_parameters": fitted,
        "reconstruction": rec,
        "normalised_residuals": [
            round(float(x), 3) for x in (a.residuals if a.residuals is not None else [])
        ],
        "mass_properties": {
            "mass_kg": round(a.setup.mass.mass_kg, 1),
            "center_of_mass_m": [round(float(x), 3) for x in a.setup.mass.center_of_mass_m],
            "inertia_kg_m2": [
                [round(float(x), 1) for x in row] for row in a.setup.mass.inertia_kg_m2
            ],
        },
        "tle": {
            "epoch_utc": utc_iso(replay.element_set.epoch_utc),
            "age_days": round(replay.tle_age_days, 3),
        },
        "reconstruction_note": RECONSTRUCTION_NOTE,
        "warnings": list(replay.warnings),
        "start_utc": utc_iso(t0),
    }


RECONSTRUCTION_NOTE = (
    "Reconstructed, not recorded: the scenario's unknown parameters (its `fit` lists) are fitted "
    "to its published figures ([[attitude.targets]], each with its source) under its documented "
    "priors ([[attitude.priors]]). What the figures leave free is reported as unconstrained, and "
    "a leave-one-out check says whether each figure is predicted by the others (see "
    "'reconstruction')."
)


def _unit(key: str) -> str:
    for suffix, unit in (
        ("thrust_n", "N"),
        ("propellant_kg", "kg"),
        ("max_torque_n_m", "N m"),
        ("start_utc", "UTC"),
        ("isp_s", "s"),
    ):
        if key.endswith(suffix):
            return unit
    return ""


SUMMARIES: dict[type, Callable[[Replay], dict]] = {
    SpacewalkPart: spacewalk_summary,
    AttitudeEventPart: attitude_event_summary,
}
