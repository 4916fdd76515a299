"""What the Monte Carlo's speed measurements rest on: each chunk's own timing (process, wall
clock, CPU, kernel load), the kernels loaded with the very signature the runs use, and the
quiet Dask settings reaching the LocalCluster's workers."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import numba
import numpy as np
import pytest

from evasim.attitude.batch import figures_batch
from evasim.dask_tasks import QUIET_LOCAL_CLUSTER, run_tasks
from evasim.montecarlo import prepare
from evasim.montecarlo.runs import load_kernels, run_chunk


@pytest.fixture(scope="module")
def job():
    return replace(prepare("nauka-2021-07-29", "nauka-2021-07-29"), duration_s=600.0)


def test_loading_the_kernels_compiles_nothing_the_runs_need_again(job):
    """The no-run load must hit the runs' own signature: one overload of the batched kernel,
    before and after a chunk (a second would mean the load was wasted and the first chunk
    still pays for the real one)."""
    load_kernels(job)
    assert len(figures_batch.overloads) == 1
    chunk = run_chunk(job, np.arange(3))
    assert len(figures_batch.overloads) == 1
    assert chunk.timing.kernel_load_s == 0.0  # loaded already: nothing to load in this chunk


def test_a_chunk_reports_where_it_ran_and_its_cost(job):
    before = time.time()
    chunk = run_chunk(job, np.arange(4))
    after = time.time()
    t = chunk.timing
    assert t.pid == os.getpid()
    assert before <= t.started_unix_s <= t.ended_unix_s <= after
    # this process's CPU over the chunk: some, and no more than its threads could use
    wall = t.ended_unix_s - t.started_unix_s
    assert 0 < t.cpu_s <= wall * numba.config.NUMBA_NUM_THREADS * 1.2 + 0.02


def _setting(name: str):
    import dask

    return dask.config.get(name)


def test_the_quiet_settings_reach_the_local_workers():
    """The CPU the settings save is the workers' and the nannies': they must be in force
    there, not only in this process."""
    got = {}
    names = [(k,) for k in QUIET_LOCAL_CLUSTER]
    run_tasks(_setting, names, lambda a, r: got.update({a[0]: r}), "a setting", 0, workers=1)
    assert got == QUIET_LOCAL_CLUSTER
