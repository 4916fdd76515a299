"""Distributed helmet-camera video against local renders, in one run. Prints JSON.

For each N in ``--workers``:

- ``dask_N``: the job on a Dask LocalCluster of N single-threaded workers
  (``render_video(job, workers=N)``);
- ``local_same_load_N``: N plain processes (no Dask), started together, each rendering 1/N of
  the chunks (k = i mod N) through the same code path (``render_chunk``) with its own camera:
  local renders that share the cores as the N workers do.

and once ``local_alone``: the whole job in this process (``render_video(local=True)``, one
numba thread; its ffmpeg encoder is a separate process, so it has the second core to itself).

Per worker/process: frames/s = frames / (chunk render + encode seconds); each worker's camera
set-up (the replay, textures, the kernels' first load) is given apart as ``camera_setup_s``.
CPU per frame (ms): ``render`` (the rendering thread, exposure warm-up frames included),
``worker_other`` (the worker process's other threads: Dask's event loop, ...), ``encoder``
(ffmpeg, the worker's child). ``outside_cpu_s``: the rest of the machine's busy CPU during the
run (/proc/stat), less the set-up: the processes' start (imports), the nannies, the scheduler
and client in this process (``client_scheduler_cpu_s`` for Dask), the join, other users of
the machine. Ratios: per-worker frames/s over ``local_alone`` and over ``local_same_load``
with the same N, from the medians of ``--rounds`` repeats (the order of the runs alternates;
this VM's run-to-run spread is ~15 %).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_video_dask.py \\
        [--frames 480 --size 1280x720 --chunk 60 --workers 1,2,3,4 --rounds 1
         --encoder-threads 1|auto --no-local-alone --dask-defaults --before-after]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path


def _busy_cpu_s() -> float:
    """The machine's busy CPU seconds so far (all cores; /proc/stat, not idle or iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def _job(frames: int, size: str, chunk: int, threads: int | None):
    from evasim.render.chunked import VideoJob
    from evasim.scenario import load_scenario

    width, height = (int(x) for x in size.split("x"))
    sc = load_scenario("vkd-49")
    start = sc.eva.hatch_open_utc + timedelta(minutes=49)
    return VideoJob(sc, ("EV1",), start, 1 / 30, frames, 30.0, width, height, "limb", chunk,
                    threads)  # fmt: skip


def _share(job, i: int, n: int, parts: str, queue) -> None:
    """Process i of n: chunks k = i mod n, one camera (as a Dask worker keeps one)."""
    from evasim.render.chunked import render_chunk

    cache: dict = {}
    results = [render_chunk(job, "EV1", k, Path(parts), 1, cache)
               for k in range(i, job.chunks, n)]  # fmt: skip
    queue.put(results)


def _summary(results: list[dict], busy_cpu_s: float) -> dict:
    frames = sum(r["frames"] for r in results)
    render = sum(r["render_cpu_s"] for r in results)
    proc = sum(r["process_cpu_s"] for r in results)
    enc = sum(r["encoder_cpu_s"] for r in results)
    setup = sum(r["setup_cpu_s"] for r in results)
    return {
        "fps_per_worker": frames / sum(r["seconds"] for r in results),
        "camera_setup_s": sum(r["setup_s"] for r in results),
        "render_page_faults_per_frame": sum(r["render_page_faults"] for r in results) / frames,
        "camera_setup_cpu_s": setup,
        "cpu_ms_per_frame": {
            "render": 1e3 * render / frames,
            "worker_other": 1e3 * (proc - render) / frames,
            "encoder": 1e3 * enc / frames,
        },
        "outside_cpu_s": busy_cpu_s - proc - enc - setup,
    }


def local_same_load(job, n: int, tmp: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    parts = tmp / f"same{n}"
    parts.mkdir(exist_ok=True)
    busy, t = _busy_cpu_s(), time.perf_counter()
    procs = [ctx.Process(target=_share, args=(job, i, n, str(parts), queue)) for i in range(n)]
    for p in procs:
        p.start()
    per_process = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall, busy = time.perf_counter() - t, _busy_cpu_s() - busy
    out = _summary([r for rs in per_process for r in rs], busy)
    out["fps_per_process_each"] = [sum(r["frames"] for r in rs) / sum(r["seconds"] for r in rs)
                                   for rs in per_process]  # fmt: skip
    return {"wall_s": wall, "fps_total": job.frames / wall, **out}


def dask_run(job, n: int, tmp: Path) -> dict:
    from evasim.render.distribute import render_video

    results: list[dict] = []
    env = dict(os.environ)
    busy, t, own = _busy_cpu_s(), time.perf_counter(), time.process_time()
    try:
        rec = render_video(job, tmp / f"dask{n}", on_chunk=results.append, workers=n)
    finally:  # the nannies set their pre-spawn environment here too: keep it from later runs
        os.environ.clear()
        os.environ.update(env)
    wall, busy = time.perf_counter() - t, _busy_cpu_s() - busy
    return {"wall_s": wall, "fps_total": job.frames / wall, "workers": rec["workers"],
            **_summary(results, busy),
            "client_scheduler_cpu_s": time.process_time() - own}  # fmt: skip


def before_after(job, counts: list[int], rounds: int, tmp: Path) -> dict:
    """Dask runs alternating "before" (no ``WORKER_CONFIG``: Dask's MALLOC_TRIM_THRESHOLD_;
    x264's own thread count) and "after" (``WORKER_CONFIG``, ``job.encoder_threads``)."""
    import evasim.render.distribute as distribute

    after_config = dict(distribute.WORKER_CONFIG)
    out: dict = {}
    try:
        for n in counts:
            runs: dict[str, list[dict]] = {"before": [], "after": []}
            for r in range(rounds):
                for name in ("before", "after")[:: 1 if r % 2 == 0 else -1]:
                    distribute.WORKER_CONFIG = {} if name == "before" else after_config
                    j = replace(job, encoder_threads=None) if name == "before" else job
                    runs[name].append(dask_run(j, n, tmp))
            out[f"dask_{n}"] = {
                name: {"fps_per_worker": [x["fps_per_worker"] for x in xs],
                       "median_page_faults_per_frame": statistics.median(
                           x["render_page_faults_per_frame"] for x in xs),
                       "median_cpu_ms_per_frame": {
                           k: statistics.median(x["cpu_ms_per_frame"][k] for x in xs)
                           for k in ("render", "worker_other", "encoder")}}
                for name, xs in runs.items()
            }  # fmt: skip
    finally:
        distribute.WORKER_CONFIG = after_config
    return out


def main() -> None:
    import numba

    from evasim.render.distribute import render_video

    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=480)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--chunk", type=int, default=60)
    ap.add_argument("--workers", default="1,2,3,4")
    ap.add_argument("--encoder-threads", default="1", help="x264 threads, or auto")
    ap.add_argument("--no-local-alone", action="store_true")
    ap.add_argument("--rounds", type=int, default=1, help="repeat all; medians are reported")
    ap.add_argument(
        "--before-after",
        action="store_true",
        help="only Dask runs, alternating the settings before and after session 21",
    )
    ap.add_argument(
        "--dask-defaults",
        action="store_true",
        help="no WORKER_CONFIG (Dask's MALLOC_TRIM_THRESHOLD_ in the workers)",
    )
    args = ap.parse_args()
    if args.dask_defaults:
        import evasim.render.distribute as distribute

        distribute.WORKER_CONFIG = {}
    threads = None if args.encoder_threads == "auto" else int(args.encoder_threads)
    counts = [int(x) for x in args.workers.split(",")]
    job = _job(args.frames, args.size, args.chunk, threads)
    out = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "frames": args.frames, "size": args.size, "chunk_frames": args.chunk,
           "encoder_threads": args.encoder_threads,
           "dask_worker_config": "dask defaults" if args.dask_defaults else "WORKER_CONFIG",
           "note": "2-core machine shared with other helpers (runs under a CPU lock)"}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        numba.set_num_threads(1)
        warm = replace(job, frames=4, width=64, height=36, chunk_frames=4)
        render_video(warm, tmp / "warm", local=True)  # compile, caches
        if args.before_after:
            out["before_after"] = before_after(job, counts, args.rounds, tmp)
            print(json.dumps(out, indent=2))
            return
        runs: dict[str, list[dict]] = {}
        for r in range(args.rounds):
            if not args.no_local_alone:
                results: list[dict] = []
                busy, t = _busy_cpu_s(), time.perf_counter()
                render_video(job, tmp / "local", on_chunk=results.append, local=True)
                wall, busy = time.perf_counter() - t, _busy_cpu_s() - busy
                runs.setdefault("local_alone", []).append(
                    {"wall_s": wall, "fps_total": job.frames / wall, **_summary(results, busy)}
                )
            for n in counts:  # the order alternates from round to round
                for kind in ("dask", "local_same_load")[:: 1 if r % 2 == 0 else -1]:
                    run = dask_run if kind == "dask" else local_same_load
                    runs.setdefault(f"{kind}_{n}", []).append(run(job, n, tmp))
    median = {k: {m: statistics.median(x[m] for x in v) for m in ("fps_per_worker", "fps_total")}
              for k, v in runs.items()}  # fmt: skip
    out["median_of_rounds"] = median
    for n in counts:
        d = median[f"dask_{n}"]["fps_per_worker"]
        ratios = {
            "per_worker_vs_local_same_load": d / median[f"local_same_load_{n}"]["fps_per_worker"]
        }
        if "local_alone" in median:
            ratios["per_worker_vs_local_alone"] = d / median["local_alone"]["fps_per_worker"]
        out[f"ratios_{n}"] = ratios
    out["runs"] = runs
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
