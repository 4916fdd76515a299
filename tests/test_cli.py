"""The command line, as a user runs it: outputs, and bad input -> one line, exit 2, no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iss_2021_lines import L1, L2

VKD49 = (Path(__file__).parents[1] / "src/evasim/data/scenarios/vkd-49.toml").read_text()


def evasim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evasim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_scenarios_lists_builtins(tmp_path):
    result = evasim("scenarios", cwd=tmp_path)
    assert result.returncode == 0
    assert "vkd-49" in result.stdout and "vkd-50" in result.stdout


BAD_INPUTS = {
    "unknown_field": (VKD49.replace("[span]", "[span]\nspeed = 2"), "span.speed: unknown field"),
    "wrong_type": (
        VKD49.replace("suit_autonomy_h = 8.0", 'suit_autonomy_h = "eight"'),
        "eva.suit_autonomy_h:",
    ),
    "out_of_order": (
        VKD49.replace(
            'start_elapsed = "0:35"\nend_elapsed = "1:20"',
            'start_elapsed = "0:35"\nend_elapsed = "0:20"',
        ),
        "tasks[1].end_elapsed: expected the task to end after",
    ),
    "hatch_order": (
        VKD49.replace(
            "hatch_close_utc = 2021-09-03T22:35:00Z", "hatch_close_utc = 2021-09-03T12:00:00Z"
        ),
        "eva.hatch_close_utc: expected a time after hatch_open_utc",
    ),
    "bad_tle_checksum": (
        VKD49.replace(
            'source = "bundled"', f'source = "tle"\ntle = """\n{L1}\n{L2[:68]}2\n"""'
        ).replace('set = "iss_2021"', ""),
        "TLE line 2: bad checksum 2; expected 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_line_exit_2_no_output(tmp_path, case):
    text, expected = BAD_INPUTS[case]
    path = tmp_path / "mine.toml"
    path.write_text(text)
    result = evasim("replay", str(path), "--out", "result", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"error: {path}")
    assert expected in lines[0]
    assert not (tmp_path / "result").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]


def test_missing_file_exit_2(tmp_path):
    result = evasim("replay", "missing.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: missing.toml: no such file, nor a built-in scenario; expected one of vkd-49, "
        "vkd-50, nauka-2021-07-29, eva-1 .. eva-277 (any ISS spacewalk) or a path to a .toml file"
    ]


def test_user_file_with_inline_tle_replays(tmp_path):
    text = VKD49.replace('source = "bundled"', f'source = "tle"\ntle = """\n{L1}\n{L2}\n"""')
    text = text.replace('set = "iss_2021"', "").replace("step_s = 1.0", "step_s = 10.0")
    (tmp_path / "mine.toml").write_text(text)
    result = evasim("replay", "mine.toml", "--out", "res", "--no-report", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [
        ".evasim-products",
        "attitude.aem",
        "events.csv",
        "orbit.oem",
        "summary.json",
        "telemetry.parquet",
    ]


def test_station_json_and_drawings(tmp_path):
    import json

    result = evasim(
        "station",
        "--date",
        "2021-11-27",
        "--format",
        "json",
        "--draw",
        "iss.svg",
        "--mesh",
        "iss.glb",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    for key in (
        "date",
        "modules",
        "ports",
        "links",
        "mass_kg",
        "center_of_mass_m",
        "inertia_kg_m2",
    ):
        assert key in info
    assert "Prichal" in info["modules"]
    port = next(p for p in info["ports"] if (p["module"], p["port"]) == ("Prichal", "nadir"))
    assert port["soyuz_progress_capable"] is True
    assert set(port) == {
        "module", "port", "docking_system", "soyuz_progress_capable", "occupant", "occupant_known"
    }  # fmt: skip
    assert port["occupant_known"] is True  # 2021: visiting vehicles are compiled
    assert {"from", "to", "kind", "state"} <= set(info["links"][0])
    assert (tmp_path / "iss.svg").read_text().lstrip().startswith("<?xml")
    import trimesh

    scene = trimesh.load(tmp_path / "iss.glb")
    extent = scene.bounds[1] - scene.bounds[0]
    assert 100 < extent[1] < 115  # the truss with its arrays, ~109 m


def test_station_bad_date_exit_2(tmp_path):
    result = evasim("station", "--date", "yesterday", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --date: expected a date like 2021-11-27, got 'yesterday'"
    )
    result = evasim("station", "--date", "2021-09-03", "--mesh", "x.stl", cwd=tmp_path)
    assert result.returncode == 2 and "expected .glb, .gltf or .obj" in result.stderr
    assert not (tmp_path / "x.stl").exists()
