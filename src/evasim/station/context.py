"""The station as a replay sees it: configuration on the spacewalk's date and the link states
before and after the spacewalk's task effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import EvasimInputError
from ..scenario import Scenario, locate_line
from ..sky.timegrid import utc_iso
from .airlock import airlock_element, airlock_on, resolve_airlock
from .catalog import AirlockSpec
from .config import Configuration, StationError
from .history import Station, links_at


@dataclass(frozen=True)
class StationContext:
    date_utc: datetime
    modules: list[str]
    soyuz_progress_ports: list[dict]
    links_before: list[dict]
    links_after: list[dict]
    nauka_on_us_power_before: bool | None
    nauka_on_us_power_after: bool | None
    airlock: str = ""  # the element whose hatch the crew uses

    def to_json(self) -> dict:
        return {
            "date_utc": utc_iso(self.date_utc),
            "modules": self.modules,
            "soyuz_progress_ports": self.soyuz_progress_ports,
            "links_before": self.links_before,
            "links_after": self.links_after,
            "nauka_on_us_power_before": self.nauka_on_us_power_before,
            "nauka_on_us_power_after": self.nauka_on_us_power_after,
            "airlock": self.airlock,
        }


def scenario_airlock(sc: Scenario, config: Configuration | None) -> AirlockSpec:
    """The scenario's ``eva.airlock``, checked against the station of its date when there is
    one; an input error naming the file and line otherwise."""
    try:
        return airlock_on(config, sc.eva.airlock) if config else resolve_airlock(sc.eva.airlock)
    except EvasimInputError as exc:
        path = Path(sc.origin)
        text = path.read_text(encoding="utf-8") if sc.origin and path.is_file() else ""
        line = locate_line(text, ("eva", "airlock")) if text else None
        raise EvasimInputError(f"eva.airlock: {exc.detail}", source=sc.origin, line=line) from None


def station_context(sc: Scenario, warnings: list[str]) -> StationContext | None:
    """Apply the scenario's task effects to the station's links, validating each effect.

    Outside the station history (1998-11-20 .. 2025-12-31) the station is skipped with a
    warning.
    """
    station = Station()
    try:
        config = station.at(sc.station_date)
        before = links_at(station, sc.eva.hatch_open_utc)
    except StationError as exc:
        warnings.append(f"station model not used: {exc.detail}")
        return None
    airlock = scenario_airlock(sc, config)
    after = before
    path = Path(sc.origin)
    text = path.read_text(encoding="utf-8") if sc.origin and path.is_file() else ""
    for i, task in enumerate(sc.tasks):
        for j, eff in enumerate(task.parsed_effects):
            try:
                after = after.apply(eff.action, eff.kind, eff.source, eff.target, eff.place)
            except EvasimInputError as exc:
                line = locate_line(text, ("tasks", i, "effects")) if text else None
                raise EvasimInputError(
                    f"tasks[{i}].effects[{j}]: {exc.detail}", source=sc.origin, line=line
                ) from None
    nauka = "Nauka" in config.elements
    return StationContext(
        sc.station_date,
        config.modules,
        [p.to_json() for p in config.ports(capability="soyuz_progress", segment="russian")],
        [link.to_json() for link in before.catalogue_links()],
        [link.to_json() for link in after.catalogue_links()],
        before.on_us_power("Nauka") if nauka else None,
        after.on_us_power("Nauka") if nauka else None,
        airlock_element(config, airlock) or airlock.element,  # the Shuttle's: its PMA
    )
