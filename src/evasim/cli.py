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


def _progress() -> Progress:
    """The progress bar of long commands (on stderr, removed when done)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<22}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


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
        if sc.eva is not None:
            when = f"{sc.eva.hatch_open_utc:%H:%M} - {sc.eva.hatch_close_utc:%H:%M}"
            who = ", ".join(f"{m.role} {m.name}" for m in sc.crew)
        else:
            when = f"{sc.span.start_utc:%H:%M} - {sc.span.end_utc:%H:%M} (attitude)"
            who = "-"
        table.add_row(sc.name, f"{sc.span.start_utc:%Y-%m-%d}", when, who, sc.title)
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
    video: Annotated[
        bool, typer.Option(help="write one helmet-camera MP4 per crew member")
    ] = False,
    video_span: Annotated[
        str | None,
        typer.Option(help="HH:MM-HH:MM (UTC) [default: the first 10 min after hatch open]"),
    ] = None,
    fps: Annotated[float, typer.Option(help="video frames per second")] = 30.0,
    video_speed: Annotated[float, typer.Option(help="replay seconds per video second")] = 10.0,
    video_size: Annotated[str, typer.Option(help="WIDTHxHEIGHT")] = "1280x720",
) -> None:
    """Replay a spacewalk: telemetry.parquet, events.csv, summary.json and report.html."""
    from .api import Replay as PublicReplay
    from .outputs import write_products
    from .replay import run_replay
    from .report import render_report
    from .scenario import load_scenario
    from .sky import Sky

    started = time.perf_counter()
    steps = [
        "scenario",
        "ephemeris",
        "orbit",
        "day/night",
        "timeline",
        "station",
        "attitude",
        "telemetry",
    ]
    if report:
        steps.append("report")
    try:
        with _progress() as progress:
            task = progress.add_task("loading scenario", total=len(steps))

            def step(name: str) -> None:
                done = steps.index(name) if name in steps else 0
                progress.update(task, description=name, completed=done)

            step("scenario")
            sc = load_scenario(scenario)
            result = PublicReplay.of(run_replay(sc, Sky.load(), progress=step))
            out_dir = out or Path("out") / sc.name
            written = write_products(
                result, out_dir, render_report if report else None, progress=step
            )
            progress.update(task, completed=len(steps), description="done")
    except EvasimInputError as exc:
        _fail(exc)
    if video:
        try:
            written |= _write_videos(
                result,
                out or Path("out") / result.scenario.name,
                video_span,
                fps,
                video_speed,
                video_size,
            )
        except EvasimInputError as exc:
            _fail(exc)
    printer = _print_summary if result.spacewalk else _print_attitude_summary
    printer(result, written, time.perf_counter() - started)


def _parse_size(text: str, option: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise EvasimInputError(
            f"{option}: expected WIDTHxHEIGHT like 1280x720, got {text!r}"
        ) from None
    return w, h


def _write_videos(
    result, out_dir: Path, span: str | None, fps: float, speed: float, size: str
) -> dict[str, Path]:
    from datetime import datetime, timedelta

    from .render.frame import HelmetCamera
    from .render.video import write_mp4

    sc = result.scenario
    result.require_spacewalk("--video: the helmet camera")
    if fps <= 0 or speed <= 0:
        raise EvasimInputError("--fps/--video-speed: expected positive numbers")
    width, height = _parse_size(size, "--video-size")
    day = sc.eva.hatch_open_utc
    if span:
        try:
            a, b = (datetime.strptime(x.strip(), "%H:%M").time() for x in span.split("-"))
        except ValueError:
            raise EvasimInputError(f"--video-span: expected HH:MM-HH:MM, got {span!r}") from None
        start = day.replace(hour=a.hour, minute=a.minute, second=0)
        end = day.replace(hour=b.hour, minute=b.minute, second=0)
    else:
        start, end = day, day + timedelta(minutes=10)
    if end <= start:
        raise EvasimInputError("--video-span: expected the end after the start")
    frames = int((end - start).total_seconds() / speed * fps) + 1
    times = [start + timedelta(seconds=k * speed / fps) for k in range(frames)]
    cam = HelmetCamera(result, width, height, look="limb")
    written = {}
    with _progress() as progress:
        for member in sc.crew:
            task = progress.add_task(f"video {member.role}", total=frames)
            path = out_dir / f"helmet_{member.role.lower()}.mp4"
            write_mp4(
                (cam.frame(member.role, t).image for t in times),
                path,
                fps,
                width,
                height,
                on_frame=lambda task=task: progress.advance(task),
            )
            written[path.name] = path
    return written


@app.command()
def render(
    scenario: Annotated[str, typer.Argument(help="a spacewalk scenario (built-in or .toml)")],
    crew: Annotated[str, typer.Option(help="crew member: EV1/EV2 or part of the name")],
    at: Annotated[str, typer.Option(help="UTC time, e.g. 2021-09-03T16:00:00Z")],
    o: Annotated[Path, typer.Option("-o", help="output image (.png or .jpg)")] = Path("frame.png"),
    width: Annotated[int, typer.Option()] = 1280,
    height: Annotated[int, typer.Option()] = 720,
    fov: Annotated[float, typer.Option(help="horizontal field of view, deg")] = 120.0,
    fisheye: Annotated[bool, typer.Option(help="equidistant fisheye lens")] = False,
    look: Annotated[str, typer.Option(help="worksite, limb, nadir or free:YAW,PITCH")] = "limb",
) -> None:
    """Render what a spacewalker's helmet camera sees at an instant."""
    import os
    import tempfile
    from datetime import UTC, datetime

    from PIL import Image

    from .fileutil import publish
    from .render.camera import Lens
    from .render.frame import HelmetCamera
    from .replay import run_replay
    from .scenario import load_scenario
    from .sky import Sky

    try:
        if o.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise EvasimInputError(f"-o {o}: expected a .png or .jpg file name")
        if not 1.0 <= fov <= (360.0 if fisheye else 170.0):
            raise EvasimInputError("--fov: expected 1..170 deg (1..360 with --fisheye)")
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise EvasimInputError(
                f"--at: expected a UTC time like 2021-09-03T16:00:00Z, got {at!r}"
            ) from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        with console.status("replaying and rendering..."):
            result = run_replay(load_scenario(scenario), Sky.load())
            cam = HelmetCamera(result, width, height, Lens(fov, fisheye), look)
            frame = cam.frame(cam.role_of(crew), when)
        o.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{o.stem}.", suffix=o.suffix, dir=o.parent)
        os.close(fd)
        Image.fromarray(frame.image).save(tmp)
        publish(tmp, o)
    except EvasimInputError as exc:
        _fail(exc)
    console.print(
        f"Wrote [bold]{o}[/] ({width}x{height}, exposure {frame.exposure:.3g}, "
        f"{frame.stars_drawn} stars visible)"
    )


@app.command()
def fit(
    scenario: Annotated[str, typer.Argument(help="an attitude scenario (built-in or .toml)")],
) -> None:
    """Fit an attitude scenario's unknown parameters (its `fit` lists) to its published
    figures (its [[attitude.targets]]) and print the result with 1-sigma uncertainties."""
    from .attitude import event
    from .attitude.setup import setup_from_scenario, with_values
    from .replay import choose_element_set
    from .scenario import load_scenario

    try:
        sc = load_scenario(scenario)
        if sc.kind != "attitude":
            raise EvasimInputError(
                "expected an attitude scenario (kind = 'attitude')", source=scenario
            )
        setup = setup_from_scenario(sc, choose_element_set(sc))
        if not setup.fit_keys:
            raise EvasimInputError("no parameter has a `fit` list", source=scenario)
        duration = (sc.span.end_utc - sc.span.start_utc).total_seconds()
        with console.status("fitting (scipy least squares)..."):
            result = event.fit(setup, sc.attitude.targets, duration)
    except EvasimInputError as exc:
        _fail(exc)
    table = Table(
        title=f"Fit of {sc.name}: cost {result.cost:.3f} after {result.evaluations} runs",
        title_justify="left",
    )
    for column in ("parameter", "start", "fitted", "1-sigma"):
        table.add_column(column)
    start = setup.values()
    for key, value in result.values.items():
        table.add_row(key, f"{start[key]:.4g}", f"{value:.4g}", f"{result.sigma[key]:.3g}")
    console.print(table)
    console.print(
        "Normalised residuals (simulated - published) / sigma: "
        + ", ".join(f"{r:+.2f}" for r in result.residuals)
    )
    fitted = event.figures(
        event.run(with_values(setup, result.values), duration),
        setup.t0_utc,
        [t.at_utc for t in sc.attitude.targets if t.at_utc],
    )
    console.print(
        f"Peak rate {fitted['peak_rate_deg_s']:.3f} deg/s, total attitude change "
        f"{fitted['total_attitude_change_deg']:.1f} deg. Put the fitted values in the "
        "scenario file to replay them."
    )


@app.command()
def station(
    date: Annotated[
        str, typer.Option(help="UTC date or date-time, e.g. 2021-11-27 or 2021-07-29T14:00")
    ],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    draw: Annotated[
        Path | None, typer.Option(help="write a labelled schematic (.png/.svg)")
    ] = None,
    mesh: Annotated[Path | None, typer.Option(help="write a 3-D mesh (.glb/.gltf/.obj)")] = None,
    relocate: Annotated[
        str | None,
        typer.Option(help="what-if: detach this module and what hangs from it into a new station"),
    ] = None,
    inclination: Annotated[float, typer.Option(help="new station's inclination (deg)")] = 97.5,
    sarj_angle: Annotated[float, typer.Option(help="solar array angle about Y (deg)")] = 0.0,
) -> None:
    """The station on a date: modules, ports, links, mass properties (2021)."""
    import json
    from datetime import UTC, datetime

    from .station import Station
    from .station.draw import draw_schematic
    from .station.layout import layout
    from .station.mesh import export_mesh
    from .station.report import describe
    from .station.whatif import relocate as relocate_fn

    try:
        if format not in ("table", "json"):
            raise EvasimInputError(f"--format: expected table or json, got {format!r}")
        try:
            when = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            raise EvasimInputError(
                f"--date: expected a date like 2021-11-27, got {date!r}"
            ) from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        st = Station()
        config = st.at(when)
        info = describe(st, config, when, sarj_angle)
        if relocate:
            info["relocation"] = relocate_fn(config, relocate, inclination).to_json()
        placements = layout(config, sarj_angle)
        if draw:
            draw_schematic(placements, draw, f"ISS on {when:%Y-%m-%d %H:%M} UTC (schematic)")
        if mesh:
            export_mesh(placements, mesh)
    except EvasimInputError as exc:
        _fail(exc)
    if format == "json":
        print(json.dumps(info, indent=2))
        return
    _print_station(info)
    for label, target in (("Schematic", draw), ("Mesh", mesh)):
        if target:
            console.print(f"{label} written to [bold]{target}[/]")


@app.command()
def serve(
    scenario: Annotated[str, typer.Argument(help="a spacewalk scenario (built-in or .toml)")],
    speed: Annotated[
        float, typer.Option(help="replay seconds per wall-clock second, 1..120")
    ] = 10.0,
    start: Annotated[
        str | None, typer.Option(help="UTC start, e.g. 2021-09-03T15:00:00Z [default: hatch open]")
    ] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    token: Annotated[
        str | None, typer.Option(help="operator token for /api/control [default: random]")
    ] = None,
    fps: Annotated[float, typer.Option(help="helmet-camera frames per second")] = 5.0,
    video_size: Annotated[str, typer.Option(help="WIDTHxHEIGHT of the camera frames")] = "640x360",
    hls: Annotated[bool, typer.Option(help="also serve HLS streams (ffmpeg segments)")] = True,
) -> None:
    """Broadcast a spacewalk live: a web page with both helmet cameras, the EVA clock, the
    ground track, tasks and attitude (see docs/broadcast.md)."""

    from .broadcast.server import serve as serve_broadcast

    try:
        if not 0 < port < 65536:
            raise EvasimInputError(f"--port: expected 1..65535, got {port}")
        if not 0.1 <= fps <= 30:
            raise EvasimInputError(f"--fps: expected 0.1..30, got {fps:g}")
        width, height = _parse_size(video_size, "--video-size")
        serve_broadcast(
            scenario,
            host=host,
            port=port,
            speed=speed,
            start=start,
            token=token,
            width=width,
            height=height,
            fps=fps,
            hls=hls,
            announce=lambda line: console.print(line, highlight=False, soft_wrap=True),
        )
    except EvasimInputError as exc:
        _fail(exc)


def _print_station(info: dict) -> None:
    table = Table(title=f"ISS on {info['date']}", title_justify="left")
    for column in ("module", "port", "docking system", "Soyuz/Progress", "occupant"):
        table.add_column(column)
    for p in info["ports"]:
        table.add_row(
            p["module"],
            p["port"],
            p["docking_system"],
            "yes" if p["soyuz_progress_capable"] else "",
            p["occupant"] or "-",
        )
    console.print(table)
    console.print(f"Modules ({len(info['modules'])}): {', '.join(info['modules'])}")
    console.print(f"Vehicles: {', '.join(info['vehicles']) or 'none'}")
    console.print(
        f"Russian-segment Soyuz/Progress ports: {info['soyuz_progress_ports_russian_segment']}"
    )
    links = [x for x in info["links"] if not x["baseline"]]
    for x in links:
        console.print(f"Link {x['kind']:8s} {x['from']} -> {x['to']}: {x['state']}")
    console.print(f"Nauka on US-segment power: {info['nauka_on_us_power']}")
    com = ", ".join(f"{v:.2f}" for v in info["center_of_mass_m"])
    console.print(
        f"Mass {info['mass_kg'] / 1000:.1f} t (of which estimated "
        f"{info['estimated_mass_kg'] / 1000:.1f} t); centre of mass ({com}) m"
    )
    moments = ", ".join(f"{v:.3g}" for v in info["principal_moments_kg_m2"])
    console.print(f"Principal moments of inertia: {moments} kg m^2")
    if "relocation" in info:
        r = info["relocation"]
        new = r["new_station"]
        console.print(
            f"What-if: new station {', '.join(new['modules'])} "
            f"{new['mass_kg'] / 1000:.1f} t on {new['orbit']['inclination_deg']} deg, "
            f"period {new['orbit']['period_min']:.2f} min, sun-synchronous: "
            f"{new['orbit']['sun_synchronous']}; ISS left with "
            f"{r['iss']['mass_kg'] / 1000:.1f} t; direct plane change would cost "
            f"{r['direct_plane_change_delta_v_km_s']:.2f} km/s"
        )


def _print_attitude_summary(result, written: dict[str, Path], seconds: float) -> None:
    s = result.summary()
    table = Table(title=result.scenario.title, title_justify="left")
    for column in ("figure", "published", "simulated"):
        table.add_column(column)
    pub = s["published"]

    def p(key):
        return "-" if pub.get(key) is None else f"{pub[key]['value']} +/- {pub[key]['sigma']:g}"

    table.add_row("peak rate (deg/s)", p("peak_rate_deg_s"), f"{s['peak_rate_deg_s']:.3f}")
    table.add_row(
        "total attitude change (deg)",
        p("total_attitude_change_deg"),
        f"{s['total_attitude_change_deg']:.1f}",
    )
    for when, value in s["error_deg_at"].items():
        table.add_row(f"error at {when[11:16]} (deg)", p("error_deg_at"), f"{value:.1f}")
    table.add_row(
        "control regained (UTC)", p("control_regained_utc"), s["control_regained_utc"] or "-"
    )
    console.print(table)
    fit = Table(title="Fitted parameters (1-sigma)", title_justify="left")
    for column in ("parameter", "value", "sigma"):
        fit.add_column(column)
    for key, v in s["fitted_parameters"].items():
        fit.add_row(key, str(v["value"]), f"{v['sigma']:g} {v['unit']}")
    console.print(fit)
    console.print(f"[italic]{s['reconstruction_note']}[/]")
    folder = next(iter(written.values())).parent if written else Path(".")
    console.print(f"Outputs in [bold]{folder}/[/]: " + ", ".join(sorted(written)))
    console.print(f"Done in {seconds:.1f} s.")


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
