"""Monte Carlo speed, side by side in one run: the bare batched kernel in this process with 2
numba threads and with 1 (the machine's own 1 -> 2 ceiling) against the same runs on a Dask
LocalCluster of 2 and of 1 workers, each cluster started and closed inside its timing as
`evasim montecarlo` does. Prints JSON.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_montecarlo.py --runs 10000 \
        --rounds 1 --record mc.jsonl     # again and again: each call adds rounds to the file

Robust to the machine's drift (this VM's speed for the same work varies by 10-15 % within
minutes): each round times the four set-ups back to back in an order that rotates from round
to round (bare 2 threads, Dask 2 workers, Dask 1 worker, bare 1 thread, then starting one
later...), and the estimates are the per-round paired ratios with their median, and the ratio
of the minima. ``--record FILE`` appends each round to FILE (JSON lines) and summarises every
round in it, so that rounds can be taken in separate calls (each under the machine's CPU lock).

Each Dask run is split, from the tasks' own clocks (:class:`evasim.montecarlo.runs.ChunkTiming`:
wall times, process CPU time, kernel load), into what adds up exactly to its difference with the
bare kernel at the same number of cores:

- ``start_s``: the LocalCluster up (scheduler, worker processes spawned and registered);
- ``close_s``: from the last result to ``run()`` returning (cluster closed, table sorted);
- ``first_task_s``: from the cluster up to a worker's first chunk starting (the client's first
  submissions, the worker unpickling the job: importing evasim), mean over the workers;
- ``kernel_load_s``: loading the compiled kernel from numba's cache in each worker (mean);
- ``between_tasks_s``: a worker's idle time between its chunks (scheduling; mean);
- ``tail_s``: a worker's idle time after its last chunk, up to the last result (imbalance: one
  worker still busy while the other waits; mean);
- ``waiting_s``: wall minus CPU inside the chunks (the worker waiting for a core that another
  process, the scheduler in this one, took; mean);
- ``cpu_difference_s``: (workers' CPU on the runs - the bare kernel's CPU on the same runs) /
  cores: the same work costing more or less CPU (the VM's speed; or the work not being the
  same, which the results' equality rules out);
- ``bare_idle_s``: minus the bare kernel's own idle share (its wall time minus its CPU / cores:
  the serial draws before the parallel kernel, and numba's halves not ending together).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numba
import numpy as np

from evasim.montecarlo import prepare, run
from evasim.montecarlo.runs import run_chunk

SETUPS = ("bare_2", "dask_2", "dask_1", "bare_1")
"""The four set-ups of a round: bare kernel with N numba threads, Dask LocalCluster of N."""


def _same(bare, res) -> bool:
    return all(
        np.array_equal(bare.column(c), res.column(c), equal_nan=True)
        for c in bare.table.column_names
        if c != "error"
    )


def _children_cpu_s() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _bare(job, runs: int, threads: int):
    numba.set_num_threads(threads)
    chunks = []
    t0 = time.time()
    res = run(job, runs, local=True, on_chunk=chunks.append)
    wall = time.time() - t0
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    (c,) = chunks
    cpu = c.timing.cpu_s
    return res, {"wall_s": wall, "cpu_s": cpu, "chunk_wall_s": c.timing.ended_unix_s -
                 c.timing.started_unix_s, "idle_s": wall - cpu / threads}  # fmt: skip


def _dask(job, runs: int, workers: int):
    import psutil

    marks: dict[str, float] = {}
    chunks: list[dict] = []
    procs: dict[int, dict] = {}

    def started(n: int) -> None:
        marks["started"] = time.time()

    def on_chunk(c) -> None:
        now = time.time()
        t = c.timing
        chunks.append({"pid": t.pid, "start": t.started_unix_s, "end": t.ended_unix_s,
                       "cpu_s": t.cpu_s, "load_s": t.kernel_load_s, "runs": len(c.indices),
                       "arrived": now})  # fmt: skip
        try:  # the worker's whole CPU so far (its start, imports, event loop)
            p = psutil.Process(t.pid)
            ct = p.cpu_times()
            procs[t.pid] = {"cpu_s": ct.user + ct.system}
        except psutil.Error:
            pass

    cpu_main0, cpu_children0 = time.process_time(), _children_cpu_s()
    t0 = time.time()
    res = run(job, runs, workers=workers, on_chunk=on_chunk, on_started=started)
    t_end = time.time()
    m = {"wall_s": t_end - t0, "main_process_cpu_s": time.process_time() - cpu_main0,
         "worker_processes_cpu_s": _children_cpu_s() - cpu_children0,
         "start_s": marks["started"] - t0, "chunks": len(chunks),
         "chunk_runs": sorted({c["runs"] for c in chunks})}  # fmt: skip
    last = max(c["arrived"] for c in chunks)
    m["close_s"] = t_end - last
    m["tasks_s"] = last - marks["started"]
    per = []
    for pid in sorted({c["pid"] for c in chunks}):
        mine = sorted((c for c in chunks if c["pid"] == pid), key=lambda c: c["start"])
        load = sum(c["load_s"] for c in mine)
        walls = sum(c["end"] - c["start"] for c in mine) - load
        cpu = sum(c["cpu_s"] for c in mine) - load
        gaps = sum(b["start"] - a["end"] for a, b in itertools.pairwise(mine))
        w = {"first_task_s": mine[0]["start"] - marks["started"], "kernel_load_s": load,
             "between_tasks_s": gaps, "tail_s": last - mine[-1]["end"],
             "waiting_s": walls - cpu, "compute_cpu_s": cpu, "chunks": len(mine),
             "runs": sum(c["runs"] for c in mine)}  # fmt: skip
        if pid in procs:
            w["process_cpu_outside_chunks_s"] = procs[pid]["cpu_s"] - sum(c["cpu_s"] for c in mine)
        per.append(w)
    m["per_worker"] = per
    for key in ("first_task_s", "kernel_load_s", "between_tasks_s", "tail_s", "waiting_s"):
        m[key] = sum(w[key] for w in per) / workers  # a worker with no chunk adds nothing
    m["compute_cpu_s"] = sum(w["compute_cpu_s"] for w in per)
    return res, m


def _split(dask: dict, bare: dict, cores: int) -> dict:
    """Dask's wall time minus the bare kernel's, in parts that add up to it exactly."""
    parts = {k: dask[k] for k in ("start_s", "close_s", "first_task_s", "kernel_load_s",
                                  "between_tasks_s", "tail_s", "waiting_s")}  # fmt: skip
    parts["cpu_difference_s"] = (dask["compute_cpu_s"] - bare["cpu_s"]) / cores
    parts["bare_idle_s"] = -bare["idle_s"]
    parts["total_s"] = dask["wall_s"] - bare["wall_s"]
    parts["unaccounted_s"] = parts["total_s"] - sum(v for k, v in parts.items() if k != "total_s")
    return parts


def _round(job, runs: int, rotation: int) -> dict:
    order = SETUPS[rotation % 4 :] + SETUPS[: rotation % 4]
    got, res = {}, {}
    for setup in order:
        kind, n = setup.split("_")
        fn = _bare if kind == "bare" else _dask
        res[setup], got[setup] = fn(job, runs, int(n))
    rnd = {"order": list(order), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "load_before": os.getloadavg(), **got}  # fmt: skip
    rnd["same_as_bare"] = all(_same(res["bare_2"], res[s]) for s in SETUPS[1:])
    for n in (2, 1):
        rnd[f"split_{n}"] = _split(got[f"dask_{n}"], got[f"bare_{n}"], n)
    return rnd


def _summary(rounds: list[dict]) -> dict:
    med = statistics.median
    wall = {s: [r[s]["wall_s"] for r in rounds] for s in SETUPS}
    same = all(r["same_as_bare"] for r in rounds)
    out = {"rounds": len(rounds), "wall_s": wall, "same_as_bare": same}

    def ratios(a: str, b: str) -> list[float]:
        return [x / y for x, y in zip(wall[a], wall[b], strict=True)]

    paired = {
        "dask_overhead_2": [r - 1 for r in ratios("dask_2", "bare_2")],
        "dask_overhead_1": [r - 1 for r in ratios("dask_1", "bare_1")],
        "speedup_dask_1_to_2": ratios("dask_1", "dask_2"),
        "speedup_bare_1_to_2_threads": ratios("bare_1", "bare_2"),
    }
    out["per_round"] = paired
    out["median_of_paired"] = {k: med(v) for k, v in paired.items()}
    mn = {s: min(v) for s, v in wall.items()}
    out["ratio_of_minima"] = {
        "dask_overhead_2": mn["dask_2"] / mn["bare_2"] - 1,
        "dask_overhead_1": mn["dask_1"] / mn["bare_1"] - 1,
        "speedup_dask_1_to_2": mn["dask_1"] / mn["dask_2"],
        "speedup_bare_1_to_2_threads": mn["bare_1"] / mn["bare_2"],
    }
    # the same ratios on CPU (what the work cost, free of idle time): the VM's drift shows here
    cpu = {s: [r[s]["cpu_s"] if s.startswith("bare") else r[s]["compute_cpu_s"] for r in rounds]
           for s in SETUPS}  # fmt: skip
    out["cpu_s"] = cpu
    out["cpu_spread"] = {s: max(v) / min(v) - 1 for s, v in cpu.items()}
    for n in (2, 1):
        keys = rounds[0][f"split_{n}"].keys()
        out[f"split_{n}_median_s"] = {k: med(r[f"split_{n}"][k] for r in rounds) for k in keys}
        out[f"split_{n}_share_of_bare_median"] = {
            k: med(r[f"split_{n}"][k] / r[f"bare_{n}"]["wall_s"] for r in rounds) for k in keys
        }
        # Dask's own share: all but the CPU difference (the VM) and the bare kernel's idle time
        own = [sum(v for k, v in r[f"split_{n}"].items() if k not in
                   ("cpu_difference_s", "bare_idle_s", "total_s", "unaccounted_s"))
               / r[f"bare_{n}"]["wall_s"] for r in rounds]  # fmt: skip
        out[f"dask_own_share_{n}"] = {"per_round": own, "median": med(own)}
    return out


def _guided_chunks(indices: np.ndarray, size: int) -> list[np.ndarray]:
    """In place of :func:`evasim.montecarlo.cluster.chunks` on 2 workers: guided sizes, each
    chunk 1 / (4 x 2) of the runs left, 25..2,000 (the alternative tried in session 22)."""
    out, at, left = [], 0, len(indices)
    while left > 0:
        n = min(left, 2000, max(25, -(-left // 8)))
        if left - n < 25 and left <= 2000:  # no sliver of a last chunk
            n = left
        out.append(indices[at : at + n])
        at, left = at + n, left - n
    return out


def _chunking_ab(job, runs: int, rounds: int) -> dict:
    """Dask on 2 workers with guided chunks against equal chunks, alternating: wall, the
    workers' idle tail and the rest of the split (the bare kernel is not run: its terms are
    left out, the difference between the two is what the chunking changes)."""
    from evasim.montecarlo import cluster

    equal = cluster.chunks
    got: dict[str, list[dict]] = {"guided": [], "equal": []}
    for r in range(rounds):
        for name in ("guided", "equal") if r % 2 == 0 else ("equal", "guided"):
            cluster.chunks = _guided_chunks if name == "guided" else equal
            try:
                _, m = _dask(job, runs, 2)
            finally:
                cluster.chunks = equal
            got[name].append({k: m[k] for k in ("wall_s", "tail_s", "start_s", "close_s",
                              "kernel_load_s", "between_tasks_s", "waiting_s", "compute_cpu_s",
                              "chunks")})  # fmt: skip
    med = statistics.median
    out = {"runs": runs, "rounds": rounds, "per_round": got}
    for key in ("wall_s", "tail_s", "compute_cpu_s"):
        out[f"median_{key}"] = {k: med(x[key] for x in v) for k, v in got.items()}
    out["median_paired_wall_ratio_guided_to_equal"] = med(
        g["wall_s"] / e["wall_s"] for g, e in zip(got["guided"], got["equal"], strict=True)
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--scenario", default="nauka-2021-07-29")
    ap.add_argument("--dt-s", type=float, default=None, help="integrator step (scenario's)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds in this call")
    ap.add_argument("--record", type=Path, default=None,
                    help="JSON lines file: add this call's rounds, summarise all")  # fmt: skip
    ap.add_argument("--chunking-ab", action="store_true",
                    help="Dask 2 workers only: guided against equal chunks")  # fmt: skip
    args = ap.parse_args()
    job = prepare(args.scenario, args.scenario, dt_s=args.dt_s)
    run_chunk(job, np.arange(2))  # compile (cached on disk for the workers too)
    if args.chunking_ab:
        print(json.dumps(_chunking_ab(job, args.runs, args.rounds), indent=1))
        return
    rounds = []
    if args.record and args.record.exists():
        rounds = [json.loads(line) for line in args.record.read_text().splitlines() if line]
        if any(r["runs"] != args.runs or r["dt_s"] != job.config.dt_s for r in rounds):
            raise SystemExit(f"{args.record}: holds rounds of another --runs or --dt-s")
    for _ in range(args.rounds):
        rnd = {"runs": args.runs, "dt_s": job.config.dt_s, **_round(job, args.runs, len(rounds))}
        rounds.append(rnd)
        if args.record:
            with args.record.open("a") as f:
                f.write(json.dumps(rnd) + "\n")
    out = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "runs": args.runs, "scenario": args.scenario, "steps_per_run": job.steps,
           "dt_s": job.config.dt_s, "numba_threading_layer": numba.threading_layer(),
           **_summary(rounds), "last_round": rounds[-1]}  # fmt: skip
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
