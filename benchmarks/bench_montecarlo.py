"""Monte Carlo speed, side by side in one run: the bare batched kernel in this process (all
cores, numba threads) against the same runs on a Dask LocalCluster of 1 and of 2 workers.
Prints JSON: seconds, runs per second, Dask overhead and the 1 -> 2 worker speed-up.

    .venv/bin/python benchmarks/bench_montecarlo.py [--runs 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from evasim.montecarlo import prepare, run
from evasim.montecarlo.runs import run_chunk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--scenario", default="nauka-2021-07-29")
    ap.add_argument("--dt-s", type=float, default=None, help="integrator step (scenario's)")
    args = ap.parse_args()
    job = prepare(args.scenario, args.scenario, dt_s=args.dt_s)
    run_chunk(job, np.arange(2))  # compile (cached on disk for the workers too)
    out = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "runs": args.runs, "scenario": args.scenario,
           "steps_per_run": job.steps, "dt_s": job.config.dt_s}  # fmt: skip
    t = time.perf_counter()
    bare = run(job, args.runs, local=True)
    out["bare_kernel_s"] = time.perf_counter() - t
    for workers in (1, 2):
        t = time.perf_counter()
        res = run(job, args.runs, workers=workers)
        out[f"dask_{workers}_workers_s"] = time.perf_counter() - t
        same = all(
            np.array_equal(bare.column(c), res.column(c), equal_nan=True)
            for c in bare.table.column_names
            if c != "error"
        )
        out[f"dask_{workers}_same_as_bare"] = same
    # the cluster's start (worker processes importing evasim) is part of the wall time above;
    # measure it alone so the overhead on the work itself can be told apart
    from dask.distributed import Client, LocalCluster

    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c, Client(c):
        pass
    out["cluster_start_stop_s"] = time.perf_counter() - t
    # a running cluster reached with --scheduler (the cluster use case): its workers have
    # imported evasim and loaded the kernels once (a 4-run job); what is left is Dask's cost
    # per task and the chunks' balance
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
        run(job, 4, scheduler=c.scheduler_address)
        t = time.perf_counter()
        res = run(job, args.runs, scheduler=c.scheduler_address)
        out["dask_2_workers_running_cluster_s"] = time.perf_counter() - t
        out["dask_running_cluster_same_as_bare"] = all(
            np.array_equal(bare.column(c_), res.column(c_), equal_nan=True)
            for c_ in bare.table.column_names
            if c_ != "error"
        )
    out["dask_overhead_running_cluster"] = (
        out["dask_2_workers_running_cluster_s"] / out["bare_kernel_s"] - 1
    )
    out["ms_per_run_bare"] = 1e3 * out["bare_kernel_s"] / args.runs
    out["dask_overhead_vs_bare"] = out["dask_2_workers_s"] / out["bare_kernel_s"] - 1
    out["dask_overhead_excluding_start"] = (
        out["dask_2_workers_s"] - out["cluster_start_stop_s"]
    ) / out["bare_kernel_s"] - 1
    out["speedup_1_to_2_workers"] = out["dask_1_workers_s"] / out["dask_2_workers_s"]
    out["projected_10000_runs_s"] = out["dask_2_workers_s"] / args.runs * 10000
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
