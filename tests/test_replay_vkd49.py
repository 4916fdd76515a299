"""The 2021-09-03 spacewalk end to end: lighting story, timeline, products on disk."""

from __future__ import annotations

import csv
import html
import json
from datetime import timedelta

import numpy as np
import pyarrow.parquet as pq
import pytest

from evasim.outputs import write_products
from evasim.report import render_report
from iss_2021_lines import omm_record


def test_hatch_opens_in_darkness_then_sunrise_within_30_min(vkd49):
    s_open = vkd49.grid.seconds_of(vkd49.scenario.eva.hatch_open_utc)
    i = int(np.searchsorted(vkd49.grid.seconds, s_open))
    assert vkd49.sunlit_fraction[i] == 0.0
    rises = vkd49.edges.sunrises_s
    first = rises[rises > s_open][0]
    assert 0 < first - s_open < 30 * 60


def test_five_sunsets_during_the_eva(vkd49):
    s = vkd49.summary()
    assert len(s["sunsets_during_eva_utc"]) == 5
    assert len(s["sunrises_during_eva_utc"]) == 5


def test_timeline_active_tasks_and_suit_time(vkd49):
    tl, grid = vkd49.timeline, vkd49.grid
    sc = vkd49.scenario
    at = grid.seconds_of(sc.eva.hatch_open_utc + timedelta(hours=5))  # 19:41: EV1 Ethernet
    i = int(np.searchsorted(grid.seconds, at))
    assert tl.active_task["EV1"][i].startswith("Mate the MLM-USOS Ethernet")
    assert tl.active_task["EV2"][i].startswith("Prepare handrails")
    assert tl.active_task["EV1"][0] == ""  # before hatch open
    assert tl.eva_elapsed_s[i] == pytest.approx(5 * 3600.0)
    assert tl.suit_time_left_s[i] == pytest.approx(3 * 3600.0)
    assert np.isnan(tl.suit_time_left_s[0])
    assert "Ran 1 h 03 min over the planned 6 h 51 min" in tl.flags


@pytest.fixture(scope="module")
def products(vkd49, tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "vkd-49"
    write_products(vkd49, out, render_report)
    return out


def test_telemetry_parquet(products, vkd49):
    table = pq.read_table(products / "telemetry.parquet")
    assert table.num_rows == len(vkd49.grid) == 8 * 3600 + 30 * 60 + 1
    for column in (
        "utc",
        "x_gcrs_km",
        "z_itrs_km",
        "latitude_deg",
        "longitude_deg",
        "altitude_km",
        "sunlit_fraction",
        "sun_elevation_deg",
        "task_ev1",
        "task_ev2",
    ):
        assert column in table.column_names
    utc = table.column("utc").to_numpy()
    assert np.all(np.diff(utc).astype("timedelta64[ms]").astype(int) == 1000)
    r = np.array([table.column(f"{a}_gcrs_km").to_numpy() for a in "xyz"])
    assert np.all(np.abs(np.linalg.norm(r, axis=0) - 6800) < 40)


def test_events_csv(products):
    with open(products / "events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    kinds = {r["kind"] for r in rows}
    assert kinds == {"sunrise", "sunset", "hatch_open", "hatch_close", "task_start", "task_end"}
    assert [r["utc"] for r in rows] == sorted(r["utc"] for r in rows)
    hatch = [r for r in rows if r["kind"].startswith("hatch")]
    assert [r["utc"] for r in hatch] == ["2021-09-03T14:41:00.0Z", "2021-09-03T22:35:00.0Z"]


def test_summary_json(products):
    s = json.loads((products / "summary.json").read_text())
    assert s["hatch_open_utc"] == "2021-09-03T14:41:00Z"
    assert s["duration_hm"] == "7 h 54 min"
    assert s["tle"]["epoch_utc"] == "2021-09-02T12:53:58Z"
    assert 0.5 < s["daylight_fraction_during_eva"] < 0.75
    assert 20 < s["beta_angle_deg"]["at_hatch_open"] < 35


def test_report_is_self_contained(products):
    html = (products / "report.html").read_text()
    assert html.count("data:image/") == 4
    assert 'src="http' not in html and 'href="http' not in html
    assert "estimated" in html
    assert "Jonathan's Space Report" in html or "Jonathan&#x27;s Space Report" in html


def test_vkd50_lighting(vkd50):
    s = vkd50.summary()
    assert s["tle"]["epoch_utc"] == "2021-09-09T12:13:40Z"
    assert s["flags"][0].startswith("Hatch opened in darkness")


def test_far_element_set_is_refused_unless_allowed_and_omm_file_works(tmp_path, sky):
    """A scenario 41 days after the newest bundled set is refused, naming that set's epoch;
    allowed explicitly, it replays with a warning that reaches the summary and the report.
    An OMM file replays."""
    from pathlib import Path

    from evasim import api
    from evasim.errors import EvasimInputError
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario, parse_scenario

    text = (Path(__file__).parents[1] / "src/evasim/data/scenarios/vkd-49.toml").read_text()
    text = text.replace("2021-09-03T", "2021-10-20T").replace("step_s = 1.0", "step_s = 30.0")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x == "[ephemeris]")
    with pytest.raises(EvasimInputError) as refused:
        run_replay(parse_scenario(text, "late.toml"), sky)
    assert str(refused.value).startswith(
        f"late.toml:{line}: ephemeris: the nearest element set epoch available, "
        "2021-09-09T12:13:40Z, is 41.1 days from the span (2021-10-20); expected at most 14 days"
    )
    assert "--allow-stale-elements" in str(refused.value)
    late = api.replay(parse_scenario(text, "late.toml"), sky, allow_stale_elements=True)
    assert len(late.warnings) == 1
    assert "element set epoch 2021-09-09T12:13:40Z is 41.1 days from hatch open" in late.warnings[0]
    assert late.summary()["warnings"] == late.warnings
    assert html.escape(f"WARNING: {late.warnings[0]}", quote=False) in render_report(late)

    record = omm_record()  # the element set the bundled replay chooses
    (tmp_path / "iss.json").write_text(json.dumps([record]))
    base = (Path(__file__).parents[1] / "src/evasim/data/scenarios/vkd-49.toml").read_text()
    omm_text = base.replace('source = "bundled"', 'source = "omm"\nomm_file = "iss.json"')
    omm_text = omm_text.replace('set = "iss_2021"', "").replace("step_s = 1.0", "step_s = 30.0")
    (tmp_path / "omm.toml").write_text(omm_text)
    omm = api.replay(load_scenario(str(tmp_path / "omm.toml")), sky)
    assert (
        omm.summary()["sunsets_during_eva_utc"]
        == api.replay(load_scenario("vkd-49"), sky).summary()["sunsets_during_eva_utc"]
    )


@pytest.mark.render
def test_public_api(vkd49):
    from datetime import UTC, datetime

    from evasim import api

    config = api.station_at(datetime(2021, 9, 3, tzinfo=UTC))
    assert "Nauka" in config.modules
    cam = api.helmet_camera(vkd49, 64, 36, look="nadir")
    image = cam.frame("EV1", datetime(2021, 9, 3, 15, 30, tzinfo=UTC)).image
    assert image.shape == (36, 64, 3) and image.mean() > 30


def test_telemetry_accessor_is_the_parquet_table(products, vkd49):
    """``replay.telemetry()`` is the table telemetry.parquet holds; ``events()`` is events.csv."""
    table = vkd49.telemetry()
    on_disk = pq.read_table(products / "telemetry.parquet")
    assert table.column_names == on_disk.column_names
    assert table.equals(on_disk.cast(table.schema))
    assert table.column_names[:2] == ["utc", "eva_elapsed_s"]
    assert table.column_names.index("suit_time_left_s") > table.column_names.index("beta_angle_deg")
    with open(products / "events.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [e.kind for e in vkd49.events()] == [r["kind"] for r in rows]


def test_telemetry_to_pandas(vkd49):
    pandas = pytest.importorskip("pandas")
    frame = vkd49.telemetry().to_pandas()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == len(vkd49.grid)


def test_replay_is_a_core_plus_one_part(vkd49):
    """The spacewalk part carries the timeline; the core the orbit and light."""
    from evasim.parts import ReplayCore, SpacewalkPart

    assert isinstance(vkd49.core, ReplayCore) and isinstance(vkd49.part, SpacewalkPart)
    assert vkd49.spacewalk is vkd49.part and vkd49.attitude_event is None
    assert vkd49.timeline is vkd49.part.timeline and vkd49.grid is vkd49.core.grid
    assert vkd49.require_spacewalk("x") is vkd49.part
