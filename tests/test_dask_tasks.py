"""The one Dask task runner (evasim.dask_tasks): every call's result delivered once, and a
failing task or an unreachable cluster as one runtime-error line."""

from __future__ import annotations

import operator

import pytest

from evasim.dask_tasks import run_tasks
from evasim.errors import EvasimRuntimeError


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is\nnot allowed")
    return x * x


def test_results_come_once_per_call_and_a_failure_is_one_line():
    got: dict = {}

    def keep(args, result):
        assert args not in got
        got[args] = result

    calls = [(a, b) for a in range(4) for b in range(3)]
    started = []
    n = run_tasks(operator.mul, calls, keep, "a product", 0, workers=1, on_started=started.append)
    assert n == 1 and started == [1]
    assert got == {(a, b): a * b for a, b in calls}
    with pytest.raises(EvasimRuntimeError) as err:
        run_tasks(_fail_on_three, [(k,) for k in range(5)], lambda *_: None, "a square", 1,
                  workers=1)  # fmt: skip
    assert str(err.value) == "a square failed after 1 retries: ValueError: three is not allowed"


def test_an_unreachable_scheduler_is_one_line():
    with pytest.raises(EvasimRuntimeError, match=r"^could not reach tcp://127\.0\.0\.1:9: "):
        run_tasks(abs, [(1,)], lambda *_: None, "a task", 0, scheduler="tcp://127.0.0.1:9",
                  connect_timeout_s=1.0)  # fmt: skip


def test_calls_made_from_the_worker_count_and_failures_handed_on():
    """``calls`` as a function of the cluster's workers; with ``on_error`` a failed task is
    handed on and the others still deliver (the survey's error rows)."""
    got, failed, asked = {}, {}, []

    def calls(n_workers: int):
        asked.append(n_workers)
        return [(k,) for k in range(5 * n_workers)]

    n = run_tasks(_fail_on_three, calls, lambda a, r: got.update({a: r}), "a square", 0,
                  workers=2, on_error=lambda a, e: failed.update({a: str(e)}))  # fmt: skip
    assert n == 2 and asked == [2]
    assert failed == {(3,): "three is\nnot allowed"}
    assert got == {(k,): k * k for k in range(10) if k != 3}
