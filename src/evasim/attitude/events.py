"""Events of an attitude replay (thrusters, CMG saturation and hand-over, controllers, peak
rate, control regained) as timeline events."""

from __future__ import annotations

import numpy as np

from ..sky.timegrid import TimeGrid
from ..timeline import Event
from .states import AttitudeStates

ATTITUDE_EVENT_KINDS = (
    "thruster_on",
    "thruster_off",
    "cmg_saturated",
    "cmg_offline",
    "controller_on",
    "peak_rate",
    "control_regained",
)


def attitude_events(states: AttitudeStates, grid: TimeGrid) -> list[Event]:
    cfg = states.config
    s = states.t_s  # the states' own instants (seconds of ``grid``)
    out: list[Event] = []
    for i, t in enumerate(cfg.thrusters):
        if s[0] <= t.start_s <= s[-1]:
            out.append(
                Event(grid.datetime_at(t.start_s), "thruster_on", f"{t.name}: {t.thrust_n:.1f} N")
            )
        empty = np.flatnonzero(states.propellant_kg[:, i] <= 0.0)
        stop = min(s[empty[0]] if empty.size else np.inf, t.stop_s)
        if np.isfinite(stop) and stop <= s[-1]:
            why = "propellant exhausted" if empty.size and s[empty[0]] <= t.stop_s else "stop"
            out.append(Event(grid.datetime_at(stop), "thruster_off", f"{t.name}: {why}"))
    if cfg.cmg:
        sat = np.flatnonzero(states.h_cmg_norm >= cfg.cmg_capacity_n_m_s * (1 - 1e-6))
        if sat.size:
            out.append(
                Event(
                    grid.datetime_at(s[sat[0]]),
                    "cmg_saturated",
                    f"CMG momentum at capacity ({cfg.cmg_capacity_n_m_s:,.0f} N m s)",
                )
            )
        off = np.flatnonzero(~states.cmg_active)
        if off.size:
            out.append(
                Event(
                    grid.datetime_at(s[off[0]]), "cmg_offline", "CMGs taken out of attitude control"
                )
            )
    for c in cfg.controllers:
        if s[0] <= c.start_s <= s[-1]:
            out.append(
                Event(
                    grid.datetime_at(c.start_s),
                    "controller_on",
                    f"{c.name}: up to {c.max_torque_n_m:,.0f} N m",
                )
            )
    if states.figures:
        f = states.figures
        out.append(
            Event(
                grid.datetime_at(f["peak_rate_s"]),
                "peak_rate",
                f"{f['peak_rate_deg_s']:.3f} deg/s relative to LVLH",
            )
        )
        if np.isfinite(f["control_regained_s"]):
            out.append(
                Event(
                    grid.datetime_at(f["control_regained_s"]),
                    "control_regained",
                    "attitude error below 5 deg from here on",
                )
            )
    return out
