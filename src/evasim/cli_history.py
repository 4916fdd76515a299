"""``evasim history``: a report of all ISS spacewalks (counts, hours, durations, lighting)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .cli import _guarded, _writable_folder, app, console
from .cli_survey import check_workers, run_survey


@app.command()
@_guarded
def history(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/history"),
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes if the survey must be run, 1..64 [default: the cores]"),
    ] = None,
) -> None:
    """History of ISS spacewalks: history.html and its PNGs (runs the survey if none is stored)."""
    from .productset import check_out_dir

    started = time.perf_counter()
    n_workers = check_workers(workers)
    out_dir = _writable_folder(out, "--out")
    check_out_dir(out_dir)
    from .catalog import Catalog
    from .report.history import history_figures, render_history
    from .report.history_data import hatch_answer
    from .survey.columns import COLUMN_NAMES
    from .survey.products import write_set

    catalog = Catalog.open()
    table = catalog.survey()
    if table is None:
        console.print("No survey stored: surveying every spacewalk first.", highlight=False)
        table = run_survey(catalog, n_workers)
    elif missing := [c for c in COLUMN_NAMES if c not in table.column_names]:
        console.print(
            f"The stored survey lacks {escape(missing[0])} (an older evasim): surveying again.",
            highlight=False,
        )
        table = run_survey(catalog, n_workers)
    records = catalog.spacewalks()
    rows = table.to_pylist()
    figures = history_figures(records, rows)
    html = render_history(records, rows, figures)

    def png(data: bytes):
        return lambda path: path.write_bytes(data)

    writers = {name: png(data) for name, data in figures.items()}
    writers["history.html"] = lambda path: path.write_text(html, encoding="utf-8")
    written = write_set(out_dir, writers, "history")
    console.print(escape(hatch_answer(rows).text()), highlight=False)
    console.print(
        f"Outputs in [bold]{escape(str(out_dir))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")
