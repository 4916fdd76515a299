"""Tasks on Dask distributed, the one way evasim runs them: a LocalCluster of ``workers``
single-threaded worker processes by default (the kernels' own threads would oversubscribe the
cores), or the cluster at ``scheduler`` (``tcp://host:port``) unchanged.

:func:`run_tasks` submits one task per item, retries a task whose worker died, and hands each
result to ``on_result`` once, in completion order (the client receives one result per future,
so a task that ran twice is still delivered once). A cluster that cannot be reached, or a task
that fails after its retries, is one :class:`~evasim.errors.EvasimRuntimeError` line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from .errors import EvasimRuntimeError

MAX_WORKERS = 64
"""The most LocalCluster workers a command takes (``--workers``)."""

QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.client.heartbeat": "10s",
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "500ms",
}
"""Dask settings for the LocalCluster evasim starts (not for a cluster reached by address,
whose settings are its own). Its scheduler and the workers' nannies run in this process and
share the cores with the workers: the workers' statistical profiler (it feeds the dashboard,
which is off), work stealing (the scheduler already queues tasks and hands them out as workers
free up), the client's frequent heartbeat, every server's event-loop watchdog tick (every 20 ms
by default), system monitor (psutil readings for the dashboard, every 0.5 s) and the nannies'
memory check (every 0.1 s) cost CPU that the work needs. Measured (BENCHMARKS.md): the main
process's CPU during a 3,000-run Monte Carlo 0.67 -> 0.44 s (session 21, the first three); an
idle 2-worker cluster's background CPU ~30 -> ~7 ms/s in this process and ~17 -> 2.5 ms/s in
each worker (the last three)."""


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def run_tasks(
    fn: Callable[..., Any],
    calls: Iterable[tuple] | Callable[[int], Iterable[tuple]],
    on_result: Callable[[tuple, Any], None],
    what: str,
    retries: int,
    scheduler: str | None = None,
    workers: int = 2,
    on_started: Callable[[int], None] | None = None,
    connect_timeout_s: float = 10.0,
    on_error: Callable[[tuple, BaseException], None] | None = None,
    start_method: str | None = None,
    local_config: dict[str, Any] | None = None,
) -> int:
    """``fn(*args)`` for every ``args`` in ``calls``, one Dask task each; ``on_result(args,
    result)`` as tasks complete. ``calls`` may be a function of the cluster's worker count
    (called once the cluster is reached: task sizes that depend on it). ``what`` names a task
    in error messages ("a Monte Carlo task"). A task that fails after ``retries`` is one
    runtime error line, or, with ``on_error``, handed to ``on_error(args, exc)`` while the
    other tasks go on. ``connect_timeout_s``: how long to try to reach ``scheduler``.
    ``start_method``: how LocalCluster workers start ("spawn", Dask's default, or "fork":
    measurements only, see benchmarks/bench_survey.py). ``local_config``: more Dask settings
    for the LocalCluster (over :data:`QUIET_LOCAL_CLUSTER`; a cluster at ``scheduler`` keeps
    its own). Returns the number of workers of the cluster."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    if start_method not in (None, "spawn", "fork"):
        raise ValueError(f"start_method: expected spawn or fork, got {start_method!r}")
    method = {"distributed.worker.multiprocessing-method": start_method} if start_method else {}
    settings = {**QUIET_LOCAL_CLUSTER, **method, **(local_config or {})}
    cluster = None
    try:
        if scheduler is None:
            with dask.config.set(settings):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
        else:
            client = Client(scheduler, timeout=f"{connect_timeout_s}s")
    except Exception as exc:  # the machine or the network, not the input
        if cluster is not None:
            cluster.close()
        where = scheduler or f"a LocalCluster of {workers} worker(s)"
        raise EvasimRuntimeError(f"could not reach {where}: {_one_line(exc)}") from exc
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        if on_started:
            on_started(n_workers)
        items = calls(n_workers) if callable(calls) else calls
        futures = {client.submit(fn, *args, pure=False, retries=retries): args for args in items}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:
                if on_error is None:
                    raise EvasimRuntimeError(
                        f"{what} failed after {retries} retries: {_one_line(exc)}"
                    ) from exc
                on_error(futures[future], exc)
                continue
            on_result(futures[future], result)
        return n_workers
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
