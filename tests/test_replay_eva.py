"""``evasim replay eva-N``: any ISS spacewalk of the catalogue, replayed from its record."""

from __future__ import annotations

import dataclasses
import html
import json
import lzma
import tomllib
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import numpy as np
import pytest
from sgp4.api import Satrec
from skyfield.api import EarthSatellite

from evasim import api
from evasim.catalog import Catalog
from evasim.catalog.scenario import (
    GENERIC_EGRESS_MIN,
    SPAN_AFTER_END_MIN,
    SPAN_BEFORE_START_MIN,
    eva_scenario,
    scenario_for_record,
)
from evasim.cli import main
from evasim.errors import EvasimInputError
from evasim.replay import choose_element_set
from evasim.report import render_report
from evasim.report.summary import GENERIC_TIMELINE_NOTE
from evasim.scenario import BUILTIN_SCENARIOS, builtin_text, load_scenario
from evasim.sky.tle import MAX_ELEMENT_AGE_DAYS
from evasim.station import Station, StationError


@pytest.fixture(scope="module")
def catalog():
    return Catalog.open()


@pytest.fixture(scope="module")
def us(sky):
    """A US spacewalk: eva-244, 2021-09-12, Quest, EMU, NASA's battery-power times."""
    return api.replay("eva-244", sky)


@pytest.fixture(scope="module")
def rs(sky):
    """A Russian spacewalk: eva-238, 2021-06-02, Poisk, Orlan, hatch times."""
    return api.replay("eva-238", sky)


# ------------------------------------------------------------------ eva-242/243 = vkd-49/50


def test_builtin_catalog_numbers_match_the_catalogue(catalog):
    """The one place the link is written (catalog_number in the TOML) agrees with the
    catalogue: same date, and the catalogue's start is the scenario's hatch open (hatch times)."""
    linked = {}
    for name in BUILTIN_SCENARIOS:
        number = tomllib.loads(builtin_text(name)).get("catalog_number")
        if number is None:
            continue
        sc = load_scenario(name)
        record = catalog.spacewalk(number)
        assert record.date == sc.eva.hatch_open_utc.date()
        assert record.time_convention == "hatch"
        assert record.start_utc == sc.eva.hatch_open_utc
        assert record.end_utc == sc.eva.hatch_close_utc
        linked[number] = name
    assert linked == {242: "vkd-49", 243: "vkd-50"}
    # The catalogue's own link (matched on date and start time) finds the same pairs.
    assert {r.number: r.scenario for r in catalog.spacewalks() if r.scenario} == linked


def test_eva_242_is_the_detailed_vkd_49(catalog):
    assert eva_scenario("EVA-242", catalog).name == "vkd-49"
    sc = load_scenario("eva-242")
    assert sc.name == "vkd-49" and sc.catalog_number == 242 and not sc.generic_timeline
    assert load_scenario("eva-243").name == "vkd-50"
    assert len(sc.tasks) == 8  # the detailed timeline, not the generic three blocks


def test_vkd_summaries_name_their_running_number(vkd49, vkd50):
    for replay, number in ((vkd49, 242), (vkd50, 243)):
        s = replay.summary()
        assert s["catalog_number"] == number
        assert s["timeline"] == "detailed" and s["time_convention"] == "hatch"
        assert f"ISS spacewalk no. {number}" in s["notes"][0]
        assert GENERIC_TIMELINE_NOTE not in s["notes"]


def test_hatch_open_lighting_of_eva_242_equals_vkd_49(vkd49, sky):
    again = api.replay("eva-242", sky).summary()
    first = vkd49.summary()
    for key in ("hatch_open_utc", "sunrises_during_eva_utc", "sunsets_during_eva_utc", "tle"):
        assert again[key] == first[key]
    assert again["flags"][0] == first["flags"][0]
    assert first["flags"][0].startswith("Hatch opened in darkness, 15 min after sunset")


# ------------------------------------------------------------------ synthesised replays


def test_us_spacewalk_summary(us, catalog):
    s = us.summary()
    record = catalog.spacewalk(244)
    assert s["scenario"] == "eva-244" and s["catalog_number"] == 244
    assert [(m["role"], m["name"], m["suit"]) for m in s["crew"]] == [
        ("EV1", "Akihiko Hoshide", "EMU"),
        ("EV2", "Thomas Pesquet", "EMU"),
    ]
    assert [m.marking for m in us.scenario.crew] == ["red stripes", "not known"]
    assert s["airlock"] == "Quest" and us.spacewalk.airlock == "Quest"
    assert s["station"]["airlock"] == "Quest"
    assert s["time_convention"] == "battery"
    assert any("battery power" in n for n in s["notes"])
    assert s["timeline"] == "generic" and GENERIC_TIMELINE_NOTE in s["notes"]
    assert s["hatch_open_utc"] == "2021-09-12T12:15:00Z" == f"{record.start_utc:%Y-%m-%dT%H:%M:%SZ}"
    assert s["duration_s"] == record.duration_min * 60
    assert s["flags"][0].startswith("EVA started in ")  # not "Hatch opened": battery times
    span = us.scenario.span
    assert span.start_utc == record.start_utc - timedelta(minutes=SPAN_BEFORE_START_MIN)
    assert span.end_utc == record.end_utc + timedelta(minutes=SPAN_AFTER_END_MIN)
    assert s["tle"]["origin"].startswith("iss_tle_1998-2026.txt.xz")
    assert abs(s["tle"]["age_days_at_hatch_open"]) < 1.0
    assert not any("element set" in w for w in s["warnings"])


def test_report_marks_the_generic_timeline_and_battery_times(us):
    page = html.unescape(render_report(us))
    assert GENERIC_TIMELINE_NOTE in page
    assert "EVA start - end, 2021-09-12" in page and "hatch open - closed" not in page
    assert "suits on and off battery power" in page
    assert "Egress from Quest (generic)" in page
    assert "ISS spacewalk no. 244" in page


def test_rs_spacewalk_summary(rs):
    s = rs.summary()
    assert [(m["role"], m["name"], m["suit"]) for m in s["crew"]] == [
        ("EV1", "Oleg Novitskiy", "Orlan"),
        ("EV2", "Pyotr Dubrov", "Orlan"),
    ]
    assert [m.marking for m in rs.scenario.crew] == ["red stripes", "blue stripes"]
    assert s["airlock"] == "Poisk" and rs.spacewalk.airlock == "Poisk"
    assert s["station"]["airlock"] == "Poisk"
    assert s["time_convention"] == "hatch" and s["flags"][0].startswith("Hatch opened in ")
    assert s["timeline"] == "generic" and GENERIC_TIMELINE_NOTE in s["notes"]
    assert s["hatch_open_utc"] == "2021-06-02T05:53:00Z"
    assert s["hatch_close_utc"] == "2021-06-02T13:12:00Z"
    assert abs(s["tle"]["age_days_at_hatch_open"]) < 1.0
    tasks = rs.scenario.tasks
    assert [t.worksite for t in tasks] == [""] * 3  # at the airlock: the cameras start there
    assert tasks[0].name == "Egress from Poisk (generic)"
    assert all(t.estimated and "GENERIC" in t.note for t in tasks)
    first_end = rs.scenario.task_window(tasks[0])[1]
    assert first_end - rs.scenario.eva.hatch_open_utc == timedelta(minutes=GENERIC_EGRESS_MIN)


def _archive_epochs_near(when: datetime, days: float = 2.0) -> list[tuple[datetime, str, str]]:
    """Element sets of the bundled archive within ``days`` of ``when``, epochs from sgp4's own
    parser (independent of evasim's archive code)."""
    path = resources.files("evasim") / "data" / "tle" / "iss_tle_1998-2026.txt.xz"
    text = [ln for ln in lzma.decompress(path.read_bytes()).decode("ascii").splitlines() if ln]
    pairs = [(a.rstrip(), b.rstrip()) for a, b in zip(text[0::2], text[1::2], strict=True)]
    yy = f"{when:%y}"
    out = []
    for l1, l2 in pairs:
        if l1[18:20] != yy or abs(float(l1[20:32]) - when.timetuple().tm_yday) > days + 1:
            continue
        sat = Satrec.twoline2rv(l1, l2)
        epoch = datetime(1949, 12, 31, tzinfo=UTC) + timedelta(days=sat.jdsatepoch - 2433281.5)
        epoch += timedelta(days=sat.jdsatepochF)
        out.append((epoch, l1, l2))
    return out


def test_element_set_is_the_archive_set_nearest_the_start(us):
    start = us.scenario.eva.hatch_open_utc
    near = _archive_epochs_near(start)
    best = min(near, key=lambda e: abs((e[0] - start).total_seconds()))
    assert us.element_set.line1 == best[1] and us.element_set.line2 == best[2]
    assert abs((us.element_set.epoch_utc - best[0]).total_seconds()) < 1e-3


def test_lighting_agrees_with_skyfield_is_sunlit(us, sky):
    """Away from the edges (> 60 s), the archive-driven replay's day/night agrees with skyfield's
    own eclipse test on the same element set."""
    es = us.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    idx = np.arange(0, len(us.grid), 60)
    far = np.min(np.abs(us.grid.seconds[idx][:, None] - us.edges.seconds[None, :]), axis=1) > 60
    idx = idx[far]
    t = sky.utc_seconds(us.grid.t0_utc, us.grid.seconds[idx])
    lit = sat.at(t).is_sunlit(sky.ephemeris)
    assert len(idx) > 300
    assert np.array_equal(lit, us.sunlit_fraction[idx] > 0.5)


# ------------------------------------------------------------------ times, stale sets, errors


def test_start_derived_from_end_and_duration(catalog):
    record = catalog.spacewalk(210)
    assert record.start_utc is None and record.end_utc is not None
    sc = scenario_for_record(record)
    assert sc.eva.hatch_open_utc == record.end_utc - timedelta(minutes=record.duration_min)
    assert any(n.startswith("start derived") for n in sc.notes)
    start_only = dataclasses.replace(record, start_utc=sc.eva.hatch_open_utc, end_utc=None)
    sc2 = scenario_for_record(start_only)
    assert sc2.eva.hatch_close_utc == record.end_utc
    assert any(n.startswith("end derived") for n in sc2.notes)


def test_no_times_is_an_input_error(catalog):
    with pytest.raises(EvasimInputError, match=r"^spacewalk 40 \(2002-06-11\): no published start"):
        scenario_for_record(catalog.spacewalk(40))


def test_stale_element_sets_refused(catalog):
    """A synthetic record dated before the archive's first set (1998-11-20) is refused by the
    14-day rule, and allowed with a warning when asked."""
    record = dataclasses.replace(
        catalog.spacewalk(1),
        number=9999,
        date=date(1998, 10, 1),
        start_utc=datetime(1998, 10, 1, 12, 0, tzinfo=UTC),
        end_utc=datetime(1998, 10, 1, 18, 0, tzinfo=UTC),
    )
    sc = scenario_for_record(record)
    with pytest.raises(EvasimInputError) as err:
        choose_element_set(sc)
    message = str(err.value)
    assert message.startswith("evasim:eva-9999: ephemeris: the nearest element set epoch")
    assert "1998-11-20" in message and f"at most {MAX_ELEMENT_AGE_DAYS:g} days" in message
    assert "--allow-stale-elements" in message
    chosen = choose_element_set(sc.allowing_stale_elements())
    assert chosen.epoch_utc.date() == date(1998, 11, 20)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("eva-0", "error: eva-0: expected eva-1 .. eva-277 (ISS spacewalks"),
        ("eva-278", "error: eva-278: expected eva-1 .. eva-277 (ISS spacewalks"),
        ("eva-x", "error: eva-x: expected eva-1 .. eva-277 (ISS spacewalks"),
        ("eva-40", "error: spacewalk 40 (2002-06-11): no published start or end time;"),
    ],
)
def test_bad_eva_names_one_line_exit_2_nothing_written(name, expected, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", name, "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert list(tmp_path.iterdir()) == []


def test_cli_replay_eva_242_says_it_is_vkd_49_and_scenarios_mention_eva_n(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "eva-242", "--out", str(tmp_path / "out"), "--no-report"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    said = "eva-242 is ISS spacewalk no. 242: replaying the detailed built-in scenario vkd-49"
    assert said in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == "vkd-49" and summary["catalog_number"] == 242
    with pytest.raises(SystemExit):
        main(["scenarios"])
    listing = capsys.readouterr().out
    assert "eva-1 .. eva-277" in " ".join(listing.split())
    assert "eva-242" in listing and "eva-100" not in listing


# ------------------------------------------------------------------ other years


def _station_covers(day: date) -> bool:
    try:
        Station().at(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    except StationError:
        return False
    return True


OTHER_YEARS = [("eva-1", date(1998, 12, 7)), ("eva-78", date(2007, 1, 31))]
OTHER_YEARS += [("eva-167", date(2013, 4, 19)), ("eva-270", date(2024, 4, 25))]


@pytest.mark.parametrize(("name", "day"), OTHER_YEARS)
def test_other_years_replay_with_archive_sets(name, day, sky):
    replay = api.replay(name, sky)
    s = replay.summary()
    assert s["hatch_open_utc"].startswith(day.isoformat())
    assert abs(s["tle"]["age_days_at_hatch_open"]) < 1.0
    assert s["timeline"] == "generic"


@pytest.mark.parametrize(
    ("name", "day"),
    [
        pytest.param(
            n,
            d,
            marks=pytest.mark.skipif(
                not _station_covers(d), reason=f"station history does not cover {d} yet"
            ),
        )
        for n, d in OTHER_YEARS
    ],
)
def test_other_years_use_the_station_of_the_date(name, day, sky):
    replay = api.replay(name, sky)
    s = replay.summary()
    assert s["station"] is not None
    assert s["station"]["airlock"] == replay.spacewalk.airlock != ""
    assert replay.spacewalk.airlock in s["station"]["modules"]  # the crew start on the station
    assert not any("station model not used" in w for w in s["warnings"])
    assert not any("JEOD" in w for w in s["warnings"])  # the date's own mass properties


def test_a_set_sgp4_cannot_carry_for_weeks_still_replays_its_spacewalk(sky):
    """eva-46 (2002-10-14): its nearest set (B* -0.031) fails in SGP4 weeks away. The replayed
    span propagates; the +/-30-day beta context is NaN where SGP4 fails, and the report draws."""
    replay = api.replay("eva-46", sky)
    grid, beta = replay.beta_context
    assert np.isnan(beta).any() and np.isfinite(beta).sum() > len(beta) // 4
    centre = np.argmin(np.abs(grid.seconds - np.median(grid.seconds)))
    assert np.isfinite(beta[centre])
    assert np.all(np.isfinite(replay.core.beta_deg))
    assert "<img" in render_report(replay)
