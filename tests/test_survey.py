"""The lighting survey model: rows against skyfield's own is_sunlit, invariants, flags."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import pytest
from skyfield.api import EarthSatellite

from evasim.catalog import Catalog
from evasim.sky.lighting import shadow_angles
from evasim.sky.orbit import Orbit
from evasim.sky.sun import SunTable
from evasim.sky.timegrid import TimeGrid
from evasim.survey import jobs_for, survey_batch, survey_one, survey_table
from evasim.survey.compute import EDGE_SEARCH_PAD_MIN

# One spacewalk from each of four years: a Shuttle EVA (1998), a US EVA (2007), a Russian one
# (2013) and a Russian one with hatch times (2024); 242 is VKD-49 (2021).
NUMBERS = (1, 79, 167, 242, 270)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.open()


@pytest.fixture(scope="module")
def surveyed(catalog, sky):
    jobs = jobs_for(catalog, [catalog.spacewalk(n) for n in NUMBERS])
    return {
        job.record.number: (job, row)
        for job, row in zip(jobs, survey_batch(jobs, sky), strict=True)
    }


def _skyfield_edges(job, sky) -> tuple[np.ndarray, np.ndarray]:
    """Sunrises and sunsets (seconds from the start) by skyfield's is_sunlit (Sun's centre
    against a spherical Earth) from the same element set: sampled every 20 s over the
    searched span, then each flip bisected to 0.05 s."""
    rec = job.record
    sat = EarthSatellite(job.line1, job.line2, ts=sky.ts)
    pad_s = EDGE_SEARCH_PAD_MIN * 60.0
    span_s = (rec.end_utc - rec.start_utc).total_seconds()
    s = np.arange(-pad_s, span_s + pad_s, 20.0)

    def lit(seconds: np.ndarray) -> np.ndarray:
        return np.asarray(sat.at(sky.utc_seconds(rec.start_utc, seconds)).is_sunlit(sky.ephemeris))

    on = lit(s)
    i = np.flatnonzero(on[1:] != on[:-1])
    lo, hi, rising = s[i], s[i + 1], on[i + 1]
    while np.max(hi - lo, initial=0.0) > 0.05:
        mid = 0.5 * (lo + hi)
        same_as_hi = lit(mid) == rising
        hi = np.where(same_as_hi, mid, hi)
        lo = np.where(same_as_hi, lo, mid)
    t = 0.5 * (lo + hi)
    return t[rising], t[~rising]


@pytest.mark.parametrize("number", NUMBERS)
def test_edges_agree_with_skyfield_is_sunlit(surveyed, sky, number):
    job, row = surveyed[number]
    assert row.get("error") is None
    rises, sets = _skyfield_edges(job, sky)
    span_s = row["span_min"] * 60.0
    assert row["sunrises"] == int(np.sum((rises >= 0) & (rises <= span_s)))
    assert row["sunsets"] == int(np.sum((sets >= 0) & (sets <= span_s)))
    tol_min = 20.0 / 60.0
    assert abs(row["since_sunset_min"] - (-sets[sets <= 0].max() / 60.0)) < tol_min
    assert abs(row["since_sunrise_min"] - (-rises[rises <= 0].max() / 60.0)) < tol_min
    assert abs(row["to_sunrise_min"] - rises[rises > 0].min() / 60.0) < tol_min
    assert abs(row["to_sunset_min"] - sets[sets > 0].min() / 60.0) < tol_min
    lit_start = bool((sets[sets <= 0].max()) < rises[rises <= 0].max())
    assert row["start_lighting"] in (("day", "penumbra") if lit_start else ("night", "penumbra"))


def test_vkd49_opened_the_hatch_in_darkness_19_minutes_before_sunrise(surveyed):
    """README: Poisk hatch open 14:41 UTC, in darkness, 19 minutes before orbital sunrise."""
    _, row = surveyed[242]
    assert row["start_lighting"] == "night"
    assert round(row["to_sunrise_min"]) == 19
    assert row["sunrises"] == row["sunsets"] == 5  # "through five orbital nights"


def _sampled_minutes(job, row, sky) -> tuple[float, float, float]:
    """Daylight, penumbra and darkness minutes from the sunlit fraction sampled every second."""
    rec = job.record
    grid = TimeGrid.span(rec.start_utc, rec.end_utc, 1.0)
    orbit = Orbit(job.element_set(), sky)
    f = shadow_angles(
        orbit.r_teme_km(grid), SunTable.build(sky, grid).teme_km(grid)
    ).sunlit_fraction()
    w = np.full(len(f), 1.0)
    w[[0, -1]] = 0.5  # trapezoid weights
    day, dark = np.sum(w[f >= 1.0]), np.sum(w[f <= 0.0])
    return day / 60.0, (np.sum(w) - day - dark) / 60.0, dark / 60.0


@pytest.mark.parametrize("number", (1, 242))
def test_minutes_in_each_light_match_sampled_fraction(surveyed, sky, number):
    job, row = surveyed[number]
    day, pen, dark = _sampled_minutes(job, row, sky)
    edges = row["sunrises"] + row["sunsets"]
    # each boundary moves a sampled total by at most a second
    assert abs(row["daylight_min"] - day) < 2 * edges / 60.0
    assert abs(row["penumbra_min"] - pen) < 4 * edges / 60.0
    assert abs(row["darkness_min"] - dark) < 2 * edges / 60.0
    # ~8-14 s of penumbra at each edge (the Sun's diameter crossing the limb)
    assert 7.0 * edges < row["penumbra_min"] * 60.0 < 15.0 * edges


@pytest.mark.parametrize("number", NUMBERS)
def test_row_invariants(surveyed, number):
    job, row = surveyed[number]
    total = row["daylight_min"] + row["penumbra_min"] + row["darkness_min"]
    assert abs(total - row["duration_min"]) <= 1.0
    assert abs(total - row["span_min"]) < 1e-6
    orbits = row["span_min"] / 92.0
    for count in (row["sunrises"], row["sunsets"]):
        assert abs(count - orbits) <= 1.0
    assert 0.3 < row["darkness_fraction"] < 0.5  # low-beta nights: ~35-40 % of an orbit
    # the station flew 320-440 km above the ellipsoid (lowest 2007-2010, highest after 2011)
    assert 300.0 < row["altitude_min_km"] < row["altitude_max_km"] < 450.0
    # the range: the eccentric orbit (2 a e) plus the ellipsoid's flattening seen between the
    # equator and 51.6 deg (~13 km above a sphere), plus a few km of short-period terms
    sat = job.element_set().satrec
    two_ae_km = 2.0 * sat.a * sat.radiusearthkm * sat.ecco
    assert 10.0 < row["altitude_max_km"] - row["altitude_min_km"] < two_ae_km + 20.0
    assert abs(row["beta_deg"]) < 75.0
    assert abs(row["element_age_days"]) < 1.0 and "stale_elements" not in row["flags"]
    assert row["element_epoch_utc"] == job.element_set().epoch_utc


def test_rows_without_times_are_flagged_and_kept(catalog, sky):
    records = [r for r in catalog.spacewalks() if r.start_utc is None or r.end_utc is None]
    assert [r.number for r in records] == [40, 210, 230]
    rows = survey_batch(jobs_for(catalog, records), sky)
    table = survey_table(rows)
    assert table.num_rows == 3
    for row in table.to_pylist():
        assert "no_times" in row["flags"].split(",")
        assert row["daylight_min"] is None and row["error"] is None
    assert table.column("flags")[1].as_py() == "no_times,low_confidence"  # 210: sources disagree


def test_flags_from_the_catalogue(surveyed, catalog, sky):
    assert "airlock_inferred" in surveyed[1][1]["flags"]
    row250 = survey_batch(jobs_for(catalog, [catalog.spacewalk(250)]), sky)[0]
    assert "end_derived" in row250["flags"].split(",")  # its notes: "end derived = start + ..."


def test_stale_element_set_is_flagged(surveyed, catalog, sky):
    job, _ = surveyed[242]
    week_early = catalog.nearest_element_set(job.record.start_utc - timedelta(days=7))
    stale = dataclasses.replace(job, line1=week_early.line1, line2=week_early.line2)
    row = survey_one(stale, sky)
    assert "stale_elements" in row["flags"].split(",")
    assert 6.0 < row["element_age_days"] < 8.0


def test_a_failing_spacewalk_is_recorded_not_raised(surveyed, sky):
    job, _ = surveyed[242]
    bad_checksum = job.line1[:-1] + str((int(job.line1[-1]) + 1) % 10)
    broken = dataclasses.replace(job, line1=bad_checksum)
    missing = dataclasses.replace(job, line1="", line2="", lookup_error="EvasimInputError: none")
    rows = survey_batch([broken, missing, job], sky)
    assert "checksum" in rows[0]["error"] and rows[0]["daylight_min"] is None
    assert rows[1]["error"].startswith("element set:")
    assert rows[2].get("error") is None and rows[2]["daylight_min"] > 0
    assert survey_table(rows).num_rows == 3


@pytest.mark.parametrize(("n", "count"), [(277, 6), (277, 3), (4, 6), (1, 1), (10, 3)])
def test_batches_cover_every_job_once_nearly_evenly(n, count):
    from evasim.survey.parallel import batches

    jobs = list(range(n))
    parts = batches(jobs, count)
    assert [j for p in parts for j in p] == jobs
    assert len(parts) == min(n, count) and all(parts)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_survey_on_a_cluster_gives_the_rows_of_the_survey_in_process(catalog, sky):
    """The survey's Dask path (one LocalCluster of 2 workers) against the same jobs here."""
    from evasim.survey.parallel import survey_on_cluster

    jobs = jobs_for(catalog, [catalog.spacewalk(n) for n in (240, 241, 242, 243, 244)])
    done: list[int] = []
    on = {row["number"]: row for row in survey_on_cluster(jobs, 2, on_done=done.append)}
    here = {row["number"]: row for row in survey_batch(jobs, sky)}
    assert sum(done) == len(jobs) and sorted(on) == sorted(here)
    for number, row in here.items():
        assert row.keys() == on[number].keys()
        for key, value in row.items():
            other = on[number][key]
            same = value == other or (value != value and other != other)  # NaN
            assert same, (number, key, value, other)
