"""The station as data: history against published dates, ports, validated operations, links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evasim.station import Station, StationError
from evasim.station.catalog import ElementSpec, vehicle_spec
from evasim.station.history import links_at


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def station() -> Station:
    return Station()


def test_pirs_leaves_and_nauka_arrives(station):
    assert "Pirs" in station.at(utc("2021-07-26T10:55")).modules
    assert "Pirs" not in station.at(utc("2021-07-26T10:56")).modules
    assert "Nauka" not in station.at(utc("2021-07-29T13:29")).modules
    after = station.at(utc("2021-07-29T13:29:01"))
    assert after.occupant("Zvezda", "nadir") == "Nauka"
    assert after.occupant("SM", "nadir") == "Nauka"  # aliases work


@pytest.mark.parametrize(
    ("when", "count", "expected"),
    [
        (
            "2021-07-20",
            4,
            {("Zvezda", "aft"), ("Pirs", "nadir"), ("Poisk", "zenith"), ("Rassvet", "nadir")},
        ),
        ("2021-07-27", 3, {("Zvezda", "aft"), ("Poisk", "zenith"), ("Rassvet", "nadir")}),
        (
            "2021-08-01",
            4,
            {("Zvezda", "aft"), ("Poisk", "zenith"), ("Rassvet", "nadir"), ("Nauka", "nadir")},
        ),
        ("2021-11-25T12:00", 3, {("Zvezda", "aft"), ("Poisk", "zenith"), ("Rassvet", "nadir")}),
        (
            "2021-11-27",
            4,
            {("Zvezda", "aft"), ("Poisk", "zenith"), ("Rassvet", "nadir"), ("Prichal", "nadir")},
        ),
    ],
)
def test_soyuz_progress_ports_of_the_russian_segment(station, when, count, expected):
    ports = station.at(utc(when)).ports(capability="soyuz_progress", segment="russian")
    assert len(ports) == count
    assert {(p.module, p.port) for p in ports} == expected


def test_nauka_nadir_adapter_and_occupants(station):
    config = station.at(utc("2021-10-01"))
    (port,) = [p for p in config.ports() if (p.module, p.port) == ("Nauka", "nadir")]
    assert port.occupant == "Soyuz MS-18"
    assert "SSVPA-GM" in port.effective_docking_system
    free = config.ports(capability="soyuz_progress", free=True, segment="russian")
    # Soyuz MS-18 moved Rassvet -> Nauka on 09-28; Soyuz MS-19 reached Rassvet on 10-05.
    assert {(p.module, p.port) for p in free} == {("Zvezda", "aft"), ("Rassvet", "nadir")}


def test_queries_path_and_changes(station):
    config = station.at(utc("2021-09-03T14:41"))
    assert config.path("Poisk", "Nauka") == ["Poisk", "Zvezda", "Nauka"]
    assert config.path("MRM-2", "Destiny") == [
        "Poisk",
        "Zvezda",
        "Zarya",
        "PMA-1",
        "Unity",
        "Destiny",
    ]
    changes = station.changes(utc("2021-07-25"), utc("2021-07-30"))
    described = [(e.action, e.name) for e in changes]
    assert ("detach", "Pirs") in described and ("attach", "Nauka") in described
    assert ("undock", "Progress MS-16") in described


def test_operations_are_validated_and_change_nothing(station):
    config = station.at(utc("2021-09-03"))
    soyuz = vehicle_spec("Soyuz MS-99")
    with pytest.raises(StationError, match="occupied by Progress MS-17"):
        config.attach(soyuz, "Poisk", "zenith")
    dragon = vehicle_spec("Crew Dragon Test")
    with pytest.raises(StationError, match=r"cannot dock at Zvezda aft: the port is SSVP-G4000"):
        config.attach(dragon, "Zvezda", "aft")
    with pytest.raises(StationError, match=r"^cannot detach Zvezda: .*Nauka.* hang from it"):
        config.detach("Zvezda")
    module = ElementSpec("Test module", "module", 1000.0, 5.0, 3.0, docking_system="SSVP-M active")
    with pytest.raises(StationError, match="the port is SSVP-M passive \\+ SSVPA-GM"):
        config.attach(module, "Nauka", "nadir")
    assert config.occupant("Poisk", "zenith") == "Progress MS-17"
    assert "Zvezda" in config.elements and "Test module" not in config.elements
    docked = config.attach(soyuz, "Zvezda", "aft")
    assert docked.occupant("Zvezda", "aft") == "Soyuz MS-99"
    assert config.occupant("Zvezda", "aft") is None  # the original is unchanged


@pytest.mark.parametrize("when", ["1998-11-19T23:59", "2026-01-01", "1990-01-01"])
def test_outside_the_span_is_a_one_line_error(station, when):
    with pytest.raises(StationError, match="expected a date from 1998-11-20 to 2025-12-31") as info:
        station.at(utc(when))
    assert "\n" not in str(info.value)
    station.at(utc("1998-11-20"))  # the first and last days are in
    station.at(utc("2025-12-31T23:59"))


def test_nauka_on_us_power_only_after_vkd49(station):
    before = links_at(station, utc("2021-09-03T14:41"))
    after = links_at(station, utc("2021-09-03T22:35"))
    assert not before.on_us_power("Nauka")
    assert after.on_us_power("Nauka")
    assert after.connected("RS", "Nauka")
    states = {(lk.kind, lk.source): lk.state for lk in after.catalogue_links()}
    assert states[("ethernet", "USOS")] == "partial"  # MLM end mated on VKD-50
    final = links_at(station, utc("2021-09-10"))
    assert all(lk.state == "connected" for lk in final.catalogue_links())
    assert final.connected("Zvezda", "Nauka", "kurs")
    # Unity has been on US power all along; Zvezda never is (two power systems).
    assert before.on_us_power("Destiny") and not before.on_us_power("Zvezda")


def test_link_history_is_station_data_not_scenarios(station, monkeypatch, tmp_path):
    """Editing (or dropping) scenario files changes neither the configuration nor the links."""
    from evasim import scenario as scenario_module
    from evasim.station.context import station_context

    when = utc("2021-09-10")
    modules = station.at(when).modules
    links = {lk.key: lk.state for lk in links_at(station, when).catalogue_links()}
    # A copy of VKD-49 whose tasks make no link changes, and a world without built-in scenarios.
    edited = scenario_module.parse_scenario(
        _builtin_text("vkd-49").replace("effects = [", "# effects = ["), str(tmp_path / "x.toml")
    )
    assert not any(t.effects for t in edited.tasks)
    monkeypatch.setattr(scenario_module, "builtin_scenarios", lambda: [edited])
    monkeypatch.setattr(scenario_module, "load_scenario", lambda _name: edited)
    fresh = Station()
    assert fresh.at(when).modules == modules
    assert {lk.key: lk.state for lk in links_at(fresh, when).catalogue_links()} == links
    # The edited scenario's own replay sees its own (absent) effects: nothing changes in it.
    context = station_context(edited, [])
    assert context.links_before == context.links_after
    assert not context.nauka_on_us_power_after


def test_link_history_agrees_with_the_builtin_scenarios():
    """link_events.csv and the built-in spacewalks' task effects tell the same story."""
    from evasim.scenario import builtin_scenarios
    from evasim.station.catalog import canonical, link_events

    from_scenarios = sorted(
        (
            sc.task_window(task)[1],
            e.action,
            e.kind,
            canonical(e.source),
            canonical(e.target),
            e.place,
        )
        for sc in builtin_scenarios()
        if sc.kind == "eva"
        for task in sc.tasks
        for e in task.parsed_effects
    )
    from_data = sorted(
        (e.utc, e.action, e.kind, canonical(e.source), canonical(e.target), e.place)
        for e in link_events()
    )
    assert from_data == from_scenarios
    assert {e.eva for e in link_events()} == {"VKD-49", "VKD-50"}
    assert all(e.time_conf == "est" and e.sources for e in link_events())


def _builtin_text(name: str) -> str:
    from importlib import resources

    return (resources.files("evasim") / "data" / "scenarios" / f"{name}.toml").read_text("utf-8")
