"""From a plan to a solved timeline: windows, routes, the hatch-time search and the scheduler.

:func:`solve_plan` builds the plan's windows (:mod:`.windows`) and travel matrix (the route
graph, :mod:`.travel`), turns the plan into a :class:`~.schedule.Problem` for a hatch time,
and solves it. With ``hatch = "auto"`` it searches the plan's days: every candidate start
(``hatch_step_min`` apart) is scored by the daylight usable by the day-only tasks (daylight
between the end of egress and the start of ingress at the planned limit, in pieces at least as
long as the shortest day-only task); the best few distinct candidates are solved and the best
timeline wins (feasible, then get-ahead value, then earliest hatch close, then the score).

An infeasible plan is an :class:`EvasimInputError` naming the conflicting constraints with
their lines in the plan file.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np

from ..errors import EvasimInputError
from ..scenario import _dotted
from .model import Plan
from .schedule import Allowed, Infeasible, Label, Problem, SchedTask, Solution, solve
from .windows import PlanWindows, hatch_candidates, plan_windows, to_steps, usable_s

SOLVED_CANDIDATES = 4
"""How many feasible hatch candidates the search looks for (best-scored first)."""
MAX_SOLVES = 24
"""The search stops after this many solves even if fewer were feasible."""
SCORE_TIE_S = 120.0
"""Scores within this of the best feasible one count as tied (s of daylight)."""
SEARCH_BUDGET_S = 10.0
"""Past :data:`SOLVED_CANDIDATES` feasible ones, candidates tied with the best score are still
solved (the best timeline among them wins) while the search has run less than this (s)."""
CANDIDATE_SPACING_MIN = 20
"""Solved candidates are at least this far apart (neighbours score alike)."""
NEAR_SUNRISE_MIN = 20
"""A hatch within this many minutes of an orbital sunrise is reported as "near a sunrise" (an
evasim convention: VKD-49 opened 19 min before one; the offset itself is always reported)."""


@dataclass(frozen=True)
class HatchTrial:
    hatch_utc: datetime
    usable_day_s: float
    feasible: bool | None = None  # None: not solved
    value: int | None = None
    close_s: float | None = None


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    hatch_utc: datetime
    hatch_mode: str  # auto | fixed
    windows: PlanWindows
    problem: Problem
    solution: Solution
    sites: tuple[str, ...]
    travel_s: np.ndarray
    trials: tuple[HatchTrial, ...]
    graph: object

    @property
    def step_s(self) -> int:
        return self.plan.step_s

    def utc(self, steps: int) -> datetime:
        return self.hatch_utc + timedelta(seconds=steps * self.plan.step_s)

    @property
    def hatch_close_utc(self) -> datetime:
        return self.utc(self.solution.hatch_close)

    def sunrise_offset_min(self) -> float | None:
        """Hatch open minus the nearest orbital sunrise (min; negative: before it)."""
        rises = self.windows.sunrises_s()
        if rises.size == 0:
            return None
        h = self.windows.seconds(self.hatch_utc)
        k = int(np.argmin(np.abs(rises - h)))
        return float(h - rises[k]) / 60.0

    def near_sunrise(self) -> bool:
        off = self.sunrise_offset_min()
        return bool(off is not None and abs(off) <= NEAR_SUNRISE_MIN)


def _default_element_set(allow_stale: bool):
    from ..catalog import Catalog
    from ..sky.comm import day_start
    from ..sky.tle import check_element_age

    catalog = Catalog.open()

    def element_set_for(day):
        start = day_start(day)
        chosen = catalog.nearest_element_set(start + timedelta(hours=12))
        check_element_age(chosen, start, start + timedelta(days=1), allow_stale=allow_stale)
        return chosen

    return element_set_for


def _steps_up(seconds: float, step_s: int) -> int:
    return math.ceil(seconds / step_s - 1e-9)


def _steps_down(seconds: float, step_s: int) -> int:
    return math.floor(seconds / step_s + 1e-9)


def build_problem(
    plan: Plan, win: PlanWindows, hatch_s: float, sites: list[str], travel_s: np.ndarray
) -> Problem:
    """The scheduler's problem for hatch open at ``hatch_s`` (s from the first day's 00:00)."""
    step = plan.step_s
    limit = _steps_down(plan.suit_limit_min * 60.0, step)
    index = {name: i for i, name in enumerate(sites)}
    tasks = []
    for i, t in enumerate(plan.tasks):
        allowed = []
        for kind in ("light", "comm"):
            value = getattr(t, kind)
            iv = win.for_requirement(kind, value)
            if iv is None:
                continue
            what = {"day": "in orbital daylight", "night": "in orbital night"}.get(
                value, f"in {value} comm coverage" if value != "any" else "in any comm coverage"
            )
            allowed.append(
                Allowed(
                    Label(kind, f"{t.name!r} {what}", ("tasks", i, kind)),
                    to_steps(iv, hatch_s, step, limit),
                )
            )
        deadline = None
        if t.deadline_min is not None:
            ref = None if t.deadline_after == "hatch open" else plan.task_index(t.deadline_after)
            deadline = (ref, _steps_down(t.deadline_min * 60.0, step))
        tasks.append(
            SchedTask(
                name=t.name,
                duration=max(1, _steps_up(t.duration_min * 60.0, step)),
                site=index[t.worksite],
                crew=t.crew,
                optional=t.optional,
                priority=t.priority,
                depends_on=tuple(plan.task_index(d) for d in t.depends_on),
                allowed=tuple(allowed),
                deadline=deadline,
                loc=("tasks", i),
            )
        )
    suit_loc = ("margin_min",) if plan.margin_min is not None else ("crew",)
    limit_text = (
        f"suit limit: hatch close within {_hm(plan.suit_limit_min)} of hatch open "
        f"({_hm(plan.rated_limit_min)} rated minus the margin)"
    )
    return Problem(
        tasks=tuple(tasks),
        travel=np.array([[_steps_up(v, step) for v in row] for row in travel_s], dtype=int).reshape(
            len(sites), len(sites)
        ),
        hatch_site=index["hatch"],
        egress=_steps_up(plan.block_min("egress") * 60.0, step),
        ingress=_steps_up(plan.block_min("ingress") * 60.0, step),
        limit=limit,
        buddy_max=_steps_down(plan.buddy_max_route_s, step),
        limit_label=Label("suit", limit_text, suit_loc),
        has_iv=plan.member("IV") is not None,
    )


def _hm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60} h {m % 60:02d} min"


def describe_conflict(plan: Plan, result: Infeasible, searched: int = 0) -> str:
    """One line: the conflicting constraints with their lines in the plan file (``searched``:
    how many hatch times were tried; the conflict shown is the best-scored one's)."""
    parts = []
    for label in result.conflict:
        line = plan.line_of(label.loc) if label.loc else None
        where = f"line {line} " if line else ""
        field = f"{_dotted(label.loc)}: " if label.loc else ""
        parts.append(f"{where}{field}{label.text}")
    exact = "" if result.minimal else " (may not be minimal: time limit)"
    where = f" at any of the {searched} hatch times tried" if searched > 1 else ""
    first = " (at the best-scored one)" if searched > 1 else ""
    return (
        f"no timeline satisfies the plan{where}; these constraints conflict{first}{exact}: "
        + "; ".join(parts)
    )


def solve_plan(
    plan: Plan,
    *,
    graph_factory: Callable | None = None,
    element_set_for: Callable | None = None,
    allow_stale: bool = False,
    workers: int = 2,
    on_stage: Callable[[str, int, int], None] | None = None,
) -> PlanResult:
    """Solve ``plan``: its hatch (fixed or searched), its timeline. ``graph_factory(utc,
    airlock)`` gives the route graph (default :func:`.travel.route_graph_at`);
    ``element_set_for(day)`` the station's elements (default: the catalogue's nearest, refused
    beyond 14 days unless ``allow_stale``). ``on_stage(what, done, total)`` reports progress."""
    from .travel import route_graph_at

    graph_factory = graph_factory or route_graph_at
    element_set_for = element_set_for or _default_element_set(allow_stale)
    stage = on_stage or (lambda *a: None)
    stage("windows", 0, 1)
    win = plan_windows(plan.days, element_set_for)
    stage("routes", 0, 1)
    graph = graph_factory(datetime.combine(plan.first_date, time(12), tzinfo=UTC), plan.airlock)
    known = set(graph.worksites())
    for i, t in enumerate(plan.tasks):
        if t.worksite not in known:
            raise plan.error(
                ("tasks", i, "worksite"),
                f"{t.worksite!r} has no route on {plan.first_date}; expected one of: "
                + ", ".join(sorted(known)),
            )
    sites = ["hatch", *dict.fromkeys(t.worksite for t in plan.tasks if t.worksite != "hatch")]
    travel_s = np.asarray(graph.travel_matrix_s(sites), float)
    if not np.all(np.isfinite(travel_s)):
        a, b = np.argwhere(~np.isfinite(travel_s))[0]
        i = next(k for k, t in enumerate(plan.tasks) if t.worksite in (sites[a], sites[b]))
        raise plan.error(
            ("tasks", i, "worksite"), f"no route between {sites[a]!r} and {sites[b]!r}"
        )

    reach = [
        float(max(travel_s[0, sites.index(t.worksite)], travel_s[sites.index(t.worksite), 0]))
        for t in plan.tasks
    ]
    fixed = plan.fixed_hatch_utc()
    if fixed is not None:
        candidates = [HatchTrial(fixed, _score(plan, win, win.seconds(fixed), reach))]
    else:
        scored = [
            HatchTrial(h, _score(plan, win, win.seconds(h), reach))
            for h in hatch_candidates(plan.days, plan.hatch_step_min)
        ]
        candidates = _distinct(scored)[:MAX_SOLVES]
    trials: list[HatchTrial] = []
    best: tuple | None = None
    first_conflict: Infeasible | None = None
    feasible = 0
    top: float | None = None  # the best score of a feasible candidate (s)
    search_start = _time.perf_counter()
    for k, cand in enumerate(candidates):
        tied = top is not None and cand.usable_day_s >= top - SCORE_TIE_S
        in_budget = _time.perf_counter() - search_start < SEARCH_BUDGET_S
        if feasible >= SOLVED_CANDIDATES and not (tied and in_budget):
            break
        stage("solving", k, len(candidates))
        pb = build_problem(plan, win, win.seconds(cand.hatch_utc), sites, travel_s)
        out = solve(pb, time_limit_s=plan.solver_time_limit_s, workers=workers)
        if isinstance(out, Infeasible):
            first_conflict = first_conflict or out
            trials.append(HatchTrial(cand.hatch_utc, cand.usable_day_s, False))
            continue
        feasible += 1
        top = cand.usable_day_s if top is None else top
        trials.append(
            HatchTrial(
                cand.hatch_utc,
                cand.usable_day_s,
                True,
                out.value,
                out.hatch_close * plan.step_s,
            )
        )
        key = (out.value, -out.hatch_close, cand.usable_day_s)
        if best is None or key > best[0]:
            best = (key, cand.hatch_utc, pb, out)
    stage("solving", len(candidates), len(candidates))
    if best is None:
        raise EvasimInputError(
            describe_conflict(plan, first_conflict, len(trials)), source=plan.origin
        )
    _, hatch, pb, sol = best
    if fixed is None:
        trials += [c for c in scored if c.hatch_utc not in {t.hatch_utc for t in trials}]
    return PlanResult(
        plan,
        hatch,
        "fixed" if fixed is not None else "auto",
        win,
        pb,
        sol,
        tuple(sites),
        travel_s,
        tuple(sorted(trials, key=lambda t: t.hatch_utc)),
        graph,
    )


def _score(plan: Plan, win: PlanWindows, hatch_s: float, reach_s: list[float]) -> float:
    """Daylight usable by the day-only tasks for hatch open at ``hatch_s`` (s): for each, the
    daylight between its earliest start and latest end (the critical path of its dependencies
    and dependants, and the route from and back to the hatch), in pieces at least as long as
    the task; summed. Without day-only tasks, the daylight between egress and ingress."""
    egress = plan.block_min("egress") * 60.0
    last = (plan.suit_limit_min - plan.block_min("ingress")) * 60.0
    dur = [t.duration_min * 60.0 for t in plan.tasks]
    deps = [[plan.task_index(d) for d in t.depends_on] for t in plan.tasks]
    earliest: dict[int, float] = {}
    latest: dict[int, float] = {}

    def es(i: int) -> float:
        if i not in earliest:
            earliest[i] = max([egress, *(es(d) + dur[d] for d in deps[i])])
        return earliest[i]

    def lf(i: int) -> float:
        if i not in latest:
            after = [j for j in range(len(deps)) if i in deps[j]]
            latest[i] = min([last, *(lf(j) - dur[j] for j in after)])
        return latest[i]

    day = [i for i, t in enumerate(plan.tasks) if t.light == "day"]
    if not day:
        return usable_s(win.daylight, hatch_s + egress, hatch_s + last, 0.0)
    return sum(
        usable_s(win.daylight, hatch_s + es(i) + reach_s[i], hatch_s + lf(i) - reach_s[i], dur[i])
        for i in day
    )


def _distinct(scored: list[HatchTrial]) -> list[HatchTrial]:
    """Candidates best-scored first (earlier first among equals), each at least
    :data:`CANDIDATE_SPACING_MIN` from every better one."""
    order = sorted(scored, key=lambda c: (-c.usable_day_s, c.hatch_utc))
    spacing = timedelta(minutes=CANDIDATE_SPACING_MIN)
    chosen: list[HatchTrial] = []
    for c in order:
        if all(abs(c.hatch_utc - o.hatch_utc) >= spacing for o in chosen):
            chosen.append(c)
    return chosen
