"""What a solved plan becomes: the activities of IV, EV1 and EV2 (fixed blocks, tasks and the
translations between worksites), the three-column timeline (GMT and elapsed), the constraint
summary, a scenario TOML that ``evasim replay`` runs as is, and an Open MCT plan.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ..scenario import parse_scenario
from ..sky.timegrid import utc_iso
from .run import PlanResult
from .schedule import EV
from .suits import BLOCKS

PEOPLE = ("IV", "EV1", "EV2")
COLOURS = {"EV1": "#c53030", "EV2": "#2b6cb0", "IV": "#718096"}
"""EV1 red stripes, EV2 blue (NASA's convention, eva_planning.md); IV grey."""
TIMELINE_COLUMNS = (
    "start_utc",
    "end_utc",
    "start_elapsed",
    "end_elapsed",
    "IV",
    "EV1",
    "EV2",
    "EV1_worksite",
    "EV2_worksite",
    "EV1_route",
    "EV2_route",
    "suit_elapsed_min",
    "margin_min",
)


@dataclass(frozen=True)
class Activity:
    person: str
    kind: str  # block | task | translate | support
    name: str
    start_utc: datetime
    end_utc: datetime
    worksite: str = ""
    route: str = ""
    route_s: float = 0.0
    task: int | None = None


def elapsed(delta_s: float) -> str:
    """Signed H:MM from hatch open (``-0:31`` before it)."""
    sign = "-" if delta_s < 0 else ""
    m = round(abs(delta_s) / 60.0)
    return f"{sign}{m // 60}:{m % 60:02d}"


def activities(r: PlanResult) -> dict[str, list[Activity]]:
    """Every person's activities in time order."""
    plan, sol = r.plan, r.solution
    h, c = r.hatch_utc, r.hatch_close_utc

    def mins(block: str) -> timedelta:
        return timedelta(minutes=plan.block_min(block))

    dep_start = h - mins("depress")
    pre_start = dep_start - mins("prebreathe")
    rep_end = c + mins("repress")
    out: dict[str, list[Activity]] = {p: [] for p in PEOPLE}
    if plan.member("IV") is None:
        out.pop("IV")
    for p in EV:
        out[p] += [
            Activity(p, "block", "Prebreathe", pre_start, dep_start, "airlock"),
            Activity(p, "block", "Depress", dep_start, h, "airlock"),
            Activity(p, "block", "Egress", h, h + mins("egress"), "hatch"),
        ]
    if "IV" in out:
        out["IV"] += [
            Activity("IV", "support", "Prebreathe and depress support", pre_start, h),
            Activity("IV", "support", "EVA support", h, c),
            Activity("IV", "support", "Repress support", c, rep_end),
        ]
    # Tasks, and the translations between them along the routes of the graph of the moment
    # (handrails installed by tasks already ended).
    installs: list[tuple[datetime, list[str]]] = []
    for pl in sol.placements:
        t = plan.tasks[pl.task]
        if t.installs:
            installs.append((r.utc(pl.end), t.installs))
    for p in ("EV1", "EV2", "IV"):
        if p not in out:
            continue
        mine = sol.of(p)
        here, free_at = "hatch", h + mins("egress")
        for pl in [*mine, None]:
            if p == "IV" and pl is None:
                break
            site = "hatch" if pl is None else plan.tasks[pl.task].worksite
            if p != "IV" and site != here:
                done = [i for when, ids in installs if when <= free_at for i in ids]
                graph = r.graph.with_installed(done) if done else r.graph
                route = graph.route(here, site)
                via = " > ".join(route.via)
                out[p].append(
                    Activity(
                        p,
                        "translate",
                        f"Translate {here} to {site}",
                        free_at,
                        free_at + timedelta(seconds=route.time_s),
                        site,
                        via,
                        route.time_s,
                    )
                )
            if pl is not None:
                t = plan.tasks[pl.task]
                kind = "get-ahead" if t.optional else "task"
                out[p].append(
                    Activity(p, kind, t.name, r.utc(pl.start), r.utc(pl.end), site, task=pl.task)
                )
                free_at = r.utc(pl.end)
            here = site
    for p in EV:
        out[p] += [
            Activity(p, "block", "Ingress", c - mins("ingress"), c, "hatch"),
            Activity(p, "block", "Repress", c, rep_end, "airlock"),
        ]
    for p in out:
        out[p].sort(key=lambda a: (a.start_utc, a.end_utc))
    return out


def timeline_rows(r: PlanResult, acts: dict[str, list[Activity]]) -> list[dict]:
    """The three-column timeline: one row per interval between any two activity edges."""
    edges = sorted({t for lst in acts.values() for a in lst for t in (a.start_utc, a.end_utc)})
    limit_s = r.plan.suit_limit_min * 60.0
    rows = []
    for a, b in itertools.pairwise(edges):
        row: dict = {
            "start_utc": utc_iso(a),
            "end_utc": utc_iso(b),
            "start_elapsed": elapsed((a - r.hatch_utc).total_seconds()),
            "end_elapsed": elapsed((b - r.hatch_utc).total_seconds()),
        }
        for p in PEOPLE:
            now = [x for x in acts.get(p, []) if x.start_utc <= a and x.end_utc >= b]
            row[p] = " / ".join(x.name for x in now) if now else ("idle" if p in acts else "")
            if p in EV:
                row[f"{p}_worksite"] = now[0].worksite if now else ""
                row[f"{p}_route"] = now[0].route if now and now[0].kind == "translate" else ""
        inside = r.hatch_utc <= a and b <= r.hatch_close_utc
        suit_s = (b - r.hatch_utc).total_seconds()
        row["suit_elapsed_min"] = round(suit_s / 60.0, 1) if inside else ""
        row["margin_min"] = round((limit_s - suit_s) / 60.0, 1) if inside else ""
        rows.append(row)
    return [x for x in rows if any(x[p] not in ("", "idle") for p in PEOPLE)]


def timeline_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TIMELINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def constraint_summary(r: PlanResult, acts: dict[str, list[Activity]]) -> list[dict]:
    """Each constraint as the timeline meets it: what, whether it holds, the figures."""
    plan, sol, win = r.plan, r.solution, r.windows
    out = []
    eva_min = (r.hatch_close_utc - r.hatch_utc).total_seconds() / 60.0
    out.append(
        {
            "constraint": "suit limit (hatch open to hatch close)",
            "holds": bool(eva_min <= plan.suit_limit_min + 1e-9),
            "detail": f"{eva_min:.0f} min of {plan.suit_limit_min:.0f} min planned limit "
            f"({plan.rated_limit_min:.0f} min rated); margin to the rated limit "
            f"{plan.rated_limit_min - eva_min:.0f} min",
        }
    )
    worst = _buddy_worst_s(r, acts)
    out.append(
        {
            "constraint": "buddy rule",
            "holds": bool(worst <= plan.buddy_max_route_s),
            "detail": "both leave at hatch open and are back at hatch close; while both work, "
            f"their worksites are at most {worst / 60.0:.1f} min of route apart (limit "
            f"{plan.buddy_max_route_s / 60.0:.1f} min)",
        }
    )
    for pl in sol.placements:
        t = plan.tasks[pl.task]
        s, e = win.seconds(r.utc(pl.start)), win.seconds(r.utc(pl.end))
        for kind in ("light", "comm"):
            value = getattr(t, kind)
            iv = win.for_requirement(kind, value)
            if iv is None:
                continue
            i = np.searchsorted(iv.start_s, s, side="right") - 1
            ok = bool(i >= 0 and iv.end_s[i] >= e)
            out.append(
                {
                    "constraint": f"{kind} = {value}: {t.name}",
                    "holds": ok,
                    "detail": f"{r.utc(pl.start):%H:%M}-{r.utc(pl.end):%H:%M} UTC",
                }
            )
        if t.deadline_min is not None:
            ref = (
                r.hatch_utc
                if t.deadline_after == "hatch open"
                else next(
                    (
                        r.utc(q.start)
                        for q in sol.placements
                        if plan.tasks[q.task].name == t.deadline_after
                    ),
                    r.hatch_utc,
                )
            )
            used = (r.utc(pl.end) - ref).total_seconds() / 60.0
            out.append(
                {
                    "constraint": f"clock: {t.name}",
                    "holds": bool(used <= t.deadline_min + 1e-9),
                    "detail": f"ends {used:.0f} min after {t.deadline_after} "
                    f"(deadline {t.deadline_min:g} min)",
                }
            )
    done = {plan.tasks[p.task].name for p in sol.placements}
    for t in plan.tasks:
        if t.optional:
            out.append(
                {
                    "constraint": f"get-ahead (priority {t.priority}): {t.name}",
                    "holds": True,
                    "detail": "done" if t.name in done else "left for a later spacewalk",
                }
            )
    return out


def _buddy_worst_s(r: PlanResult, acts: dict[str, list[Activity]]) -> float:
    """The largest route time between EV1's and EV2's worksites while both are at work."""
    idx = {s: i for i, s in enumerate(r.sites)}
    worst = 0.0
    for a in acts["EV1"]:
        if a.task is None:
            continue
        for b in acts["EV2"]:
            if b.task is None or b.end_utc <= a.start_utc or a.end_utc <= b.start_utc:
                continue
            i, j = idx[a.worksite], idx[b.worksite]
            worst = max(worst, float(r.travel_s[i, j]), float(r.travel_s[j, i]))
    return worst


# ------------------------------------------------------------------ scenario TOML


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _t(utc: datetime) -> str:
    return f"{utc:%Y-%m-%dT%H:%M:%SZ}"


def scenario_toml(r: PlanResult, acts: dict[str, list[Activity]]) -> str:
    """A scenario (docs/scenario-format.md) that replays the solved timeline as is."""
    plan = r.plan
    first = min(a.start_utc for lst in acts.values() for a in lst if a.name == "Depress")
    last = max(a.end_utc for lst in acts.values() for a in lst if a.name == "Repress")
    span_start = first - timedelta(minutes=5)
    span_end = last + timedelta(minutes=5)
    autonomy_h = plan.rated_limit_min / 60.0
    lines = [
        f"# Written by `evasim plan` from {plan.origin or plan.name}: the solved timeline of "
        f"plan {plan.name!r}.",
        "# Task times are the scheduler's; durations are the plan's estimates.",
        "",
        f"name = {_q(plan.name)}",
        f"title = {_q(plan.title + ' (planned)')}",
        f"description = {_q(plan.description.strip())}",
        f"station_date_utc = {_t(r.hatch_utc)}",
        "notes = [",
        *(f"  {_q(n)}," for n in plan.notes),
        f"  {_q('A planned spacewalk (evasim plan): hatch ' + r.hatch_mode + ', solver ' + r.solution.status)},",  # noqa: E501
        "]",
        "",
        "[span]",
        f"start_utc = {_t(span_start)}",
        f"end_utc = {_t(span_end)}",
        "step_s = 1.0",
        "",
        "[eva]",
        f"designation = {_q(plan.title)}",
        f"airlock = {_q(plan.airlock)}",
        f"depress_start_utc = {_t(first)}",
        f"hatch_open_utc = {_t(r.hatch_utc)}",
        f"hatch_close_utc = {_t(r.hatch_close_utc)}",
        f"repress_end_utc = {_t(last)}",
        f'planned_duration = "{elapsed((r.hatch_close_utc - r.hatch_utc).total_seconds())}"',
        f"suit_autonomy_h = {autonomy_h:g}",
        *([f"iv_crew = [{_q(iv.name)}]"] if (iv := plan.member("IV")) is not None else []),
        "",
    ]
    for p in EV:
        m = plan.member(p)
        lines += [
            "[[crew]]",
            f"name = {_q(m.name)}",
            f'role = "{p}"',
            f"suit = {_q(m.suit)}",
            f"marking = {_q(m.marking)}",
            "",
        ]
    lines += ["[ephemeris]", 'source = "archive"', ""]
    # One scenario task per plan task (both EVs on a "both" task) and per translation.
    from ..station.airlock import resolve_airlock

    hatch_element = resolve_airlock(plan.airlock).element
    entries = []
    for p in EV:
        for a in acts[p]:
            if a.kind not in ("task", "get-ahead", "translate") and a.name not in (
                "Egress",
                "Ingress",
            ):
                continue
            entries.append((a.start_utc, a.end_utc, a.name, a.worksite, a.task, p, a.route))
    merged: dict[tuple, list[str]] = {}
    for s, e, name, site, task, p, route in entries:
        merged.setdefault((s, e, name, site, task, route), []).append(p)
    for (s, e, name, site, task, route), who in sorted(merged.items(), key=lambda kv: kv[0][:2]):
        if s >= e:
            continue
        worksite = hatch_element if site in ("hatch", "airlock", "") else site
        effects = plan.tasks[task].link_effects if task is not None else []
        note = plan.tasks[task].note if task is not None else (f"route: {route}" if route else "")
        lines += [
            "[[tasks]]",
            f"crew = [{', '.join(_q(w) for w in who)}]",
            f"name = {_q(name)}",
            f"start_utc = {_t(s)}",
            f"end_utc = {_t(e)}",
            f"worksite = {_q(worksite)}",
        ]
        if effects:
            lines.append(f"effects = [{', '.join(_q(x) for x in effects)}]")
        lines += ["estimated = true", f"note = {_q(note)}", ""]
    for block in BLOCKS:
        source, conf = plan.block_source(block)
        lines += [
            "[[facts]]",
            f"label = {_q(block.capitalize() + ' (planned)')}",
            f"value = {_q(f'{plan.block_min(block):g} min')}",
            f"source = {_q(source)}",
            f'confidence = "{conf if conf in ("H", "M", "L") else "est"}"',
            "",
        ]
    text = "\n".join(lines)
    parse_scenario(text, f"{plan.name} scenario")  # the output must load as it is
    return text


# ------------------------------------------------------------------ Open MCT


def openmct_plan(r: PlanResult, acts: dict[str, list[Activity]]) -> dict:
    """Open MCT's plan view: lanes of ``{name, start, end, type, color}`` (ms since 1970)."""

    def ms(utc: datetime) -> int:
        return round(utc.timestamp() * 1000.0)

    out: dict[str, list[dict]] = {}
    for p, lst in acts.items():
        out[p] = [
            {
                "name": a.name,
                "start": ms(a.start_utc),
                "end": ms(a.end_utc),
                "type": a.kind,
                "color": "#a0aec0" if a.kind == "translate" else COLOURS[p],
                "textColor": "#ffffff",
            }
            for a in lst
            if a.end_utc > a.start_utc
        ]
    win = r.windows
    lo = win.seconds(acts["EV1"][0].start_utc)
    hi = win.seconds(acts["EV1"][-1].end_utc)
    for lane, iv, colour in (
        ("Orbital day", win.daylight, "#f6e05e"),
        ("Russian ground passes", win.networks["ground"], "#48bb78"),
    ):
        out[lane] = [
            {
                "name": lane,
                "start": ms(win.utc(max(s, lo))),
                "end": ms(win.utc(min(e, hi))),
                "type": lane,
                "color": colour,
                "textColor": "#000000",
            }
            for s, e in zip(iv.start_s, iv.end_s, strict=True)
            if e > lo and s < hi
        ]
    return out


# ------------------------------------------------------------------ JSON


def plan_json(r: PlanResult, acts, rows, summary) -> dict:
    plan, sol = r.plan, r.solution
    off = r.sunrise_offset_min()
    return {
        "plan": {"name": plan.name, "title": plan.title, "file": plan.origin},
        "date_utc": [str(d) for d in plan.days],
        "airlock": plan.airlock,
        "crew": {m.role: {"name": m.name, "suit": m.suit} for m in plan.crew},
        "hatch": {
            "mode": r.hatch_mode,
            "open_utc": utc_iso(r.hatch_utc),
            "close_utc": utc_iso(r.hatch_close_utc),
            "duration_min": round((r.hatch_close_utc - r.hatch_utc).total_seconds() / 60.0, 1),
            "nearest_sunrise_offset_min": None if off is None else round(off, 1),
            "near_sunrise": r.near_sunrise(),
        },
        "suit": {
            "planned_limit_min": plan.suit_limit_min,
            "rated_limit_min": plan.rated_limit_min,
            "counted": "hatch open to hatch close",
        },
        "blocks": {
            b: {
                "minutes": plan.block_min(b),
                "source": plan.block_source(b)[0],
                "confidence": plan.block_source(b)[1],
            }
            for b in BLOCKS
        },
        "solver": {
            "status": sol.status,
            "objective": "lexicographic: every mandatory task; then get-ahead priority sum; "
            "then earliest hatch close",
            "get_ahead_value": sol.value,
            "relative_gap": sol.gap,
            "wall_s": round(sol.wall_s, 3),
            "step_s": plan.step_s,
        },
        "buddy_max_route_s": plan.buddy_max_route_s,
        "travel_s": {
            "sites": list(r.sites),
            "matrix": [[round(float(v), 1) for v in row] for row in r.travel_s],
        },
        "activities": {
            p: [
                {
                    "kind": a.kind,
                    "name": a.name,
                    "start_utc": utc_iso(a.start_utc),
                    "end_utc": utc_iso(a.end_utc),
                    "start_elapsed": elapsed((a.start_utc - r.hatch_utc).total_seconds()),
                    "end_elapsed": elapsed((a.end_utc - r.hatch_utc).total_seconds()),
                    "worksite": a.worksite,
                    "route": a.route,
                }
                for a in lst
            ]
            for p, lst in acts.items()
        },
        "timeline": rows,
        "constraints": summary,
        "hatch_search": [
            {
                "hatch_utc": utc_iso(t.hatch_utc),
                "usable_daylight_min": round(t.usable_day_s / 60.0, 1),
                "solved": t.feasible is not None,
                "feasible": t.feasible,
                "get_ahead_value": t.value,
                "eva_min": None if t.close_s is None else round(t.close_s / 60.0, 1),
            }
            for t in r.trials
        ],
        "element_sets": [es.describe() for es in r.windows.element_sets],
        "notes": list(plan.notes),
    }
