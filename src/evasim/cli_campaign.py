"""``evasim campaign``: a campaign of spacewalks (Nauka outfitting, iROSA...) as a report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _progress, _writable_folder, app, console
from .errors import EvasimInputError


@app.command()
@_guarded
def campaign(
    name: Annotated[
        str | None,
        typer.Argument(help="a bundled campaign (nauka, irosa) or a campaign .toml file"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output folder [default: out/campaign-NAME]")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the bundled campaigns")] = False,
) -> None:
    """A campaign of spacewalks: campaign.html (timeline, cumulative hours, tasks closed,
    deferred and open, link states) and campaign.json."""
    from .campaign.model import builtin_campaigns, load_campaign
    from .productset import check_out_dir

    if list_:
        if name is not None:
            raise EvasimInputError("--list: expected no campaign name with it")
        table = Table(title="Bundled campaigns")
        for column in ("name", "spacewalks", "title"):
            table.add_column(column)
        for each in builtin_campaigns():
            c = load_campaign(each)
            numbers = [w.number for w in c.spacewalks]
            table.add_row(each, f"{len(numbers)} ({numbers[0]}..{numbers[-1]})", escape(c.title))
        console.print(table)
        console.print("Run one with [bold]evasim campaign NAME[/] or a file with a .toml path.")
        return
    if name is None:
        raise EvasimInputError(
            f"expected a campaign name ({', '.join(builtin_campaigns())}), a .toml file or --list"
        )
    started = time.perf_counter()
    plan = load_campaign(name)
    out_dir = _writable_folder(out or Path(f"out/campaign-{plan.name}"), "--out")
    check_out_dir(out_dir)
    from .campaign.build import build_campaign
    from .campaign.report import write_campaign

    with _progress() as progress:
        task = progress.add_task("campaign", total=2)
        result = build_campaign(plan)
        progress.advance(task)
        written = write_campaign(result, out_dir)
        progress.advance(task)
    console.print(
        f"[bold]{escape(result['title'])}[/]: {result['spacewalk_count']} spacewalks, "
        f"{escape(result['first_date'])} .. {escape(result['last_date'])}, "
        f"{result['total_hours']:.2f} h; {result['tasks_closed']} tasks closed, "
        f"{len(result['open_tasks'])} open.",
        highlight=False,
    )
    console.print(
        f"Outputs in [bold]{escape(str(out_dir))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")
