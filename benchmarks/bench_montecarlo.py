"""Monte Carlo speed, side by side in one run: the bare batched kernel in this process (all
cores, numba threads) against the same runs on a Dask LocalCluster of 1 and of 2 workers,
each cluster started and closed inside its timing as `evasim montecarlo` does. Prints JSON:
seconds, runs per second, Dask overhead and the 1 -> 2 worker speed-up; with ``--rounds N``
the bare kernel and the 2-worker cluster alternate N times (medians, and each round's ratio).

    .venv/bin/python benchmarks/bench_montecarlo.py [--runs 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import dask
import numpy as np

from evasim.montecarlo import prepare, run
from evasim.montecarlo.runs import run_chunk


def _same(bare, res) -> bool:
    return all(
        np.array_equal(bare.column(c), res.column(c), equal_nan=True)
        for c in bare.table.column_names
        if c != "error"
    )


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    res = fn()
    return time.perf_counter() - t, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--scenario", default="nauka-2021-07-29")
    ap.add_argument("--dt-s", type=float, default=None, help="integrator step (scenario's)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternations of bare kernel / 2 workers (medians, each round's ratio)",
    )
    ap.add_argument(
        "--one-worker-rounds",
        type=int,
        default=1,
        help="rounds that also time 1 worker (the 1 -> 2 speed-up)",
    )
    args = ap.parse_args()  # fmt: skip
    job = prepare(args.scenario, args.scenario, dt_s=args.dt_s)
    run_chunk(job, np.arange(2))  # compile (cached on disk for the workers too)
    out = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "runs": args.runs, "scenario": args.scenario, "rounds": args.rounds,
           "steps_per_run": job.steps, "dt_s": job.config.dt_s}  # fmt: skip
    bare_s, two_s, one_s, same = [], [], [], []
    bare = None
    # alternating in one run, so that the machine's drift (this VM's speed varies ~15 % over
    # an hour) falls on both alike; each round's pair gives one overhead ratio
    for r in range(args.rounds):
        t, bare = _timed(lambda: run(job, args.runs, local=True))
        bare_s.append(t)
        t, res = _timed(lambda: run(job, args.runs, workers=2))
        two_s.append(t)
        same.append(_same(bare, res))
        if r < args.one_worker_rounds:
            t, res = _timed(lambda: run(job, args.runs, workers=1))
            one_s.append(t)
            same.append(_same(bare, res))
    med = statistics.median
    out["bare_kernel_s"] = med(bare_s)
    out["dask_2_workers_s"] = med(two_s)
    out["dask_1_workers_s"] = med(one_s)
    out["per_round"] = {"bare_kernel_s": bare_s, "dask_2_workers_s": two_s,
                        "dask_1_workers_s": one_s}  # fmt: skip
    ratios = [b / a - 1 for a, b in zip(bare_s, two_s, strict=True)]
    out["dask_overhead_per_round"] = ratios
    out["dask_same_as_bare"] = all(same)
    # the cluster's start (worker processes importing evasim) is part of the wall time above;
    # measure it alone so the overhead on the work itself can be told apart
    from dask.distributed import Client, LocalCluster

    from evasim.dask_tasks import QUIET_LOCAL_CLUSTER

    t = time.perf_counter()
    with dask.config.set(QUIET_LOCAL_CLUSTER):
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
            with Client(c):
                pass
    out["cluster_start_stop_s"] = time.perf_counter() - t
    # a running cluster reached with --scheduler (the cluster use case): its workers have
    # imported evasim and loaded the kernels once (a 4-run job); what is left is Dask's cost
    # per task and the chunks' balance
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
        run(job, 4, scheduler=c.scheduler_address)
        t, res = _timed(lambda: run(job, args.runs, scheduler=c.scheduler_address))
        out["dask_2_workers_running_cluster_s"] = t
        out["dask_running_cluster_same_as_bare"] = _same(bare, res)
    out["dask_overhead_running_cluster"] = (
        out["dask_2_workers_running_cluster_s"] / out["bare_kernel_s"] - 1
    )
    out["ms_per_run_bare"] = 1e3 * out["bare_kernel_s"] / args.runs
    out["dask_overhead_vs_bare"] = out["dask_2_workers_s"] / out["bare_kernel_s"] - 1
    out["dask_overhead_median_of_rounds"] = med(ratios)
    out["dask_overhead_excluding_start"] = (
        out["dask_2_workers_s"] - out["cluster_start_stop_s"]
    ) / out["bare_kernel_s"] - 1
    out["speedup_1_to_2_workers"] = out["dask_1_workers_s"] / out["dask_2_workers_s"]
    out["projected_10000_runs_s"] = out["dask_2_workers_s"] / args.runs * 10000
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
