"""The spacewalk timeline: hatch, tasks per crew member, day/night, elapsed and suit time, flags.

Inputs are the validated scenario, the replay's time grid and the lighting edges; the output
is plain data (events, per-sample task names, flags) that products read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .scenario import Scenario, parse_elapsed
from .sky.lighting import LightingEdges
from .sky.timegrid import TimeGrid

EVENT_KINDS = (
    "sunrise",
    "sunset",
    "partial_eclipse_start",
    "partial_eclipse_end",
    "hatch_open",
    "hatch_close",
    "task_start",
    "task_end",
)
_SAME_TIME_ORDER = (
    "task_end",
    "hatch_open",
    "task_start",
    "hatch_close",
    "partial_eclipse_end",
    "sunrise",
    "sunset",
    "partial_eclipse_start",
)


@dataclass(frozen=True)
class Event:
    utc: datetime
    kind: str
    detail: str


@dataclass(frozen=True)
class TaskWindow:
    role: str
    crew_name: str
    name: str
    start_utc: datetime
    end_utc: datetime
    worksite: str
    effects: tuple[str, ...]
    estimated: bool


@dataclass(frozen=True)
class Timeline:
    events: list[Event]
    tasks: list[TaskWindow]
    active_task: dict[str, np.ndarray]  # role -> task name per sample ("" when none)
    eva_elapsed_s: np.ndarray  # seconds since hatch open (negative before)
    suit_time_left_s: np.ndarray  # autonomy minus elapsed, over the EVA (NaN outside)
    flags: list[str]


def hm(seconds: float) -> str:
    """'7 h 54 min' / '19 min' style duration."""
    total = round(abs(seconds) / 60.0)
    h, m = divmod(total, 60)
    sign = "-" if seconds < 0 else ""
    return f"{sign}{h} h {m:02d} min" if h else f"{sign}{m} min"


def suit_overrun(sc: Scenario) -> str | None:
    """A WARNING when the spacewalk is longer than the suits' autonomy, else None."""
    eva = sc.eva
    duration = (eva.hatch_close_utc - eva.hatch_open_utc).total_seconds()
    over = duration - eva.suit_autonomy_h * 3600.0
    if over <= 0:
        return None
    suits = ", ".join(sorted({m.suit for m in sc.crew if m.suit})) or "the suits"
    return (
        f"WARNING: the spacewalk ({hm(duration)}) is {hm(over)} longer than the "
        f"~{eva.suit_autonomy_h:g} h autonomy of {suits} (eva.suit_autonomy_h, counted "
        "from hatch open)"
    )


def build_timeline(sc: Scenario, grid: TimeGrid, edges: LightingEdges) -> Timeline:
    eva = sc.eva
    s_open = grid.seconds_of(eva.hatch_open_utc)
    s_close = grid.seconds_of(eva.hatch_close_utc)
    events: list[Event] = [
        Event(eva.hatch_open_utc, "hatch_open", f"{eva.airlock} hatch open"),
        Event(eva.hatch_close_utc, "hatch_close", f"{eva.airlock} hatch closed"),
    ]
    for s, kind, detail in edges.events_between(grid.seconds[0], grid.seconds[-1]):
        events.append(Event(grid.datetime_at(s), kind, detail))

    tasks: list[TaskWindow] = []
    active = {m.role: np.full(len(grid), "", dtype=object) for m in sc.crew}
    for task in sc.tasks:
        start, end = sc.task_window(task)
        members = sc.task_crew(task)
        who = ", ".join(m.role for m in members)
        est = " (estimated time)" if task.estimated else ""
        events.append(Event(start, "task_start", f"{who}: {task.name}{est}"))
        effects = f"; effects: {'; '.join(task.effects)}" if task.effects else ""
        events.append(Event(end, "task_end", f"{who}: {task.name}{est}{effects}"))
        i0 = np.searchsorted(grid.seconds, grid.seconds_of(start), side="left")
        i1 = np.searchsorted(grid.seconds, grid.seconds_of(end), side="left")
        for m in members:
            tasks.append(
                TaskWindow(
                    m.role,
                    m.name,
                    task.name,
                    start,
                    end,
                    task.worksite,
                    tuple(task.effects),
                    task.estimated,
                )
            )
            active[m.role][i0:i1] = task.name
    order = {k: i for i, k in enumerate(_SAME_TIME_ORDER)}
    events.sort(key=lambda e: (e.utc, order[e.kind]))

    elapsed = grid.seconds - s_open
    autonomy_s = eva.suit_autonomy_h * 3600.0
    inside = (grid.seconds >= s_open) & (grid.seconds <= s_close)
    suit_left = np.where(inside, autonomy_s - elapsed, np.nan)
    flags = _flags(sc, edges, s_open, s_close, autonomy_s)
    return Timeline(events, tasks, active, elapsed, suit_left, flags)


def _flags(
    sc: Scenario, edges: LightingEdges, s_open: float, s_close: float, autonomy_s: float
) -> list[str]:
    flags: list[str] = []
    rises, sets = edges.sunrises_s, edges.sunsets_s

    def light_at(s: float) -> str:
        before = edges.seconds[edges.seconds <= s]
        if before.size:
            last_kind = edges.kind[edges.seconds <= s][-1]
            return "daylight" if last_kind == "sunrise" else "darkness"
        after = edges.kind[edges.seconds > s]
        return ("darkness" if after[0] == "sunrise" else "daylight") if after.size else "?"

    # The times are the hatch's unless the scenario says they are battery-power or unknown ones.
    hatch = sc.eva.time_convention == "hatch"
    marks = ("Hatch opened", "Hatch closed") if hatch else ("EVA started", "EVA ended")
    for label, s in zip(marks, (s_open, s_close), strict=True):
        state = light_at(s)
        prev = sets if state == "darkness" else rises
        prev = prev[prev <= s]
        nxt = rises[rises > s] if state == "darkness" else sets[sets > s]
        parts = []
        if prev.size:
            parts.append(
                f"{hm(s - prev[-1])} after {'sunset' if state == 'darkness' else 'sunrise'}"
            )
        if nxt.size:
            parts.append(
                f"{hm(nxt[0] - s)} before {'sunrise' if state == 'darkness' else 'sunset'}"
            )
        flags.append(f"{label} in {state}" + (", " + " and ".join(parts) if parts else ""))
    n_sets = int(np.sum((sets >= s_open) & (sets <= s_close)))
    n_rises = int(np.sum((rises >= s_open) & (rises <= s_close)))
    flags.append(f"{n_sets} sunsets and {n_rises} sunrises during the spacewalk")
    duration = s_close - s_open
    if sc.eva.planned_duration:
        planned = parse_elapsed(sc.eva.planned_duration).total_seconds()
        over = duration - planned
        word = "over" if over >= 0 else "under"
        flags.append(f"Ran {hm(abs(over))} {word} the planned {hm(planned)}")
    margin = autonomy_s - duration
    overrun = suit_overrun(sc)
    if overrun:
        flags.append(overrun)
    else:
        level = "WARNING: " if margin < 30 * 60 else ""
        flags.append(
            f"{level}Suit margin at hatch close: {hm(margin)} of the "
            f"~{sc.eva.suit_autonomy_h:g} h suit autonomy (counted from hatch open)"
        )
    if any(t.estimated for t in sc.tasks):
        flags.append(
            "Task times inside the spacewalk are estimates: published sources give "
            "what was done, not minute-by-minute times"
        )
    return flags
