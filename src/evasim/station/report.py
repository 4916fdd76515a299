"""Station description as JSON (for ``evasim station --format json``) and rich tables."""

from __future__ import annotations

from datetime import datetime

from ..sky.timegrid import utc_iso
from .config import Configuration
from .history import Station, links_at
from .mass import mass_properties


def describe(
    station: Station, config: Configuration, utc: datetime, sarj_angle_deg: float = 0.0
) -> dict:
    """The station at ``utc``: modules, truss, arrays, vehicles (and whether they are
    compiled for the date), ports, links, mass properties."""
    links = links_at(station, utc)
    mp = mass_properties(config, sarj_angle_deg)
    nauka = "Nauka" in config.elements
    compiled = station.vehicles_compiled(utc)
    return {
        "date": utc_iso(utc),
        "modules": config.modules,
        "truss": config.truss,
        "solar_arrays": solar_arrays(config),
        "vehicles": config.vehicles,
        "vehicles_compiled": compiled,
        "vehicles_note": (
            "visiting vehicles at every port are compiled for this date"
            if compiled
            else "visiting vehicles are not compiled for this date (only Shuttle dockings "
            "in shuttle_dockings.csv): ports not taken by a module show occupant null "
            "with occupant_known false"
        ),
        "ports": [p.to_json() for p in config.ports()],
        "soyuz_progress_ports_russian_segment": len(
            config.ports(capability="soyuz_progress", segment="russian")
        ),
        "links": [link.to_json() for link in links.links.values()],
        "nauka_on_us_power": links.on_us_power("Nauka") if nauka else None,  # null: no Nauka
        **mp.to_json(),
        "reference": {
            "published_total_mass_kg": [419455, 419725],
            "jeod_iss_like": {
                "mass_kg": 400000,
                "center_of_mass_m": [-3.0, -1.5, 4.0],
                "inertia_kg_m2": [
                    [1.02e8, -6.96e6, -5.48e6],
                    [-6.96e6, 0.91e8, 5.90e5],
                    [-5.48e6, 5.90e5, 1.64e8],
                ],
                "source": "NASA JEOD verification sim SIM_dyncomp set_mass_iss (no date)",
            },
        },
    }


def solar_arrays(config: Configuration) -> list[dict]:
    """Solar-array wings on the station on the configuration's date (arrays.csv): original
    wings with their truss segment, iROSAs from their installation date."""
    from .catalog import arrays

    out = []
    for a in arrays():
        if a.segment not in config.elements:
            continue
        if config.utc is not None and a.installed_utc > config.utc:
            continue
        out.append(
            {
                "wing": a.wing,
                "segment": a.segment,
                "kind": a.kind,
                "channel": a.channel,
                "installed": utc_iso(a.installed_utc),
                "conf": a.conf,
            }
        )
    return out
