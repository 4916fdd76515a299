"""``evasim windows --date D``: orbital day/night and communication windows for one UTC day.

The station's element set is the catalogue archive's nearest to the day's noon, refused when
more than 14 days away (as replays; ``--allow-stale-elements`` allows it with a warning). The
method and its assumptions are in docs/windows.md and :mod:`evasim.sky.comm`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _number, _warn, _writable_file, app, console
from .errors import EvasimInputError

FORMATS = ("table", "json", "csv")
NETWORK_CHOICES = ("tdrs", "luch", "ground", "all")
CSV_COLUMNS = (
    "kind",
    "network",
    "name",
    "start_utc",
    "end_utc",
    "duration_s",
    "conf",
    "approximate",
)


def check_network(network: str) -> tuple[str, ...]:
    """``--network``: one of tdrs, luch, ground or all -> the networks computed."""
    from .sky.comm_network import NETWORKS

    key = network.strip().lower()
    if key not in NETWORK_CHOICES:
        raise EvasimInputError(
            f"--network: expected one of {', '.join(NETWORK_CHOICES)}, got {network!r}"
        )
    return NETWORKS if key == "all" else (key,)


FIRST_DAY = date(1998, 11, 20)
"""Zarya's launch, the first day of the station (``evasim.station.history.SPAN``)."""
LAST_DAY = date(2099, 12, 31)
"""The last day asked for (the limit; with --allow-stale-elements, far beyond any element set)."""


def check_date(text: str) -> date:
    """``--date``: a calendar date like 2021-09-03 (a UTC day), FIRST_DAY..LAST_DAY."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise EvasimInputError(
            f"--date: expected a UTC date like 2021-09-03, got {text!r}"
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise EvasimInputError(
            f"--date {day}: expected {FIRST_DAY} (Zarya's launch) .. {LAST_DAY} (the limit)"
        )
    return day


def check_out(out: Path | None, format: str) -> str | None:
    """The format of the ``--out`` file (.json or .csv), matching ``--format`` unless that is
    the table; None without ``--out``."""
    if out is None:
        return None
    _writable_file(out, "--out", (".json", ".csv"))
    kind = out.suffix.lower().lstrip(".")
    if format != "table" and kind != format:
        raise EvasimInputError(f"--out {out}: expected a .{format} file for --format {format}")
    return kind


def element_set_for(day: date, allow_stale: bool):
    """The archive's element set nearest the day's noon, checked like a replay's (14 days)."""
    from .catalog import Catalog
    from .sky.comm import day_start
    from .sky.tle import check_element_age

    start = day_start(day)
    chosen = Catalog.open().nearest_element_set(start + timedelta(hours=12))
    note = check_element_age(chosen, start, start + timedelta(days=1), allow_stale=allow_stale)
    if note:
        _warn(note)
    return chosen


def csv_text(ws) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(ws.rows())
    return buffer.getvalue()


def write_output(ws, out: Path, kind: str) -> None:
    """The JSON or CSV file, written atomically (a temporary file renamed onto ``out``)."""
    from .fileutil import replacing

    text = json.dumps(ws.to_json(), indent=2) + "\n" if kind == "json" else csv_text(ws)
    with replacing(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _clock(ws, seconds: float) -> str:
    when: datetime = ws.utc(seconds)
    if seconds >= ws.span_s:
        return "24:00:00"
    return f"{when:%H:%M:%S}"


def print_windows(ws, seconds: float) -> None:
    es = ws.element_set
    p = ws.parameters
    console.print(
        f"[bold]Windows for {ws.day_start_utc:%Y-%m-%d}[/] (00:00-24:00 UTC), station from "
        f"{escape(es.describe())}",
        highlight=False,
    )
    coverage = Table(title="Coverage of the day", title_justify="left")
    for col in ("network / link", "conf", "coverage", "in view", "windows"):
        coverage.add_column(col, justify="left" if col in ("network / link", "conf") else "right")
    for name, nw in ws.networks.items():
        coverage.add_row(
            f"[bold]{escape(nw.title)}[/]",
            "",
            f"[bold]{100.0 * ws.coverage_fraction(name):.1f} %[/]",
            _hms(nw.union.total_s),
            str(len(nw.union)),
        )
        for lw in nw.links:
            coverage.add_row(
                f"  {escape(lw.link.name)}",
                lw.link.conf,
                f"{100.0 * lw.intervals.total_s / ws.span_s:.1f} %",
                _hms(lw.intervals.total_s),
                str(len(lw.intervals)),
            )
    console.print(coverage)

    if ws.zoe_east_west is not None:
        z_links = [lw for lw in ws.networks["tdrs"].links if lw.link.role == "zoe"]
        zoe = Table(
            title=f"Zone of exclusion: no TDRS East/West in view, {_hms(ws.zoe_east_west.total_s)}"
            f" ({100.0 * ws.zoe_east_west.total_s / ws.span_s:.1f} % of the day); with the ZOE "
            f"slot: {_hms(ws.zoe_all_tdrs.total_s)}",
            title_justify="left",
        )
        for col in ("start UTC", "end UTC", "duration", "ZOE slot sees it"):
            zoe.add_column(col)
        for s, e in zip(ws.zoe_east_west.start_s, ws.zoe_east_west.end_s, strict=True):
            mids = [s, 0.5 * (s + e), e]
            seen = any(bool(lw.intervals.contains(mids).all()) for lw in z_links)
            zoe.add_row(_clock(ws, s), _clock(ws, e), _hms(e - s), "yes" if seen else "no")
        console.print(zoe)

    for nw in ws.networks.values():
        if len(nw.union) == 1 and nw.union.total_s >= ws.span_s:
            console.print(f"[bold]{escape(nw.title)}[/]: in view all day (no gap)")
            continue
        table = Table(title=f"{nw.title}: windows", title_justify="left")
        for col in ("start UTC", "end UTC", "duration", "links in view"):
            table.add_column(col)
        for s, e in zip(nw.union.start_s, nw.union.end_s, strict=True):
            names = [
                lw.link.name
                for lw in nw.links
                if bool(((lw.intervals.start_s < e) & (lw.intervals.end_s > s)).any())
            ]
            table.add_row(_clock(ws, s), _clock(ws, e), _hms(e - s), escape(", ".join(names)))
        console.print(table)

    light = Table(
        title="Orbital day and night (Sun centre on the WGS84 limb): "
        f"day {_hms(ws.daylight.total_s)}, night {_hms(ws.night.total_s)}",
        title_justify="left",
    )
    for col in ("", "start UTC", "end UTC", "duration"):
        light.add_column(col)
    rows = [(s, e, "day") for s, e in zip(ws.daylight.start_s, ws.daylight.end_s, strict=True)]
    rows += [(s, e, "night") for s, e in zip(ws.night.start_s, ws.night.end_s, strict=True)]
    for s, e, kind in sorted(rows):
        light.add_row(kind, _clock(ws, s), _clock(ws, e), _hms(e - s))
    console.print(light)

    console.print("[bold]Approximate geometry[/] (see docs/windows.md):", highlight=False)
    console.print(
        f"  relays: points at geostationary radius over the slot longitude; line of sight "
        f"clear of the WGS84 ellipsoid + {p.grazing_altitude_km:g} km (an assumption)",
        highlight=False,
    )
    if "ground" in ws.networks:
        console.print(
            f"  ground: elevation mask {p.ground_mask_deg:g} deg ('a common first assumption', "
            "conf L) over the geodetic horizon, no refraction",
            highlight=False,
        )
    for nw in ws.networks.values():
        for line in nw.approximations():
            console.print(f"  {escape(nw.network)}: {escape(line)}", highlight=False)
    for note in ws.notes:
        _warn(note)
    console.print(f"Done in {seconds:.2f} s.", highlight=False)


@app.command()
@_guarded
def windows(
    date_: Annotated[str, typer.Option("--date", help="UTC day, e.g. 2021-09-03")],
    network: Annotated[str, typer.Option(help="tdrs, luch, ground or all")] = "all",
    format: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
    out: Annotated[
        Path | None, typer.Option(help="write the windows to this .json or .csv file")
    ] = None,
    grazing_altitude: Annotated[
        float, typer.Option(help="km above WGS84 a relay line of sight must clear (assumption)")
    ] = 100.0,
    ground_mask: Annotated[
        float, typer.Option(help="ground-station elevation mask, deg (assumption)")
    ] = 5.0,
    allow_stale_elements: Annotated[
        bool,
        typer.Option(
            help="use an element set more than 14 days from the day (positions unreliable)"
        ),
    ] = False,
) -> None:
    """Orbital day/night and comm windows (TDRS, Luch-5, Russian ground stations) for one day:
    coverage, window lists and the zone of exclusion (see docs/windows.md)."""
    from .sky.comm import WindowParameters
    from .sky.comm import windows as compute_windows

    if format not in FORMATS:
        raise EvasimInputError(f"--format: expected one of {', '.join(FORMATS)}, got {format!r}")
    networks = check_network(network)
    day = check_date(date_)
    _number(grazing_altitude, "--grazing-altitude", 0.0, 1000.0, " km")
    _number(ground_mask, "--ground-mask", 0.0, 45.0, " deg")
    kind = check_out(out, format)
    parameters = WindowParameters(grazing_altitude_km=grazing_altitude, ground_mask_deg=ground_mask)
    element_set = element_set_for(day, allow_stale_elements)

    started = time.perf_counter()
    ws = compute_windows(day, networks, element_set, parameters=parameters)
    seconds = time.perf_counter() - started
    if out is not None:
        write_output(ws, out, kind)
    if format == "json" and out is None:
        print(json.dumps(ws.to_json(), indent=2))
    elif format == "csv" and out is None:
        print(csv_text(ws), end="")
    elif format == "table":
        print_windows(ws, seconds)
    if out is not None:
        console.print(f"Windows written to [bold]{escape(str(out))}[/]", highlight=False)
