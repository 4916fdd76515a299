"""The campaign report: one self-contained HTML page (inline SVG timeline with cumulative hours)
and ``campaign.json``, written as a product set."""

from __future__ import annotations

import json
from datetime import date
from html import escape
from pathlib import Path

STATUS_MARK = {"closed": "closed", "partial": "partly done", "deferred": "deferred"}
SVG_W, SVG_H = 900, 300
PAD_L, PAD_R, PAD_T, PAD_B = 60, 60, 20, 62


def timeline_svg(result: dict) -> str:
    """An inline SVG: one bar per spacewalk at its date (height = its hours, left axis) and the
    cumulative hours as a step line (right axis)."""
    walks = result["spacewalks"]
    days = [date.fromisoformat(w["date"]) for w in walks]
    d0, d1 = days[0], days[-1]
    span = max((d1 - d0).days, 1)
    plot_w, plot_h = SVG_W - PAD_L - PAD_R, SVG_H - PAD_T - PAD_B
    max_h = max(w["duration_min"] for w in walks) / 60.0
    top_h = max(8.0, float(int(max_h) + 1))
    total = result["total_hours"] or 1.0

    def x(d: date) -> float:
        return PAD_L + plot_w * (d - d0).days / span

    def y_bar(hours: float) -> float:
        return PAD_T + plot_h * (1 - hours / top_h)

    def y_cum(hours: float) -> float:
        return PAD_T + plot_h * (1 - hours / total)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_W} {SVG_H}" '
        f'width="{SVG_W}" height="{SVG_H}" role="img" aria-label="campaign timeline">',
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    for hours in range(0, int(top_h) + 1, 2):
        yy = y_bar(hours)
        parts.append(
            f'<text x="{PAD_L - 6}" y="{yy + 4:.1f}" font-size="11" text-anchor="end">'
            f"{hours} h</text>"
        )
    for frac in (0.0, 0.5, 1.0):
        yy = y_cum(total * frac)
        parts.append(
            f'<text x="{SVG_W - PAD_R + 6}" y="{yy + 4:.1f}" font-size="11" fill="#b35900">'
            f"{total * frac:.0f} h</text>"
        )
    years = range(d0.year, d1.year + 2)
    for yr in years:
        for month in (1, 7):
            d = date(yr, month, 1)
            if d0 <= d <= d1:
                xx = x(d)
                parts.append(
                    f'<line x1="{xx:.1f}" y1="{PAD_T}" x2="{xx:.1f}" y2="{PAD_T + plot_h}" '
                    'stroke="#ddd"/>'
                    f'<text x="{xx:.1f}" y="{PAD_T + plot_h + 14}" font-size="11" '
                    f'text-anchor="middle">{d:%Y-%m}</text>'
                )
    points = [f"{x(d0):.1f},{y_cum(0):.1f}"]
    label_x, row = -1e9, 0
    for w, d in zip(walks, days, strict=True):
        hours = w["duration_min"] / 60.0
        xx = x(d)
        row = (row + 1) % 3 if xx - label_x < 24 else 0  # stagger labels that would touch
        label_x = xx if row == 0 else label_x
        colour = "#c0392b" if any(t.get("open") for t in w["tasks"]) else "#2c6fbb"
        parts.append(
            f'<rect x="{xx - 4:.1f}" y="{y_bar(hours):.1f}" width="8" '
            f'height="{PAD_T + plot_h - y_bar(hours):.1f}" fill="{colour}">'
            f"<title>{w['number']} {escape(w['date'])}: {hours:.2f} h</title></rect>"
            f'<text x="{xx:.1f}" y="{PAD_T + plot_h + 28 + 10 * row}" font-size="10" '
            f'text-anchor="middle">{w["number"]}</text>'
        )
        previous = points[-1].split(",")[1]
        points.append(f"{xx:.1f},{previous}")
        points.append(f"{xx:.1f},{y_cum(w['cumulative_hours']):.1f}")
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#b35900" stroke-width="2"/>'
    )
    parts.append(
        f'<text x="{PAD_L}" y="{SVG_H - 2}" font-size="11">bars: hours of each spacewalk (left); '
        "line: cumulative hours (right); red: a task left open; numbers: catalogue</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _links(items: list[dict], key: str) -> str:
    if not items:
        return "&mdash;"
    if key == "change":
        return "<br>".join(
            escape(f"{c['kind']} {c['from']} -> {c['to']}: {c['before']} -> {c['after']}")
            for c in items
        )
    return "<br>".join(escape(f"{c['kind']} {c['from']} -> {c['to']}: {c['state']}") for c in items)


def _task_line(t: dict) -> str:
    text = f"{t['name']} [{STATUS_MARK[t['status']]}"
    if t["deferred_to"]:
        text += f" -> {t['deferred_to']}"
    elif t.get("open"):
        text += ", open"
    text += "]"
    if t["continues"]:
        text += f" (from {t['continues']})"
    if t["note"]:
        text += f": {t['note']}"
    return escape(text)


def render_html(result: dict) -> str:
    """The self-contained report page."""
    rows = []
    for w in result["spacewalks"]:
        installs = [f"handrail {r['id']}" for r in w["handrails_installed"]]
        installs += [f"array {a['wing']}" for a in w["arrays_installed"]]
        rows.append(
            "<tr>"
            f"<td>{w['number']}</td><td>{escape(w['date'])}<br><small>"
            f"{escape(w['start_utc'][11:16])}-{escape(w['end_utc'][11:16])} UTC</small></td>"
            f"<td>{escape(w['designation'])}<br><small>{escape(', '.join(w['crew']))}</small></td>"
            f"<td>{w['duration_min'] / 60:.2f}</td><td>{w['cumulative_hours']:.2f}</td>"
            f"<td>{'<br>'.join(_task_line(t) for t in w['tasks']) or '&mdash;'}</td>"
            f"<td>{escape(', '.join(installs)) or '&mdash;'}</td>"
            f"<td>{_links(w['link_changes'], 'change')}</td>"
            f"<td><small>{escape(w['source'])} ({escape(w['confidence'])})"
            f"{'<br>' + escape(w['note']) if w['note'] else ''}</small></td>"
            "</tr>"
        )
    open_items = (
        "".join(
            f"<li>{o['spacewalk']}: {escape(o['name'])} ({escape(o['id'])})</li>"
            for o in result["open_tasks"]
        )
        or "<li>none</li>"
    )
    last = result["spacewalks"][-1]
    links_final = (
        f"<h2>Links after the last spacewalk ({last['number']})</h2>"
        f"<p>{_links(last['links_after'], 'state')}</p>"
        if result["links_of"]
        else "<p>This campaign follows no links of the station's link model.</p>"
    )
    sources = "".join(f"<li>{escape(s)}</li>" for s in result["sources"])
    notes = "".join(f"<li>{escape(s)}</li>" for s in result["notes"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(result["title"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1300px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
small {{ color: #555; }}
</style></head><body>
<h1>{escape(result["title"])}</h1>
<p>{escape(result["description"])}</p>
<p><b>{result["spacewalk_count"]}</b> spacewalks, {escape(result["first_date"])} ..
{escape(result["last_date"])}: <b>{result["total_hours"]:.2f} h</b> outside in all;
{result["tasks_closed"]} tasks closed, {len(result["open_tasks"])} left open.</p>
{timeline_svg(result)}
<h2>Spacewalks</h2>
<table><tr><th>#</th><th>date</th><th>designation, crew</th><th>hours</th>
<th>cumulative h</th><th>tasks</th><th>installed</th><th>link changes</th><th>source</th></tr>
{"".join(rows)}
</table>
<h2>Open at the end of the campaign</h2><ul>{open_items}</ul>
{links_final}
<h2>Sources and notes</h2><ul>{sources}{notes}</ul>
<p><small>Written by evasim campaign {escape(result["campaign"])}.</small></p>
</body></html>
"""


def write_campaign(result: dict, out_dir: Path) -> dict[str, Path]:
    """``campaign.html`` and ``campaign.json`` as one product set in ``out_dir``."""
    from ..productset import write_product_set

    html = render_html(result)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"

    def fill(tmp: Path) -> None:
        (tmp / "campaign.html").write_text(html, encoding="utf-8")
        (tmp / "campaign.json").write_text(text, encoding="utf-8")

    return write_product_set(out_dir, fill, product="campaign", campaign=result["campaign"])
