"""Figures of the spacewalk history (matplotlib, Agg). Each returns PNG bytes and carries its
data source and what it leaves out in a footnote."""

from __future__ import annotations

from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from ..catalog.records import SEGMENTS, SpacewalkRecord
from . import history_data as hd
from .plots import DAY, NIGHT, _save

SEGMENT_COLOURS = {"US": "#2b6cb0", "RS": "#c53030", "Shuttle": "#718096"}
CATALOGUE_SOURCE = (
    "Source: evasim catalogue, data/catalog/iss_spacewalks_1998-2025.csv "
    "(NASA running count; see data/SOURCES.md)"
)
SURVEY_SOURCE = (
    "Source: evasim survey (SGP4 from the archived element set nearest each start, DE421 Sun, "
    "umbra/penumbra against WGS84)"
)


def _footnote(fig, *lines: str) -> None:
    fig.text(0.01, -0.01, "\n".join(lines), ha="left", va="top", fontsize=7.5, color="#4a5568")


def per_year_png(records: list[SpacewalkRecord]) -> bytes:
    years = np.arange(min(r.date.year for r in records), max(r.date.year for r in records) + 1)
    fig, ax = plt.subplots(figsize=(10, 4.2))
    bottom = np.zeros(len(years))
    for seg in SEGMENTS:
        counts = np.array(
            [sum(1 for r in records if r.segment == seg and r.date.year == y) for y in years]
        )
        ax.bar(
            years,
            counts,
            bottom=bottom,
            color=SEGMENT_COLOURS[seg],
            label=f"{seg} ({counts.sum()})",
        )
        bottom += counts
    ax.set_xlabel("year (UTC)")
    ax.set_ylabel("spacewalks")
    ax.set_title(f"ISS spacewalks per year by segment ({len(records)} in all)")
    ax.set_xticks(years[::2])
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    _footnote(
        fig,
        CATALOGUE_SOURCE,
        "Segment: Shuttle = a Shuttle mission's crew (STS-...); RS = Orlan suits; US = EMU from "
        "the station. All rows have a date: none left out. 2025: to 2025-10-28.",
    )
    return _save(fig)


def cumulative_png(records: list[SpacewalkRecord]) -> bytes:
    ordered = sorted(records, key=lambda r: (r.date, r.number))
    days = [r.date for r in ordered]
    count = np.arange(1, len(ordered) + 1)
    story = hd.running_number_at(records, hd.STORY_DATE)
    milestone = hd.first_reaching(records, hd.MILESTONE)
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.step(days, count, where="post", color="#1d2433", lw=1.4)
    ax.axhline(hd.MILESTONE, color="#a0aec0", lw=0.8, ls="--")
    ax.plot([hd.STORY_DATE], [story], "o", color=SEGMENT_COLOURS["RS"])
    ax.annotate(
        f"{hd.STORY_DATE:%Y-%m-%d}: VKD-49 is number {story}\n"
        f"(the story: fewer than {hd.MILESTONE} so far)",
        (hd.STORY_DATE, story),
        xytext=(date(2010, 6, 1), 262),
        arrowprops={"arrowstyle": "->", "color": "#4a5568"},
        fontsize=9,
    )
    if milestone is not None:
        ax.plot([milestone.date], [hd.MILESTONE], "o", color="#2f855a")
        ax.annotate(
            f"the {hd.MILESTONE}th: {milestone.date:%Y-%m-%d}",
            (milestone.date, hd.MILESTONE),
            xytext=(date(2022, 9, 1), 185),
            arrowprops={"arrowstyle": "->", "color": "#4a5568"},
            fontsize=9,
        )
    ax.set_ylim(0, len(ordered) * 1.12)
    ax.set_ylabel("running number (spacewalks to date)")
    ax.set_title("Cumulative count of ISS spacewalks")
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)
    inset = ax.inset_axes([0.06, 0.52, 0.3, 0.38])
    near = [
        (d, c)
        for d, c in zip(days, count, strict=True)
        if date(2021, 1, 1) <= d <= date(2022, 12, 31)
    ]
    if near:
        inset.step([d for d, _ in near], [c for _, c in near], where="post", color="#1d2433")
        inset.plot([hd.STORY_DATE], [story], "o", color=SEGMENT_COLOURS["RS"], ms=4)
        if milestone is not None:
            inset.plot([milestone.date], [hd.MILESTONE], "o", color="#2f855a", ms=4)
        inset.axhline(hd.MILESTONE, color="#a0aec0", lw=0.8, ls="--")
        inset.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        inset.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        inset.tick_params(labelsize=7)
        inset.set_title("2021-2022", fontsize=8)
        inset.grid(alpha=0.3)
    _footnote(fig, CATALOGUE_SOURCE, "Counted by UTC date; all rows have a date: none left out.")
    return _save(fig)


def hours_png(records: list[SpacewalkRecord]) -> bytes:
    by_airlock = hd.hours_by(records, hd.airlock_name)
    by_suit = hd.hours_by(records, lambda r: r.suit)
    suit_of = {hd.airlock_name(r): r.suit for r in records}
    missing = sum(1 for r in records if r.duration_min is None)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 1]})
    names = list(by_airlock)[::-1]
    colours = ["#2b6cb0" if suit_of[n] == "EMU" else "#c53030" for n in names]
    a1.barh(names, [by_airlock[n] for n in names], color=colours)
    for i, n in enumerate(names):
        hours = by_airlock[n]
        a1.text(
            hours,
            i,
            f" {hours:.0f} h" if hours >= 10 else f" {hours:.1f} h",
            va="center",
            fontsize=8,
        )
    a1.set_xlabel("hours (catalogued durations)")
    a1.set_title("Spacewalk hours by airlock (blue: EMU, red: Orlan)")
    a1.set_xlim(0, max(by_airlock.values()) * 1.18)
    a1.grid(axis="x", alpha=0.3)
    suits = list(by_suit)
    a2.bar(
        suits,
        [by_suit[s] for s in suits],
        color=["#2b6cb0" if s == "EMU" else "#c53030" for s in suits],
    )
    for i, s in enumerate(suits):
        n = sum(1 for r in records if r.suit == s)
        a2.text(
            i, by_suit[s], f"{by_suit[s]:.0f} h\n({n} EVAs)", ha="center", va="bottom", fontsize=8
        )
    a2.set_ylim(0, max(by_suit.values()) * 1.2)
    a2.set_title("by suit")
    a2.set_ylabel("hours")
    _footnote(
        fig,
        CATALOGUE_SOURCE,
        f"'Pirs' and 'Pirs (DC-1)' are one airlock; 'Shuttle airlock or Quest (not in source)': "
        f"no source names it. Rows without a duration left out: {missing}.",
    )
    return _save(fig)


def durations_png(records: list[SpacewalkRecord]) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    data, labels = [], []
    rng = np.random.default_rng(0)  # jitter of the dots only
    for i, seg in enumerate(SEGMENTS):
        hours = np.array(
            [r.duration_min / 60.0 for r in records if r.segment == seg and r.duration_min]
        )
        data.append(hours)
        labels.append(f"{seg}\nn = {hours.size}, median {np.median(hours):.1f} h")
        ax.scatter(
            i + 1 + rng.uniform(-0.18, 0.18, hours.size),
            hours,
            s=9,
            alpha=0.55,
            color=SEGMENT_COLOURS[seg],
        )
    ax.boxplot(data, widths=0.5, showfliers=False, medianprops={"color": "#1d2433"})
    ax.set_xticks(range(1, len(SEGMENTS) + 1), labels)
    ax.set_ylabel("duration (h)")
    ax.set_title("Spacewalk durations by segment")
    ax.grid(axis="y", alpha=0.3)
    missing = sum(1 for r in records if not r.duration_min)
    _footnote(
        fig,
        CATALOGUE_SOURCE,
        "Box: quartiles, whiskers 1.5 IQR; dots: each spacewalk. "
        f"Rows without a duration left out: {missing}.",
    )
    return _save(fig)


def hatch_sunrise_png(rows: list[dict]) -> bytes:
    groups = hd.convention_groups(rows)
    ex = hd.excluded_counts(rows)
    colours = {"RS, hatch open": SEGMENT_COLOURS["RS"], "US, battery power": SEGMENT_COLOURS["US"]}
    fig = plt.figure(figsize=(12, 7.4))
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 2], hspace=0.45, wspace=0.2)
    hist_axes = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]))
    bin_min = 5.0
    bins = np.arange(0.0, 100.0, bin_min)
    period_min = hd.sunset_to_sunset_min(rows)
    for ax, key, title in (
        (hist_axes[0], "to_sunrise_min", "minutes from the start to the next sunrise"),
        (hist_axes[1], "since_sunset_min", "minutes from the last sunset to the start"),
    ):
        for label, g in groups.items():
            v = np.array([r[key] for r in g if r[key] is not None])
            if v.size == 0:
                continue
            colour = colours.get(label, "#718096")
            med = np.median(v)
            ax.hist(
                v,
                bins=bins,
                weights=np.full(v.size, 100.0 / v.size),
                histtype="step",
                lw=1.8,
                color=colour,
                label=f"{label}: n = {v.size}, median {med:.0f} min",
            )
            ax.axvline(med, color=colour, ls="--", lw=1)
        if period_min:
            ax.axhline(
                100.0 * bin_min / period_min, color="#1d2433", ls=":", lw=1, label="a random moment"
            )
        ax.set_xlabel(title)
        ax.set_ylabel(f"% of the group per {bin_min:.0f}-min bin")
        ax.set_xlim(0, 95)
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    hist_axes[0].set_title("Start and the next orbital sunrise (dashed: medians)")
    hist_axes[1].set_title("Start and the last orbital sunset")
    ax = fig.add_subplot(grid[1, :])
    shown, fractions = [], []
    for seg in SEGMENTS:
        for conv in ("hatch", "battery", "unknown"):
            g = [
                r for r in hd.measured(rows) if r["segment"] == seg and r["time_convention"] == conv
            ]
            if not g:
                continue
            shown.append(f"{seg}, start = {conv} (n = {len(g)})")
            fractions.append(
                [sum(r["start_lighting"] == k for r in g) / len(g) for k in hd.LIGHTING_KINDS]
            )
    f = np.array(fractions)
    y = np.arange(len(shown))
    left = np.zeros(len(shown))
    for j, kind in enumerate(hd.LIGHTING_KINDS):
        colour = {"day": DAY, "penumbra": "#c0803a", "night": NIGHT}[kind]
        ax.barh(y, f[:, j], left=left, color=colour, label=kind, height=0.7)
        for i in range(len(shown)):
            if f[i, j] >= 0.08:
                text_colour = "white" if kind == "night" else "#1d2433"
                ax.text(
                    left[i] + f[i, j] / 2,
                    i,
                    f"{100 * f[i, j]:.0f} %",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=text_colour,
                )
        left += f[:, j]
    ax.set_yticks(y, shown, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the spacewalks")
    ax.set_title("Lighting at the start, by segment and what the start time means")
    ax.legend(frameon=False, fontsize=8, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    _footnote(
        fig,
        SURVEY_SOURCE,
        "Top: only rows whose start has a known meaning (RS: hatch open; US: suit battery power); "
        f"left out: {ex['unknown_convention']} rows with an unknown convention, "
        f"{ex['no_times']} without times, {ex['failed']} failed;",
        "a row with no night in reach (high beta) has no next sunrise or last sunset. "
        f"Dotted: a start at a random moment of the orbit (median sunset to sunset: "
        f"{period_min or float('nan'):.1f} min). "
        "Bottom: every surveyed row.",
    )
    return _save(fig)


def darkness_png(rows: list[dict]) -> bytes:
    ok = hd.measured(rows)
    ex = hd.excluded_counts(rows)
    sunlit_long = [r for r in ok if r["darkness_min"] == 0.0 and r["span_min"] > 60.0]
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for seg in SEGMENTS:
        g = [r for r in ok if r["segment"] == seg]
        if not g:
            continue
        frac = np.array([r["darkness_fraction"] for r in g])
        ax.scatter(
            [r["date"] for r in g],
            100 * frac,
            s=12,
            alpha=0.7,
            color=SEGMENT_COLOURS[seg],
            label=f"{seg} (n = {len(g)}, median {100 * np.median(frac):.0f} %)",
        )
    ax.set_ylabel("share of the spacewalk in darkness (%)")
    ax.set_ylim(-4, 104)
    ax.set_title("Fraction of each spacewalk spent in the Earth's shadow (umbra)", pad=26)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    _footnote(
        fig,
        SURVEY_SOURCE,
        f"Start to end as catalogued (any time convention). Left out: {ex['no_times']} rows "
        f"without times, {ex['failed']} failed. "
        "Short spacewalks (< 1 h) can be all day or all night.",
        *(
            [
                "No umbra at all at high beta (grazing nights, penumbra only): "
                + ", ".join(f"#{r['number']} ({r['beta_deg']:+.0f} deg)" for r in sunlit_long)
                + "."
            ]
            if sunlit_long
            else []
        ),
    )
    return _save(fig)
