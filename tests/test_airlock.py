"""The airlock comes from the scenario: names, the station of the date, the hatch the crew uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.render.camera import crew_position_body
from evasim.replay import run_replay
from evasim.scenario import load_scenario, parse_scenario
from evasim.station import Station
from evasim.station.airlock import airlock_on, hatch_point, resolve_airlock
from evasim.station.layout import layout


def _vkd50_copy(tmp_path, airlock: str):
    text = (resources.files("evasim") / "data" / "scenarios" / "vkd-50.toml").read_text("utf-8")
    text = text.replace('airlock = "Poisk (MRM-2)"', f'airlock = "{airlock}"')
    text = text.replace("step_s = 1.0", "step_s = 60.0")
    path = tmp_path / "copy.toml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("airlock ="))
    return path, line


@pytest.mark.parametrize(
    ("name", "element"),
    [
        ("Poisk (MRM-2)", "Poisk"),
        ("MRM-2", "Poisk"),
        ("Pirs (DC-1)", "Pirs"),
        ("DC-1", "Pirs"),
        ("quest", "Quest"),
        ("Quest Joint Airlock", "Quest"),
        ("Space Shuttle", "Shuttle"),
    ],
)
def test_airlock_names(name, element):
    assert resolve_airlock(name).element == element


def test_unknown_airlock_and_one_the_station_lacks_on_the_date():
    with pytest.raises(EvasimInputError, match="unknown airlock 'Nauka'; expected one of Quest"):
        resolve_airlock("Nauka")
    july = Station().at(datetime(2021, 7, 20, tzinfo=UTC))
    assert airlock_on(july, "Pirs (DC-1)").element == "Pirs"  # Pirs left on 2021-07-26
    september = Station().at(datetime(2021, 9, 9, tzinfo=UTC))
    with pytest.raises(EvasimInputError, match="no Pirs airlock on 2021-09-09; expected one of"):
        airlock_on(september, "Pirs (DC-1)")
    with pytest.raises(EvasimInputError, match="no Shuttle airlock"):
        airlock_on(september, "Shuttle")


def test_a_scenario_with_an_absent_airlock_is_a_one_line_error_at_its_line(tmp_path):
    path, line = _vkd50_copy(tmp_path, "Pirs (DC-1)")
    with pytest.raises(EvasimInputError) as info:
        run_replay(load_scenario(str(path)))
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: eva.airlock: the station has no Pirs airlock")
    assert "\n" not in message


def test_crew_start_at_the_scenarios_airlock(tmp_path):
    """Before hatch open the crew is at the hatch of the airlock the scenario names."""
    path, _ = _vkd50_copy(tmp_path, "Quest")
    quest = run_replay(load_scenario(str(path)))
    assert quest.spacewalk.airlock == "Quest" and quest.station.airlock == "Quest"
    poisk = parse_scenario(path.read_text().replace('"Quest"', '"MRM-2"'), "poisk.toml")
    sc = quest.scenario
    placements = {p.name: p for p in layout(Station().at(sc.station_date))}
    before = sc.eva.hatch_open_utc - timedelta(minutes=5)
    at_quest, looking = crew_position_body(sc, placements, "EV1", before, "Quest")
    at_poisk, _ = crew_position_body(poisk, placements, "EV1", before, "Poisk")
    assert looking == "Quest"
    np.testing.assert_allclose(at_quest, hatch_point(placements, "Quest"))
    np.testing.assert_allclose(at_poisk, hatch_point(placements, "Poisk"))
    assert np.linalg.norm(at_quest - at_poisk) > 20  # Unity starboard vs Zvezda zenith
