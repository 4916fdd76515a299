"""Monte Carlo of a scenario's attitude event: dispersed runs on Dask (``evasim montecarlo``).

    job = prepare("nauka-2021-07-29", "nauka-dispersions.toml")
    results = run(job, runs=1000)              # a LocalCluster of the local cores
    results.percentiles()["total_change_deg"]

Inputs are validated before any run (:mod:`.dispersions`, :mod:`.effect`); runs come from
(seed, index) alone (:mod:`.runs`); chunks go to Dask (:mod:`.cluster`); products are written
as a set (:mod:`.products`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import EvasimInputError
from .dispersions import Dispersions, parse_dispersions
from .results import MonteCarloResults, chunk_table
from .runs import ChunkResult, MonteCarloJob, run_chunk

MAX_RUNS = 1_000_000
"""Runs per Monte Carlo (one row each: ~200 bytes; 10,000 Nauka runs take ~1-3 min on 2 cores)."""

__all__ = ["MAX_RUNS", "Dispersions", "MonteCarloJob", "MonteCarloResults", "prepare", "run"]


MIN_DT_S, MAX_DT_S = 0.01, 1.0


def prepare(
    scenario, dispersions: str | Path, check_effect: bool = True, dt_s: float | None = None
) -> MonteCarloJob:
    """The job for ``scenario`` (a name, path or :class:`~evasim.scenario.Scenario` with an
    ``[attitude]`` event) and the dispersion file at ``dispersions``. ``dt_s``: the integrator
    step for every run instead of the scenario's ``attitude.dt_s`` (docs/montecarlo.md gives
    its effect on the Nauka figures)."""
    from ..attitude.setup import setup_from_scenario
    from ..replay import choose_element_set
    from ..scenario import Scenario, load_scenario
    from .effect import check_every_dispersion_changes_the_run

    if dt_s is not None and not MIN_DT_S <= dt_s <= MAX_DT_S:
        raise EvasimInputError(f"--dt-s: expected {MIN_DT_S:g}..{MAX_DT_S:g} s, got {dt_s:g}")
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if sc.attitude is None or (not sc.attitude.thrusters and not sc.attitude.controllers):
        raise EvasimInputError(
            "a Monte Carlo needs an [attitude] event (thrusters or controllers); this scenario "
            "has none (try nauka-2021-07-29)",
            source=sc.origin,
        )
    text, source = _dispersion_text(dispersions)
    setup = setup_from_scenario(sc, choose_element_set(sc))
    if dt_s is not None:
        from dataclasses import replace

        setup = replace(setup, config=replace(setup.config, dt_s=float(dt_s)))
    disp = parse_dispersions(text, source, setup.config)
    duration = (sc.span.end_utc - sc.span.start_utc).total_seconds()
    job = MonteCarloJob(setup.config, np.asarray(setup.q0_lvlh, float), duration, disp)
    if check_effect:
        check_every_dispersion_changes_the_run(job)
    return job


def builtin_dispersions() -> list[str]:
    from importlib import resources

    folder = resources.files("evasim") / "data" / "montecarlo"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def _dispersion_text(dispersions: str | Path) -> tuple[str, str]:
    """The text of a dispersion file by path, or of a built-in one by name."""
    from importlib import resources

    from ..textfile import read_text

    path = Path(dispersions)
    if path.is_file():
        return read_text(path, "dispersion file"), str(path)
    if str(dispersions) in builtin_dispersions():
        ref = resources.files("evasim") / "data" / "montecarlo" / f"{dispersions}.toml"
        return ref.read_text(encoding="utf-8"), f"evasim:{dispersions}"
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a dispersion .toml file", source=str(path))
    raise EvasimInputError(
        "no such file, nor a built-in dispersion file; expected a path to a .toml file or one of "
        + ", ".join(builtin_dispersions()),
        source=str(path),
    )


def check_runs(runs: int) -> int:
    if not 1 <= runs <= MAX_RUNS:
        raise EvasimInputError(f"--runs: expected 1..{MAX_RUNS:,} (the limit), got {runs:,}")
    return runs


def run(
    job: MonteCarloJob,
    runs: int,
    scheduler: str | None = None,
    workers: int | None = None,
    local: bool = False,
    on_chunk: Callable[[ChunkResult], None] | None = None,
    scenario_name: str = "",
    on_started: Callable[[int], None] | None = None,
) -> MonteCarloResults:
    """Runs 0..runs-1 on Dask (``local=True``: in this process, the batched kernel alone).
    ``on_chunk(chunk)`` as each chunk completes; ``on_started(workers)`` once the cluster is
    reached (not called with ``local=True``)."""
    from ..dask_tasks import default_workers

    check_runs(runs)
    tables = []
    labels, criteria = job.dispersions.labels, dict(job.dispersions.spec.criteria)

    def collect(chunk: ChunkResult) -> None:
        tables.append(chunk_table(chunk, labels, criteria))
        if on_chunk:
            on_chunk(chunk)

    indices = np.arange(runs, dtype=np.int64)
    if local:
        collect(run_chunk(job, indices))
    else:
        from .cluster import run_on_dask

        run_on_dask(
            job,
            indices,
            collect,
            scheduler=scheduler,
            workers=workers or default_workers(),
            on_started=on_started,
        )
    return MonteCarloResults.from_tables(
        tables, labels=labels, criteria=criteria, seed=job.dispersions.seed, scenario=scenario_name
    )
