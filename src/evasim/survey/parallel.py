"""The survey of many spacewalks on the local cores: a Dask distributed ``LocalCluster`` of
worker processes, one thread each.

One spacewalk takes ~15 ms, far less than a Dask task's scheduling and transfer cost, so the
spacewalks go out in a few batches per worker (:data:`BATCHES_PER_WORKER`); each batch loads
the sky context once in its worker. A batch that fails as a whole (a worker dies) becomes one
error row per spacewalk in it: the survey always returns one row per job.
"""

from __future__ import annotations

from collections.abc import Callable

from ..dask_tasks import MAX_WORKERS, default_workers  # noqa: F401  (their home: light)
from .compute import SurveyJob, base_row, survey_batch

BATCHES_PER_WORKER = 3
"""Tasks per worker: enough to balance the load and move the progress bar, few enough that
Dask's per-task cost (~ms) stays small against each batch's work."""


def batches(jobs: list[SurveyJob], count: int) -> list[list[SurveyJob]]:
    """``jobs`` in at most ``count`` contiguous batches of nearly equal size (none empty)."""
    count = max(1, min(count, len(jobs)))
    size, extra = divmod(len(jobs), count)
    out, start = [], 0
    for k in range(count):
        stop = start + size + (1 if k < extra else 0)
        out.append(jobs[start:stop])
        start = stop
    return [b for b in out if b]


def _failed_batch(batch: list[SurveyJob], exc: BaseException) -> list[dict]:
    text = " ".join(str(exc).split())
    rows = []
    for job in batch:
        row = base_row(job.record)
        row["error"] = f"worker failed: {type(exc).__name__}: {text}"[:500]
        rows.append(row)
    return rows


def survey_on_cluster(
    jobs: list[SurveyJob],
    workers: int,
    on_done: Callable[[int], None] | None = None,
    on_started: Callable[[], None] | None = None,
    start_method: str = "spawn",
) -> list[dict]:
    """Rows of all ``jobs`` (any order) computed on a LocalCluster of ``workers`` processes.
    ``on_started()`` is called once the cluster is up, ``on_done(n)`` as each batch of ``n``
    spacewalks completes.

    ``start_method``: how worker processes start. ``spawn`` (Dask's default, the safe one: a
    fresh interpreter that imports skyfield, scipy and evasim again, ~1-2 s each); ``fork``
    (Unix: the workers inherit this process's imports and start in ~0.1 s, but forking a
    process that runs threads, as the cluster's event loop does, can deadlock in rare cases,
    so it is used for measurements only: see benchmarks/bench_survey.py)."""
    from ..dask_tasks import run_tasks

    rows: list[dict] = []
    done = on_done or (lambda _n: None)

    def finished(args: tuple, part_rows: list[dict]) -> None:
        rows.extend(part_rows)
        done(len(args[0]))

    def failed(args: tuple, exc: BaseException) -> None:  # a whole batch lost: its rows say so
        rows.extend(_failed_batch(args[0], exc))
        done(len(args[0]))

    run_tasks(
        survey_batch,
        lambda n_workers: [(part,) for part in batches(jobs, n_workers * BATCHES_PER_WORKER)],
        finished,
        "a survey batch",
        0,
        workers=workers,
        on_started=(lambda _n: on_started()) if on_started else None,
        on_error=failed,
        start_method=start_method,
    )
    return rows


def survey_in_process(
    jobs: list[SurveyJob], on_done: Callable[[int], None] | None = None
) -> list[dict]:
    """Rows of all ``jobs`` computed here, one after another (tests, small surveys)."""
    from ..sky import Sky

    done = on_done or (lambda _n: None)
    sky = Sky.load()
    rows = []
    for part in batches(jobs, max(1, len(jobs) // 10)):
        rows.extend(survey_batch(part, sky))
        done(len(part))
    return rows
