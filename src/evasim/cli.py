"""The ``evasim`` command line: ``evasim scenarios``, ``evasim replay NAME|PATH``.

Every command checks all of its inputs and options before any work starts. Bad input is one
line on stderr and exit code 2 with nothing written; a runtime fault (ffmpeg, the disk) is
one line and exit code 1; a traceback only with ``evasim --debug``. User text is escaped
before Rich prints it (``[at PLACE]`` is text, not markup).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from .errors import EvasimInputError, EvasimRuntimeError


class _OneLineErrors(TyperGroup):
    """Usage errors (a misspelt option, a number that is not one) as one line and exit 2, like
    every other input fault, instead of a framed box."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            sys.exit(1)
        except Exception as exc:
            if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
            else:
                message = " ".join(exc.format_message().split())
                err_console.print(
                    f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
                )
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    rich_markup_mode="markdown",  # help text is plain text: "[[attitude.targets]]" stays
    no_args_is_help=True,
    help="evasim: replay International Space Station spacewalks.",
)
console = Console()
err_console = Console(stderr=True)

MAX_VIDEO_FRAMES = 100_000
"""Frames per helmet-camera video (about an hour at 30 fps)."""


@app.callback()
def _global_options(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="show the Python traceback of any error")
    ] = False,
) -> None:
    ctx.obj = {"debug": debug}


def _debugging(ctx: typer.Context | None) -> bool:
    """Whether this invocation asked for tracebacks (``evasim --debug``), read from the
    command's own context: no module state, so in-process calls cannot leak it to the next."""
    obj = ctx.find_root().obj if ctx is not None else None
    return bool(obj and obj.get("debug"))


def _one_line(text: object) -> str:
    lines = [x.strip() for x in str(text).strip().splitlines() if x.strip()]
    return lines[0] if lines else ""


def _guarded(command):
    """Bad input -> one line, exit 2; runtime fault -> one line, exit 1; no traceback
    unless ``--debug``. The command gets typer's context in its own ``typer.Context``
    parameter if it has one, else in a hidden one added here."""

    signature = inspect.signature(command, eval_str=True)
    own = next((n for n, p in signature.parameters.items() if p.annotation is typer.Context), None)
    name = own or "_evasim_ctx"

    @functools.wraps(command)
    def run(*args, **kwargs):
        ctx = kwargs.get(name) if own else kwargs.pop(name, None)
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except EvasimInputError as exc:
            if _debugging(ctx):
                raise
            _fail(exc)
        except (EvasimRuntimeError, OSError, MemoryError) as exc:
            if _debugging(ctx):
                raise
            if isinstance(exc, OSError) and exc.strerror:
                where = f"{exc.filename}: " if exc.filename else ""
                message = f"{where}{exc.strerror}"
            elif isinstance(exc, MemoryError):
                message = "out of memory"
            else:
                message = _one_line(exc)
            _fail(message, code=1)
        except Exception as exc:
            if _debugging(ctx):
                raise
            _fail(
                f"internal error: {type(exc).__name__}: {_one_line(exc)} "
                "(run with evasim --debug for the traceback, and please report it)",
                code=1,
            )

    if not own:  # typer passes the context to the one parameter typed typer.Context
        hidden = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
        run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), hidden])
    return run


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
        disable=not err_console.is_terminal,  # no stray blank lines in logs and pipes
    )


def _fail(error: object, code: int = 2) -> None:
    err_console.print(
        f"[bold red]error:[/] {escape(_one_line(error))}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code=code)


def _warn(text: str) -> None:
    """A loud warning line on the terminal (stderr)."""
    err_console.print(f"[bold yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)


def _number(value: float, option: str, low: float, high: float, unit: str = "") -> float:
    """``value`` if finite and within ``low..high``, else an input error naming ``option``."""
    if not (math.isfinite(value) and low <= value <= high):
        raise EvasimInputError(f"{option}: expected {low:g}..{high:g}{unit}, got {value:g}")
    return value


def _writable_file(path: Path, option: str, suffixes: tuple[str, ...]) -> Path:
    """An output file name with one of ``suffixes`` whose folder can be written."""
    if path.suffix.lower() not in suffixes:
        names = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else ""
        raise EvasimInputError(f"{option} {path}: expected {names or suffixes[0]}")
    if path.is_dir():
        raise EvasimInputError(f"{option} {path}: expected a file name, but it is a folder")
    _writable_folder(path.parent, option, path)
    return path


def _writable_folder(folder: Path, option: str, shown: Path | None = None) -> Path:
    """``folder`` if it is, or can be made, a writable folder (nothing is created here)."""
    shown = shown or folder
    if folder.exists() and not folder.is_dir():
        raise EvasimInputError(f"{option} {shown}: expected a folder, but {folder} is a file")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise EvasimInputError(f"{option} {shown}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise EvasimInputError(f"{option} {shown}: the folder {existing} is not writable")
    return folder


def _parse_utc(text: str, option: str, example: str = "a UTC time like 2021-09-03T16:00:00Z"):
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EvasimInputError(f"{option}: expected {example}, got {text!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _inside_span(sc, when: datetime, option: str) -> datetime:
    start, end = sc.span.start_utc, sc.span.end_utc
    if not start <= when <= end:
        raise EvasimInputError(
            f"{option} {when:%Y-%m-%dT%H:%M:%SZ}: expected a time inside the replay span "
            f"{start:%Y-%m-%dT%H:%M}Z - {end:%Y-%m-%dT%H:%M}Z"
        )
    return when


def _role_in(sc, crew: str, option: str = "--crew") -> str:
    """A crew member by role (EV1) or by any part of the name (dubrov)."""
    key = crew.strip().lower()
    for m in sc.crew:
        if key and (key == m.role.lower() or key in m.name.lower()):
            return m.role
    names = ", ".join(f"{m.role} {m.name}" for m in sc.crew) or "no crew (not a spacewalk)"
    raise EvasimInputError(f"{option} {crew!r}: expected one of {names}")


def _element_sets_checked(sc, allow_stale: bool):
    """The scenario, its element set checked before any work: more than 14 days from the span
    refused, or with ``--allow-stale-elements`` allowed with a loud warning."""
    return _element_set_chosen(sc, allow_stale)[0]


def _element_set_chosen(sc, allow_stale: bool):
    """(scenario, element set) as :func:`_element_sets_checked` checks them; the set is passed
    on to ``run_replay`` so that it is looked up once (the archive is read once)."""
    from .replay import choose_element_set
    from .sky.tle import check_element_age

    if allow_stale:
        sc = sc.allowing_stale_elements()
    chosen = choose_element_set(sc)
    note = check_element_age(chosen, sc.span.start_utc, sc.span.end_utc, allow_stale=True)
    if note:
        _warn(note)
    return sc, chosen


def _check_ffmpeg() -> str:
    """The ffmpeg executable videos are encoded with, checked before any work (a missing
    ffmpeg is a fault of the machine: exit 1)."""
    import shutil

    import imageio_ffmpeg

    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        raise EvasimRuntimeError(
            "ffmpeg not found: install ffmpeg or set IMAGEIO_FFMPEG_EXE to its path"
        ) from None
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)) and shutil.which(exe) is None:
        raise EvasimRuntimeError(f"ffmpeg not found at {exe} (IMAGEIO_FFMPEG_EXE)")
    return exe


def _check_look(look: str) -> str:
    if look in ("auto", "worksite", "limb", "nadir", "partner"):
        return look
    if look.startswith("free:"):
        try:
            yaw, pitch = (float(x) for x in look[5:].split(","))
        except ValueError:
            yaw = pitch = math.nan
        if math.isfinite(yaw) and math.isfinite(pitch):
            return look
        raise EvasimInputError(f"--look {look!r}: expected free:YAW,PITCH in degrees")
    raise EvasimInputError(
        f"--look {look!r}: expected auto, worksite, limb, nadir, partner or free:YAW,PITCH"
    )


@app.command()
@_guarded
def scenarios() -> None:
    """List the built-in scenarios."""
    from .catalog import Catalog
    from .scenario import builtin_scenarios

    table = Table(title="Built-in scenarios")
    for column in ("name", "eva-N", "date", "hatch open - close (UTC)", "crew", "title"):
        table.add_column(column)
    for sc in builtin_scenarios():
        if sc.eva is not None:
            when = f"{sc.eva.hatch_open_utc:%H:%M} - {sc.eva.hatch_close_utc:%H:%M}"
            who = ", ".join(f"{m.role} {m.name}" for m in sc.crew)
        else:
            when = f"{sc.span.start_utc:%H:%M} - {sc.span.end_utc:%H:%M} (attitude)"
            who = "-"
        number = f"eva-{sc.catalog_number}" if sc.catalog_number else "-"
        table.add_row(
            sc.name,
            number,
            f"{sc.span.start_utc:%Y-%m-%d}",
            when,
            escape(who),
            escape(sc.title),
        )
    console.print(table)
    walks = Catalog.open().spacewalks()
    console.print(
        f"Also [bold]eva-1[/] .. [bold]eva-{len(walks)}[/]: every ISS spacewalk of the "
        f"catalogue ({walks[0].date:%Y}-{walks[-1].date:%Y}), replayed from its record with a "
        "generic task timeline (the built-ins above are the detailed replays of their numbers)."
    )
    console.print(
        "Run one with [bold]evasim replay NAME[/] (or [bold]eva-N[/]) or your own file with "
        "[bold]evasim replay PATH.toml[/]."
    )


@app.command()
@_guarded
def replay(
    scenario: Annotated[
        str,
        typer.Argument(
            help="built-in name (see `evasim scenarios`), eva-N (any ISS spacewalk, 1..277) or "
            "a scenario .toml file"
        ),
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
    fps: Annotated[float, typer.Option(help="video frames per second, 0.1..120")] = 30.0,
    video_speed: Annotated[
        float, typer.Option(help="replay seconds per video second, 0.01..3600")
    ] = 10.0,
    video_size: Annotated[str, typer.Option(help="WIDTHxHEIGHT")] = "1280x720",
    video_lens: Annotated[
        str,
        typer.Option(
            help="rectilinear or equidistant (120 deg), or action (the flown GoPro-class lens)"
        ),
    ] = "rectilinear",
    allow_stale_elements: Annotated[
        bool,
        typer.Option(
            help="replay with element sets more than 14 days from the span (positions unreliable)"
        ),
    ] = False,
    czml: Annotated[
        bool,
        typer.Option(
            help="also write replay.czml, station.glb and a 3-D globe page (docs/exchange.md)"
        ),
    ] = False,
) -> None:
    """Replay a spacewalk: telemetry.parquet, events.csv, summary.json and report.html."""
    from .productset import check_out_dir
    from .scenario import load_scenario

    started = time.perf_counter()
    # Everything is checked before any work starts (and before the models are imported), and
    # nothing is written on bad input.
    sc = load_scenario(scenario)
    out_dir = _writable_folder(out or Path("out") / sc.name, "--out")
    check_out_dir(out_dir)  # not a folder of the user's that the new set would replace
    plan = _video_plan(sc, video_span, fps, video_speed, video_size, wanted=video)
    from .render.lens import video_lens as lens_for_video

    lens = lens_for_video(video_lens, "--video-lens")
    if not video and video_lens != "rectilinear":
        raise EvasimInputError("--video-lens: only used with --video")
    if sc.catalog_number is not None and scenario.strip().lower() != sc.name.lower():
        console.print(
            f"{escape(scenario)} is ISS spacewalk no. {sc.catalog_number}: replaying the detailed "
            f"built-in scenario [bold]{escape(sc.name)}[/].",
            highlight=False,
        )
    from .api import Replay as PublicReplay
    from .outputs import write_products
    from .replay import run_replay
    from .report import render_report
    from .sky import Sky
    from .timeline import suit_overrun

    sc, element_set = _element_set_chosen(sc, allow_stale_elements)
    if sc.kind == "eva":
        from .station.context import station_context

        station_context(sc, [])  # validates the task effects against the station's links
        if overrun := suit_overrun(sc):
            _warn(overrun.removeprefix("WARNING: "))
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
    with _progress() as progress:
        task = progress.add_task("loading scenario", total=len(steps))

        def step(name: str) -> None:
            done = steps.index(name) if name in steps else 0
            progress.update(task, description=name, completed=done)

        step("ephemeris")
        result = PublicReplay.of(run_replay(sc, Sky.load(), step, element_set))
        written = write_products(
            result,
            out_dir,
            render_report if report else None,
            progress=step,
            # the videos go into the same set, so an ffmpeg failure leaves the old set whole
            extras=[
                *([lambda folder: _write_videos(result, folder, plan, lens)] if plan else []),
                *([lambda folder: _write_exchange(result, folder)] if czml else []),
            ],
        )
        progress.update(task, completed=len(steps), description="done")
    printer = _print_summary if result.spacewalk else _print_attitude_summary
    printer(result, written, time.perf_counter() - started)


def _write_exchange(replay, folder: Path) -> dict[str, Path]:
    from .exchange.globe import write_globe

    return write_globe(replay, folder)


def _parse_size(text: str, option: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise EvasimInputError(
            f"{option}: expected WIDTHxHEIGHT like 1280x720, got {text!r}"
        ) from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise EvasimInputError(f"{option}: expected 16..7680 x 16..4320 pixels, got {text!r}")
    return w, h


@dataclass(frozen=True)
class _VideoPlan:
    times: list[datetime]
    fps: float
    width: int
    height: int


def _video_plan(
    sc,
    span: str | None,
    fps: float,
    speed: float,
    size: str,
    wanted: bool = True,
    max_frames: int = MAX_VIDEO_FRAMES,
    prefix: str = "--video-",
) -> _VideoPlan | None:
    """The helmet-camera videos asked for, checked against the scenario (None: no video).
    ``span`` "eva": hatch open to hatch close. ``prefix``: how the command names its span,
    speed and size options in messages (``--video-span`` for replay, ``--span`` for
    render-video)."""
    o_span, o_speed, o_size = (f"{prefix}{x}" for x in ("span", "speed", "size"))
    if not wanted:
        if span is not None:
            raise EvasimInputError(f"{o_span}: only used with --video")
        return None
    if sc.kind != "eva":
        raise EvasimInputError("--video: helmet cameras need a spacewalk scenario")
    _number(fps, "--fps", 0.1, 120.0)
    _number(speed, o_speed, 0.01, 3600.0)
    width, height = _parse_size(size, o_size)
    day = sc.eva.hatch_open_utc
    if span == "eva":
        start, end = day, sc.eva.hatch_close_utc
    elif span:
        try:
            a, b = (datetime.strptime(x.strip(), "%H:%M").time() for x in span.split("-"))
        except ValueError:
            raise EvasimInputError(f"{o_span}: expected HH:MM-HH:MM or eva, got {span!r}") from None
        start = day.replace(hour=a.hour, minute=a.minute, second=0, microsecond=0)
        if start < sc.span.start_utc:  # a span past midnight: the times are of the next day
            start += timedelta(days=1)
        end = start.replace(hour=b.hour, minute=b.minute)
        if end <= start:
            end += timedelta(days=1)
        if not (sc.span.start_utc <= start and end <= sc.span.end_utc):
            raise EvasimInputError(
                f"{o_span} {span}: expected times inside the replay span "
                f"{sc.span.start_utc:%H:%M}-{sc.span.end_utc:%H:%M} UTC"
            )
    else:
        start, end = day, min(day + timedelta(minutes=10), sc.span.end_utc)
    frames = int((end - start).total_seconds() / speed * fps) + 1
    if frames > max_frames:
        raise EvasimInputError(
            f"{o_span}/{o_speed}/--fps: {frames:,} frames per camera; expected at most "
            f"{max_frames:,} (the limit): a shorter span, a higher speed or fewer fps"
        )
    _check_ffmpeg()
    times = [start + timedelta(seconds=k * speed / fps) for k in range(frames)]
    return _VideoPlan(times, fps, width, height)


def _write_videos(result, out_dir: Path, plan: _VideoPlan, lens=None) -> dict[str, Path]:
    """Each crew member's helmet-camera MP4 through ``lens`` (:class:`.render.lens.Lens`;
    None: the videos' default, 120 deg rectilinear)."""
    from .render.frame import HelmetCamera
    from .render.video import write_mp4

    cam = HelmetCamera(result, plan.width, plan.height, lens, look="auto")
    written = {}
    frames = len(plan.times)
    with _progress() as progress:
        for member in result.scenario.crew:
            task = progress.add_task(f"video {member.role}", total=frames)
            path = out_dir / f"helmet_{member.role.lower()}.mp4"
            try:
                write_mp4(
                    (f.image for f in cam.frames(member.role, plan.times)),  # adapting exposure
                    path,
                    plan.fps,
                    plan.width,
                    plan.height,
                    on_frame=lambda task=task: progress.advance(task),
                )
            except (OSError, RuntimeError) as exc:  # ffmpeg exited, crashed or could not start
                reason = _one_line(exc) or type(exc).__name__
                raise EvasimRuntimeError(f"ffmpeg failed writing {path}: {reason}") from exc
            written[path.name] = path
    return written


@app.command()
@_guarded
def render(
    scenario: Annotated[str, typer.Argument(help="a spacewalk scenario (built-in or .toml)")],
    crew: Annotated[str, typer.Option(help="crew member: EV1/EV2 or part of the name")],
    at: Annotated[str, typer.Option(help="UTC time, e.g. 2021-09-03T16:00:00Z")],
    o: Annotated[Path, typer.Option("-o", help="output image (.png or .jpg)")] = Path("frame.png"),
    width: Annotated[int, typer.Option()] = 1280,
    height: Annotated[int, typer.Option()] = 720,
    fov: Annotated[
        float | None,
        typer.Option(help="horizontal field of view, deg (default 120; 121 for --lens action)"),
    ] = None,
    fisheye: Annotated[bool, typer.Option(help="equidistant fisheye lens")] = False,
    lens: Annotated[
        str,
        typer.Option(help="rectilinear, equidistant or action (the flown GoPro-class lens)"),
    ] = "",
    look: Annotated[
        str,
        typer.Option(
            help="auto (from the timeline), worksite, limb, nadir, partner or free:YAW,PITCH"
        ),
    ] = "limb",
    allow_stale_elements: Annotated[
        bool,
        typer.Option(
            help="replay with element sets more than 14 days from the span (positions unreliable)"
        ),
    ] = False,
) -> None:
    """Render what a spacewalker's helmet camera sees at an instant."""
    from PIL import Image

    from .fileutil import replacing
    from .render.camera import Lens
    from .render.frame import HelmetCamera
    from .render.lens import ACTION_FOV_DEG, PROJECTIONS
    from .replay import run_replay
    from .scenario import load_scenario
    from .sky import Sky

    _writable_file(o, "-o", (".png", ".jpg", ".jpeg"))
    if lens and lens not in PROJECTIONS:
        raise EvasimInputError(f"--lens {lens!r}: expected one of {', '.join(PROJECTIONS)}")
    if fisheye and lens not in ("", "equidistant"):
        raise EvasimInputError(f"--fisheye: is --lens equidistant; not with --lens {lens}")
    projection = lens or ("equidistant" if fisheye else "rectilinear")
    if fov is None:
        fov = ACTION_FOV_DEG if projection == "action" else 120.0
    camera_lens = Lens(fov, projection=projection)  # checks the field of view
    _parse_size(f"{width}x{height}", "--width/--height")
    _check_look(look)
    when = _parse_utc(at, "--at")
    sc = load_scenario(scenario)
    if sc.kind != "eva":
        raise EvasimInputError("expected a spacewalk scenario (kind = 'eva')", source=scenario)
    role = _role_in(sc, crew)
    _inside_span(sc, when, "--at")
    sc = _element_sets_checked(sc, allow_stale_elements)
    with console.status("replaying and rendering..."):
        result = run_replay(sc, Sky.load())
        cam = HelmetCamera(result, width, height, camera_lens, look)
        frame = cam.frame(role, when)
    image_format = "PNG" if o.suffix.lower() == ".png" else "JPEG"
    with replacing(o) as tmp:
        Image.fromarray(frame.image).save(tmp, format=image_format)
    console.print(
        f"Wrote [bold]{escape(str(o))}[/] ({width}x{height}, exposure {frame.exposure:.3g}, "
        f"{frame.stars_drawn} stars visible)",
        highlight=False,
    )


@app.command()
@_guarded
def fit(
    scenario: Annotated[str, typer.Argument(help="an attitude scenario (built-in or .toml)")],
) -> None:
    """Fit an attitude scenario's unknown parameters (its `fit` lists) to its published
    figures (its [[attitude.targets]]) under its documented priors, and print what the figures
    constrain (singular values; 1-sigma, or "unconstrained") and the leave-one-out check."""
    from .attitude import event, identify
    from .attitude.setup import setup_from_scenario, with_values
    from .replay import choose_element_set
    from .report.reconstruction import item_names, reconstruction_lines, reconstruction_summary
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
        targets, priors = sc.attitude.targets, sc.attitude.priors
        with console.status("fitting (scipy least squares)..."):
            result = event.fit(setup, targets, duration, priors)
            values = {k: _as_written(k, v) for k, v in result.values.items()}
            fitted = with_values(setup, values)
        with console.status("identifiability and leave-one-out..."):
            ident = identify.analyse(fitted, targets, duration, priors)
    except EvasimInputError as exc:
        _fail(exc)
    table = Table(
        title=f"Fit of {sc.name}: cost {result.cost:.3f} after {result.evaluations} runs",
        title_justify="left",
    )
    for column in ("parameter", "start", "fitted (as to write)"):
        table.add_column(column)
    start = setup.values()
    for key, value in values.items():
        table.add_row(key, _written(key, start[key], sc), _written(key, value, sc))
    console.print(table)
    console.print(
        "Normalised residuals (simulated - published) / sigma, in-sample: "
        + ", ".join(f"{r:+.2f}" for r in ident.residuals)
    )
    rec = reconstruction_summary(ident, setup.t0_utc, item_names(setup.config), list(priors))
    for line in reconstruction_lines(rec):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if any(x > 1.0 for x in ident.prior_excess):
        console.print(
            "[bold yellow]warning:[/] a prior is violated by more than its sigma: the fit stopped "
            "beyond a bound (e.g. at a branch point); start it from values inside the bound"
        )
    if all(_as_written(k, start[k]) == v for k, v in values.items()):
        console.print(
            "The scenario already holds these values: its replay's summary.json and report show "
            "the same figures."
        )
    else:
        console.print(
            "Put the fitted values in the scenario file: its replay's summary.json and report "
            "will then show the same figures."
        )


def _as_written(key: str, value: float) -> float:
    """A fitted value as it is written to a scenario: start times to 0.1 s, others to five
    significant figures (fine enough that rounding moves no figure by a noticeable fraction of
    its sigma, nor the branch prior's penalty)."""
    if key.endswith("start_utc"):
        return round(float(value), 1)
    return float(f"{value:.5g}")


def _written(key: str, value: float, sc) -> str:
    from datetime import timedelta

    if key.endswith("start_utc"):
        when = sc.span.start_utc + timedelta(seconds=value)
        return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 100000}Z"
    return f"{value:g}"


@app.command()
@_guarded
def station(
    date: Annotated[
        str, typer.Option(help="UTC date or date-time, e.g. 2021-11-27 or 2021-07-29T14:00")
    ],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    draw: Annotated[
        Path | None, typer.Option(help="write a labelled schematic (.png/.svg/.pdf/.jpg)")
    ] = None,
    mesh: Annotated[Path | None, typer.Option(help="write a 3-D mesh (.glb/.gltf/.obj)")] = None,
    relocate: Annotated[
        str | None,
        typer.Option(help="what-if: detach this module and what hangs from it into a new station"),
    ] = None,
    inclination: Annotated[float, typer.Option(help="new station's inclination (deg)")] = 97.5,
    sarj_angle: Annotated[float, typer.Option(help="solar array angle about Y (deg)")] = 0.0,
) -> None:
    """The station on a date (1998-11-20 .. 2025-12-31): modules, ports, links, mass."""
    import json

    from .station import Station
    from .station.draw import draw_schematic
    from .station.layout import layout
    from .station.mesh import export_mesh
    from .station.report import describe
    from .station.whatif import relocate as relocate_fn

    if format not in ("table", "json"):
        raise EvasimInputError(f"--format: expected table or json, got {format!r}")
    when = _parse_utc(date, "--date", "a date like 2021-11-27")
    _number(inclination, "--inclination", 0.0, 180.0, " deg")
    _number(sarj_angle, "--sarj-angle", -360.0, 360.0, " deg")
    if draw:
        _writable_file(draw, "--draw", (".png", ".svg", ".pdf", ".jpg", ".jpeg"))
    if mesh:
        _writable_file(mesh, "--mesh", (".glb", ".gltf", ".obj"))
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
    if format == "json":
        print(json.dumps(info, indent=2))
        return
    _print_station(info)
    for label, target in (("Schematic", draw), ("Mesh", mesh)):
        if target:
            console.print(f"{label} written to [bold]{escape(str(target))}[/]", highlight=False)


@app.command()
@_guarded
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
        from .cli_globe import check_listen

        check_listen(host, port)  # a host or port it cannot listen on: before the replay
        _number(fps, "--fps", 0.1, 30.0)
        width, height = _parse_size(video_size, "--video-size")
        from .scenario import load_scenario

        sc = load_scenario(scenario)  # checked here, before the replay is computed
        if start is not None:
            _inside_span(sc, _parse_utc(start, "--start"), "--start")
        _element_sets_checked(sc, allow_stale=False)
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
            announce=lambda line: console.print(escape(line), highlight=False, soft_wrap=True),
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
            (p["occupant"] or "-") if p.get("occupant_known", True) else "not known",
        )
    console.print(table)
    console.print(escape(f"Modules ({len(info['modules'])}): {', '.join(info['modules'])}"))
    console.print(escape(f"Vehicles: {', '.join(info['vehicles']) or 'none'}"))
    if "vehicles_note" in info:
        console.print(escape(f"Visiting vehicles: {info['vehicles_note']}"))
    console.print(
        f"Russian-segment Soyuz/Progress ports: {info['soyuz_progress_ports_russian_segment']}"
    )
    links = [x for x in info["links"] if not x["baseline"]]
    for x in links:
        console.print(escape(f"Link {x['kind']:8s} {x['from']} -> {x['to']}: {x['state']}"))
    if info["nauka_on_us_power"] is not None:  # None: Nauka not on the station yet
        console.print(escape(f"Nauka on US-segment power: {info['nauka_on_us_power']}"))
    com = ", ".join(f"{v:.2f}" for v in info["center_of_mass_m"])
    console.print(
        f"Mass {info['mass_kg'] / 1000:.1f} t (of which estimated "
        f"{info['estimated_mass_kg'] / 1000:.1f} t); centre of mass ({com}) m"
    )
    moments = ", ".join(f"{v:.3g}" for v in info["principal_moments_kg_m2"])
    console.print(escape(f"Principal moments of inertia: {moments} kg m^2"))
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
    table = Table(title=escape(result.scenario.title), title_justify="left")
    for column in ("figure", "published", "simulated"):
        table.add_column(column)
    pub = s["published"]

    def p(key):
        if pub.get(key) is None:
            return "-"
        return f"{pub[key]['value']} +/- {pub[key]['sigma']:g} {pub[key]['sigma_unit']}"

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
        sigma = v["sigma"] if isinstance(v["sigma"], str) else f"{v['sigma']:g} {v['sigma_unit']}"
        fit.add_row(key, f"{v['value']} {v['unit']}".removesuffix(" UTC"), sigma)
    console.print(fit)
    if s.get("reconstruction"):
        from .report.reconstruction import reconstruction_lines

        for line in reconstruction_lines(s["reconstruction"])[len(s["fitted_parameters"]) + 1 :]:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"[italic]{escape(s['reconstruction_note'])}[/]")
    for warning in s["warnings"]:
        console.print(f"[bold red]WARNING: {escape(warning)}[/]", highlight=False)
    _print_outputs(written, seconds)


def _print_summary(result, written: dict[str, Path], seconds: float) -> None:
    s = result.summary()
    table = Table(title=escape(result.scenario.title), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "Hatch open / closed" if s["time_convention"] == "hatch" else "EVA start / end",
        f"{s['hatch_open_utc']}  /  {s['hatch_close_utc']}  ({s['duration_hm']})",
    )
    table.add_row(
        "Crew",
        escape(
            ", ".join(
                [f"{m['role']} {m['name']} ({m['suit']})" for m in s["crew"]]
                + [f"IV {name}" for name in s["iv_crew"]]
            )
        ),
    )
    table.add_row("Sunrises in the EVA", ", ".join(x[11:19] for x in s["sunrises_during_eva_utc"]))
    table.add_row("Sunsets in the EVA", ", ".join(x[11:19] for x in s["sunsets_during_eva_utc"]))
    table.add_row("Daylight", f"{s['daylight_fraction_during_eva']:.0%} of the EVA")
    table.add_row("Beta angle", f"{s['beta_angle_deg']['at_hatch_open']:.2f} deg at hatch open")
    table.add_row(
        "Altitude",
        f"{s['altitude_km']['min']:.1f} - {s['altitude_km']['max']:.1f} km"
        f" (WGS84); period "
        + (f"{s['orbital_period_min']:.2f} min" if s["orbital_period_min"] else "-"),
    )
    table.add_row(
        "Element set",
        f"epoch {s['tle']['epoch_utc']} ({s['tle']['age_days_at_hatch_open']:+.2f} d)",
    )
    for flag in [*s["notes"], *s["flags"], *(f"WARNING: {w}" for w in s["warnings"])]:
        table.add_row("Note", f"[bold red]{escape(flag)}[/]" if "WARNING" in flag else escape(flag))
    console.print(table)
    _print_outputs(written, seconds)


def _print_outputs(written: dict[str, Path], seconds: float) -> None:
    folder = next(iter(written.values())).parent if written else Path(".")
    console.print(
        f"Outputs in [bold]{escape(str(folder))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"Done in {seconds:.1f} s.")


from . import cli_catalog  # noqa: E402, F401  (evasim spacewalks, sql, catalog)


def main(argv: list[str] | None = None) -> None:
    """The ``evasim`` program; ``argv`` (default: the command line) makes it callable in-process
    (it ends with SystemExit carrying the exit code, like the program)."""
    try:
        app(args=argv, prog_name="evasim")
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
from . import (  # noqa: E402, F401
    cli_campaign,
    cli_globe,
    cli_history,
    cli_montecarlo,
    cli_plan,
    cli_survey,
    cli_video,
    cli_windows,
)
