"""The survey of all ISS spacewalks on a Dask LocalCluster, 1 worker against 2; prints JSON.

Run: .venv/bin/python benchmarks/bench_survey.py [--repeat 2] [--copies 1]

Each measure is what ``evasim survey`` does between opening the catalogue and writing the
table: a LocalCluster of N worker processes (one thread each) started, every spacewalk surveyed
in batches, the cluster shut down ("wall_s"; "startup_s" is the cluster's start alone). The
runs alternate 1, 2, 1, 2... so that load from other jobs on the machine hits both alike; the
medians are reported with their ratio. "in_process_s": the same survey in this process, one
spacewalk after another, no cluster (the pure computing time on one core). "worker_cpu_s": CPU
time the worker processes used (their imports included); on an idle machine 2 workers should
use about the CPU time 1 worker does, in about half the wall time after the start-up. When
other jobs hold the cores, the CPU time stays and the wall time does not halve.
"--copies K" surveys every spacewalk K times (K x 277 jobs): where the computing, not the
cluster's fixed costs, dominates, and what 2 workers then gain. "--start-method fork": workers
forked from this process (its imports inherited) instead of spawned (what `evasim survey` does):
how much of the fixed cost is the workers' imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time


def _children_cpu_s() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _on_cluster(jobs, workers: int, start_method: str) -> tuple[float, float, float, int]:
    """Wall time, cluster start time, CPU time of the worker processes, rows measured."""
    from evasim.survey.parallel import survey_on_cluster

    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    up: list[float] = []
    rows = survey_on_cluster(
        jobs, workers, on_started=lambda: up.append(time.perf_counter()), start_method=start_method
    )
    wall = time.perf_counter() - t0
    cpu = _children_cpu_s() - cpu0
    return wall, up[0] - t0, cpu, sum(1 for r in rows if r["error"] is None and r["span_min"])


def main() -> None:
    from evasim.catalog import Catalog
    from evasim.survey import jobs_for
    from evasim.survey.parallel import survey_in_process

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--start-method", choices=("spawn", "fork"), default="spawn")
    args = parser.parse_args()
    repeat = args.repeat
    catalog = Catalog.open()
    jobs = jobs_for(catalog, catalog.spacewalks()) * max(1, args.copies)
    load_before = os.getloadavg()

    t0 = time.perf_counter()
    rows = survey_in_process(jobs)
    in_process = time.perf_counter() - t0

    walls: dict[int, list[float]] = {1: [], 2: []}
    startups: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    measured = {}
    for _ in range(repeat):
        for workers in (1, 2):
            wall, startup, cpu, n = _on_cluster(jobs, workers, args.start_method)
            walls[workers].append(wall)
            cpus[workers].append(cpu)
            startups[workers].append(startup)
            measured[workers] = n
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    print(
        json.dumps(
            {
                "jobs": len(jobs),
                "copies": max(1, args.copies),
                "start_method": args.start_method,
                "measured": sum(1 for r in rows if r["span_min"]),
                "measured_on_cluster": measured,
                "cores": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "in_process_s": round(in_process, 2),
                "workers_1": {
                    "wall_s": [round(x, 2) for x in walls[1]],
                    "startup_s": [round(x, 2) for x in startups[1]],
                    "worker_cpu_s": [round(x, 2) for x in cpus[1]],
                },
                "workers_2": {
                    "wall_s": [round(x, 2) for x in walls[2]],
                    "startup_s": [round(x, 2) for x in startups[2]],
                    "worker_cpu_s": [round(x, 2) for x in cpus[2]],
                },
                "median_wall_s": {"1": round(one, 2), "2": round(two, 2)},
                "speedup_2_over_1": round(one / two, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
