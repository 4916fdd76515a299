"""The attitude kernel's speed against another tree, side by side; prints one JSON object.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_attitude_kernel.py \\
        [--baseline-src ../main/src] [--runs 200] [--rounds 3]

Two cases, each timed in a worker subprocess per tree (its ``src/`` first on the path), the
trees alternating round by round so both see the same machine load; the best round of each is
kept, wall clock and CPU (``process_time``):

- ``nauka_mc_dt_*``: the Monte Carlo's bare batched kernel (``run_chunk`` of the Nauka job, the
  full model: thrusters, CMGs, hand-over, RS controllers, dispersions; one numba thread so CPU
  time is one core's) at the scenario's 0.1 s step and at 0.5 s: ms per run.
- ``single_1h_10hz``: the one-hour 10-Hz gravity-gradient run of
  ``benchmarks/attitude_vs_basilisk.py`` (``evasim.attitude.simulate``, every step kept): ms.

Each worker compiles (or loads from its tree's numba cache) before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CASES = ("nauka_mc_dt_0.1", "nauka_mc_dt_0.5", "single_1h_10hz")


def _worker() -> None:
    """Serve timing requests on stdin (one JSON per line) for the tree on ``sys.path``."""
    import numpy as np

    import evasim
    from evasim.montecarlo import prepare
    from evasim.montecarlo.runs import run_chunk

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import attitude_vs_basilisk as avb

    jobs = {dt: prepare("nauka-2021-07-29", "nauka-2021-07-29", dt_s=dt) for dt in (0.1, 0.5)}
    cfg = avb._config()
    y0 = avb._initial_state(cfg)

    def single():
        avb.simulate(cfg, avb.DURATION_S, avb.DT_S, y0)

    for job in jobs.values():
        run_chunk(job, np.arange(2), threads=1)  # compile or load
    single()
    print(json.dumps({"tree": os.path.dirname(evasim.__file__)}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["case"] == "single_1h_10hz":
            n, fn = req["repeat"], single
        else:
            job = jobs[float(req["case"].rsplit("_", 1)[1])]
            n = req["runs"]

            def fn(job=job, n=n):
                run_chunk(job, np.arange(n), threads=1)

        t, c = time.perf_counter(), time.process_time()
        if req["case"] == "single_1h_10hz":
            wall, cpu = np.inf, np.inf
            for _ in range(n):
                t, c = time.perf_counter(), time.process_time()
                fn()
                wall = min(wall, time.perf_counter() - t)
                cpu = min(cpu, time.process_time() - c)
            out = {"ms": wall * 1e3, "cpu_ms": cpu * 1e3}
        else:
            fn()
            out = {"ms": (time.perf_counter() - t) / n * 1e3,
                   "cpu_ms": (time.process_time() - c) / n * 1e3}  # fmt: skip
        print(json.dumps(out), flush=True)


class _Tree:
    def __init__(self, src: str):
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OPENBLAS_NUM_THREADS="1")
        cmd = [sys.executable, __file__, "--worker"]
        self.proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.tree = json.loads(self.proc.stdout.readline())["tree"]

    def time(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-src", default=None, help="another tree's src/ to compare with")
    ap.add_argument("--runs", type=int, default=200, help="Monte Carlo runs per round (1..5000)")
    ap.add_argument("--rounds", type=int, default=3, help="alternations (1..20)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker()
        return
    if not (1 <= args.runs <= 5000 and 1 <= args.rounds <= 20):
        ap.error("--runs: expected 1..5000, --rounds: 1..20")
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    trees = {"this": _Tree(here)}
    if args.baseline_src:
        trees["baseline"] = _Tree(args.baseline_src)
    best = {name: {case: {"ms": float("inf"), "cpu_ms": float("inf")} for case in CASES}
            for name in trees}  # fmt: skip
    for _ in range(args.rounds):
        for case in CASES:
            for name, tree in trees.items():
                got = tree.time({"case": case, "runs": args.runs, "repeat": 5})
                for k in ("ms", "cpu_ms"):
                    best[name][case][k] = min(best[name][case][k], got[k])
    out = {
        "trees": {name: t.tree for name, t in trees.items()},
        "runs_per_round": args.runs,
        "rounds": args.rounds,
        "cpu_count": os.cpu_count(),
        "load_average_1min_at_end": os.getloadavg()[0],
        "best": best,
    }
    if "baseline" in trees:
        out["cpu_speedup_this_over_baseline"] = {
            case: best["baseline"][case]["cpu_ms"] / best["this"][case]["cpu_ms"] for case in CASES
        }
    for t in trees.values():
        t.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
