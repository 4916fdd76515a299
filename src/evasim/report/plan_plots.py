"""Figures of a solved plan (matplotlib, Agg), each as PNG bytes: the Gantt of IV, EV1 and EV2
over orbital day/night and the comm windows, the suit-time curves, and the hatch-time search."""

from __future__ import annotations

from datetime import timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from ..plan.outputs import COLOURS, Activity
from ..plan.run import PlanResult
from .plots import DAY, NIGHT, _save


def _utc_axis(ax, hours: int = 1) -> None:
    ax.xaxis.set_major_locator(mdates.HourLocator(interval=hours, tz=mdates.UTC))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=mdates.UTC))
    ax.set_xlabel("UTC")


def gantt_png(r: PlanResult, acts: dict[str, list[Activity]]) -> bytes:
    """Lanes: orbital day/night, the Russian ground passes, TDRS zone of exclusion gaps, then
    IV, EV1, EV2 with their blocks, tasks and translations."""
    win = r.windows
    first = min(a.start_utc for lst in acts.values() for a in lst)
    last = max(a.end_utc for lst in acts.values() for a in lst)
    lo, hi = win.seconds(first), win.seconds(last)
    lanes = ["Orbital day", "Luch-5 (3 slots)", "TDRS", "Russian ground", *acts]
    fig, ax = plt.subplots(figsize=(13, 0.55 * len(lanes) + 1.6))

    def band(y: int, iv, colour: str, background: str | None = None) -> None:
        if background:
            ax.broken_barh(
                [(mdates.date2num(first), mdates.date2num(last) - mdates.date2num(first))],
                (y - 0.4, 0.8),
                color=background,
            )
        for s, e in zip(iv.start_s, iv.end_s, strict=True):
            s, e = max(s, lo), min(e, hi)
            if e > s:
                a, b = mdates.date2num(win.utc(s)), mdates.date2num(win.utc(e))
                ax.broken_barh([(a, b - a)], (y - 0.4, 0.8), color=colour)

    top = len(lanes) - 1
    band(top, win.daylight, DAY, NIGHT)
    band(top - 1, win.networks["luch"], "#9f7aea", "#edf2f7")
    band(top - 2, win.networks["tdrs"], "#4299e1", "#edf2f7")
    band(top - 3, win.networks["ground"], "#48bb78", "#edf2f7")
    for k, person in enumerate(acts):
        y = len(acts) - 1 - k
        for a in acts[person]:
            s, e = mdates.date2num(a.start_utc), mdates.date2num(a.end_utc)
            if e <= s:
                continue
            colour = COLOURS[person]
            alpha = 1.0
            if a.kind == "translate":
                colour = "#a0aec0"
            elif a.kind in ("block", "support"):
                alpha = 0.45
            elif a.kind == "get-ahead":
                alpha = 0.7
            ax.broken_barh(
                [(s, e - s)], (y - 0.38, 0.76), color=colour, alpha=alpha, edgecolor="white"
            )
            span_min = (a.end_utc - a.start_utc).total_seconds() / 60.0
            if a.kind != "translate" and span_min >= 25:
                label = a.name if len(a.name) <= span_min / 3.2 else a.name[: int(span_min / 3.2)]
                ax.text(
                    s + (e - s) / 2,
                    y,
                    label,
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if a.kind not in ("block", "support") else "#1a202c",
                    clip_on=True,
                )
    for when, style in ((r.hatch_utc, "-"), (r.hatch_close_utc, "--")):
        ax.axvline(mdates.date2num(when), color="#1a202c", lw=1.0, ls=style)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(list(reversed(lanes)))
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlim(mdates.date2num(first), mdates.date2num(last))
    _utc_axis(ax)
    ax.set_title(
        f"{r.plan.title}: hatch open {r.hatch_utc:%H:%M} (solid), close "
        f"{r.hatch_close_utc:%H:%M} UTC (dashed); grey: translations; pale: fixed blocks"
    )
    ax.grid(axis="x", color="#cbd5e0", lw=0.5)
    return _save(fig)


def suit_png(r: PlanResult) -> bytes:
    """Suit time used by EV1 and EV2 (both outside from hatch open to hatch close), against
    the planned limit and the suits' rated limit."""
    plan = r.plan
    h, c = r.hatch_utc, r.hatch_close_utc
    t = [h + timedelta(minutes=m) for m in np.arange(0, (c - h).total_seconds() / 60 + 1, 1.0)]
    used = np.array([(x - h).total_seconds() / 60.0 for x in t])
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for person, offset in (("EV1", 0.0), ("EV2", 3.0)):
        spec = plan.suit_of(person)
        rated = spec.rated_h.value * 60.0
        ax.plot(
            [mdates.date2num(x) for x in t],
            rated - used + offset,
            color=COLOURS[person],
            lw=2,
            label=f"{person} ({plan.member(person).suit}): time left to its rated "
            f"{rated / 60:g} h" + (" (drawn 3 min up to show both)" if offset else ""),
        )
    margin_left = plan.rated_limit_min - plan.suit_limit_min
    ax.axhline(margin_left, color="#d69e2e", ls="--", label=f"margin kept: {margin_left:g} min")
    ax.axhline(0, color="#1a202c", lw=0.8)
    ax.set_ylabel("suit time left (min)")
    ax.set_ylim(-10, plan.rated_limit_min + 20)
    _utc_axis(ax)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Suit time, counted from hatch open (Roscosmos's count; NASA's adds minutes)")
    ax.grid(color="#e2e8f0", lw=0.5)
    return _save(fig)


def hatch_png(r: PlanResult) -> bytes:
    """The hatch search: usable daylight for the day-only tasks by hatch time, the orbital
    sunrises, the candidates solved and the hatch chosen."""
    trials = sorted(r.trials, key=lambda x: x.hatch_utc)
    x = [mdates.date2num(tr.hatch_utc) for tr in trials]
    y = [tr.usable_day_s / 60.0 for tr in trials]
    fig, ax = plt.subplots(figsize=(11, 3.4))
    ax.plot(x, y, color="#4a5568", lw=1, label="usable daylight for day-only tasks")
    solved = [tr for tr in trials if tr.feasible is not None]
    for ok, colour, name in (
        (True, "#38a169", "solved: feasible"),
        (False, "#e53e3e", "solved: infeasible"),
    ):
        pts = [tr for tr in solved if tr.feasible is ok]
        if pts:
            ax.scatter(
                [mdates.date2num(p.hatch_utc) for p in pts],
                [p.usable_day_s / 60.0 for p in pts],
                color=colour,
                zorder=3,
                label=name,
            )
    first, last = trials[0].hatch_utc, trials[-1].hatch_utc
    for s in r.windows.sunrises_s():
        when = r.windows.utc(s)
        if first <= when <= last:
            ax.axvline(mdates.date2num(when), color=DAY, lw=0.8)
    ax.axvline(mdates.date2num(r.hatch_utc), color="#1a202c", lw=1.5, label="hatch chosen")
    ax.set_ylabel("min")
    span_h = (last - first).total_seconds() / 3600.0
    _utc_axis(ax, hours=max(1, round(span_h / 12)))
    ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    ax.set_title("Hatch-time search (gold lines: orbital sunrises)")
    return _save(fig)
