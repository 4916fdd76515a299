"""``evasim history``: the running count against published figures, the numbers behind the
plots, and the report written as a set with every figure in it."""

from __future__ import annotations

import base64
import io
import os
import re
from datetime import date

import numpy as np
import pytest
from PIL import Image

from evasim.catalog import Catalog
from evasim.cli import main
from evasim.productset import MARKER
from evasim.report import history_data as hd
from evasim.report.history import FIGURES
from evasim.survey import jobs_for, survey_batch, survey_table


@pytest.fixture(scope="module")
def records():
    return Catalog.open().spacewalks()


@pytest.fixture(scope="module")
def table(records, sky):
    """A survey of a subset: every Russian spacewalk with hatch times, every row without
    times, and the spacewalks of 2021 (cheap: ~0.5 s in process)."""
    chosen = [
        r
        for r in records
        if r.time_convention == "hatch"
        or r.start_utc is None
        or r.end_utc is None
        or r.date.year == 2021
    ]
    catalog = Catalog.open()
    return survey_table(survey_batch(jobs_for(catalog, chosen), sky))


def test_running_count_matches_published_milestones(records):
    # data/SOURCES.md: 200th on 2017-05-12, 274th on 2025-01-30; README: VKD-49 (2021-09-03)
    assert hd.running_number_at(records, date(2021, 9, 3)) == 242
    assert hd.running_number_at(records, date(2021, 9, 2)) == 241
    assert hd.first_reaching(records, 250).date == date(2022, 4, 28)
    assert hd.first_reaching(records, 200).date == date(2017, 5, 12)
    assert hd.first_reaching(records, 274).date == date(2025, 1, 30)
    # the catalogue's number is the running count
    ordered = sorted(records, key=lambda r: (r.date, r.number))
    assert [r.number for r in ordered] == list(range(1, len(records) + 1))


def test_hours_add_up(records):
    total_h = sum(r.duration_min for r in records) / 60.0
    by_suit = hd.hours_by(records, lambda r: r.suit)
    by_airlock = hd.hours_by(records, hd.airlock_name)
    assert sum(by_suit.values()) == pytest.approx(total_h)
    assert sum(by_airlock.values()) == pytest.approx(total_h)
    assert "Pirs" not in by_airlock  # one airlock, one bar
    orlan_h = sum(r.duration_min for r in records if r.suit == "Orlan") / 60.0
    assert by_suit["Orlan"] == pytest.approx(orlan_h)


def test_hatch_answer_is_the_measured_distribution(table):
    rows = table.to_pylist()
    rs = [r for r in rows if r["segment"] == "RS" and r["time_convention"] == "hatch"]
    answer = hd.hatch_answer(rows)
    assert answer.n == len(rs) == 26
    to_rise = np.array([r["to_sunrise_min"] for r in rs])
    assert answer.to_sunrise.median == pytest.approx(np.median(to_rise))
    assert answer.to_sunrise.q1 == pytest.approx(np.percentile(to_rise, 25))
    assert answer.in_darkness == sum(r["start_lighting"] == "night" for r in rs)
    assert 0.3 < answer.expected_darkness < 0.45  # the night's share of a low-beta orbit
    text = answer.text()
    assert f"n = {answer.n}" in text and f"median {answer.to_sunrise.median:.0f} min" in text
    # VKD-49 is one of them: in darkness, 19 min before sunrise
    vkd49 = next(r for r in rs if r["number"] == 242)
    assert vkd49["start_lighting"] == "night" and round(vkd49["to_sunrise_min"]) == 19


def test_sunset_to_sunset_is_one_orbit(table):
    assert 91.0 < hd.sunset_to_sunset_min(table.to_pylist()) < 93.5


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return exit_info.value.code


def test_history_writes_the_report_as_a_set(tmp_path, monkeypatch, table):
    monkeypatch.setattr(Catalog, "survey", lambda self: table)
    out = tmp_path / "history"
    assert _run("history", "--out", str(out)) == 0
    names = sorted(os.listdir(out))
    assert names == sorted([MARKER, "history.html", *(n for n, _ in FIGURES)])
    html = (out / "history.html").read_text()
    inline = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(inline) == len(FIGURES) == 6
    for (name, _), data in zip(FIGURES, inline, strict=True):
        png = (out / name).read_bytes()
        assert base64.b64decode(data) == png  # the page holds the same figures
        width, height = Image.open(io.BytesIO(png)).size
        assert width > 800 and height > 400
    assert "the running count reached 242: fewer than 250" in html
    assert "the 250th followed on 2022-04-28" in html
    assert "Do Russian spacewalks open the hatch near an orbital sunrise?" in html
    assert "n = 26" in html
    assert "3 rows without a start or end time" in html


def test_history_runs_the_survey_when_none_is_stored(tmp_path, monkeypatch, table):
    calls = []

    def fake_survey(catalog, workers):
        calls.append(workers)
        return table

    monkeypatch.setattr(Catalog, "survey", lambda self: None)
    monkeypatch.setattr("evasim.cli_history.run_survey", fake_survey)
    # the figures are tested above; here only the wiring (no plotting: keeps the test fast)
    monkeypatch.setattr(
        "evasim.report.history.history_figures", lambda r, t: {n: b"png" for n, _ in FIGURES}
    )
    assert _run("history", "--out", str(tmp_path / "h"), "--workers", "1") == 0
    assert calls == [1]
    old = table.drop_columns(["to_sunrise_min"])  # stored by an older evasim: surveyed again
    monkeypatch.setattr(Catalog, "survey", lambda self: old)
    assert _run("history", "--out", str(tmp_path / "h"), "--workers", "2") == 0
    assert calls == [1, 2]
    assert _run("history", "--out", str(tmp_path / "h2"), "--workers", "0") == 2
    assert not (tmp_path / "h2").exists()
