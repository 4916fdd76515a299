"""A real Dask cluster on loopback: ``dask scheduler`` and two ``dask worker`` processes. A
Monte Carlo and a helmet-camera video through ``--scheduler`` give the local run's results bit
for bit, also when a worker is killed in the middle (its tasks are retried on another; each
chunk lands once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from evasim.montecarlo import prepare, run

DASK = Path(sys.executable).with_name("dask")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed"),
]


def _wait_for(predicate, timeout_s: float, what: str):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(what)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    sched_file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(sched_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )]  # fmt: skip
    try:
        _wait_for(lambda: sched_file.exists() and sched_file.stat().st_size > 0, 30, "scheduler")
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(3):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
                 "--nworkers", "1", "--no-dashboard", "--no-nanny"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True,
            ))  # fmt: skip
        from dask.distributed import Client

        with Client(address, timeout="20s") as client:
            client.wait_for_workers(3, timeout=60)
        yield address, procs
    finally:
        for p in procs[1:]:  # workers first, at once: nothing of theirs is kept
            if p.poll() is None:
                p.kill()
        if procs[0].poll() is None:
            procs[0].send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def job():
    return replace(prepare("nauka-2021-07-29", "nauka-2021-07-29"), duration_s=1800.0)


@pytest.mark.render
def test_cluster_results_equal_local_even_when_a_worker_dies(cluster, job):
    address, procs = cluster
    runs = 150
    local = run(job, runs, local=True).table
    seen: list[int] = []

    def on_chunk(chunk):
        seen.extend(int(i) for i in chunk.indices)
        if len(seen) == len(chunk.indices):  # after the first chunk: kill a worker
            procs[1].kill()

    remote = run(job, runs, scheduler=address, on_chunk=on_chunk).table
    assert procs[1].poll() is not None  # the worker did die mid-run
    assert sorted(seen) == list(range(runs))  # every chunk delivered once
    assert remote.schema.equals(local.schema)
    for name in local.column_names:  # bit for bit, every column (NaN where local has NaN)
        a, b = local.column(name).to_pylist(), remote.column(name).to_pylist()
        if local.schema.field(name).type == "string":
            assert a == b, name
        else:
            np.testing.assert_array_equal(np.array(a, float), np.array(b, float), err_msg=name)


def test_cli_on_the_cluster_writes_the_products(cluster, tmp_path):
    address, procs = cluster
    if procs[2].poll() is not None:
        pytest.skip("the remaining worker is gone")
    out = tmp_path / "mc"
    cmd = [sys.executable, "-m", "evasim", "montecarlo", "nauka-2021-07-29", "--dispersions",
           "nauka-2021-07-29", "--runs", "30", "--scheduler", address, "--out", str(out),
           "--keep-worst", "2"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out / "runs.parquet")
    assert sorted(table.column("run").to_pylist()) == list(range(30))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 30 and len(summary["telemetry_runs"]) == 2
    worst = summary["telemetry_runs"]
    change = dict(zip(table.column("run").to_pylist(), table.column("total_change_deg").to_pylist(),
                      strict=True))  # fmt: skip
    # the kept runs are two with the largest total change (ties: any of them)
    assert min(change[w] for w in worst) == sorted(change.values(), reverse=True)[1]
    assert (out / "report.html").read_text().count("data:image/png;base64") >= 1
    hist = pq.read_table(out / f"telemetry_run_{worst[0]}.parquet")
    assert hist.num_rows == 4501
    assert np.isfinite(hist.column("error_deg").to_numpy()).all()


def _frames(path):
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return np.array([np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen])


@pytest.mark.render
def test_video_on_the_cluster_equals_the_local_render(cluster, tmp_path):
    """A short two-camera video in chunks on the cluster, a worker killed after the first
    chunk: the joined MP4s decode to the same frames as the same job rendered here."""
    from datetime import timedelta

    from evasim.render.chunked import VideoJob
    from evasim.render.distribute import render_video
    from evasim.scenario import load_scenario

    address, procs = cluster
    sc = load_scenario("vkd-49")
    start = sc.eva.hatch_open_utc + timedelta(minutes=50)
    job = VideoJob(sc, ("EV1", "EV2"), start, 0.5, 12, 10.0, 96, 54, "limb", 4)
    local = render_video(job, tmp_path / "local", local=True)
    killed: list[int] = []

    def on_chunk(result):
        if not killed:
            alive = [p for p in procs[1:] if p.poll() is None]
            if len(alive) > 1:
                alive[-1].kill()
                killed.append(1)

    remote = render_video(job, tmp_path / "remote", on_chunk=on_chunk, scheduler=address)
    assert remote["chunks_rendered"] == local["chunks_rendered"] == 6
    for role in ("ev1", "ev2"):
        a = _frames(tmp_path / "local" / f"helmet_{role}.mp4")
        b = _frames(tmp_path / "remote" / f"helmet_{role}.mp4")
        assert a.shape == (12, 54, 96, 3)
        np.testing.assert_array_equal(a, b)
