"""Planner benchmark; prints one JSON object. Run: .venv/bin/python benchmarks/bench_plan.py

* ``solve_20_tasks_10s`` / ``solve_20_tasks_60s``: generated plans of 20 tasks, two EV crew and
  an IV, one day (2021-09-03, hatch 14:41 UTC, Orlan-MKS limit 7 h), each solved by CP-SAT on 2
  workers towards optimality (gap 0) with a 10 s limit (five seeds) and a 60 s limit (three).
  Tasks: 6 worksites on the Russian segment (a seeded travel matrix: points on a line, up to
  18 min apart), durations 10-40 min, crew both / one / EV1 / EV2, dependency chains, 4 day-only
  tasks, 1 in a Russian ground pass, 5 get-ahead tasks with priorities 1-9; buddy distance 600 s.
  Wall time, status, relative gap of each. Aim < 10 s on 2 cores, optimal or gap < 1 %.
* ``windows_one_day_s``: :func:`evasim.sky.comm.windows` for one UTC day, all networks (3 TDRS
  and 3 Luch-5 slots, 10 ground sites) and day/night, element set given (best / median of 5).
* ``plan_vkd49_s``: :func:`evasim.plan.run.solve_plan` on the bundled VKD-49 plan with the hatch
  searched over the day (windows of two days, the route graph, the candidate solves).
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime

SITES = ("Poisk", "Nauka", "Zarya", "Zvezda", "Rassvet", "Unity")
SEEDS = (1, 2, 3, 4, 5)


def generated_plan_text(seed: int) -> tuple[str, list[list[float]]]:
    """A 20-task plan (TOML) and its travel matrix (s) over ``["hatch", *SITES]``."""
    rng = random.Random(seed)
    lines = [
        f'name = "bench-{seed}"',
        'title = "generated benchmark plan"',
        "date_utc = 2021-09-03",
        'hatch = "14:41"',
        'airlock = "Poisk (MRM-2)"',
        "buddy_max_route_s = 600",
        "solver_time_limit_s = 60",
        '[[crew]]\nrole = "EV1"\nname = "A"\nsuit = "Orlan-MKS"',
        '[[crew]]\nrole = "EV2"\nname = "B"\nsuit = "Orlan-MKS"',
        '[[crew]]\nrole = "IV"\nname = "C"',
    ]
    names = []
    for i in range(20):
        optional = i >= 15
        crew = rng.choice(["both", "both", "one", "EV1", "EV2"])
        light = "day" if i in (3, 7, 11, 16) else "any"
        comm = "ground" if i == 9 else "none"
        duration = 5 if comm == "ground" else rng.randint(10, 40)
        if light == "day":
            duration = min(duration, 30)
        deps = []
        if names and rng.random() < 0.4:
            dep = rng.choice(names[-3:])
            if optional or not dep.startswith("opt"):
                deps.append(dep)
        name = f"{'opt' if optional else 'task'}-{i:02d}"
        names.append(name)
        lines.append(
            "[[tasks]]\n"
            f'name = "{name}"\nduration_min = {duration}\nworksite = "{rng.choice(SITES)}"\n'
            f'crew = "{crew}"\nlight = "{light}"\ncomm = "{comm}"\n'
            f"optional = {'true' if optional else 'false'}\npriority = {rng.randint(1, 9)}\n"
            f"depends_on = {json.dumps(deps)}"
        )
    pos = [0.0] + [rng.uniform(60.0, 360.0) * (k + 1) / 2 for k in range(len(SITES))]
    travel = [[abs(a - b) for b in pos] for a in pos]
    return "\n".join(lines) + "\n", travel


def main() -> None:
    import numpy as np
    import ortools

    from evasim.catalog import Catalog
    from evasim.plan.model import load_plan, parse_plan
    from evasim.plan.run import build_problem, solve_plan
    from evasim.plan.schedule import Solution, solve
    from evasim.plan.windows import plan_windows
    from evasim.sky import Sky
    from evasim.sky.comm import windows
    from evasim.sky.comm_network import NETWORKS

    out: dict = {
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    day = date(2021, 9, 3)
    sky = Sky.load()
    es = Catalog.open().nearest_element_set(datetime(2021, 9, 3, 12, tzinfo=UTC))
    windows(day, NETWORKS, es, sky=sky)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        windows(day, NETWORKS, es, sky=sky)
        times.append(time.perf_counter() - t)
    out["windows_one_day_s"] = {
        "best": round(min(times), 4),
        "median": round(statistics.median(times), 4),
    }

    win = plan_windows([day], lambda d: es)
    for key, limit_s, seeds in (
        ("solve_20_tasks_10s", 10.0, SEEDS),
        ("solve_20_tasks_60s", 60.0, SEEDS[:3]),
    ):
        runs = []
        for seed in seeds:
            text, travel = generated_plan_text(seed)
            plan = parse_plan(text, f"bench-{seed}")
            sites = ["hatch", *SITES]
            hatch_s = win.seconds(plan.fixed_hatch_utc())
            pb = build_problem(plan, win, hatch_s, sites, np.array(travel))
            t = time.perf_counter()
            sol = solve(pb, time_limit_s=limit_s, workers=2)
            wall = time.perf_counter() - t
            row: dict = {"seed": seed, "wall_s": round(wall, 3)}
            if isinstance(sol, Solution):
                row |= {
                    "status": sol.status,
                    "relative_gap": round(sol.gap, 5),
                    "get_ahead_value": sol.value,
                    "get_ahead_max": sum(t.priority for t in plan.tasks if t.optional),
                    "eva_min": sol.hatch_close * plan.step_s / 60.0,
                    "tasks_done": len(sol.placements),
                }
            else:
                row |= {"status": "INFEASIBLE", "conflict": [x.text for x in sol.conflict]}
            runs.append(row)
        walls = [r["wall_s"] for r in runs]
        out[key] = {
            "time_limit_s": limit_s,
            "runs": runs,
            "median_s": round(statistics.median(walls), 3),
            "optimal": sum(r["status"] == "OPTIMAL" for r in runs),
            "gap_below_1pct": sum(r.get("relative_gap", 1.0) < 0.01 for r in runs),
        }
    t = time.perf_counter()
    r = solve_plan(load_plan("vkd-49"))
    out["plan_vkd49_s"] = {
        "wall_s": round(time.perf_counter() - t, 3),
        "hatch_utc": f"{r.hatch_utc:%Y-%m-%dT%H:%M}Z",
        "candidates_solved": sum(1 for x in r.trials if x.feasible is not None),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
