"""The spacewalk history report: ``history.html`` (self-contained, images inline) and the same
figures as PNG files beside it."""

from __future__ import annotations

import base64
from html import escape

from .. import __version__
from ..catalog.records import SEGMENTS, SpacewalkRecord
from . import history_data as hd
from . import history_plots as hp
from .html import _CSS, _table

FIGURES = (
    ("history_per_year.png", "Spacewalks per year by segment"),
    ("history_cumulative.png", "The running count"),
    ("history_hours.png", "Hours by airlock and by suit"),
    ("history_durations.png", "Durations by segment"),
    ("history_hatch_sunrise.png", "Lighting at the start: hatch open and orbital sunrise"),
    ("history_darkness.png", "Time in darkness"),
)


def history_figures(records: list[SpacewalkRecord], rows: list[dict]) -> dict[str, bytes]:
    """The PNGs by file name (``rows``: the survey table as dicts)."""
    return {
        "history_per_year.png": hp.per_year_png(records),
        "history_cumulative.png": hp.cumulative_png(records),
        "history_hours.png": hp.hours_png(records),
        "history_durations.png": hp.durations_png(records),
        "history_hatch_sunrise.png": hp.hatch_sunrise_png(rows),
        "history_darkness.png": hp.darkness_png(rows),
    }


def _img(data: bytes, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{b64}">'


def _milestones(records: list[SpacewalkRecord]) -> list[list[str]]:
    out = []
    for count in (1, 50, 100, 150, 200, hd.running_number_at(records, hd.STORY_DATE), 250):
        r = hd.first_reaching(records, count)
        if r is not None:
            crew = ", ".join(r.crew)
            out.append([str(count), f"{r.date:%Y-%m-%d}", r.mission, r.segment, crew])
    return out


def render_history(
    records: list[SpacewalkRecord], rows: list[dict], figures: dict[str, bytes]
) -> str:
    """The HTML page (``figures`` from :func:`history_figures`)."""
    story = hd.running_number_at(records, hd.STORY_DATE)
    milestone = hd.first_reaching(records, hd.MILESTONE)
    answer = hd.hatch_answer(rows)
    groups = hd.convention_groups(rows)
    ex = hd.excluded_counts(rows)
    by_segment = {s: sum(1 for r in records if r.segment == s) for s in SEGMENTS}
    spread_rows = []
    for label, g in groups.items():
        for key, what in (
            ("to_sunrise_min", "start to next sunrise"),
            ("since_sunset_min", "last sunset to start"),
        ):
            s = hd.Spread.of(r[key] for r in g)
            if s:
                spread_rows.append(
                    [label, what, f"{s.median:.1f}", f"{s.q1:.1f} - {s.q3:.1f}", str(s.n)]
                )
    dark = hd.Spread.of(100 * r["darkness_fraction"] for r in hd.measured(rows))
    lead = (
        f"{len(records)} ISS spacewalks from {min(r.date for r in records):%Y-%m-%d} to "
        f"{max(r.date for r in records):%Y-%m-%d} ("
        + ", ".join(f"{by_segment[s]} {s}" for s in SEGMENTS)
        + f"). On {hd.STORY_DATE:%Y-%m-%d}, the day of VKD-49, the running count reached {story}: "
        f"fewer than {hd.MILESTONE}"
        + (f"; the {hd.MILESTONE}th followed on {milestone.date:%Y-%m-%d}." if milestone else ".")
    )
    sections = []
    for name, title in FIGURES:
        extra = ""
        if name == "history_cumulative.png":
            extra = _table(
                ["count", "date (UTC)", "mission", "segment", "crew"], _milestones(records)
            )
        if name == "history_hatch_sunrise.png":
            extra = (
                f"<p><b>Do Russian spacewalks open the hatch near an orbital sunrise?</b> "
                f"{escape(answer.text())}</p>"
                + _table(
                    ["rows (segment, start means)", "interval", "median (min)", "IQR (min)", "n"],
                    spread_rows,
                )
                + f"<p>Only rows whose start has a known meaning are used; left out: "
                f"{ex['unknown_convention']} surveyed rows with an unknown time convention, "
                f"{ex['no_times']} rows without a start or end time, {ex['failed']} failed.</p>"
            )
        if name == "history_darkness.png" and dark:
            extra = (
                "<p>Share of a spacewalk in darkness (umbra), all surveyed rows: "
                f"{escape(dark.text('%'))}.</p>"
            )
        sections.append(
            f"<section><h2>{escape(title)}</h2>{_img(figures[name], title)}{extra}</section>"
        )
    failed = [r for r in rows if r["error"]]
    if failed:
        items = "".join(f"<li>#{r['number']}: {escape(r['error'])}</li>" for r in failed)
        sections.append(f"<section><h2>Not surveyed</h2><ul>{items}</ul></section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ISS spacewalk history</title><style>{_CSS}</style></head><body>
<header><h1>ISS spacewalk history</h1><p>{escape(lead)}</p></header>
<main>{"".join(sections)}</main>
<footer>evasim {escape(__version__)} - catalogue: data/catalog/iss_spacewalks_1998-2025.csv
(sources per row, see data/SOURCES.md); lighting: evasim survey (SGP4, DE421, umbra/penumbra
against WGS84). Times UTC.</footer>
</body></html>
"""
