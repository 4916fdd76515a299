"""Handrails and booms/arms as station data (data/station/handrails.csv, appendages.csv)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.station import appendages as app_mod
from evasim.station import handrails as hr_mod
from evasim.station.appendages import appendage_specs, appendages_at
from evasim.station.catalog import modules
from evasim.station.handrails import default_placements, handrail_specs, handrails_at

EVA242_DAY = datetime(2021, 9, 3, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def placements_242():
    return default_placements(EVA242_DAY)


def _axis_distance(point, p):
    rel = point - p.centre_m
    return float(np.linalg.norm(rel - np.dot(rel, p.axis) * p.axis))


def test_data_loads_with_sources_and_marks():
    specs = handrail_specs()
    assert len(specs) > 100
    assert len({s.id for s in specs}) == len(specs)
    assert all(s.source and s.confidence in ("H", "M", "L", "est") for s in specs)
    assert {s.colour for s in specs} == {"RS yellow", "US yellow-gold"}
    poses = appendage_specs()
    assert {a.name for a in poses} >= {"Strela-1", "Strela-2", "ERA"}
    assert all(a.source and a.confidence for a in poses)


def test_every_row_resolves_to_a_present_module():
    known = {m.name for m in modules()}
    assert {s.module for s in handrail_specs()} <= known
    # each EVA-installed rail is on the station the moment it is installed
    for spec in (s for s in handrail_specs() if s.installed_utc):
        assert spec.id in {h.id for h in handrails_at(spec.installed_utc)}, spec.id
    # and every module of a grid row is on the station on some date it carries rails
    for name in {s.module for s in handrail_specs()}:
        spec = next(m for m in modules() if m.name == name)
        probe = max(spec.attached_utc, datetime(1998, 11, 21, tzinfo=UTC))
        when = min(probe.replace(year=probe.year + 1), datetime(2021, 12, 31, tzinfo=UTC))
        assert any(h.module == name for h in handrails_at(when)), name


def test_vkd49_handrail_appears_after_its_task():
    before = {h.id for h in handrails_at(datetime(2021, 9, 3, 21, 0, tzinfo=UTC))}
    after = {h.id for h in handrails_at(datetime(2021, 9, 3, 22, 0, tzinfo=UTC))}
    assert "nauka-hr-vkd49" not in before
    assert "nauka-hr-vkd49" in after
    assert after - before == {"nauka-hr-vkd49"}


def test_handrails_lie_on_their_module_hull(placements_242):
    by_name = {p.name: p for p in placements_242}
    rails = handrails_at(EVA242_DAY, placements_242)
    assert rails
    specs = {s.id: s for s in handrail_specs()}
    for h in rails:
        p = by_name[h.module]
        want = p.size_m[1] / 2 + specs[h.id].standoff_m
        for point in (h.start_body_m, h.end_body_m, (h.start_body_m + h.end_body_m) / 2):
            along = np.dot(point - p.centre_m, p.axis)
            assert abs(along) <= p.size_m[0] / 2 + 1e-9, h.id  # within the module's length
        for point in (h.start_body_m, h.end_body_m):
            assert _axis_distance(point, p) == pytest.approx(want, abs=1e-9), h.id
        spec = specs[h.id]
        if spec.orientation == "along":
            assert h.length_m == pytest.approx(spec.length_m)
        else:  # a chord of the arc length_m long at radius ``want``
            chord = 2 * want * np.sin(spec.length_m / (2 * want))
            assert h.length_m == pytest.approx(chord)


def test_era_absent_before_nauka_and_strela_present_on_2021_09_03(placements_242):
    assert "ERA" not in {a.name for a in appendages_at(datetime(2021, 7, 28, tzinfo=UTC))}
    on_day = {a.name: a for a in appendages_at(EVA242_DAY, placements_242)}
    assert {"Strela-1", "Strela-2", "ERA"} <= set(on_day)
    assert on_day["Strela-1"].host == "Poisk"
    assert not on_day["ERA"].can_carry_crew(EVA242_DAY)  # first crew ride 2023-08-09
    era_len = sum(np.linalg.norm(b - a) for a, b, _ in on_day["ERA"].segments)
    assert era_len == pytest.approx(11.3, abs=0.01)  # ESA/Wikipedia: 11.3 m
    # Strela-1 moved to Poisk on eva-162 (hatch close 2012-02-16 20:46), Strela-2 to Zarya on
    # eva-163 (2012-08-20 21:28): absent before, present after
    for name, move in (("Strela-1", datetime(2012, 2, 16, 20, 46, tzinfo=UTC)),
                       ("Strela-2", datetime(2012, 8, 20, 21, 28, tzinfo=UTC))):  # fmt: skip
        hour = timedelta(hours=1)
        assert name not in {a.name for a in appendages_at(move - hour)}
        assert name in {a.name for a in appendages_at(move + hour)}


def test_bad_rows_are_one_line_input_errors(monkeypatch):
    good = hr_mod._rows(hr_mod.CSV_NAME)[0]
    monkeypatch.setattr(hr_mod, "_rows", lambda name: [{**good, "colour": "pink"}])
    with pytest.raises(EvasimInputError, match=r"handrails.csv row 1: colour"):
        handrail_specs.__wrapped__()
    row = app_mod._rows(app_mod.CSV_NAME)[0]
    monkeypatch.setattr(app_mod, "_rows", lambda name: [{**row, "direction": "sideways"}])
    with pytest.raises(EvasimInputError, match=r"appendages.csv row 1: direction"):
        appendage_specs.__wrapped__()
    with pytest.raises(EvasimInputError, match="timezone-aware"):
        handrails_at(datetime(2021, 9, 3))
