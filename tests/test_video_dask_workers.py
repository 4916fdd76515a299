"""Settings of the distributed video's workers and encoders: the LocalCluster's video workers
start without Dask's MALLOC_TRIM_THRESHOLD_ (which makes every frame-sized array a fresh mmap)
and without the stack profiler; each chunk's x264 encoder runs a fixed number of threads (its
output depends on them), which is part of the job's hash."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from evasim.render.chunked import ENCODER_THREADS, VideoJob
from evasim.render.encoding import h264_output

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up


def _on_a_local_cluster(local_config):
    """(MALLOC_TRIM_THRESHOLD_, profiler enabled) as a LocalCluster worker sees them."""
    from evasim.dask_tasks import run_tasks

    def _worker_settings():  # nested: sent to the worker by value
        import os

        import dask

        return (os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                dask.config.get("distributed.worker.profile.enabled"))  # fmt: skip

    got = []
    env = dict(os.environ)
    try:  # the nannies write their pre-spawn environment into this process too
        run_tasks(_worker_settings, [()], lambda args, r: got.append(r), "a probe", 0,
                  workers=1, local_config=local_config)  # fmt: skip
    finally:
        os.environ.clear()
        os.environ.update(env)
    return got[0]


@pytest.mark.slow
def test_video_workers_start_without_malloc_trimming_or_profiler():
    from evasim.render.distribute import WORKER_CONFIG

    if "MALLOC_TRIM_THRESHOLD_" in os.environ:
        pytest.skip("MALLOC_TRIM_THRESHOLD_ is set in this environment (workers inherit it)")
    # Dask's own setting, which the video workers change (so that this test can fail); the
    # profiler is off on every evasim LocalCluster (QUIET_LOCAL_CLUSTER)
    assert _on_a_local_cluster(None) == ("65536", False)
    assert _on_a_local_cluster(WORKER_CONFIG) == (None, False)


def test_encoder_threads_reach_x264_and_the_job_hash():
    args = h264_output(1280, 720, crf=20, b_frames=False, threads=1)
    assert args[args.index("-threads") + 1] == "1"
    assert "-threads" not in h264_output(1280, 720, crf=20)  # default unchanged
    assert ENCODER_THREADS == 1

    class Scenario:  # stands in for a scenario: the hash needs its text only
        _text = "scenario"

    job = VideoJob(Scenario(), ("EV1",), datetime(2021, 9, 3, 14),
                   1 / 30, 60, 30.0, 96, 54, "limb", 30)  # fmt: skip
    assert job.encoder_threads == 1
    assert replace(job, encoder_threads=None).key != job.key  # x264's own choice: other bytes
    assert replace(job, start_utc=job.start_utc + timedelta(0)).key == job.key
