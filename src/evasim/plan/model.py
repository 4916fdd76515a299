"""Plan files (TOML): the task list of a spacewalk still to be scheduled.

A plan names a date (or a range of up to 3 days), the airlock, the crew (EV1, EV2 and an IV
crew member) with their suits, and the tasks: duration estimate, worksite, who is needed, what
each depends on, the light and comm it needs, its priority, whether it is a get-ahead (optional)
task and any clock deadline. The format is documented in ``docs/plan.md`` and, field by field, in
``data/plans/teaching.toml``.

Checked like scenarios (:mod:`evasim.scenario`): pydantic for types and bounds, then
:func:`_check_plan` for what relates fields to each other; any problem is one
:class:`EvasimInputError` naming the file, the line and the dotted field.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ..errors import EvasimInputError
from ..scenario import Effect, _dotted, _friendly, locate_line, read_toml, validate_model
from ..textfile import read_text
from .suits import BLOCKS, SuitSpec, suit_family

MAX_TASKS = 200
MAX_DAYS = 3
MAX_TASK_MIN = 8 * 60.0
"""No task longer than the longest suit limit (8 h)."""
HATCH_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
INSTALL_RE = re.compile(r"^install\s+handrail\s+(\S+)$")
BUILTIN_PLANS = ("vkd-49", "teaching")
BUDDY_MAX_ROUTE_S = 600.0
"""Default buddy distance (s of translation): while both work, their worksites are at most this
route time apart. An assumption, not a sourced figure: the facts give the buddy rule (both crew
outside together; if one must return both end the spacewalk) but no distance."""

Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PlanCrew(_Model):
    role: Literal["EV1", "EV2", "IV"]
    name: Name
    suit: str = Field("", max_length=100)
    """EV1 and EV2: ``EMU`` or ``Orlan-MKS`` (a serial may follow: ``Orlan-MKS No. 5``)."""
    marking: str = Field("", max_length=100)


class Blocks(_Model):
    """Overrides of the suit's fixed blocks (minutes); None keeps the suit's default."""

    prebreathe_min: float | None = Field(None, ge=0.0, le=600.0)
    depress_min: float | None = Field(None, ge=0.0, le=240.0)
    egress_min: float | None = Field(None, ge=1.0, le=120.0)
    ingress_min: float | None = Field(None, ge=1.0, le=120.0)
    repress_min: float | None = Field(None, ge=0.0, le=240.0)


class PlanTask(_Model):
    name: Name
    duration_min: float = Field(gt=0.0, le=MAX_TASK_MIN)
    worksite: str = Field(min_length=1, max_length=100)
    crew: Literal["both", "one", "EV1", "EV2", "IV"] = "both"
    """``both`` EV1 and EV2 together; ``one`` either of them (the solver chooses); or a role."""
    depends_on: list[Name] = Field([], max_length=50)
    light: Literal["any", "day", "night"] = "any"
    comm: Literal["any", "tdrs", "luch", "ground", "none"] = "none"
    """``none``: no requirement; ``any``: at least one network in view; else that network."""
    tools: list[Name] = Field([], max_length=50)
    priority: int = Field(1, ge=1, le=100)
    optional: bool = False
    """A get-ahead task: done if it fits, worth ``priority``."""
    deadline_min: float | None = Field(None, gt=0.0, le=24 * 60.0)
    """A clock task: ends at most this many minutes after ``deadline_after`` starts."""
    deadline_after: str = Field("hatch open", max_length=200)
    """The task (by name) whose start starts the clock, or ``hatch open``."""
    effects: list[str] = Field([], max_length=50)
    """``install handrail ID`` (routes after the task may use it) or a scenario link effect
    (``connect power MRM-2 -> MLM``), passed to the output scenario."""
    note: str = Field("", max_length=2000)

    @property
    def installs(self) -> list[str]:
        return [m.group(1) for e in self.effects if (m := INSTALL_RE.match(e.strip()))]

    @property
    def link_effects(self) -> list[str]:
        return [e for e in self.effects if not INSTALL_RE.match(e.strip())]


class Plan(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    title: str = Field(max_length=300)
    description: str = Field("", max_length=5000)
    date_utc: date | None = None
    """The day of the spacewalk (UTC), or use ``dates_utc``."""
    dates_utc: list[date] | None = Field(None, min_length=2, max_length=2)
    """``[first, last]``: the hatch search covers these days (at most 3)."""
    hatch: str = "auto"
    """``auto`` (search the day for the most daylight for day-only tasks) or ``HH:MM`` UTC on
    the (first) date."""
    airlock: str = Field(min_length=1, max_length=100)
    margin_min: float | None = Field(None, ge=0.0, le=240.0)
    """Reserve kept from the suits' rated limit; default the suit's (EMU: the 1 h contingency)."""
    buddy_max_route_s: float = Field(BUDDY_MAX_ROUTE_S, ge=0.0, le=7200.0)
    step_s: int = Field(60, ge=10, le=300)
    """The solver's time step (s): every start and end is a multiple of it from hatch open."""
    hatch_step_min: int = Field(5, ge=1, le=60)
    """The hatch search tries a start every this many minutes."""
    solver_time_limit_s: float = Field(20.0, gt=0.0, le=600.0)
    crew: list[PlanCrew] = Field(min_length=2, max_length=3)
    blocks: Blocks = Blocks()
    tasks: list[PlanTask] = Field(min_length=1, max_length=MAX_TASKS)
    notes: list[str] = Field([], max_length=50)

    origin: str = ""
    _text: str = PrivateAttr("")

    # -------------------------------------------------------------- derived
    @property
    def first_date(self) -> date:
        return self.date_utc if self.date_utc is not None else self.dates_utc[0]

    @property
    def days(self) -> list[date]:
        if self.date_utc is not None:
            return [self.date_utc]
        first, last = self.dates_utc
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def member(self, role: str) -> PlanCrew | None:
        return next((m for m in self.crew if m.role == role), None)

    def suit_of(self, role: str) -> SuitSpec:
        return suit_family(self.member(role).suit)

    @property
    def suit_limit_min(self) -> float:
        """The planned limit, hatch open to hatch close: the smaller of the two EV suits'
        rated limits minus the margin (the plan's, else that suit's default)."""
        out = []
        for role in ("EV1", "EV2"):
            spec = self.suit_of(role)
            margin = spec.margin_min.value if self.margin_min is None else self.margin_min
            out.append(spec.rated_h.value * 60.0 - margin)
        return min(out)

    @property
    def rated_limit_min(self) -> float:
        return min(self.suit_of(r).rated_h.value * 60.0 for r in ("EV1", "EV2"))

    def block_min(self, block: str) -> float:
        """A fixed block's duration: the plan's override, else the longer of the two suits'."""
        given = getattr(self.blocks, f"{block}_min")
        if given is not None:
            return float(given)
        return max(self.suit_of(r).blocks_min[block].value for r in ("EV1", "EV2"))

    def block_source(self, block: str) -> tuple[str, str]:
        """(source, confidence) of :meth:`block_min`."""
        if getattr(self.blocks, f"{block}_min") is not None:
            return "the plan's [blocks]", "plan"
        spec = max(
            (self.suit_of(r) for r in ("EV1", "EV2")), key=lambda s: s.blocks_min[block].value
        )
        fig = spec.blocks_min[block]
        return f"{spec.family}: {fig.source}", fig.confidence

    def fixed_hatch_utc(self) -> datetime | None:
        if self.hatch == "auto":
            return None
        m = HATCH_RE.match(self.hatch)
        return datetime.combine(self.first_date, time(int(m[1]), int(m[2])), tzinfo=UTC)

    def line_of(self, loc: tuple) -> int | None:
        return locate_line(self._text, loc) if self._text else None

    def error(self, loc: tuple, message: str) -> EvasimInputError:
        return EvasimInputError(
            f"{_dotted(loc)}: {message}", source=self.origin, line=self.line_of(loc)
        )

    def task_index(self, name: str) -> int | None:
        return next((i for i, t in enumerate(self.tasks) if t.name == name), None)

    def with_hatch(self, hatch: str) -> Plan:
        """This plan with ``hatch`` (``auto`` or ``HH:MM``) instead of its own (checked)."""
        check_hatch(hatch, "--hatch")
        copy = self.model_copy(update={"hatch": hatch})
        copy._text = self._text
        return copy


def check_hatch(text: str, where: str) -> str:
    if text != "auto" and not HATCH_RE.match(text):
        raise EvasimInputError(f"{where}: expected auto or a UTC time HH:MM, got {text!r}")
    return text


# ------------------------------------------------------------------ consistency


def _check_plan(plan: Plan) -> list[tuple[tuple, str]]:
    """Problems relating fields to each other, as (loc, message); first one first."""
    if (plan.date_utc is None) == (plan.dates_utc is None):
        return [(("date_utc",), "expected date_utc or dates_utc (one of them)")]
    if plan.dates_utc is not None:
        first, last = plan.dates_utc
        if last < first:
            return [(("dates_utc",), f"expected the last date on or after {first}")]
        if (last - first).days + 1 > MAX_DAYS:
            return [(("dates_utc",), f"expected at most {MAX_DAYS} days (the limit)")]
    if plan.hatch != "auto" and not HATCH_RE.match(plan.hatch):
        return [(("hatch",), f"expected auto or a UTC time HH:MM, got {plan.hatch!r}")]
    roles = [m.role for m in plan.crew]
    for i, m in enumerate(plan.crew):
        if roles.count(m.role) > 1:
            return [(("crew", i, "role"), f"role {m.role} is given twice")]
    for role in ("EV1", "EV2"):
        if role not in roles:
            return [(("crew",), f"expected a [[crew]] member with role = {role!r}")]
    from ..station.airlock import resolve_airlock

    try:
        airlock = resolve_airlock(plan.airlock)
    except EvasimInputError as exc:
        return [(("airlock",), exc.detail)]
    for i, m in enumerate(plan.crew):
        if m.role == "IV":
            continue
        spec = suit_family(m.suit)
        if spec is None:
            return [
                (
                    ("crew", i, "suit"),
                    f"unknown suit {m.suit!r}; expected EMU or Orlan-MKS (a serial may follow)",
                )
            ]
        if spec.segment != airlock.segment:
            return [
                (
                    ("crew", i, "suit"),
                    f"a {spec.family} does not leave from {airlock.airlock} "
                    f"({airlock.segment} segment)",
                )
            ]
    names = [t.name for t in plan.tasks]
    for i, t in enumerate(plan.tasks):
        loc = ("tasks", i)
        if names.count(t.name) > 1:
            return [((*loc, "name"), f"task name {t.name!r} is given twice")]
        if t.crew == "IV" and "IV" not in roles:
            return [((*loc, "crew"), "no IV crew member in [[crew]]")]
        for dep in t.depends_on:
            j = plan.task_index(dep)
            if j is None:
                close = difflib.get_close_matches(dep, names, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                return [((*loc, "depends_on"), f"unknown task {dep!r}{hint}")]
            if j == i:
                return [((*loc, "depends_on"), "a task cannot depend on itself")]
            if plan.tasks[j].optional and not t.optional:
                return [
                    (
                        (*loc, "depends_on"),
                        f"a mandatory task cannot depend on the get-ahead task {dep!r}",
                    )
                ]
        if t.deadline_after != "hatch open" and plan.task_index(t.deadline_after) is None:
            return [
                (
                    (*loc, "deadline_after"),
                    f"expected 'hatch open' or a task name, got {t.deadline_after!r}",
                )
            ]
        if t.deadline_after != "hatch open" and t.deadline_min is None:
            return [((*loc, "deadline_min"), "required with deadline_after")]
        for e in t.link_effects:
            try:
                Effect.parse(e)
            except ValueError as exc:
                return [((*loc, "effects"), f"{exc}; or 'install handrail ID'")]
    cycle = _cycle(plan)
    if cycle:
        i = plan.task_index(cycle[0])
        return [(("tasks", i, "depends_on"), f"dependency cycle: {' -> '.join(cycle)}")]
    return []


def _cycle(plan: Plan) -> list[str] | None:
    """A dependency cycle as task names (first repeated at the end), or None."""
    deps = {t.name: t.depends_on for t in plan.tasks}
    state: dict[str, int] = {}
    for root in deps:
        if state.get(root):
            continue
        stack = [(root, iter(deps[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
                path.append(nxt)
    return None


def _check_worksites(plan: Plan) -> list[tuple[tuple, str]]:
    """Worksites: ``hatch`` or an element on the station of the plan's date (as scenarios)."""
    from ..scenario import _station
    from ..station import StationError
    from ..station.catalog import ALIASES, canonical

    try:
        config = _station().at(datetime.combine(plan.first_date, time(12), tzinfo=UTC))
    except StationError as exc:
        return [(("date_utc",), f"the station is not modelled on {plan.first_date}: {exc}")]
    for i, t in enumerate(plan.tasks):
        if t.worksite == "hatch" or canonical(t.worksite) in config.elements:
            continue
        known = [*config.elements, *(a for a, e in ALIASES.items() if e in config.elements)]
        close = difflib.get_close_matches(t.worksite, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return [
            (
                ("tasks", i, "worksite"),
                f"{t.worksite!r} is not on the station on {plan.first_date}; {hint}expected "
                f"'hatch' or one of: {', '.join(config.elements)}",
            )
        ]
    return []


# ------------------------------------------------------------------ loading


def _friendly_plan(error: dict) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model: type[BaseModel] | None = Plan
        for part in loc[:-1]:
            if isinstance(part, int) or model is None:
                continue
            ann = model.model_fields[part].annotation if part in model.model_fields else None
            args = [ann, *getattr(ann, "__args__", ())]
            model = next(
                (a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None
            )
        known = [f for f in (model.model_fields if model else {}) if f != "origin"]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field; {hint}expected one of: {', '.join(known)}"
    if error["type"] in ("date_type", "date_from_datetime_inexact", "date_parsing"):
        return "expected a date like 2021-09-03"
    return _friendly(error)


def parse_plan(text: str, source: str) -> Plan:
    """Validate plan TOML ``text``; ``source`` names the file in error messages."""
    raw = read_toml(text, source)
    plan = validate_model(Plan, raw, text, source, _friendly_plan, max_tasks=MAX_TASKS)
    plan._text = text
    problems = _check_plan(plan) or _check_worksites(plan)
    if problems:
        loc, message = problems[0]
        raise plan.error(loc, message)
    return plan


def builtin_plan_text(name: str) -> str:
    ref = resources.files("evasim") / "data" / "plans" / f"{name}.toml"
    return ref.read_text(encoding="utf-8")


def load_plan(path_or_name: str | Path) -> Plan:
    """A built-in plan by name (``vkd-49``, ``teaching``) or a plan TOML file by path."""
    arg = str(path_or_name)
    path = Path(arg)
    if arg in BUILTIN_PLANS and not path.exists():
        return parse_plan(builtin_plan_text(arg), f"evasim:plans/{arg}")
    if not path.exists():
        raise EvasimInputError(
            f"no such file, nor a built-in plan; expected one of {', '.join(BUILTIN_PLANS)} or "
            "a path to a plan .toml file",
            source=arg,
        )
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a plan .toml file", source=arg)
    return parse_plan(read_text(path, "plan file"), arg)


__all__ = ["BLOCKS", "Plan", "PlanCrew", "PlanTask", "load_plan", "parse_plan"]
