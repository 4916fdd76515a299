"""Figures for attitude replays: error, rates, CMG momentum, propellant, roll/pitch/yaw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from ..replay import Replay
from .plots import _save


def _x(replay: Replay, n: int) -> np.ndarray:
    return mdates.date2num(replay.grid.datetimes64()[:n])


def _decorate(ax, replay: Replay, ylabel: str) -> None:
    a = replay.attitude
    n = len(a.q_lvlh)
    x = _x(replay, n)
    off = np.flatnonzero(~a.cmg_active)
    if off.size:
        ax.axvspan(x[off[0]], x[-1], color="#f4d6d6", alpha=0.5, lw=0, label="CMGs out of control")
    for c in a.config.controllers:
        if c.start_s <= replay.grid.seconds[n - 1]:
            ax.axvline(x[0] + c.start_s / 86400, color="#2a6f97", lw=1, ls="--")
            ax.text(
                x[0] + c.start_s / 86400,
                ax.get_ylim()[1],
                f" {c.name}",
                fontsize=7,
                va="top",
                color="#2a6f97",
                rotation=90,
            )
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def attitude_overview_png(replay: Replay) -> bytes:
    a = replay.attitude
    n = len(a.q_lvlh)
    x = _x(replay, n)
    fig, axes = plt.subplots(4, 1, figsize=(12, 11), sharex=True)
    ax = axes[0]
    ax.plot(
        x,
        a.pitch_error_unwrapped_deg,
        color="#b5651d",
        lw=1.6,
        label="rotation about the pitch axis (unwrapped)",
    )
    ax.plot(x, a.error_deg, color="black", lw=1, label="total attitude error (0-180)")
    for target in replay.scenario.attitude.targets:
        if target.quantity == "total_attitude_change_deg":
            ax.axhline(
                target.value,
                color="crimson",
                ls=":",
                lw=1.2,
                label=f"published ~{target.value:g} deg",
            )
        if target.quantity == "error_deg_at":
            xt = mdates.date2num(target.at_utc)
            ax.errorbar(
                [xt],
                [target.value],
                yerr=[target.sigma],
                fmt="o",
                color="crimson",
                label=f"published {target.value:g} deg at {target.at_utc:%H:%M}",
            )
    ax.set_title("Attitude relative to the commanded attitude", loc="left", fontsize=11)
    _decorate(ax, replay, "deg")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    w = np.degrees(a.omega_body_rad_s)
    ax.plot(x, a.rate_rel_lvlh_deg_s, color="black", lw=1.4, label="|rate| relative to LVLH")
    for k, (axis, colour) in enumerate(zip("xyz", ("#c0392b", "#27ae60", "#2980b9"), strict=True)):
        ax.plot(x, w[:, k], color=colour, lw=0.8, label=f"omega body {axis} (inertial)")
    for target in replay.scenario.attitude.targets:
        if target.quantity == "peak_rate_deg_s":
            ax.axhline(
                target.value,
                color="crimson",
                ls=":",
                lw=1.2,
                label=f"published peak {target.value:g} deg/s",
            )
    ax.set_title("Body rates", loc="left", fontsize=11)
    _decorate(ax, replay, "deg/s")
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    ax = axes[2]
    ax.plot(x, a.h_cmg_norm, color="#6c3483", lw=1.4, label="|h| of the CMG array")
    ax.axhline(
        a.config.cmg_capacity_n_m_s,
        color="crimson",
        ls=":",
        lw=1.2,
        label=f"capacity {a.config.cmg_capacity_n_m_s:,.0f} N m s",
    )
    ax.set_title("CMG momentum", loc="left", fontsize=11)
    _decorate(ax, replay, "N m s")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[3]
    for i, name in enumerate(a.thruster_names):
        ax.plot(x, a.propellant_kg[:, i], lw=1.4, label=name)
    ax.set_title("Propellant of the scheduled thrusters", loc="left", fontsize=11)
    _decorate(ax, replay, "kg")
    if a.thruster_names:
        ax.legend(fontsize=8)
    ax.set_xlabel("UTC")
    fig.tight_layout()
    return _save(fig)


def rpy_png(replay: Replay) -> bytes:
    a = replay.attitude
    n = len(a.q_lvlh)
    x = _x(replay, n)
    roll, pitch, yaw = a.rpy_deg()
    fig, ax = plt.subplots(figsize=(12, 3.4))
    for values, label, colour in (
        (roll, "roll", "#c0392b"),
        (pitch, "pitch", "#27ae60"),
        (yaw, "yaw", "#2980b9"),
    ):
        ax.plot(x, values, lw=1, label=label, color=colour)
    ax.set_title("Roll, pitch, yaw relative to LVLH (3-2-1)", loc="left", fontsize=11)
    _decorate(ax, replay, "deg")
    ax.legend(fontsize=8)
    return _save(fig)
