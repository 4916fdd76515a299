"""Bad input, as a new user makes it: one line naming the file, the line or the option and
what was expected; exit 2; no traceback; nothing written; checked before any work starts.
Runtime faults (ffmpeg, the disk): one line, exit 1. A traceback only with ``--debug``."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from evasim.errors import EvasimInputError
from evasim.scenario import MAX_SAMPLES, MAX_TASKS, load_scenario, parse_scenario
from evasim.sky.tle import check_element_age, load_omm_json, load_tle_file, parse_tle_text
from iss_2021_lines import L1, L2, omm_record
from scenario_errors import line_of as _line_of
from scenario_errors import scenario_error as _error

SRC = Path(__file__).parents[1] / "src"
VKD49 = (SRC / "evasim/data/scenarios/vkd-49.toml").read_text()
FAST = VKD49.replace("step_s = 1.0", "step_s = 60.0")


def evasim(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evasim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
    )


def one_line(result: subprocess.CompletedProcess, code: int = 2) -> str:
    """The single stderr line of a failed command (asserting the exit code, no traceback)."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


# ------------------------------------------------------------------ scenario validation


def test_misspelt_field_is_unknown_with_a_suggestion_not_a_missing_field():
    text = VKD49.replace("hatch_open_utc =", "hatch_opn_utc =")
    msg = _error(text)
    assert msg.startswith(
        f"user.toml:{_line_of(text, 'hatch_opn_utc')}: eva.hatch_opn_utc: unknown field; "
        "did you mean 'hatch_open_utc'? expected one of: "
    )
    assert "missing" not in msg


def test_unknown_table_is_named_with_a_suggestion():
    text = VKD49.replace("[ephemeris]", "[ephemeriss]")
    msg = _error(text)
    assert msg.startswith(f"user.toml:{_line_of(text, '[ephemeriss]')}: ephemeriss: unknown")
    assert "did you mean 'ephemeris'?" in msg


@pytest.mark.parametrize("value", ["nan", "inf", "-nan"])
def test_step_nan_or_inf_is_not_a_number(value):
    msg = _error(VKD49.replace("step_s = 1.0", f"step_s = {value}"))
    assert "span.step_s: expected a finite number, got " in msg
    assert "60" not in msg


def test_nan_in_a_nested_number_is_refused():
    msg = _error(VKD49.replace("suit_autonomy_h = 8.0", "suit_autonomy_h = nan"))
    assert "eva.suit_autonomy_h: expected a finite number" in msg


def test_tiny_step_is_bounded_with_the_limit_in_the_message():
    text = VKD49.replace("step_s = 1.0", "step_s = 0.001")
    msg = _error(text)
    assert msg.startswith(f"user.toml:{_line_of(text, 'step_s')}: span.step_s: ")
    assert "30,600,001 samples" in msg
    assert f"at most {MAX_SAMPLES:,} (the limit)" in msg
    # the smallest step allowed over this span passes
    least = 30600 / (MAX_SAMPLES - 1)
    parse_scenario(VKD49.replace("step_s = 1.0", f"step_s = {least * 1.001}"), "ok.toml")


def test_seventy_one_hour_spacewalk_is_refused():
    text = (
        VKD49.replace("end_utc = 2021-09-03T22:40:00Z", "end_utc = 2021-09-06T13:45:00Z")
        .replace("hatch_close_utc = 2021-09-03T22:35:00Z", "hatch_close_utc = 2021-09-06T13:41:00Z")
        .replace("repress_end_utc = 2021-09-03T22:39:00Z", "repress_end_utc = 2021-09-06T13:44:00Z")
    )
    msg = _error(text)
    assert msg == (
        f"user.toml:{_line_of(text, 'hatch_close_utc')}: eva.hatch_close_utc: a spacewalk of "
        "71 h 00 min; expected at most 24 h (no suit supports longer)"
    )


TASK = '[[tasks]]\ncrew = ["EV1"]\nname = "x"\nstart_elapsed = "0:00"\nduration_min = 1\n'


@pytest.mark.parametrize("n", [MAX_TASKS + 1, 20_000])
def test_too_many_tasks_are_refused(n):
    text = VKD49 + TASK * n
    msg = _error(text)
    first_extra = [i for i, x in enumerate(text.splitlines(), 1) if x == "[[tasks]]"][MAX_TASKS]
    assert msg == (
        f"user.toml:{first_extra}: tasks: {n + 8} tasks; expected at most {MAX_TASKS} (the limit)"
    )


def test_unknown_worksite_lists_the_modules_of_that_date():
    text = VKD49.replace('worksite = "FGB"', 'worksite = "Death Star"', 1)
    msg = _error(text)
    line = _line_of(text, "Death Star")
    assert msg.startswith(
        f"user.toml:{line}: tasks[3].worksite: 'Death Star' is not on the station on 2021-09-03; "
        "expected one of: Zarya (FGB), "
    )
    assert "Poisk (MRM-2)" in msg and "Nauka (MLM)" in msg
    assert "Prichal" not in msg  # docked 2021-11-26, after this spacewalk
    typo = VKD49.replace('worksite = "FGB"', 'worksite = "Zvezd"')
    assert "did you mean 'Zvezda'?" in _error(typo)


def test_task_crew_all_goes_alone_and_no_one_twice():
    text = VKD49.replace('crew = ["EV1"]', 'crew = ["all", "EV1"]', 1)
    assert 'crew: expected ["all"] alone' in _error(text)
    text = VKD49.replace('crew = ["EV1"]', 'crew = ["EV1", "Oleg Novitskiy"]', 1)
    assert "crew: EV1 is listed twice" in _error(text)


def test_suit_overrun_is_flagged():
    from evasim.timeline import suit_overrun

    assert suit_overrun(load_scenario("vkd-49")) is None  # 7 h 54 min of 8 h
    sc = parse_scenario(VKD49.replace("suit_autonomy_h = 8.0", "suit_autonomy_h = 7.5"), "u")
    assert suit_overrun(sc) == (
        "WARNING: the spacewalk (7 h 54 min) is 24 min longer than the ~7.5 h autonomy of "
        "Orlan-MKS No. 4, Orlan-MKS No. 5 (eva.suit_autonomy_h, counted from hatch open)"
    )


# ------------------------------------------------------------------ element sets


def test_element_set_age_rule():
    es = parse_tle_text(f"{L1}\n{L2}")[0]  # epoch 2021-09-02 12:53:58
    day = datetime(2021, 9, 3, tzinfo=UTC)
    assert check_element_age(es, day, day.replace(hour=20)) is None
    late_start = datetime(2021, 9, 17, 13, tzinfo=UTC)  # 15.0 days after the epoch
    with pytest.raises(EvasimInputError) as err:
        check_element_age(es, late_start, late_start.replace(hour=20))
    assert str(err.value) == (
        "the nearest element set epoch available, 2021-09-02T12:53:58Z, is 15.0 days from the "
        "span (2021-09-17); expected at most 14 days: give element sets of the date, or pass "
        "--allow-stale-elements to use it anyway"
    )
    note = check_element_age(es, late_start, late_start, allow_stale=True)
    assert note and "15.0 days" in note and "positions are unreliable" in note


def test_tle_out_of_its_columns_names_the_scenario_line():
    from evasim.replay import choose_element_set
    from evasim.sky.tle import tle_checksum

    shifted = L1[:14] + " " + L1[14:67]  # a space too many: every field leaves its columns
    shifted += str(tle_checksum(shifted))
    text = VKD49.replace('source = "bundled"', f'source = "tle"\ntle = """\n{shifted}\n{L2}\n"""')
    sc = parse_scenario(text.replace('set = "iss_2021"', ""), "user.toml")
    with pytest.raises(EvasimInputError) as err:
        choose_element_set(sc)
    assert str(err.value) == (
        f"user.toml:{_line_of(text, '98067 A')}: TLE line 1: the epoch year (columns 19-20) is "
        "' 2'; expected a number like '21' in the fixed columns of the TLE format"
    )


def test_omm_that_sgp4_cannot_propagate_is_refused_before_work(tmp_path):
    from evasim.replay import choose_element_set

    record = omm_record(BSTAR=0.9)  # drag that brings the station down within a day
    (tmp_path / "iss.json").write_text(json.dumps([record, {**record, "BSTAR": float("nan")}]))
    with pytest.raises(EvasimInputError, match=r"OMM BSTAR nan: expected a number in -1\.\.1"):
        load_omm_json(tmp_path / "iss.json")  # NaN is valid JSON for Python
    (tmp_path / "iss.json").write_text(json.dumps([record]))
    text = VKD49.replace('source = "bundled"', 'source = "omm"\nomm_file = "iss.json"')
    path = tmp_path / "omm.toml"
    path.write_text(text.replace('set = "iss_2021"', ""))
    with pytest.raises(EvasimInputError) as err:
        choose_element_set(load_scenario(str(path)))
    assert str(err.value).startswith(f"{path}:{_line_of(text, '[ephemeris]')}: ephemeris: ")
    assert "cannot be propagated over the span: SGP4 error 6: " in str(err.value)
    assert "the satellite has decayed at 2021-09-03T14:10:00Z" in str(err.value)


def test_non_utf8_tle_and_omm_files(tmp_path):
    tle = tmp_path / "iss.tle"
    tle.write_bytes(f"ISS\n{L1}\n".encode() + b"\xff\xfe" + L2.encode() + b"\n")
    with pytest.raises(EvasimInputError) as err:
        load_tle_file(tle)
    assert str(err.value) == f"{tle}:3: byte 0xff is not UTF-8; expected a UTF-8 text TLE file"
    omm = tmp_path / "iss.json"
    omm.write_bytes(b'[{"OBJECT_NAME": "ISS \xe9"}]')
    with pytest.raises(EvasimInputError, match=r"iss\.json:1: byte 0xe9 is not UTF-8"):
        load_omm_json(omm)
    toml = tmp_path / "mine.toml"
    toml.write_bytes(VKD49.replace("Oleg", "Ol\xe9g").encode("latin-1"))
    with pytest.raises(EvasimInputError) as err:
        load_scenario(str(toml))
    line = _line_of(VKD49, "Oleg")  # the first of them
    assert str(err.value) == (
        f"{toml}:{line}: byte 0xe9 is not UTF-8; expected a UTF-8 text scenario file"
    )
    with pytest.raises(EvasimInputError, match=r"is a folder; expected a scenario \.toml file"):
        load_scenario(str(tmp_path))


def test_omm_nested_too_deeply_or_bad_epoch(tmp_path):
    from evasim.sky.tle import parse_omm_record

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(EvasimInputError, match=r"deep\.json: "):
        load_omm_json(deep)
    record = omm_record()
    parse_omm_record(record)
    for epoch in ("yesterday", "2021-02-30T00:00:00", 12):
        with pytest.raises(EvasimInputError, match=r"o\.json: "):
            parse_omm_record({**record, "EPOCH": epoch}, source="o.json")


# ------------------------------------------------------------------ API


def test_api_station_at_takes_text_and_dates():
    from evasim import api

    assert "Prichal" in api.station_at("2021-11-27").modules
    assert "Prichal" not in api.station_at(date(2021, 9, 3)).modules
    assert "Nauka" in api.station_at("2021-07-29T14:00Z").modules
    with pytest.raises(EvasimInputError, match="utc: expected a UTC date or date-time"):
        api.station_at("yesterday")
    with pytest.raises(EvasimInputError, match="got int"):
        api.station_at(20211127)


def test_api_replay_refuses_stale_elements(tmp_path):
    from evasim import api

    # 2023: the station model now covers 1998-2025, so the date must be one with Nauka (the
    # scenario's worksite) on the station for the stale element set to be what is refused
    path = tmp_path / "y2023.toml"
    path.write_text(FAST.replace("2021-09-03T", "2023-09-03T"))
    stale = r"y2023\.toml:\d+: ephemeris: .* 2021-09-09T12.* days from the span"
    with pytest.raises(EvasimInputError, match=stale):
        api.replay(str(path))


def test_helmet_camera_unknown_role_is_an_input_error(sky):
    from evasim import api
    from evasim.replay import run_replay

    replay = run_replay(parse_scenario(FAST, "fast.toml"), sky)
    cam = api.helmet_camera(replay, 64, 36)
    with pytest.raises(EvasimInputError) as err:
        cam.frame("EV3", datetime(2021, 9, 3, 15, 30, tzinfo=UTC))
    assert str(err.value) == (
        "crew role 'EV3': expected one of EV1 Oleg Novitskiy, EV2 Pyotr Dubrov"
    )


# ------------------------------------------------------------------ the command line

CLI_BAD_SCENARIOS = {
    "misspelt": (
        VKD49.replace("hatch_open_utc =", "hatch_opn_utc ="),
        "eva.hatch_opn_utc: unknown field; did you mean 'hatch_open_utc'?",
    ),
    "nan_step": (VKD49.replace("step_s = 1.0", "step_s = nan"), "expected a finite number"),
    "tiny_step": (VKD49.replace("step_s = 1.0", "step_s = 0.001"), "(the limit)"),
    "death_star": (
        VKD49.replace('worksite = "FGB"', 'worksite = "Death Star"', 1),
        "tasks[3].worksite: 'Death Star' is not on the station",
    ),
    "year_2023": (
        FAST.replace("2021-09-03T", "2023-09-03T"),
        "ephemeris: the nearest element set epoch available, 2021-09-09T12:13:40Z, is "
        "724.1 days from the span (2023-09-03); expected at most 14 days",
    ),
    "year_2015_worksite": (  # the station history covers 2015: Nauka (MLM) came in 2021
        FAST.replace("2021-09-03T", "2015-09-03T"),
        "tasks[2].worksite: 'MLM' is not on the station on 2015-09-03",
    ),
    "markup_in_message": (
        VKD49.replace('effects = ["connect power MRM-2 -> MLM"]', 'effects = ["plug [b]in[/b]"]'),
        "A -> B [at PLACE]', got 'plug [b]in[/b]'",
    ),
    "bad_effect_module": (
        FAST.replace("connect power MRM-2 -> MLM", "connect power MRM-2 -> Death-Star"),
        "tasks[2].effects[0]:",
    ),
}


@pytest.mark.parametrize("case", sorted(CLI_BAD_SCENARIOS))
def test_cli_bad_scenario(tmp_path, case):
    text, expected = CLI_BAD_SCENARIOS[case]
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "res", cwd=tmp_path))
    assert message.startswith("mine.toml:")
    assert expected in message
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "afile"], "--out afile: expected a folder, but afile is a file"),
        (["--out", "afile/sub"], "--out afile/sub: afile is a file, not a folder"),
        (
            ["--video", "--video-span", "12:00-12:10"],
            "--video-span 12:00-12:10: expected times inside the replay span 14:10-22:40 UTC",
        ),
        (["--video-span", "15:00-15:10"], "--video-span: only used with --video"),
        (["--video-lens", "action"], "--video-lens: only used with --video"),
        (["--video", "--video-lens", "gopro"], "--video-lens 'gopro': expected one of rectilinear"),
        (["--video", "--fps", "nan"], "--fps: expected 0.1..120, got nan"),
        (["--video", "--video-size", "1x1"], "--video-size: expected 16..7680 x 16..4320"),
        (
            ["--video", "--video-span", "14:41-22:30", "--video-speed", "1"],
            "844,201 frames per camera; expected at most 100,000 (the limit)",
        ),
        (["--fps", "abc"], "Invalid value for '--fps'"),
        (["--fsp", "3"], "No such option: --fsp"),
    ],
)
def test_cli_bad_options_before_any_work(tmp_path, args, expected):
    (tmp_path / "fast.toml").write_text(FAST)
    (tmp_path / "afile").write_text("")
    result = evasim("replay", "fast.toml", *args, cwd=tmp_path)
    assert expected in one_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "fast.toml"]
    assert not (tmp_path / "out").exists()


def test_cli_ffmpeg_missing_is_a_runtime_fault_found_before_work(tmp_path):
    (tmp_path / "fast.toml").write_text(FAST)
    result = evasim(
        "replay", "fast.toml", "--video", cwd=tmp_path, env={"IMAGEIO_FFMPEG_EXE": "/nonexistent"}
    )
    assert one_line(result, code=1) == "ffmpeg not found at /nonexistent (IMAGEIO_FFMPEG_EXE)"
    assert [p.name for p in tmp_path.iterdir()] == ["fast.toml"]


@pytest.mark.render
def test_cli_ffmpeg_failing_is_one_line_exit_1(tmp_path):
    (tmp_path / "fast.toml").write_text(FAST)
    args = ["--no-report", "--video", "--video-span", "14:41-14:42", "--video-speed", "3600"]
    args += ["--fps", "0.1", "--video-size", "64x36", "--out", "res"]
    result = evasim("replay", "fast.toml", *args, cwd=tmp_path, env={"IMAGEIO_FFMPEG_EXE": "false"})
    message = one_line(result, code=1)
    assert message.startswith("ffmpeg failed") and "helmet_ev1.mp4" in message
    assert not list((tmp_path / "res").glob("*.mp4"))


def test_cli_stale_elements_allowed_and_suit_overrun_are_loud(tmp_path):
    text = FAST.replace("2021-09-03T", "2021-10-20T").replace(
        "suit_autonomy_h = 8.0", "suit_autonomy_h = 7.5"
    )
    (tmp_path / "late.toml").write_text(text)
    refused = one_line(evasim("replay", "late.toml", cwd=tmp_path))
    assert "2021-09-09T12:13:40Z, is 41.1 days from the span" in refused
    assert "--allow-stale-elements" in refused
    assert [p.name for p in tmp_path.iterdir()] == ["late.toml"]

    args = ["--allow-stale-elements", "--no-report", "--out", "res"]
    result = evasim("replay", "late.toml", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 2 and all(w.startswith("warning: ") for w in warnings)
    assert "41.1 days from the span" in warnings[0]
    assert "is 24 min longer than the ~7.5 h autonomy" in warnings[1]
    summary = json.loads((tmp_path / "res/summary.json").read_text())
    assert any(f.startswith("WARNING: the spacewalk (7 h 54 min)") for f in summary["flags"])
    assert "41.1 days from hatch open" in summary["warnings"][0]
    assert "WARNING: the spacewalk" in " ".join(result.stdout.split())


def test_cli_station_bad_drawing_writes_nothing(tmp_path):
    result = evasim("station", "--date", "2021-11-27", "--draw", "x.bmp", cwd=tmp_path)
    assert one_line(result) == "--draw x.bmp: expected .png, .svg, .pdf, .jpg or .jpeg"
    result = evasim(
        "station", "--date", "2021-11-27", "--draw", "a.svg", "--mesh", "x.stl", cwd=tmp_path
    )
    assert one_line(result) == "--mesh x.stl: expected .glb, .gltf or .obj"
    result = evasim("station", "--date", "2021-11-27", "--sarj-angle", "nan", cwd=tmp_path)
    assert one_line(result) == "--sarj-angle: expected -360..360 deg, got nan"
    assert list(tmp_path.iterdir()) == []


def test_cli_render_checks_options_before_the_replay(tmp_path):
    cases = [
        (["--crew", "EV3"], "--crew 'EV3': expected one of EV1 Oleg Novitskiy, EV2 Pyotr Dubrov"),
        (
            ["--at", "2021-09-03T23:00:00Z"],
            "--at 2021-09-03T23:00:00Z: expected a time inside the replay span "
            "2021-09-03T14:10Z - 2021-09-03T22:40Z",
        ),
        (["-o", "x.bmp"], "-o x.bmp: expected .png, .jpg or .jpeg"),
        (
            ["--look", "up"],
            "--look 'up': expected auto, worksite, limb, nadir, partner or free:YAW,PITCH",
        ),
        (["--fov", "nan"], "--fov nan: expected 1..170 deg for rectilinear"),
    ]
    for args, expected in cases:
        options = {"--crew": "EV1", "--at": "2021-09-03T16:00:00Z"}
        options[args[0]] = args[1]
        flat = [x for kv in options.items() for x in kv]
        assert one_line(evasim("render", "vkd-49", *flat, cwd=tmp_path)) == expected
    assert list(tmp_path.iterdir()) == []


def test_cli_serve_checks_start_before_the_replay(tmp_path):
    result = evasim("serve", "vkd-49", "--start", "2021-09-04T12:00:00Z", cwd=tmp_path)
    assert one_line(result) == (
        "--start 2021-09-04T12:00:00Z: expected a time inside the replay span "
        "2021-09-03T14:10Z - 2021-09-03T22:40Z"
    )
    assert one_line(evasim("serve", "vkd-49", "--fps", "nan", cwd=tmp_path)).startswith("--fps")


def test_help_and_errors_show_brackets(tmp_path):
    help_text = evasim("fit", "--help", cwd=tmp_path).stdout
    assert "[[attitude.targets]]" in help_text
    assert "[default: out/NAME]" in evasim("replay", "--help", cwd=tmp_path).stdout
    assert "--debug" in evasim("--help", cwd=tmp_path).stdout


def test_debug_shows_the_traceback(tmp_path):
    plain = evasim("replay", "missing.toml", cwd=tmp_path)
    assert one_line(plain).startswith("missing.toml: no such file")
    debug = evasim("--debug", "replay", "missing.toml", cwd=tmp_path)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and "EvasimInputError" in debug.stderr


def test_debug_does_not_outlive_its_invocation(tmp_path, monkeypatch):
    """--debug is the invocation's own: an in-process call after a --debug one is one line."""
    from typer.testing import CliRunner

    from evasim import cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    debug = runner.invoke(cli.app, ["--debug", "replay", "missing.toml"])
    assert isinstance(debug.exception, Exception) and debug.exit_code != 2
    plain = runner.invoke(cli.app, ["replay", "missing.toml"])
    assert plain.exit_code == 2
    assert plain.stderr.strip().startswith("error: missing.toml: no such file")


def test_disk_full_while_writing_is_one_line_exit_1(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from evasim import cli, outputs

    def full(replay, out_dir, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "telemetry.parquet"))

    monkeypatch.setattr(outputs, "write_products", full)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fast.toml").write_text(FAST)
    result = CliRunner().invoke(cli.app, ["replay", "fast.toml", "--out", "res"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == "error: res/telemetry.parquet: No space left on device"


def test_unexpected_fault_is_one_line_exit_1(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from evasim import cli, scenario

    def broken(name):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(scenario, "load_scenario", broken)
    result = CliRunner().invoke(cli.app, ["replay", "vkd-49"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: internal error: ZeroDivisionError: division by zero (run with evasim --debug "
        "for the traceback, and please report it)"
    ]


def test_usage_errors_are_one_line_in_process_too():
    from typer.testing import CliRunner

    from evasim import cli

    result = CliRunner().invoke(cli.app, ["replay", "vkd-49", "--fsp", "1"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: No such option: --fsp (Possible options: --fps)"
    ]


def test_elements_out_of_range_are_refused():
    from evasim.sky.tle import parse_omm_record, tle_checksum

    line2 = L2[:8] + "999.9999" + L2[16:68]
    line2 += str(tle_checksum(line2))
    with pytest.raises(EvasimInputError) as err:
        parse_tle_text(f"{L1}\n{line2}", source="x.tle")
    assert str(err.value).startswith("x.tle:2: TLE line 2: the inclination (columns 9-16, ")
    record = omm_record(RA_OF_ASC_NODE=1e30)
    with pytest.raises(EvasimInputError) as err:
        parse_omm_record(record, source="o.json")
    assert str(err.value) == "o.json: OMM RA_OF_ASC_NODE 1e+30: expected a number in 0..360"


SHORT = """
name = "short"
title = "A [short] spacewalk"
[span]
start_utc = 2021-09-03T14:30:00Z
end_utc = 2021-09-03T15:10:00Z
step_s = 10.0
[eva]
airlock = "Poisk (MRM-2)"
hatch_open_utc = 2021-09-03T14:41:00Z
hatch_close_utc = 2021-09-03T15:05:00Z
[[crew]]
name = "[bold]Oleg[/bold]"
role = "EV1"
"""


def test_cli_short_spacewalk_and_markup_in_names(tmp_path):
    """Less than an orbit (no period) and brackets in the title and names: printed as text."""
    (tmp_path / "short.toml").write_text(SHORT)
    result = evasim("replay", "short.toml", "--no-report", "--out", "res", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "A [short] spacewalk" in out and "EV1 [bold]Oleg[/bold]" in out
    assert "period -" in out


def test_fuzz_findings_are_input_errors(tmp_path):
    """Inputs the fuzz script found to escape as internal errors: one EvasimInputError each."""
    from evasim.sky.tle import parse_omm_record

    assert "nested too deeply" in _error("x = " + "[" * 100_000 + "]" * 100_000)
    assert "name: string should have at most 100 characters" in _error(
        VKD49.replace('name = "vkd-49"', f'name = "{"n" * 101}"')
    )
    nauka = (SRC / "evasim/data/scenarios/nauka-2021-07-29.toml").read_text()
    assert "sigma: input should be greater than or equal to" in _error(
        nauka.replace("sigma = 0.03", "sigma = 5e-324")
    )
    record = omm_record(ELEMENT_SET_NO=-1e308)
    with pytest.raises(EvasimInputError, match=r"^o\.json: OMM ELEMENT_SET_NO -1e\+308: "):
        parse_omm_record(record, source="o.json")


def test_subnormal_step_is_refused_with_the_limit_not_an_overflow(tmp_path):
    """Fuzz: ``step_s = 5e-324`` made span / step infinite (OverflowError counting samples)."""
    text = FAST.replace("step_s = 60.0", "step_s = 5e-324")
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "out", "--no-report", cwd=tmp_path))
    assert message.startswith(f"mine.toml:{_line_of(text, 'step_s')}: span.step_s: ")
    assert f"expected at most {MAX_SAMPLES:,} (the limit)" in message
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]
    nauka = (SRC / "evasim/data/scenarios/nauka-2021-07-29.toml").read_text()
    msg = _error(nauka.replace("dt_s = 0.1", "dt_s = 5e-324"))
    assert "attitude.dt_s: " in msg and "attitude steps; expected at most 2,000,000" in msg


def _tle_scenario(line1: str, line2: str) -> str:
    from evasim.sky.tle import tle_checksum

    line1, line2 = (x[:68] + str(tle_checksum(x)) for x in (line1, line2))
    text = FAST.replace('source = "bundled"', f'source = "tle"\ntle = """\n{line1}\n{line2}\n"""')
    return text.replace('set = "iss_2021"', "")


@pytest.mark.parametrize(
    ("line1", "line2", "expected"),
    [
        (  # fuzz: SGP4 read an epoch day of 2.455e220 (OverflowError making the date)
            L1.replace("21245.53748218", "21245.5374E218"),
            L2,
            "TLE line 1: the epoch day of year (columns 21-32) is '245.5374E218'; expected a "
            "number like '245.53748218' in the fixed columns of the TLE format",
        ),
        (
            L1.replace("21245.53748218", "21400.53748218"),
            L2,
            "TLE line 1: the epoch day of year (columns 21-32) is '400.53748218'; "
            "expected 1 <= day < 367",
        ),
        (  # fuzz: SGP4 read the mean anomaly as .45 and the mean motion as .5195 rev/day: an
            # orbit of ~2 days, no nodal period over the span, and the report formatted None
            L1,
            L2.replace("145.5195 15.48587491", ".45.5195 15.44587491"),
            "TLE line 2: the mean anomaly (columns 44-51, 0..360 deg) is '.45.5195'; expected "
            "a number like '145.5195' in the fixed columns of the TLE format",
        ),
    ],
)
def test_tle_fields_must_fill_their_columns(tmp_path, line1, line2, expected):
    text = _tle_scenario(line1, line2)
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "out", cwd=tmp_path))
    number = 1 if expected.startswith("TLE line 1") else 2
    assert message == f"mine.toml:{_line_of(text, f'{number} 25544')}: {expected}"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


def test_report_of_a_span_without_a_nodal_period_shows_a_dash(tmp_path):
    """The spacewalk report formats a summary figure that is None (no full orbit) as "-"."""
    (tmp_path / "short.toml").write_text(SHORT)
    result = evasim("replay", "short.toml", "--out", "res", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = next((tmp_path / "res").rglob("*.html")).read_text()
    assert "<b>-</b><span>nodal period</span>" in html


OMM_TABLE = """
[ephemeris.omm]
OBJECT_NAME = "ISS (ZARYA)"
OBJECT_ID = "1998-067A"
EPOCH = "2021-09-02T12:53:58.460352"
MEAN_MOTION = 15.48587491
ECCENTRICITY = 0.0003041
INCLINATION = 51.6442
RA_OF_ASC_NODE = 320.2331
ARG_OF_PERICENTER = 346.4163
MEAN_ANOMALY = 145.5195
NORAD_CAT_ID = 25544
BSTAR = 8.1292e-05
MEAN_MOTION_DOT = 3.969e-05
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [  # fuzz: OBJECT_ID = [] reached sgp4 (AttributeError: 'list' object has no attribute ...)
        ('OBJECT_ID = "1998-067A"', "OBJECT_ID = []", "OMM OBJECT_ID []: expected text, e.g. "),
        ('OBJECT_NAME = "ISS (ZARYA)"', "OBJECT_NAME = 7", "OMM OBJECT_NAME 7: expected text"),
        (
            "MEAN_MOTION = 15.48587491",
            'MEAN_MOTION = "fast"',
            "OMM MEAN_MOTION 'fast': expected a number",
        ),
        ("NORAD_CAT_ID = 25544", "NORAD_CAT_ID = true", "OMM NORAD_CAT_ID True: expected a number"),
        (
            "NORAD_CAT_ID = 25544",
            "NORAD_CAT_ID = 25544.5",
            "OMM NORAD_CAT_ID 25544.5: expected a whole number",
        ),
        ("BSTAR = 8.1292e-05", "BSTAR = {a = 1}", "OMM BSTAR {'a': 1}: expected a number"),
    ],
)
def test_omm_fields_are_type_checked(tmp_path, old, new, expected):
    text = FAST.replace('source = "bundled"', 'source = "omm"').replace('set = "iss_2021"', "")
    text += OMM_TABLE.replace(old, new)
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "out", "--no-report", cwd=tmp_path))
    assert message.startswith(f"mine.toml: ephemeris.omm: {expected}")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


def test_omm_inline_epoch_may_be_a_toml_date_time(tmp_path):
    from evasim.replay import choose_element_set

    text = FAST.replace('source = "bundled"', 'source = "omm"').replace('set = "iss_2021"', "")
    text += OMM_TABLE.replace('"2021-09-02T12:53:58.460352"', "2021-09-02T12:53:58.460352Z")
    chosen = choose_element_set(parse_scenario(text, "mine.toml"))
    assert chosen.epoch_utc == datetime(2021, 9, 2, 12, 53, 58, 460352, tzinfo=UTC)


NAUKA = (SRC / "evasim/data/scenarios/nauka-2021-07-29.toml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [  # fuzz: thrust_n = 1e308 reached the integrator (LinAlgError: SVD did not converge)
        (
            "thrust_n = 26.223",
            "thrust_n = 1e308",
            "attitude.thrusters[0].thrust_n: input should be less than or equal to 100000 "
            "(the limit), got 1e+308",
        ),
        ("isp_s = 290.0", "isp_s = 5e-324", "attitude.thrusters[0].isp_s: input should be greater"),
        ("propellant_kg = 13.404", "propellant_kg = 1e9", "propellant_kg: input should be less"),
        ("max_torque_n_m = 90.689", "max_torque_n_m = 1e300", "max_torque_n_m: input should be"),
        ("direction = [1.0, 0.0, 0.0]", "direction = [5e-324, 0.0, 0.0]", "non-zero vector"),
    ],
)
def test_attitude_parameters_are_bounded(tmp_path, old, new, expected):
    assert old in NAUKA
    text = NAUKA.replace(old, new)
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "out", "--no-report", cwd=tmp_path))
    assert message.startswith(f"mine.toml:{_line_of(text, new)}: attitude.")
    assert expected in message
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


def test_thrusters_that_would_spin_the_station_beyond_the_limit_are_refused(tmp_path):
    """Within every bound, but unopposed 1 kN at 16.9 m for the span: ~70 deg/s."""
    text = NAUKA.replace("thrust_n = 26.223", "thrust_n = 1000.0").replace(
        "propellant_kg = 13.404", "propellant_kg = 20000.0"
    )
    (tmp_path / "mine.toml").write_text(text)
    message = one_line(evasim("replay", "mine.toml", "--out", "out", "--no-report", cwd=tmp_path))
    assert message.startswith(
        f"mine.toml:{_line_of(text, 'thrust_n = 1000.0')}: attitude.thrusters[0].thrust_n: "
        "1000 N at 16.9 m for 4,260 s would spin the station up to "
    )
    assert "expected at most 10 deg/s (the limit)" in message
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


@pytest.mark.parametrize(("width", "height"), [(32, 18), (16, 16)])
@pytest.mark.render
def test_helmet_camera_overlay_is_clipped_to_a_tiny_frame(sky, width, height):
    """Fuzz: at 32x18 the overlay's bottom line started above the image (y < 0) and its text
    region did not match the image region. Both the CLI and the API refuse < 16 px; the text
    is clipped to the image."""
    from evasim import api
    from evasim.replay import run_replay

    replay = run_replay(parse_scenario(FAST, "fast.toml"), sky)
    frame = api.helmet_camera(replay, width, height).frame(
        "EV1", datetime(2021, 9, 3, 15, 30, tzinfo=UTC)
    )
    assert frame.image.shape == (height, width, 3)


def test_attitude_scenario_without_published_figures_reports_unconstrained(tmp_path):
    """No targets to fit: every parameter is 'unconstrained' in summary.json and the terminal
    (found by benchmarks/fuzz_inputs.py: a truncated Nauka scenario crashed the summary print)."""
    from importlib import resources

    ref = resources.files("evasim") / "data" / "scenarios" / "nauka-2021-07-29.toml"
    text = ref.read_text(encoding="utf-8")
    text = text.split("\n[[attitude.priors]]")[0].replace("step_s = 1.0", "step_s = 60.0")
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    result = evasim("replay", "s.toml", "--out", "out", "--no-report", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["fitted_parameters"]
    assert {p["sigma"] for p in summary["fitted_parameters"].values()} == {"unconstrained"}
    assert "unconstrained" in result.stdout
