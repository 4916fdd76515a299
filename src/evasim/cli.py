"""The ``evasim`` command line: ``evasim scenarios``, ``evasim replay NAME|PATH``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import EvasimInputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="evasim: replay International Space Station spacewalks.",
)
console = Console()
err_console = Console(stderr=True)


def _fail(error: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from .scenario import builtin_scenarios

    table = Table(title="Built-in scenarios")
    for column in ("name", "date", "hatch open - close (UTC)", "crew", "title"):
        table.add_column(column)
    for sc in builtin_scenarios():
        table.add_row(
            sc.name,
            f"{sc.eva.hatch_open_utc:%Y-%m-%d}",
            f"{sc.eva.hatch_open_utc:%H:%M} - {sc.eva.hatch_close_utc:%H:%M}",
            ", ".join(f"{m.role} {m.name}" for m in sc.crew),
            sc.title,
        )
    console.print(table)
    console.print(
        "Run one with [bold]evasim replay NAME[/] or your own file with "
        "[bold]evasim replay PATH.toml[/]."
    )


@app.command()
def replay(
    scenario: Annotated[
        str, typer.Argument(help="built-in name (see `evasim scenarios`) or a scenario .toml file")
    ],
    out: Annotated[Path | None, typer.Option(help="output folder [default: out/NAME]")] = None,
    report: Annotated[bool, typer.Option(help="write report.html")] = True,
) -> None:
    """Replay a spacewalk: telemetry.parquet, events.csv, summary.json and report.html."""
    from .outputs import write_products
    from .replay import run_replay
    from .report import render_report
    from .scenario import load_scenario
    from .sky import Sky

    started = time.perf_counter()
    steps = ["scenario", "ephemeris", "orbit", "day/night", "timeline", "station", "telemetry"]
    if report:
        steps.append("report")
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<22}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("loading scenario", total=len(steps))

            def step(name: str) -> None:
                progress.update(task, description=name, completed=steps.index(name))

            step("scenario")
            sc = load_scenario(scenario)
            result = run_replay(sc, Sky.load(), progress=step)
            out_dir = out or Path("out") / sc.name
            written = write_products(
                result, out_dir, render_report if report else None, progress=step
            )
            progress.update(task, completed=len(steps), description="done")
    except EvasimInputError as exc:
        _fail(exc)
    _print_summary(result, written, time.perf_counter() - started)


def _print_summary(result, written: dict[str, Path], seconds: float) -> None:
    s = result.summary()
    table = Table(title=result.scenario.title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "Hatch open / closed",
        f"{s['hatch_open_utc']}  /  {s['hatch_close_utc']}  ({s['duration_hm']})",
    )
    table.add_row("Crew", ", ".join(f"{m['role']} {m['name']} ({m['suit']})" for m in s["crew"]))
    table.add_row("Sunrises in the EVA", ", ".join(x[11:19] for x in s["sunrises_during_eva_utc"]))
    table.add_row("Sunsets in the EVA", ", ".join(x[11:19] for x in s["sunsets_during_eva_utc"]))
    table.add_row("Daylight", f"{s['daylight_fraction_during_eva']:.0%} of the EVA")
    table.add_row("Beta angle", f"{s['beta_angle_deg']['at_hatch_open']:.2f} deg at hatch open")
    table.add_row(
        "Altitude",
        f"{s['altitude_km']['min']:.1f} - {s['altitude_km']['max']:.1f} km"
        f" (WGS84); period {s['orbital_period_min']:.2f} min",
    )
    table.add_row(
        "Element set",
        f"epoch {s['tle']['epoch_utc']} ({s['tle']['age_days_at_hatch_open']:+.2f} d)",
    )
    for flag in [*s["flags"], *s["warnings"]]:
        table.add_row("Note", f"[red]{flag}[/]" if flag.startswith("WARNING") else flag)
    console.print(table)
    folder = next(iter(written.values())).parent if written else Path(".")
    console.print(f"Outputs in [bold]{folder}/[/]: " + ", ".join(sorted(written)))
    console.print(f"Done in {seconds:.1f} s.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
