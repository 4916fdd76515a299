"""Render a :class:`~evasim.replay.Replay` as one self-contained HTML page (images inline)."""

from __future__ import annotations

import base64
import math
from html import escape

import numpy as np

from .. import __version__
from ..replay import Replay
from ..sky.timegrid import utc_iso
from ..timeline import hm
from . import plots
from .summary import spacewalk_summary

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2433;
background:#f4f6fa}
header{background:#0b1a33;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:24px} header p{margin:0;color:#c8d3e6;max-width:980px}
main{padding:18px 28px;max-width:1400px}
section{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 18px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:18px;margin:4px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#eef2f8;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px} .card span{font-size:12px;color:#4a5568}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f7fafc}
img{max-width:100%;height:auto}
.row{display:flex;flex-wrap:wrap;gap:14px}
.est{color:#a0522d;font-weight:600} .warn{color:#b42318;font-weight:600}
.conf{font-family:monospace;font-weight:700}
footer{color:#718096;font-size:12px;padding:0 28px 24px}
"""


def _img(data: bytes, mime: str, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:{mime};base64,{b64}">'


def fact_table_rows(sc) -> list[list[str]]:
    """Rows of the facts-and-sources table (HTML-escaped, confidence mark styled)."""
    return [
        [
            escape(f.label),
            escape(f.value),
            escape(f.source),
            f"<span class='conf'>{escape(f.confidence)}</span>",
        ]
        for f in sc.facts
    ]


def _table(headers: list[str], rows: list[list[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _station_section(replay: Replay) -> str:
    st = replay.station
    if st is None:
        return ""
    after = {(x["kind"], x["from"], x["to"]): x for x in st.links_after}
    rows = []
    for b in st.links_before:
        a = after[(b["kind"], b["from"], b["to"])]
        changed = " class='est'" if a["state"] != b["state"] else ""
        rows.append(
            [
                escape(b["kind"]),
                escape(f"{b['from']} -> {b['to']}"),
                escape(b["state"]),
                f"<span{changed}>{escape(a['state'])}</span>",
                escape(", ".join(a["mates_done"]) or "-"),
            ]
        )
    ports = ", ".join(
        f"{p['module']} {p['port']}" + (f" ({p['occupant']})" if p["occupant"] else " (free)")
        for p in st.soyuz_progress_ports
    )
    power = {True: "yes", False: "no", None: "n/a"}
    return f"""<section><h2>Station links before and after the spacewalk</h2>
<p>Station on {st.date_utc:%Y-%m-%d}: {len(st.modules)} modules. Russian-segment ports a
Soyuz or Progress could use: {len(st.soyuz_progress_ports)}: {escape(ports)}.</p>
<p>Nauka on US-segment power: before <b>{power[st.nauka_on_us_power_before]}</b>, after
<b>{power[st.nauka_on_us_power_after]}</b>.</p>
{_table(["kind", "link", "before", "after", "mates made"], rows, raw=True)}
<p>Links change at the end of the task whose effect makes them (task times are
estimates); baseline links between modules integrated earlier are not listed.</p></section>"""


def _num(value: float | None, spec: str, unit: str = "") -> str:
    """A summary figure formatted with ``spec`` and ``unit``, or "-" when there is none (a span
    shorter than an orbit has no nodal period) or it is not a finite number."""
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value:{spec}}{unit}"


def render_spacewalk_report(replay: Replay) -> str:
    sc, s = replay.scenario, spacewalk_summary(replay)
    timeline_png, key = plots.timeline_png(replay)
    hatch = sc.eva.time_convention == "hatch"  # else the times are not the hatch's
    cards = [
        (
            f"{sc.eva.hatch_open_utc:%H:%M} - {sc.eva.hatch_close_utc:%H:%M} UTC",
            f"{'hatch open - closed' if hatch else 'EVA start - end'}, "
            f"{sc.eva.hatch_open_utc:%Y-%m-%d}",
        ),
        (s["duration_hm"], "hatch-to-hatch" if hatch else "EVA duration"),
        (
            f"{len(s['sunsets_during_eva_utc'])} / {len(s['sunrises_during_eva_utc'])}",
            "sunsets / sunrises during the EVA",
        ),
        (
            hm(s["daylight_during_eva_s"]),
            f"in sunlight ({_num(s['daylight_fraction_during_eva'], '.0%')})",
        ),
        (_num(s["beta_angle_deg"]["at_hatch_open"], ".1f", " deg"), "beta angle at hatch open"),
        (
            f"{_num(s['altitude_km']['min'], '.0f')}-{_num(s['altitude_km']['max'], '.0f', ' km')}",
            "altitude above WGS84",
        ),
        (_num(s["orbital_period_min"], ".2f", " min"), "nodal period"),
        (_num(s["inclination_from_track_deg"], ".2f", " deg"), "inclination (ground track)"),
    ]
    cards_html = "".join(
        f"<div class='card'><b>{escape(v)}</b><span>{escape(k)}</span></div>" for v, k in cards
    )
    flags = "".join(
        f"<li class='{'warn' if f.startswith('WARNING') else ''}'>{escape(f)}</li>"
        for f in [*s["notes"], *s["flags"], *(f"WARNING: {w}" for w in s["warnings"])]
    )
    task_rows = []
    for number, name, status in key:
        windows = [t for t in replay.timeline.tasks if t.name == name]
        who = ", ".join(dict.fromkeys(f"{t.role} {t.crew_name}" for t in windows))
        t0 = windows[0]
        status_html = "<span class='est'>estimated</span>" if status == "estimated" else "published"
        task_rows.append(
            [
                str(number),
                escape(name),
                escape(who),
                f"{t0.start_utc:%H:%M} - {t0.end_utc:%H:%M}",
                status_html,
                escape(t0.worksite),
                escape("; ".join(t0.effects)),
            ]
        )
    event_rows = [[utc_iso(e.utc, 1), e.kind, e.detail] for e in replay.timeline.events]
    fact_rows = fact_table_rows(sc)
    computed = [
        [
            "Element set",
            replay.element_set.describe(),
            f"{replay.element_set.origin}; {s['tle']['age_days_at_hatch_open']:+.2f} days to hatch "
            "open",
        ],
        [
            "Sunset/sunrise definition",
            "Sun's centre on the WGS84 limb, refined to 1 ms",
            "evasim conical umbra/penumbra model; penumbra ~9 s",
        ],
        [
            "Sun and frames",
            "DE421 (skyfield-data); SGP4 TEME -> GCRS/ITRS via skyfield",
            "computed",
        ],
    ]
    tle_text = escape(f"{replay.element_set.line1}\n{replay.element_set.line2}")
    mask = replay.eva_mask()
    lowest_sun = float(np.min(replay.sun_elevation_deg[mask]))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(sc.title)} - evasim replay</title><style>{_CSS}</style></head>
<body>
<header><h1>{escape(sc.title)}</h1><p>{escape(sc.description.strip())}</p></header>
<main>
<section><h2>Key figures</h2><div class="cards">{cards_html}</div>
<ul>{flags}</ul></section>
<section><h2>Timeline</h2>{_img(timeline_png, "image/png", "timeline")}
{_table(["#", "task", "crew", "UTC", "timing", "worksite", "effects"], task_rows, raw=True)}
</section>
<section><h2>Ground track</h2>{
        _img(plots.ground_track_jpg(replay), "image/jpeg", "ground track")
    }</section>
<section><h2>Orbit</h2><div class="row">{_img(plots.altitude_png(replay), "image/png", "altitude")}
{_img(plots.beta_png(replay), "image/png", "beta angle")}</div>
<p>Sun elevation above the station's local horizontal during the EVA: from
{lowest_sun:.1f} to {float(np.max(replay.sun_elevation_deg[mask])):.1f} deg (the Earth's limb
lies ~20 deg below that plane at this altitude).</p>
<pre>{tle_text}</pre></section>
{_station_section(replay)}
<section><h2>Events</h2>{_table(["UTC", "kind", "detail"], event_rows)}</section>
<section><h2>Facts and sources</h2>
<p>Confidence: <b>H</b> agency statement or several sources; <b>M</b> one good source;
<b>L</b> sources disagree; <b>est</b> estimated by evasim.</p>
{_table(["fact", "value", "source", "conf."], fact_rows, raw=True)}
<h2>Computed by evasim</h2>{_table(["quantity", "value", "how"], computed)}</section>
</main>
<footer>evasim {escape(__version__)} - scenario {escape(sc.origin)} - generated from the
replay's telemetry; times UTC.</footer>
</body></html>
"""
