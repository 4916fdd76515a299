"""``evasim montecarlo``: dispersed runs of a scenario's attitude event on Dask."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _progress, _warn, _writable_folder, app, console
from .errors import EvasimInputError

MAX_KEEP = 100
"""Runs whose full telemetry is written (each ~1 MB per hour of span at 1 s)."""
_SCHEDULER = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+(:\d{1,5})?/?$")


def check_scheduler(address: str | None) -> str | None:
    if address is None:
        return None
    if not _SCHEDULER.match(address):
        raise EvasimInputError(
            f"--scheduler {address!r}: expected a Dask scheduler address like tcp://host:8786"
        )
    return address


def check_keep(text: str | None, runs: int) -> list[int]:
    if not text:
        return []
    try:
        keep = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise EvasimInputError(f"--keep {text!r}: expected run indices like 0,17,250") from None
    bad = [k for k in keep if not 0 <= k < runs]
    if bad:
        raise EvasimInputError(f"--keep: run {bad[0]} is not in 0..{runs - 1}")
    if len(keep) > MAX_KEEP:
        raise EvasimInputError(f"--keep: {len(keep)} runs; expected at most {MAX_KEEP} (the limit)")
    return keep


@app.command()
@_guarded
def montecarlo(
    scenario: Annotated[
        str, typer.Argument(help="scenario with an attitude event (name or .toml)")
    ],
    dispersions: Annotated[Path, typer.Option(help="dispersion file (.toml)")],
    runs: Annotated[int, typer.Option(help="number of runs (1..1,000,000)")] = 1000,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address [default: a LocalCluster]")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="LocalCluster workers, 1..64 [default: the cores]")
    ] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/montecarlo"),
    keep_worst: Annotated[int, typer.Option(help="write telemetry of the N worst runs")] = 3,
    keep: Annotated[str | None, typer.Option(help="also these runs' telemetry: 0,17,250")] = None,
    dt_s: Annotated[
        float | None, typer.Option(help="integrator step, 0.01..1 s [default: the scenario's]")
    ] = None,
    rerun: Annotated[
        int | None, typer.Option(help="run this one index alone, here, and write its telemetry")
    ] = None,
) -> None:
    """Dispersed runs of an attitude event: runs.parquet, summary.json, report.html."""
    from .cli_survey import check_workers
    from .montecarlo import MAX_RUNS, check_runs, prepare
    from .productset import check_out_dir

    started = time.perf_counter()
    check_runs(runs)
    address = check_scheduler(scheduler)
    n_workers = check_workers(workers)
    if address is not None and workers is not None:
        raise EvasimInputError("--workers: only for the LocalCluster; not with --scheduler")
    if not 0 <= keep_worst <= MAX_KEEP:
        raise EvasimInputError(
            f"--keep-worst: expected 0..{MAX_KEEP} (the limit), got {keep_worst}"
        )
    kept = check_keep(keep, runs)
    if rerun is not None and not 0 <= rerun < MAX_RUNS:
        raise EvasimInputError(
            f"--rerun: expected a run index 0..{MAX_RUNS - 1:,} (the limit), got {rerun}"
        )
    out_dir = _writable_folder(out, "--out")
    check_out_dir(out_dir)
    job = prepare(scenario, dispersions, dt_s=dt_s)
    name = Path(scenario).stem if scenario.endswith(".toml") else scenario
    if rerun is not None:
        _rerun(job, rerun, out_dir, name)
        return
    _run_all(job, runs, address, n_workers, out_dir, name, keep_worst, kept, started)


def _run_all(job, runs, address, n_workers, out_dir, name, keep_worst, kept, started) -> None:
    from .montecarlo import run
    from .montecarlo.products import RunsWriter, write_outputs
    from .montecarlo.results import chunk_table
    from .productset import write_product_set

    labels, criteria = job.dispersions.labels, dict(job.dispersions.spec.criteria)
    box: dict = {}

    def fill(folder: Path) -> None:
        writer = RunsWriter(folder / "runs.parquet")
        with _progress() as progress:
            where = address or f"{n_workers} local worker(s)"
            task = progress.add_task(f"starting {escape(where)}", total=runs)

            def on_chunk(chunk) -> None:
                writer.write(chunk_table(chunk, labels, criteria))
                progress.update(task, description="running", advance=len(chunk.indices))

            try:
                results = run(job, runs, scheduler=address, workers=n_workers,
                              on_chunk=on_chunk, scenario_name=name)  # fmt: skip
            finally:
                writer.close()
            chosen = sorted(set(kept) | set(results.worst(keep_worst)))
            t2 = progress.add_task("telemetry, report", total=len(chosen) + 1)
            histories = {}
            for index in chosen:
                histories[index] = job.history(index)
                progress.advance(t2)
            meta = {"dispersions": job.dispersions.source, "dt_s": job.config.dt_s,
                    "scheduler": address or "LocalCluster",
                    "workers": n_workers if address is None else None}  # fmt: skip
            write_outputs(folder, results, histories, meta)
            progress.advance(t2)
        box["results"] = results

    written = write_product_set(out_dir, fill, command="montecarlo", scenario=name)
    _print(box["results"], written, time.perf_counter() - started)


def _print(results, written, seconds: float) -> None:
    summary = results.summary()
    table = Table(title=f"Monte Carlo of {escape(results.scenario)}", title_justify="left")
    for col in ("figure", "p5", "p50", "p95", "p99"):
        table.add_column(col)
    for name in ("total_change_deg", "peak_rate_deg_s", "regained_s", "propellant_kg"):
        p = summary["percentiles"][name]
        table.add_row(name, *(f"{p[k]:.4g}" for k in ("p5", "p50", "p95", "p99")))
    console.print(table)
    for key, v in summary["exceedance"].items():
        console.print(
            f"P({escape(key)} beyond {v['limit']:g}) = {v['probability']:.4f} "
            f"(95 % CI {v['ci95_low']:.4f}-{v['ci95_high']:.4f}, {v['runs_beyond']:,} runs)",
            highlight=False,
        )
    for index in summary["failed_with_error"][:5]:
        _warn(f"run {index} failed: rerun it alone with --rerun {index}")
    folder = next(iter(written.values())).parent
    console.print(
        f"Outputs in [bold]{escape(str(folder))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"{results.runs:,} runs in {seconds:.1f} s.")


def _rerun(job, index: int, out_dir: Path, name: str) -> None:
    import json

    import numpy as np
    import pyarrow.parquet as pq

    from .attitude.batch import COLUMNS
    from .montecarlo.products import _json_safe, telemetry_table
    from .montecarlo.runs import run_chunk
    from .productset import write_product_set

    chunk = run_chunk(job, np.array([index]))
    hist = job.history(index)
    record = {
        "scenario": name,
        "seed": job.dispersions.seed,
        "run": index,
        "inputs": dict(zip(job.dispersions.labels, chunk.values[0].tolist(), strict=True)),
        "figures": dict(zip(COLUMNS, chunk.figures[0].tolist(), strict=True)),
        "error": chunk.errors[0],
    }

    def fill(folder: Path) -> None:
        (folder / f"run_{index}.json").write_text(
            json.dumps(_json_safe(record), indent=2) + "\n", encoding="utf-8"
        )
        pq.write_table(telemetry_table(hist), folder / f"telemetry_run_{index}.parquet")

    written = write_product_set(out_dir, fill, command="montecarlo --rerun", scenario=name)
    table = Table(title=f"Run {index} of {escape(name)} (seed {job.dispersions.seed})",
                  show_header=False, title_justify="left")  # fmt: skip
    table.add_column(style="bold")
    table.add_column()
    for k, v in record["inputs"].items():
        table.add_row(escape(k), f"{v:.6g}")
    for k, v in record["figures"].items():
        table.add_row(escape(k), f"{v:.6g}")
    console.print(table)
    if record["error"]:
        _warn(f"run {index}: {record['error']}")
    console.print(f"Outputs in [bold]{escape(str(out_dir))}/[/]: " + ", ".join(sorted(written)),
                  highlight=False)  # fmt: skip
