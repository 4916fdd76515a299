"""``evasim survey``: the lighting of every ISS spacewalk, on the local cores (Dask)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _progress, _warn, _writable_folder, app, console
from .errors import EvasimInputError


def check_workers(workers: int | None) -> int:
    """``--workers``: 1..64, default the cores this process may use."""
    from .dask_tasks import MAX_WORKERS, default_workers  # light: no model imported yet

    if workers is None:
        return default_workers()
    if not 1 <= workers <= MAX_WORKERS:
        raise EvasimInputError(f"--workers: expected 1..{MAX_WORKERS}, got {workers}")
    return workers


def run_survey(catalog, workers: int):
    """Survey every spacewalk of ``catalog`` on a LocalCluster of ``workers`` processes, with a
    progress bar; store the table in the catalogue and return it."""
    from .survey import jobs_for, survey_table
    from .survey.parallel import survey_on_cluster

    records = catalog.spacewalks()
    with _progress() as progress:
        task = progress.add_task(f"starting {workers} worker(s)", total=len(records))
        jobs = jobs_for(catalog, records)

        def started() -> None:
            progress.update(task, description="surveying")

        def done(n: int) -> None:
            progress.advance(task, n)

        rows = survey_on_cluster(jobs, workers, on_done=done, on_started=started)
    table = survey_table(rows)
    catalog.store_survey(table)
    return table


def print_survey(table, written: dict[str, Path], workers: int, seconds: float) -> None:
    rows = table.to_pylist()
    failed = [r for r in rows if r["error"]]
    no_times = [r["number"] for r in rows if "no_times" in (r["flags"] or "").split(",")]
    measured = [r for r in rows if r["daylight_min"] is not None]
    summary = Table(title="Survey of ISS spacewalks", show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("Spacewalks", f"{len(rows)} ({len(measured)} measured)")
    summary.add_row("Without start or end time", ", ".join(f"#{n}" for n in no_times) or "none")
    if measured:
        hours = sum(r["span_min"] for r in measured) / 60.0
        dark = sum(r["darkness_min"] for r in measured) / 60.0
        summary.add_row("Hours surveyed", f"{hours:.1f} h, {dark:.1f} h of it in darkness")
        at_night = sum(r["start_lighting"] == "night" for r in measured)
        summary.add_row("Started in darkness", f"{at_night} of {len(measured)}")
    summary.add_row("Workers", f"{workers} (Dask LocalCluster, one thread each)")
    console.print(summary)
    for r in failed:
        _warn(f"spacewalk #{r['number']} not surveyed: {r['error']}")
    folder = next(iter(written.values())).parent
    console.print(
        f"Outputs in [bold]{escape(str(folder))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"Done in {seconds:.1f} s.")


@app.command()
@_guarded
def survey(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/survey"),
    workers: Annotated[
        int | None, typer.Option(help="worker processes, 1..64 [default: the cores]")
    ] = None,
) -> None:
    """Lighting of all ISS spacewalks (daylight, darkness, sunrises, beta...): survey.parquet."""
    from .productset import check_out_dir

    started = time.perf_counter()
    n_workers = check_workers(workers)
    out_dir = _writable_folder(out, "--out")
    check_out_dir(out_dir)
    from .catalog import Catalog
    from .survey.products import write_survey

    catalog = Catalog.open()
    table = run_survey(catalog, n_workers)
    written = write_survey(table, out_dir)
    print_survey(table, written, n_workers, time.perf_counter() - started)
