"""Rich display of a replay in Jupyter: a compact HTML table and a small inline plot.

``evasim.api.Replay._repr_html_`` calls :func:`replay_html`. Station configurations and
catalogue rows display themselves (their ``_repr_html_`` with :mod:`evasim.htmltable`).
Every text shown is escaped; nothing is written to disk.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from ..htmltable import html_table

PLOT_SIZE_IN = (6.0, 1.6)
PLOT_DPI = 80


def _png(figure) -> str:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=PLOT_DPI, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='plot' src='data:image/png;base64,{data}'>"


def replay_plot(replay) -> str:
    """A small PNG (inline ``<img>``): altitude over the span, orbital nights shaded, the
    EVA (hatch open to close) marked."""
    from matplotlib.figure import Figure

    grid = replay.grid
    hours = (grid.seconds - grid.seconds[0]) / 3600.0
    fig = Figure(figsize=PLOT_SIZE_IN)
    ax = fig.add_subplot()
    ax.plot(hours, replay.track.altitude_km, lw=1.0, color="#1f4e79")
    dark = np.asarray(replay.sunlit_fraction) < 0.5
    ax.fill_between(
        hours,
        0,
        1,
        where=dark,
        color="0.2",
        alpha=0.25,
        lw=0,
        transform=ax.get_xaxis_transform(),
        label="orbital night",
    )
    if replay.spacewalk is not None:
        eva = replay.scenario.eva
        for when in (eva.hatch_open_utc, eva.hatch_close_utc):
            ax.axvline((grid.seconds_of(when) - grid.seconds[0]) / 3600.0, color="#c62828", lw=1)
    ax.set_xlabel(f"hours from {grid.t0_utc:%Y-%m-%d %H:%M} UTC")
    ax.set_ylabel("altitude, km")
    ax.margins(x=0)
    return _png(fig)


def replay_html(replay) -> str:
    """A replay: key figures (what summary.json holds) and the small plot."""
    s = replay.summary()
    rows: list[tuple[str, object]] = [("scenario", s.get("scenario", replay.scenario.name))]
    rows.append(("title", replay.scenario.title))
    rows.append(("element set", replay.element_set.describe()))
    for key, label in (
        ("hatch_open_utc", "hatch open (UTC)"),
        ("hatch_close_utc", "hatch close (UTC)"),
        ("duration_hm", "duration"),
    ):
        if key in s:
            rows.append((label, s[key]))
    if "sunsets_during_eva_utc" in s:
        rows.append(
            (
                "sunsets / sunrises during the EVA",
                f"{len(s['sunsets_during_eva_utc'])} / {len(s['sunrises_during_eva_utc'])}",
            )
        )
    if "daylight_fraction_during_eva" in s:
        rows.append(("daylight during the EVA", f"{100 * s['daylight_fraction_during_eva']:.0f} %"))
    alt = s.get("altitude_km")
    if isinstance(alt, dict):
        rows.append(("altitude (km)", f"{alt['min']:.1f} .. {alt['max']:.1f}"))
    if replay.warnings:
        rows.append(("warnings", "; ".join(replay.warnings)))
    return html_table(rows, f"evasim replay {replay.scenario.name}") + replay_plot(replay)
