"""Inputs the second fuzz (benchmarks/fuzz_inputs.py --kinds new) broke, each as it was found:
one line naming the file, line or option and what was expected; exit 2 (exit 1 for a fault of
the machine); no traceback; nothing written. Run in-process (``evasim.cli.main``) to stay fast."""

from __future__ import annotations

import contextlib
import io
import os
import socket
from pathlib import Path

import pytest

from evasim.cli import main
from evasim.errors import EvasimInputError
from iss_2021_lines import omm_record


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """``evasim ARGS`` in ``cwd`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def refused(args: list[str], cwd: Path, code: int = 2) -> str:
    """The one error line of a refused command; asserts the exit code and that nothing in
    ``cwd`` changed."""
    before = snapshot(cwd)
    got, _out, err = run(args, cwd)
    lines = err.strip().splitlines()
    assert got == code, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert snapshot(cwd) == before
    return lines[0].removeprefix("error: ")


# ------------------------------------------------------------------ product sets


def test_montecarlo_products_are_a_product_set_a_rerun_may_replace(tmp_path):
    """Found: a second `montecarlo --out X` into its own folder was refused ('holds
    runs.parquet ..., not an evasim product'): its files were not product names."""
    from evasim.productset import check_out_dir, is_product_name

    for name in ("runs.parquet", "telemetry_run_0.parquet", "telemetry_run_417.parquet"):
        assert is_product_name(name)
    assert is_product_name("run_12.json") and is_product_name("video.json")
    for name in ("run_x.json", "telemetry_run_1.json", "runs.csv", "thesis.tex"):
        assert not is_product_name(name)
    folder = tmp_path / "mc"
    folder.mkdir()
    for name in ("runs.parquet", "summary.json", "report.html", "telemetry_run_3.parquet"):
        (folder / name).write_bytes(b"x")
    check_out_dir(folder)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(EvasimInputError, match=r"'notes\.txt', not an evasim product"):
        check_out_dir(folder)


def test_montecarlo_rerun_twice_into_the_same_folder(tmp_path):
    args = ["montecarlo", "nauka-2021-07-29", "--dispersions", "nauka-2021-07-29"]
    args += ["--rerun", "1", "--dt-s", "1", "--out", "mc"]
    for _ in range(2):
        code, _out, err = run(args, tmp_path)
        assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "mc").iterdir()) == [
        ".evasim-products",
        "run_1.json",
        "telemetry_run_1.parquet",
    ]


# ------------------------------------------------------------------ globe


@pytest.fixture()
def globe_folder(tmp_path, monkeypatch):
    cesium = tmp_path / "cesium"
    cesium.mkdir()
    (cesium / "Cesium.js").write_text("// stand-in\n")
    monkeypatch.setenv("EVASIM_CESIUM_DIR", str(cesium))
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "replay.czml").write_text("[]")
    (folder / "station.glb").write_bytes(b"glTF")
    return tmp_path


@pytest.mark.parametrize(
    "host, expected",
    [
        ("999.1.1.1", "--host '999.1.1.1': expected an address or name of this machine"),
        ("nosuch.invalid", "--host 'nosuch.invalid': expected an address or name"),
        ("8.8.8.8", "--host '8.8.8.8': not an address of this machine"),
        ("127.0.0.1:80", "--host '127.0.0.1:80': expected an address or name"),
    ],
)
def test_globe_host_it_cannot_listen_on_is_refused_before_serving(globe_folder, host, expected):
    """Found: uvicorn's own 'ERROR: [Errno -2] Name or service not known' and exit code 3
    after the 'serving at' line."""
    assert refused(["globe", "g", "--host", host, "--port", "8001"], globe_folder).startswith(
        expected
    )


def test_serve_host_is_checked_before_the_replay(tmp_path):
    """The broadcast had the same fault as the globe, after computing the replay."""
    message = refused(["serve", "vkd-49", "--host", "nosuch.invalid"], tmp_path)
    assert message.startswith("--host 'nosuch.invalid': expected an address or name")


def test_globe_port_in_use_is_a_runtime_fault(globe_folder):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = refused(["globe", "g", "--port", str(port)], globe_folder, code=1)
    assert message == f"cannot listen on 127.0.0.1:{port}: Address already in use"


# ------------------------------------------------------------------ element set names


SRC = Path(__file__).parents[1] / "src"
VKD49_FAST = (
    (SRC / "evasim/data/scenarios/vkd-49.toml")
    .read_text(encoding="utf-8")
    .replace("step_s = 1.0", "step_s = 60.0")
)


def _omm_scenario(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    scenario = VKD49_FAST.replace('source = "bundled"', 'source = "omm"', 1)
    scenario = scenario.replace('set = "iss_2021"', f'omm_file = "{name}"', 1)
    (folder / "s.toml").write_text(scenario, encoding="utf-8")


def test_omm_object_name_that_ccsds_cannot_hold_is_refused_naming_the_line(tmp_path):
    """Found: an OMM CSV whose OBJECT_NAME held a control character replayed, then the OEM
    writer failed ('internal error: ValueError: object_name: expected printable ASCII')."""
    from evasim.sky.omm import omm_text
    from evasim.sky.tle import bundled_set

    es = next(s for s in bundled_set("iss_2021") if s.line1[18:32] == "21245.53748218")
    text = omm_text(es, "csv").replace("ISS (ZARYA)", "ISS (ZARYA\x83)")
    _omm_scenario(tmp_path, "iss.csv", text)
    message = refused(["replay", "s.toml", "--out", "out", "--no-report"], tmp_path)
    assert message == (
        "iss.csv:2: OMM OBJECT_NAME 'ISS (ZARYA\\x83)': expected printable ASCII text on one "
        "line, e.g. 'ISS (ZARYA)'"
    )


def test_tle_name_line_that_ccsds_cannot_hold_is_refused_naming_the_line():
    from evasim.sky.tle import parse_tle_text
    from iss_2021_lines import L1, L2

    with pytest.raises(EvasimInputError) as err:
        parse_tle_text(f"# a comment\nISS (ZARYA) \u00e9\n{L1}\n{L2}\n", source="iss.tle")
    assert str(err.value) == "iss.tle:2: TLE name line 'ISS (ZARYA) é': expected printable ASCII"
    # a stray line that is not the name of a set (another name line follows) is not refused
    assert parse_tle_text(f"\u00e9\nISS (ZARYA)\n{L1}\n{L2}\n")[0].name == "ISS (ZARYA)"


def test_omm_json_object_name_with_edge_spaces_is_trimmed():
    from evasim.sky.tle import parse_omm_record

    record = omm_record(OBJECT_NAME="  ISS (ZARYA) ")
    assert parse_omm_record(record).name == "ISS (ZARYA)"
    with pytest.raises(EvasimInputError, match="OMM OBJECT_ID '1998-0\\\\x017A': expected"):
        parse_omm_record({**record, "OBJECT_ID": "1998-0\x017A"}, source="x.json")


# ------------------------------------------------------------------ sql


@pytest.fixture()
def catalogue_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.getbasetemp() / "evasim-home-inputs-more"
    monkeypatch.setenv("EVASIM_HOME", str(home))
    from evasim.catalog import Catalog

    Catalog.open()  # built once, before the commands (building says so on stderr)
    return home


def test_sql_that_runs_past_the_time_limit_is_stopped(catalogue_home, tmp_path, monkeypatch):
    """Found: `evasim sql "SELECT repeat('a', 2000000000)"` ran on (and a cross join of
    ranges can run for hours); now interrupted at SQL_TIME_LIMIT_S (60 s; 0.5 here)."""
    import evasim.cli_catalog as cli_catalog

    monkeypatch.setattr(cli_catalog, "SQL_TIME_LIMIT_S", 0.5)
    message = refused(["sql", "SELECT count(*) FROM range(100000000000)"], tmp_path)
    assert message == "sql: stopped after 0.5 s (the limit); expected a query that finishes sooner"


def test_sql_table_cuts_long_values_csv_keeps_them(catalogue_home, tmp_path):
    code, out, err = run(["sql", "SELECT repeat('ab', 5000) AS s"], tmp_path)
    assert code == 0, err
    assert "(10,000 characters; --format csv shows all)" in " ".join(out.split())
    assert len(out) < 5000
    code, out, err = run(["sql", "SELECT repeat('ab', 5000) AS s", "--format", "csv"], tmp_path)
    assert code == 0 and out == "s\n" + "ab" * 5000 + "\n", err


# ------------------------------------------------------------------ bounds


@pytest.mark.parametrize("index", ["99999999999999999999", "18446744073709551615", "1000000"])
def test_montecarlo_rerun_index_is_bounded(tmp_path, index):
    """Found: 99999999999999999999 was an internal OverflowError; 2**64 - 1 'ran' (a failed
    run written, exit 0). A run index beyond the most runs there can be is refused."""
    args = ["montecarlo", "nauka-2021-07-29", "--dispersions", "nauka-2021-07-29"]
    message = refused([*args, "--rerun", index, "--dt-s", "1", "--out", "mc"], tmp_path)
    assert message == f"--rerun: expected a run index 0..999,999 (the limit), got {index}"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1998-11-19", "2100-01-01"])
def test_windows_date_is_bounded(tmp_path, day):
    """Found: `windows --date 9999-12-31 --allow-stale-elements` was an internal
    OverflowError (the day after it does not exist)."""
    args = ["windows", "--date", day, "--allow-stale-elements", "--format", "json"]
    message = refused([*args, "--out", "w.json"], tmp_path)
    assert message == (
        f"--date {day}: expected 1998-11-20 (Zarya's launch) .. 2099-12-31 (the limit)"
    )


def test_windows_first_day_is_the_station_history_first_day():
    from evasim.cli_windows import FIRST_DAY
    from evasim.station.history import SPAN

    assert SPAN[0].date() == FIRST_DAY


# ------------------------------------------------------------------ render-video


def test_render_video_that_fails_before_any_chunk_leaves_nothing(tmp_path, monkeypatch):
    """Found: `render-video ... --scheduler tcp://127.0.0.1:1` (no cluster there) left
    out/.video.video-parts-KEY/job.json behind: a parts folder with nothing to resume."""
    import evasim.render.distribute as distribute
    from evasim.errors import EvasimRuntimeError

    def unreachable(*_args, **_kwargs):
        raise EvasimRuntimeError("could not reach tcp://127.0.0.1:1: OSError: timed out")

    monkeypatch.setattr(distribute, "render_parts", unreachable)
    args = ["render-video", "vkd-49", "--span", "15:30-15:31", "--fps", "1", "--size", "64x36"]
    message = refused(args, tmp_path, code=1)
    assert message == "could not reach tcp://127.0.0.1:1: OSError: timed out"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ dispersions


DISPERSIONS = (SRC / "evasim/data/montecarlo/nauka-2021-07-29.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, share",
    [
        ("low = 5.0          #", "low = 5000000000.0  #", "0"),  # the fuzz's input
        ("low = 5.0          #", "low = 60.0\nhigh = 70.0 #", "3e-06"),  # 4.5..5.9 sigma
    ],
)
def test_truncated_normal_that_keeps_almost_no_draws_is_refused(tmp_path, old, new, share):
    """Found: thrust_n truncated at 5e9 N (the mean 26 N, sigma 7.5 N): every draw failed,
    every run got the clipped 5e9 N, and the report's histogram of the nearly equal figures
    was an internal error ('Too many bins for data range') after the runs."""
    assert old in DISPERSIONS
    (tmp_path / "d.toml").write_text(DISPERSIONS.replace(old, new, 1), encoding="utf-8")
    args = ["montecarlo", "nauka-2021-07-29", "--dispersions", "d.toml", "--runs", "2"]
    message = refused([*args, "--workers", "1", "--dt-s", "1", "--out", "mc"], tmp_path)
    assert message == (
        f"d.toml:8: dispersion[0]: truncated_normal keeps {share} of its draws between low and "
        "high; expected at least 0.001 (the limit): bounds within a few sigma of the mean"
    )


def test_montecarlo_histograms_of_nearly_equal_figures():
    """The report draws figures that hardly vary (the other half of the fault above)."""
    import numpy as np

    from evasim.report.montecarlo_html import SHOWN, _histograms

    class Results:
        runs, scenario, seed, criteria = 2, "x", 1, {"total_change_deg": 540.0}

        def column(self, name):
            return np.array([5e9, 5e9 + 1e-6]) if name == SHOWN[0] else np.array([1.0, np.nan])

    assert _histograms(Results()).startswith("data:image/png;base64,")
