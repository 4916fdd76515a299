"""Monte Carlo chunks on Dask distributed: a LocalCluster of the local cores by default, or the
cluster at ``scheduler`` (``tcp://host:port``) unchanged.

Each chunk is one task (:func:`evasim.montecarlo.runs.run_chunk`), large enough that Dask's
per-task cost stays a small share, and the chunks shrink as the job goes on (guided sizes,
:func:`chunk_sizes`), so that when the last one ends no worker has been waiting long for it.
Results come back as tasks complete and
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

GUIDE = 4
"""Each chunk takes 1 / (:data:`GUIDE` x workers) of the runs still unassigned: the first are
as large as before guided sizes (4 tasks per worker), each next one 1/8 smaller on 2 workers."""
MIN_CHUNK = 25
MAX_CHUNK = 2_000
TASK_RETRIES = 3


def chunk_sizes(runs: int, workers: int) -> list[int]:
    """Runs per task, in the order submitted (Dask runs them in that order): guided
    self-scheduling, each chunk 1 / (:data:`GUIDE` x ``workers``) of the runs left, at least
    :data:`MIN_CHUNK` (a run is ~2-40 ms, a task's cost ~1-5 ms on a LocalCluster) and at
    most :data:`MAX_CHUNK` (memory, retry cost and a moving progress bar). Equal chunks leave
    one worker idle while another ends a whole chunk at the end; guided ones end with chunks of
    :data:`MIN_CHUNK`. A run's numbers do not depend on its chunk."""
    sizes, left = [], runs
    share = max(1, GUIDE * workers)
    while left > 0:
        size = min(left, MAX_CHUNK, max(MIN_CHUNK, -(-left // share)))
        if left - size < MIN_CHUNK and left <= MAX_CHUNK:  # no sliver of a last chunk
            size = left
        sizes.append(size)
        left -= size
    return sizes


def chunks(indices: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """``indices`` cut into consecutive parts of ``sizes`` (which add up to its length)."""
    ends = np.cumsum(sizes, dtype=np.int64)
    if len(indices) != sum(sizes):
        raise ValueError(f"chunk sizes add up to {sum(sizes)}, not {len(indices)}")
    return [indices[e - n : e] for n, e in zip(sizes, ends, strict=True)]


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
        sizes = chunk_sizes(len(indices), n_workers)
        return [(job, part) for part in chunks(np.asarray(indices, np.int64), sizes)]

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
