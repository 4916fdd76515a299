"""Monte Carlo chunks on Dask distributed: a LocalCluster of the local cores by default, or the
cluster at ``scheduler`` (``tcp://host:port``) unchanged.

Each chunk is one task (:func:`evasim.montecarlo.runs.run_chunk`), large enough that Dask's
per-task cost stays a small share (:func:`chunk_size`). Results come back as tasks complete and
are handed to ``on_chunk`` once per chunk: a task that ran twice (its worker died and Dask
retried it elsewhere) is still delivered once, because the client receives one result per
future. The job travels inside each task (a few kB), not as scattered data: a scattered value
has no recipe, and losing the worker that holds it cancels the tasks that need it. The numbers
depend only on (seed, run index), so they are the same on any cluster.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .runs import ChunkResult, MonteCarloJob, run_chunk

TASKS_PER_WORKER = 4
MIN_CHUNK = 25
MAX_CHUNK = 2_000
TASK_RETRIES = 3


# Guided sizes (each chunk a share of the runs left, ending with chunks of MIN_CHUNK) were
# tried against these equal ones: 10,000 Nauka runs on 2 workers left an idle tail of only
# 0.11-0.15 s with equal chunks (the runs cost alike), and the guided job was no faster
# (BENCHMARKS.md, session 22): not kept.
def chunk_size(runs: int, workers: int) -> int:
    """Runs per task: about :data:`TASKS_PER_WORKER` tasks per worker (balance and a moving
    progress bar), at least :data:`MIN_CHUNK` runs (a run is ~10-40 ms, a task's cost ~1-5 ms
    on a LocalCluster), at most :data:`MAX_CHUNK` (memory and retry cost)."""
    per = -(-runs // max(1, workers * TASKS_PER_WORKER))
    return int(min(MAX_CHUNK, max(MIN_CHUNK, per)))


def chunks(indices: np.ndarray, size: int) -> list[np.ndarray]:
    return [indices[i : i + size] for i in range(0, len(indices), size)]


def _task(job: MonteCarloJob, indices: np.ndarray) -> ChunkResult:
    # one Dask worker thread per core: the kernel's own threads would oversubscribe them
    return run_chunk(job, indices, threads=1)


def run_on_dask(
    job: MonteCarloJob,
    indices: np.ndarray,
    on_chunk: Callable[[ChunkResult], None],
    scheduler: str | None = None,
    workers: int = 2,
    on_started: Callable[[int], None] | None = None,
) -> int:
    """Run ``indices`` in chunks on Dask; returns the number of workers used."""
    from ..dask_tasks import run_tasks

    def calls(n_workers: int):  # the chunk size depends on the cluster's workers
        size = chunk_size(len(indices), n_workers)
        return [(job, part) for part in chunks(np.asarray(indices, np.int64), size)]

    return run_tasks(
        _task,
        calls,
        lambda args, result: on_chunk(result),
        "a Monte Carlo task",
        TASK_RETRIES,
        scheduler,
        workers,
        on_started,
    )
