"""The spacewalk scheduler: a CP-SAT model (OR-Tools) of one spacewalk's tasks.

Input is a :class:`Problem` in integer time steps from hatch open (the plan's ``step_s``): the
tasks, a travel matrix (steps between worksites; the scheduler neither knows nor builds the route
graph), the fixed egress and ingress blocks, the suit limit and the buddy distance. Output is a
:class:`Solution` or, when no timeline satisfies every constraint, :class:`Infeasible` naming a
set of constraints that conflict.

The model (docs/plan.md):

* one start variable per task; a presence literal per task and, for each EV crew member who may
  do it, a presence literal of that member's interval. ``both``: both members' intervals, same
  start; ``one``: exactly one of them; a role: that member. Mandatory tasks are present.
* **no overlap** per person (EV1, EV2, IV).
* **routes**: per EV member, every task starts after egress plus the route from the hatch and
  ends before ingress minus the route back; of any two of their tasks at different worksites,
  one ends a route before the other starts (a disjunction per pair). Pairwise is exact for
  consecutive tasks because the travel matrix is a metric (its :func:`metric_closure`); it
  proved faster than a circuit (``AddCircuit``) through the tasks on the benchmark plans.
* **buddy rule**: both EV members leave together (egress at hatch open) and come back together
  (ingress ends at hatch close, the same for both). While both work, their worksites are at most
  ``buddy_max`` of route time apart: for every pair of an EV1 task and an EV2 task at worksites
  farther apart, the two do not overlap. Translation between worksites is not checked against
  the buddy distance (the crew are then on the route between two worksites).
* **suit**: hatch close ``<= limit`` (the smaller suit's rated limit minus the margin).
* **precedences**: ``start_j >= end_i``; a get-ahead task's dependants need it present.
* **allowed intervals** (light, comm): the task lies inside one of its intervals.
* **clock deadlines**: ``end_i <= start_ref + deadline`` (ref: a task, or hatch open).
* **objective** (lexicographic, as one weighted sum): every mandatory task is a hard
  constraint; then maximise the priority-weighted sum of the get-ahead tasks done; then the
  earliest hatch close. The weight of the first part exceeds the horizon, so no gain in the
  second can buy a loss in the first.

Infeasible: every constraint group carries an assumption literal (:class:`Label`); the model is
re-solved with them as assumptions, CP-SAT's ``SufficientAssumptionsForInfeasibility`` gives a
conflicting set, shrunk by deletion to a minimal one where time allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

EV = ("EV1", "EV2")


@dataclass(frozen=True)
class Label:
    """A constraint group, named for the user: ``loc`` points into the plan file."""

    kind: str  # mandatory | light | comm | depends_on | deadline | suit | buddy | travel
    text: str
    loc: tuple = ()


@dataclass(frozen=True)
class Allowed:
    """Intervals ``[start, end]`` (steps from hatch open) a task must lie within (one of them)."""

    label: Label
    intervals: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SchedTask:
    name: str
    duration: int  # steps
    site: int  # index into Problem.travel
    crew: str  # both | one | EV1 | EV2 | IV
    optional: bool = False
    priority: int = 1
    depends_on: tuple[int, ...] = ()
    allowed: tuple[Allowed, ...] = ()
    deadline: tuple[int | None, int] | None = None
    """(reference task index or None for hatch open, steps)."""
    loc: tuple = ()

    @property
    def people(self) -> tuple[str, ...]:
        return EV if self.crew in ("both", "one") else (self.crew,)


@dataclass(frozen=True)
class Problem:
    tasks: tuple[SchedTask, ...]
    travel: np.ndarray  # (n_sites, n_sites) integer steps
    hatch_site: int
    egress: int  # steps
    ingress: int
    limit: int  # hatch close <= limit (steps from hatch open)
    buddy_max: int  # steps of route time
    limit_label: Label = Label("suit", "suit limit")
    has_iv: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "travel", metric_closure(self.travel))

    def far(self, a: int, b: int) -> bool:
        return max(int(self.travel[a, b]), int(self.travel[b, a])) > self.buddy_max


def metric_closure(travel: np.ndarray) -> np.ndarray:
    """The shortest chain of routes between every two worksites (Floyd-Warshall): a route via
    a third worksite is never longer than going there and on. Route-graph matrices are already
    shortest paths; this makes any matrix one, which the pairwise route constraints need."""
    d = np.array(travel, dtype=np.int64)
    for k in range(len(d)):
        d = np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :])
    return d


@dataclass(frozen=True)
class Placement:
    task: int
    start: int
    end: int
    people: tuple[str, ...]


@dataclass(frozen=True)
class Solution:
    status: str  # OPTIMAL | FEASIBLE
    placements: tuple[Placement, ...]  # present tasks, by start
    hatch_close: int  # steps
    value: int  # priority-weighted get-ahead value
    objective: float
    gap: float  # relative gap of the objective (0 when optimal)
    wall_s: float

    def of(self, person: str) -> list[Placement]:
        return sorted((p for p in self.placements if person in p.people), key=lambda p: p.start)


@dataclass(frozen=True)
class Infeasible:
    conflict: tuple[Label, ...]
    minimal: bool
    wall_s: float


class _Model:
    """The CP-SAT model of a problem; labelled constraint groups enforced by literals."""

    def __init__(self, pb: Problem, explain: bool):
        self.pb = pb
        self.explain = explain
        m = self.m = cp_model.CpModel()
        self.labels: dict[int, Label] = {}
        self.lits: list = []
        # Explaining, the horizon stretches past the suit limit (then a labelled constraint)
        # to where any order of the tasks with every route between them would end.
        slack = sum(t.duration for t in pb.tasks) + (len(pb.tasks) + 1) * int(pb.travel.max())
        horizon = pb.limit if not explain else pb.limit + pb.egress + pb.ingress + slack
        self.horizon = horizon
        n = len(pb.tasks)
        self.close = m.NewIntVar(pb.egress + pb.ingress, horizon, "hatch_close")
        self.start = [m.NewIntVar(0, horizon, f"s{i}") for i in range(n)]
        self.present = [m.NewBoolVar(f"p{i}") for i in range(n)]
        self.on: dict[tuple[int, str], object] = {}
        self.interval: dict[tuple[int, str], object] = {}
        self.n_pairs = 0
        self.intervals: dict[str, list] = {p: [] for p in ("EV1", "EV2", "IV")}
        self._build()

    def lit(self, label: Label):
        """A literal that enforces the constraints of ``label`` (fixed true unless explaining)."""
        v = self.m.NewBoolVar(label.text)
        self.labels[v.Index()] = label
        self.lits.append(v)
        if not self.explain:
            self.m.Add(v == 1)
        return v

    def end(self, i: int):
        return self.start[i] + self.pb.tasks[i].duration

    def _build(self) -> None:
        pb, m = self.pb, self.m
        work_from, ingress = pb.egress, pb.ingress
        suit = self.lit(pb.limit_label)
        m.Add(self.close <= pb.limit).OnlyEnforceIf(suit)
        travel_lit = self.lit(Label("travel", "translation times between worksites"))
        buddy_lit = self.lit(
            Label("buddy", "buddy rule: worksites within the buddy route time while both work")
        )
        for i, t in enumerate(pb.tasks):
            s, p = self.start[i], self.present[i]
            if not t.optional:
                m.Add(p == 1).OnlyEnforceIf(
                    self.lit(Label("mandatory", f"{t.name!r} must be done (not optional)", t.loc))
                )
            if t.crew == "IV":
                m.Add(s + t.duration <= self.close).OnlyEnforceIf(p)
                ons = {"IV": p}
            else:
                m.Add(s >= work_from).OnlyEnforceIf(p)
                m.Add(s + t.duration <= self.close - ingress).OnlyEnforceIf(p)
                if t.crew == "both":
                    ons = {"EV1": p, "EV2": p}
                elif t.crew == "one":
                    ons = {q: m.NewBoolVar(f"on{i}{q}") for q in EV}
                    m.Add(sum(ons.values()) == p)
                else:
                    ons = {t.crew: p}
            for q, lit in ons.items():
                self.on[i, q] = lit
                self.interval[i, q] = m.NewOptionalFixedSizeIntervalVar(
                    s, t.duration, lit, f"x{i}{q}"
                )
                self.intervals[q].append(self.interval[i, q])
            for dep in t.depends_on:
                d = pb.tasks[dep]
                lab = self.lit(
                    Label("depends_on", f"{t.name!r} after {d.name!r}", (*t.loc, "depends_on"))
                )
                m.Add(s >= self.end(dep)).OnlyEnforceIf([p, lab])
                m.AddBoolOr([p.Not(), self.present[dep]]).OnlyEnforceIf(lab)
            for allowed in t.allowed:
                lab = self.lit(allowed.label)
                fits = [(a, b) for a, b in allowed.intervals if b - a >= t.duration]
                if not fits:
                    m.AddBoolOr([p.Not(), lab.Not()])
                    continue
                ys = []
                for a, b in fits:
                    y = m.NewBoolVar("")
                    m.Add(s >= a).OnlyEnforceIf(y)
                    m.Add(s + t.duration <= b).OnlyEnforceIf(y)
                    ys.append(y)
                m.AddBoolOr(ys).OnlyEnforceIf([p, lab])
            if t.deadline is not None:
                ref, steps = t.deadline
                what = "hatch open" if ref is None else repr(pb.tasks[ref].name)
                lab = self.lit(
                    Label(
                        "deadline",
                        f"{t.name!r} ends within {steps} steps of {what}",
                        (*t.loc, "deadline_min"),
                    )
                )
                if ref is None:
                    m.Add(s + t.duration <= steps).OnlyEnforceIf([p, lab])
                else:
                    m.Add(s + t.duration <= self.start[ref] + steps).OnlyEnforceIf(
                        [p, self.present[ref], lab]
                    )
        for q in ("EV1", "EV2", "IV"):
            if len(self.intervals[q]) > 1:
                m.AddNoOverlap(self.intervals[q])
        for q in EV:
            self._route(q, travel_lit)
        self._buddy(buddy_lit)

    def _route(self, q: str, travel_lit) -> None:
        """Translation for member ``q``: the first task starts after egress plus the route from
        the hatch, the last ends before ingress minus the route back, and of any two tasks at
        different worksites one ends a route before the other starts. Pairwise is exact for
        consecutive tasks because the matrix is a metric (:func:`metric_closure`)."""
        pb, m = self.pb, self.m
        mine = [i for i in range(len(pb.tasks)) if (i, q) in self.on]
        h = pb.hatch_site
        for i in mine:
            site, on = pb.tasks[i].site, self.on[i, q]
            m.Add(self.start[i] >= pb.egress + int(pb.travel[h, site])).OnlyEnforceIf(
                [on, travel_lit]
            )
            m.Add(self.end(i) + int(pb.travel[site, h]) <= self.close - pb.ingress).OnlyEnforceIf(
                [on, travel_lit]
            )
        for k, i in enumerate(mine):
            for j in mine[k + 1 :]:
                si, sj = pb.tasks[i].site, pb.tasks[j].site
                if si == sj:
                    continue  # the NoOverlap orders them
                first = m.NewBoolVar("")
                both = [self.on[i, q], self.on[j, q], travel_lit]
                m.Add(self.end(i) + int(pb.travel[si, sj]) <= self.start[j]).OnlyEnforceIf(
                    [first, *both]
                )
                m.Add(self.end(j) + int(pb.travel[sj, si]) <= self.start[i]).OnlyEnforceIf(
                    [first.Not(), *both]
                )
                self.n_pairs += 1
        work = sum(pb.tasks[i].duration * self.on[i, q] for i in mine)
        m.Add(work <= self.close - pb.egress - pb.ingress)  # redundant, for the bound

    def _buddy(self, buddy_lit) -> None:
        """For each pair of worksites A, B farther apart than the buddy distance: EV1's tasks
        at A and EV2's at B never overlap (one NoOverlap per pair). Explaining, the intervals
        are copies present only while the buddy literal holds (NoOverlap takes no enforcement
        literal)."""
        pb, m = self.pb, self.m
        at: dict[tuple[str, int], list[int]] = {}
        for i, q in self.on:
            if q in EV:
                at.setdefault((q, pb.tasks[i].site), []).append(i)
        copies: dict[tuple[int, str], object] = {}

        def interval(i: int, q: str):
            if not self.explain:
                return self.interval[i, q]
            if (i, q) not in copies:
                lit = m.NewBoolVar("")
                m.AddBoolAnd([self.on[i, q], buddy_lit]).OnlyEnforceIf(lit)
                m.AddBoolOr([self.on[i, q].Not(), buddy_lit.Not(), lit])
                copies[i, q] = m.NewOptionalFixedSizeIntervalVar(
                    self.start[i], pb.tasks[i].duration, lit, ""
                )
            return copies[i, q]

        sites = sorted({site for _, site in at})
        for a in sites:
            for b in sites:
                if a == b or not pb.far(a, b):
                    continue
                group = [interval(i, "EV1") for i in at.get(("EV1", a), [])]
                group += [interval(j, "EV2") for j in at.get(("EV2", b), [])]
                if at.get(("EV1", a)) and at.get(("EV2", b)):
                    m.AddNoOverlap(group)

    def value_expr(self):
        return sum(t.priority * self.present[i] for i, t in enumerate(self.pb.tasks) if t.optional)


PRESOLVE_MAX_PAIRS = 4000
"""Above this many route disjunctions (about 90 tasks per person) CP-SAT's presolve is switched
off: on large plans it alone outlasts any time limit (measured with the earlier circuit model:
17 s for 200 tasks, no search begun)."""


def _params(
    time_limit_s: float, workers: int, gap: float, model: _Model | None = None
) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    if model is not None and model.n_pairs > PRESOLVE_MAX_PAIRS:
        solver.parameters.cp_model_presolve = False
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(workers)
    solver.parameters.relative_gap_limit = float(gap)
    return solver


def solve(
    pb: Problem,
    *,
    time_limit_s: float = 20.0,
    workers: int = 2,
    relative_gap: float = 0.0,
    on_progress: Callable[[float], None] | None = None,
) -> Solution | Infeasible:
    """Solve ``pb`` to optimality (or ``relative_gap``, or the time limit); on infeasibility
    explain it (:func:`explain`)."""
    t0 = time.perf_counter()
    model = _Model(pb, explain=False)
    weight = model.horizon + 1
    model.m.Maximize(weight * model.value_expr() - model.close)
    solver = _params(time_limit_s, workers, relative_gap, model)

    class _Cb(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if on_progress:
                on_progress(time.perf_counter() - t0)

    status = solver.Solve(model.m, _Cb() if on_progress else None)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = []
        for i, t in enumerate(pb.tasks):
            if not solver.Value(model.present[i]):
                continue
            s = solver.Value(model.start[i])
            who = tuple(
                q
                for q in ("EV1", "EV2", "IV")
                if (i, q) in model.on and solver.Value(model.on[i, q])
            )
            placements.append(Placement(i, s, s + t.duration, who))
        placements.sort(key=lambda p: (p.start, p.task))
        obj, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
        gap = 0.0 if status == cp_model.OPTIMAL else abs(bound - obj) / max(1.0, abs(obj))
        value = sum(pb.tasks[p.task].priority for p in placements if pb.tasks[p.task].optional)
        return Solution(
            "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
            tuple(placements),
            solver.Value(model.close),
            value,
            obj,
            gap,
            time.perf_counter() - t0,
        )
    if status == cp_model.INFEASIBLE:
        return explain(pb, time_limit_s=time_limit_s, t0=t0)
    from ..errors import EvasimRuntimeError

    raise EvasimRuntimeError(
        f"the solver found no timeline within {time_limit_s:g} s and could not prove there is "
        "none (status UNKNOWN): raise solver_time_limit_s or simplify the plan"
    )


def _core(pb: Problem, keep: list[int] | None, time_limit_s: float):
    """Solve with assumptions (``keep``: indices into the labelled literals; None: all); the
    sufficient assumption indices if infeasible, None if feasible, "unknown" on timeout."""
    model = _Model(pb, explain=True)
    chosen = model.lits if keep is None else [model.lits[k] for k in keep]
    model.m.AddAssumptions(chosen)
    solver = _params(time_limit_s, 1, 0.0, model)
    status = solver.Solve(model.m)
    if status == cp_model.INFEASIBLE:
        index = {v.Index(): k for k, v in enumerate(model.lits)}
        return sorted(index[i] for i in solver.SufficientAssumptionsForInfeasibility()), model
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, model
    return "unknown", model


def explain(pb: Problem, *, time_limit_s: float = 20.0, t0: float | None = None) -> Infeasible:
    """The constraint groups that conflict: CP-SAT's sufficient assumptions, then deletion
    (drop one group, keep the drop if still infeasible) while the time limit allows."""
    t0 = time.perf_counter() if t0 is None else t0
    core, model = _core(pb, None, time_limit_s)
    if not isinstance(core, list):
        core = list(range(len(model.lits)))  # should not happen: report everything
    minimal = True
    for k in list(core):
        if time.perf_counter() - t0 > time_limit_s:
            minimal = False
            break
        trial = [c for c in core if c != k]
        result, _ = _core(pb, trial, max(1.0, time_limit_s / 10))
        if isinstance(result, list):
            core = [c for c in trial if c in result] or trial
        elif result == "unknown":
            minimal = False
    labels = tuple(model.labels[model.lits[k].Index()] for k in core)
    return Infeasible(labels, minimal, time.perf_counter() - t0)
