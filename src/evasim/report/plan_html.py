"""A solved plan as one self-contained HTML page (figures inline): the hatch and its search,
the windows, the Gantt, the suit-time curves, the three-column timeline, the constraint summary,
the fixed blocks with their sources and the plan's assumptions."""

from __future__ import annotations

import base64
from html import escape

from .. import __version__
from ..plan.outputs import PEOPLE, Activity
from ..plan.run import PlanResult
from ..plan.suits import BLOCKS
from . import plan_plots
from .html import _CSS, _table


def plan_figures(r: PlanResult, acts: dict[str, list[Activity]]) -> dict[str, bytes]:
    figures = {
        "gantt": plan_plots.gantt_png(r, acts),
        "suit": plan_plots.suit_png(r),
    }
    if r.hatch_mode == "auto":
        figures["hatch"] = plan_plots.hatch_png(r)
    return figures


def _img(data: bytes, alt: str) -> str:
    return (
        f'<img alt="{escape(alt)}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode("ascii")}">'
    )


def _card(value: str, label: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def render_plan_report(
    r: PlanResult,
    acts: dict[str, list[Activity]],
    rows: list[dict],
    summary: list[dict],
    figures: dict[str, bytes],
) -> str:
    plan, sol = r.plan, r.solution
    eva_min = (r.hatch_close_utc - r.hatch_utc).total_seconds() / 60.0
    off = r.sunrise_offset_min()
    if off is None:
        sunrise = "no orbital sunrise in the plan's days"
    else:
        side = "after" if off >= 0 else "before"
        near = "near" if r.near_sunrise() else "not near"
        sunrise = f"{abs(off):.0f} min {side} the nearest orbital sunrise ({near} a sunrise)"
    done = sum(1 for p in sol.placements if plan.tasks[p.task].optional)
    optional = sum(1 for t in plan.tasks if t.optional)
    cards = "".join(
        [
            _card(f"{r.hatch_utc:%Y-%m-%d %H:%M} UTC", f"hatch open ({r.hatch_mode})"),
            _card(f"{r.hatch_close_utc:%H:%M} UTC", "hatch close"),
            _card(f"{int(eva_min) // 60} h {int(eva_min) % 60:02d} min", "hatch open to close"),
            _card(f"{plan.suit_limit_min - eva_min:.0f} min", "left to the planned limit"),
            _card(f"{done} of {optional}", "get-ahead tasks done"),
            _card(sol.status.lower(), f"solver, {sol.wall_s:.2f} s"),
        ]
    )
    crew = ", ".join(f"{m.role} {m.name}" + (f" ({m.suit})" if m.suit else "") for m in plan.crew)
    win = r.windows
    lo = win.seconds(r.hatch_utc)
    hi = win.seconds(r.hatch_close_utc)

    def covered(iv) -> str:
        s = iv.start_s.clip(lo, hi)
        e = iv.end_s.clip(lo, hi)
        return f"{float((e - s).sum()) / 60.0:.0f} min"

    window_rows = [
        ["orbital day", covered(win.daylight), "Sun centre above the WGS84 limb"],
        ["orbital night", covered(win.night), ""],
        ["TDRS (3 slots)", covered(win.networks["tdrs"]), "nominal slots (docs/windows.md)"],
        ["Luch-5 (3 slots)", covered(win.networks["luch"]), "slot geometry only"],
        [
            "Russian ground stations",
            covered(win.networks["ground"]),
            "town coordinates, 5 deg mask (conf L)",
        ],
    ]
    timeline = _table(
        ["GMT", "elapsed", *PEOPLE, "EV1 worksite / route", "EV2 worksite / route", "margin"],
        [
            [
                f"{x['start_utc'][11:16]}-{x['end_utc'][11:16]}",
                f"{x['start_elapsed']}-{x['end_elapsed']}",
                x["IV"],
                x["EV1"],
                x["EV2"],
                x["EV1_route"] or x["EV1_worksite"],
                x["EV2_route"] or x["EV2_worksite"],
                "" if x["margin_min"] == "" else f"{x['margin_min']:.0f} min",
            ]
            for x in rows
        ],
    )
    constraints = _table(
        ["constraint", "holds", "detail"],
        [[c["constraint"], "yes" if c["holds"] else "NO", c["detail"]] for c in summary],
    )
    blocks = _table(
        ["block", "minutes", "source", "conf"],
        [[b, f"{plan.block_min(b):g}", *plan.block_source(b)] for b in BLOCKS],
    )
    search = ""
    if "hatch" in figures:
        solved = [t for t in r.trials if t.feasible is not None]
        search = (
            "<section><h2>Hatch-time search</h2><p>Every start "
            f"{plan.hatch_step_min} min apart over {', '.join(str(d) for d in plan.days)} is "
            "scored by the daylight the day-only tasks could use (between each one's earliest "
            "start and latest end on the critical path); the best-scored distinct starts are "
            "solved and the best timeline wins (get-ahead value, then earliest hatch close). "
            f"The hatch chosen is {escape(sunrise)}.</p>"
            + _img(figures["hatch"], "hatch search")
            + _table(
                ["hatch UTC", "usable daylight", "feasible", "get-ahead value", "EVA"],
                [
                    [
                        f"{t.hatch_utc:%Y-%m-%d %H:%M}",
                        f"{t.usable_day_s / 60.0:.0f} min",
                        "yes" if t.feasible else "no",
                        "" if t.value is None else str(t.value),
                        "" if t.close_s is None else f"{t.close_s / 60.0:.0f} min",
                    ]
                    for t in solved
                ],
            )
            + "</section>"
        )
    notes = "".join(f"<li>{escape(n)}</li>" for n in plan.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(plan.title)}</title>
<style>{_CSS}</style></head><body>
<header><h1>{escape(plan.title)}</h1><p>{escape(plan.description.strip())}</p></header>
<main>
<section><h2>The solved spacewalk</h2><div class="cards">{cards}</div>
<p>Airlock {escape(plan.airlock)}; crew {escape(crew)}. Hatch open is {escape(sunrise)}.
Objective: every mandatory task, then the priority-weighted get-ahead tasks, then the earliest
hatch close. Solver step {plan.step_s} s; times are multiples of it from hatch open.</p></section>
<section><h2>Timeline</h2>{_img(figures["gantt"], "Gantt")}</section>
<section><h2>Suit time</h2>{_img(figures["suit"], "suit time")}</section>
<section><h2>Windows during the spacewalk</h2>{_table(["", "in the EVA", "model"], window_rows)}
</section>
{search}
<section><h2>Constraints</h2>{constraints}
<p>Buddy rule as encoded: both leave at hatch open and are back at hatch close; while both work,
their worksites are at most {plan.buddy_max_route_s:g} s of route apart (an assumption);
translations are not checked against it.</p></section>
<section><h2>Three-column timeline (IV, EV1, EV2)</h2>{timeline}</section>
<section><h2>Fixed blocks</h2>{blocks}</section>
<section><h2>Plan notes and assumptions</h2><ul>{notes}</ul>
<p>Station elements: {escape("; ".join(es.describe() for es in win.element_sets))}.</p>
</section>
</main>
<footer>evasim {escape(__version__)}: evasim plan {escape(plan.origin)}</footer>
</body></html>
"""
