"""The station on any date 1998-11-20 .. 2025-12-31: modules, relocations, truss, arrays,
airlocks, the 2021 visiting vehicles, and everything downstream (layout, mass, mesh, solids,
CLI)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pytest
from typer.testing import CliRunner

from evasim.errors import EvasimInputError
from evasim.station import Station
from evasim.station.airlock import airlock_for, hatch_point
from evasim.station.layout import layout
from evasim.station.mass import mass_properties
from evasim.station.report import solar_arrays

DATES = [
    "1998-11-21",
    "1998-12-10",
    "2000-12-05",
    "2001-07-20",
    "2002-06-01",
    "2007-11-20",
    "2009-11-15",
    "2011-03-05",
    "2015-06-01",
    "2016-06-01",
    "2021-07-27",
    "2021-12-01",
    "2023-06-20",
    "2025-12-31",
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def station() -> Station:
    return Station()


def test_airlock_modules_arrive_and_leave_on_their_dates(station):
    assert "Quest" not in station.at(utc("2001-07-10")).modules
    assert "Quest" in station.at(utc("2001-07-20")).modules
    assert "Poisk" not in station.at(utc("2009-11-12T15:40")).modules
    assert station.at(utc("2009-11-12T15:41")).occupant("Zvezda", "zenith") == "Poisk"
    july = station.at(utc("2021-07-27"))
    assert "Pirs" not in july.modules and "Nauka" not in july.modules
    assert "Prichal" not in station.at(utc("2021-11-26T15:19")).modules
    assert station.at(utc("2021-11-26T15:19:39")).occupant("Nauka", "nadir") == "Prichal"
    assert station.at(utc("1998-11-21")).modules == ["Zarya"]


@pytest.mark.parametrize(
    ("element", "when", "place"),
    [
        ("PMA-2", "1999-01-01", ("Unity", "forward")),
        ("PMA-2", "2001-02-11", ("Z1", "forward")),  # stowed during STS-98
        ("PMA-2", "2001-03-01", ("Destiny", "forward")),
        ("PMA-2", "2008-01-01", ("Harmony", "forward")),
        ("Harmony", "2007-11-01", ("Unity", "port")),
        ("Harmony", "2007-11-14T10:44", ("Unity", "port")),
        ("Harmony", "2007-11-20", ("Destiny", "forward")),
        ("Leonardo", "2015-05-26", ("Unity", "nadir")),
        ("Leonardo", "2015-06-01", ("Tranquility", "forward")),
        ("P6", "2005-01-01", ("Z1", "zenith")),
        ("P6", "2008-01-01", ("P5", "port")),
        ("PMA-3", "2000-12-05", ("Unity", "nadir")),
        ("PMA-3", "2005-01-01", ("Unity", "port")),
        ("PMA-3", "2016-01-01", ("Tranquility", "port")),
        ("PMA-3", "2021-01-01", ("Harmony", "zenith")),
        ("Kibo ELM-PS", "2008-04-01", ("Harmony", "zenith")),
        ("Kibo ELM-PS", "2008-06-07", ("Kibo PM", "zenith")),
        ("Cupola", "2010-02-13", ("Tranquility", "port")),
        ("Cupola", "2010-03-01", ("Tranquility", "nadir")),
    ],
)
def test_relocations(station, element, when, place):
    config = station.at(utc(when))
    assert config.attachments[element] == place
    assert config.elements[element].parent_port == place[1]


def test_relocated_elements_move_in_the_layout(station):
    def centres(when):
        return {p.name: p.centre_m for p in layout(station.at(utc(when)))}

    before, after = centres("2007-06-20"), centres("2007-12-01")
    # P6 on Z1, above the main truss (zenith = -Z) on the centre line; then at the port end
    assert before["P6"][2] < before["S0"][2] - 4 and abs(before["P6"][1]) < 5
    assert after["P6"][1] < -40 and abs(after["P6"][2]) < 3
    # Harmony carries PMA-2 to the front of Destiny: PMA-2 ends up further forward than before
    assert after["PMA-2"][0] > before["PMA-2"][0] + 5
    assert after["Harmony"][0] > after["Destiny"][0]
    leo_before, leo_after = centres("2015-05-26")["Leonardo"], centres("2015-06-01")["Leonardo"]
    assert leo_before[2] > 3  # hanging below Unity (nadir = +Z)
    assert leo_after[1] < -5  # on Tranquility, on the port side


@pytest.mark.parametrize(
    ("when", "count"),
    [
        ("2021-06-19", 0),
        ("2021-06-21", 1),
        ("2021-06-26", 2),
        ("2022-12-04", 3),
        ("2022-12-31", 4),
        ("2023-06-10", 5),
        ("2023-06-20", 6),
        ("2025-12-31", 6),
    ],
)
def test_irosa_count_by_date(station, when, count):
    config = station.at(utc(when))
    assert sum(a["kind"] == "iROSA" for a in solar_arrays(config)) == count
    assert sum("iROSA" in p.name for p in layout(config)) == count


@pytest.mark.parametrize(
    ("when", "wings"), [("2000-11-30", 0), ("2000-12-05", 2), ("2007-01-01", 4), ("2009-04-01", 8)]
)
def test_original_wings_by_date(station, when, wings):
    config = station.at(utc(when))
    assert sum(a["kind"] == "original" for a in solar_arrays(config)) == wings
    assert sum(" wing " in p.name for p in layout(config)) == wings


def test_p6_wings_span_port_and_starboard_on_z1(station):
    wings = [p for p in layout(station.at(utc("2005-01-01"))) if p.name.startswith("P6 wing")]
    spans = sorted(float(p.centre_m[1]) for p in wings)
    assert spans[0] < -15 and spans[1] > 15  # along +/-Y, either side of Z1


@pytest.mark.parametrize(
    ("when", "module", "port", "vehicle"),
    [
        ("2021-03-01", "Zvezda", "aft", "Progress MS-14"),
        ("2021-05-01", "Zvezda", "aft", None),
        ("2021-02-01", "Pirs", "nadir", "Progress MS-15"),
        ("2021-02-12", "Pirs", "nadir", None),
        ("2021-02-01", "Rassvet", "nadir", "Soyuz MS-17"),
        ("2021-04-01", "Poisk", "zenith", "Soyuz MS-17"),
        ("2021-02-01", "PMA-2", "forward", "Crew Dragon Resilience (Crew-1)"),
        ("2021-04-20", "PMA-3", "zenith", "Crew Dragon Resilience (Crew-1)"),
        ("2021-01-05", "PMA-3", "zenith", "Cargo Dragon CRS-21"),
        ("2021-01-03", "Unity", "nadir", "Cygnus NG-14"),
        ("2021-03-01", "Unity", "nadir", "Cygnus NG-15"),
        ("2021-12-10", "Poisk", "zenith", "Soyuz MS-20"),
        ("2021-12-20", "Poisk", "zenith", None),
    ],
)
def test_2021_vehicles(station, when, module, port, vehicle):
    config = station.at(utc(when))
    (p,) = [p for p in config.ports() if (p.module, p.port) == (module, port)]
    assert p.occupant == vehicle and p.occupant_known


def test_ports_outside_the_compiled_years_are_not_known(station):
    config = station.at(utc("2005-06-01"))
    zvezda_aft = next(p for p in config.ports() if (p.module, p.port) == ("Zvezda", "aft"))
    assert zvezda_aft.occupant is None and not zvezda_aft.occupant_known
    assert zvezda_aft.to_json()["occupant_known"] is False
    unity_fwd = next(p for p in config.ports() if (p.module, p.port) == ("Unity", "forward"))
    assert unity_fwd.occupant == "Destiny" and unity_fwd.occupant_known  # modules always known
    # a compiled Shuttle docking is known in a year without other vehicles
    sts97 = station.at(utc("2000-12-05")).occupant("PMA-3", "nadir")
    assert sts97 == "Space Shuttle Endeavour (STS-97)"
    assert not station.vehicles_compiled(utc("2022-03-01"))
    assert station.vehicles_compiled(utc("2021-03-01"))
    # vehicles without a departure in 2021 are not carried into 2022 as if still docked
    assert station.at(utc("2022-06-01")).vehicles == []


def test_ida_adapters_by_date(station):
    def pma2(when):
        config = station.at(utc(when))
        return next(p for p in config.ports() if (p.module, p.port) == ("PMA-2", "forward"))

    assert pma2("2016-08-18").effective_docking_system == "APAS-95 passive"
    assert pma2("2016-08-20").effective_docking_system == "APAS-95 passive + IDA-2"


def _catalogue_rows():
    path = resources.files("evasim") / "data" / "catalog" / "iss_spacewalks_1998-2025.csv"
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def test_every_catalogue_airlock_name_resolves_on_its_date():
    rows = _catalogue_rows()
    names = {r["airlock"] for r in rows}
    assert names >= {
        "Quest",
        "Shuttle airlock or Quest (not in source)",
        "Pirs (DC-1)",
        "Shuttle orbiter airlock",
        "Poisk",
        "Pirs",
        "Zvezda PrK",
        "Zvezda PrK (internal EVA)",
    }
    missing = []
    for r in rows:
        when = datetime.fromisoformat((r["start_utc"] or r["date"]).replace("Z", "+00:00"))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        try:
            airlock_for(r["airlock"], when)
        except EvasimInputError as exc:
            assert "\n" not in str(exc)
            missing.append(r["mission"])
    assert missing == []


def test_airlock_for_answers_where_the_hatch_is(station):
    spec, element = airlock_for("Shuttle orbiter airlock", utc("2000-12-05T17:21"))
    assert (spec.airlock, element) == ("Shuttle", "PMA-3")
    assert airlock_for("Shuttle airlock or Quest (not in source)", utc("2007-06-11"))[1] == "Quest"
    assert airlock_for("Pirs (DC-1)", utc("2015-01-01"))[1] == "Pirs"
    with pytest.raises(EvasimInputError, match="no Pirs airlock on 2021-07-27") as info:
        airlock_for("Pirs", utc("2021-07-27"))
    assert "\n" not in str(info.value)
    with pytest.raises(EvasimInputError, match="no Quest airlock on 2001-07-10"):
        airlock_for("Quest", utc("2001-07-10"))
    # Zvezda PrK: inside the forward transfer compartment, not beyond Zvezda's aft end
    spec, element = airlock_for("Zvezda PrK (internal EVA)", utc("2009-06-10T06:55"))
    assert (spec.airlock, element, spec.hatch) == ("Zvezda PrK", "Zvezda", "transfer")
    placements = {p.name: p for p in layout(station.at(utc("2009-06-10")))}
    zvezda = placements["Zvezda"]
    hatch = hatch_point(placements, "Zvezda")
    assert hatch[0] > zvezda.centre_m[0] + 3  # forward half of Zvezda (toward Zarya)
    assert np.linalg.norm(np.cross(hatch - zvezda.centre_m, zvezda.axis)) < 1e-9  # on the axis


@pytest.mark.parametrize("when", DATES)
def test_every_date_builds_and_computes(station, when):
    from evasim.render.solids import hit_solid
    from evasim.station.mesh import station_scene

    config = station.at(utc(when))
    placements = layout(config)
    mp = mass_properties(config, placements=placements)
    assert mp.mass_kg > 19000 and np.all(np.isfinite(mp.inertia_kg_m2))
    np.testing.assert_allclose(mp.inertia_kg_m2, mp.inertia_kg_m2.T)
    moments = np.sort(mp.principal_moments_kg_m2())
    assert moments[0] > 0 and moments[0] + moments[1] >= moments[2] * (1 - 1e-9)  # triangle
    scene = station_scene(placements)
    assert len(scene.geometry) == len(placements)
    # every solid is hit by a ray aimed at its centre from 200 m away (the camera's ray test)
    for p in placements:
        origin = p.centre_m + np.array([0.0, 0.0, -200.0])
        half = np.array(p.size_m) / 2
        t = hit_solid(
            *origin, 0.0, 0.0, 1.0, p.centre_m, p.rotation, half, int(p.shape != "cylinder")
        )[0]
        assert 0 < t <= 200.0


def test_cli_station_json_on_every_date():
    from evasim.cli import app

    runner = CliRunner()
    for when in DATES:
        result = runner.invoke(app, ["station", "--date", when, "--format", "json"])
        assert result.exit_code == 0, (when, result.output)
        info = json.loads(result.output)
        assert info["vehicles_compiled"] == when.startswith("2021")
        if "Nauka" not in info["modules"]:
            assert info["nauka_on_us_power"] is None
            assert not any("Nauka" in (x["from"], x["to"]) for x in info["links"])
    table = runner.invoke(app, ["station", "--date", "2000-12-05"])
    assert table.exit_code == 0 and "Nauka" not in table.output and "not known" in table.output
    for when in ("1998-11-19", "2026-01-01"):
        result = runner.invoke(app, ["station", "--date", when])
        assert result.exit_code == 2
        assert "expected a date from 1998-11-20 to 2025-12-31" in result.output


def test_pma_ports_and_adapters_are_checked_on_the_date(station):
    from evasim.station import StationError
    from evasim.station.catalog import vehicle_spec

    config = station.at(utc("2005-01-01"))
    dragon = vehicle_spec("Crew Dragon Test")
    with pytest.raises(StationError, match=r"PMA-3 has no port 'zenith'; its ports: port$"):
        config.attach(dragon, "PMA-3", "zenith")  # PMA-3 faced port (Unity port) in 2005
    with pytest.raises(StationError, match="cannot dock at PMA-2 forward: the port is APAS-95"):
        config.attach(dragon, "PMA-2", "forward")  # no IDA before 2016
    orbiter = vehicle_spec("Space Shuttle Test")
    assert config.attach(orbiter, "PMA-2", "forward").occupant("PMA-2", "forward") == orbiter.name
