"""Relocation what-if: detach a sub-assembly into a new station on another orbit.

The 2021 ROSS option (Russian Orbital Service Station) considered taking Nauka and Prichal
off the ISS to start a new station on a ~97-98 deg orbit. ``relocate`` splits the
configuration, recomputes both stations' mass properties and ports, and describes the new
orbit: period, J2 nodal precession (is it Sun-synchronous?), and the velocity change a
direct plane change from the ISS orbit would cost (why a new launch is the real option).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import GM_EARTH_KM3_S2, J2_EARTH, TROPICAL_YEAR_D, WGS84_A_KM
from .config import Configuration, StationError
from .mass import MassProperties, mass_properties

SUN_SYNC_DEG_PER_DAY = 360.0 / TROPICAL_YEAR_D


@dataclass(frozen=True)
class CircularOrbit:
    altitude_km: float
    inclination_deg: float

    @property
    def semi_major_axis_km(self) -> float:
        return WGS84_A_KM + self.altitude_km

    @property
    def speed_km_s(self) -> float:
        return float(np.sqrt(GM_EARTH_KM3_S2 / self.semi_major_axis_km))

    @property
    def period_min(self) -> float:
        return float(2 * np.pi * np.sqrt(self.semi_major_axis_km**3 / GM_EARTH_KM3_S2) / 60)

    @property
    def nodal_precession_deg_per_day(self) -> float:
        """J2 secular drift of the ascending node (deg/day)."""
        a = self.semi_major_axis_km
        n = np.sqrt(GM_EARTH_KM3_S2 / a**3)
        cos_i = np.cos(np.radians(self.inclination_deg))
        rate = -1.5 * n * J2_EARTH * (WGS84_A_KM / a) ** 2 * cos_i
        return float(np.degrees(rate) * 86400)

    @property
    def sun_synchronous(self) -> bool:
        return abs(self.nodal_precession_deg_per_day - SUN_SYNC_DEG_PER_DAY) < 0.05

    def to_json(self) -> dict:
        return {
            "altitude_km": self.altitude_km,
            "inclination_deg": self.inclination_deg,
            "period_min": round(self.period_min, 3),
            "nodal_precession_deg_per_day": round(self.nodal_precession_deg_per_day, 4),
            "sun_synchronous": self.sun_synchronous,
        }


def plane_change_delta_v_km_s(speed_km_s: float, delta_inclination_deg: float) -> float:
    """Impulsive plane change on a circular orbit: 2 v sin(di/2)."""
    return float(2 * speed_km_s * np.sin(np.radians(abs(delta_inclination_deg)) / 2))


@dataclass(frozen=True)
class Relocation:
    iss: Configuration
    new_station: Configuration
    iss_mass: MassProperties
    new_mass: MassProperties
    iss_orbit: CircularOrbit
    new_orbit: CircularOrbit

    @property
    def plane_change_delta_v_km_s(self) -> float:
        return plane_change_delta_v_km_s(
            self.iss_orbit.speed_km_s,
            self.new_orbit.inclination_deg - self.iss_orbit.inclination_deg,
        )

    def to_json(self) -> dict:
        def station(config: Configuration, mp: MassProperties, orbit: CircularOrbit) -> dict:
            return {
                "modules": config.modules,
                "vehicles": config.vehicles,
                "soyuz_progress_ports": [
                    p.to_json() for p in config.ports(capability="soyuz_progress")
                ],
                **mp.to_json(),
                "orbit": orbit.to_json(),
            }

        return {
            "iss": station(self.iss, self.iss_mass, self.iss_orbit),
            "new_station": station(self.new_station, self.new_mass, self.new_orbit),
            "direct_plane_change_delta_v_km_s": round(self.plane_change_delta_v_km_s, 3),
        }


def relocate(
    config: Configuration,
    root: str = "Nauka",
    inclination_deg: float = 97.5,
    altitude_km: float = 420.0,
    iss_inclination_deg: float = 51.64,
) -> Relocation:
    """Split ``root`` and everything hanging from it off ``config`` into a new station."""
    if root not in config.elements:
        raise StationError(f"{root} is not on station at {config.utc:%Y-%m-%d}")
    if root not in config.attachments:
        raise StationError(f"{root} is the station's root; pick a module that hangs from it")
    if not 90.0 <= inclination_deg <= 180.0 and not 0.0 <= inclination_deg < 90.0:
        raise StationError("inclination must be between 0 and 180 deg")
    new = config.subassembly(root)
    rest = config.detach(root, carry=True)
    return Relocation(
        rest,
        new,
        mass_properties(rest),
        mass_properties(new),
        CircularOrbit(altitude_km, iss_inclination_deg),
        CircularOrbit(altitude_km, inclination_deg),
    )
