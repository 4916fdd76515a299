"""From a scenario and the station model to an :class:`AttitudeConfig`.

Mass properties come from the station model on the scenario's station date; thruster
positions from the 3-D layout (relative to the composite centre of mass); the orbital rate
from the element set's mean motion; the commanded attitude is the torque-equilibrium
attitude (TEA) of the inertia unless the scenario says LVLH.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from ..constants import GM_EARTH_KM3_S2, WGS84_A_KM
from ..scenario import Scenario
from ..sky.tle import ElementSet
from ..station import Station
from ..station.layout import layout
from ..station.mass import MassProperties, mass_properties
from .model import AeroModel, AttitudeConfig, RsController, Thruster
from .quaternion import from_euler_321_deg, from_matrix, qmul


def torque_equilibrium_attitude(inertia_kg_m2: np.ndarray) -> np.ndarray:
    """Body attitude relative to LVLH (q, scalar first) that zeroes the gravity-gradient and
    gyroscopic torques of an LVLH hold: the principal axes aligned with LVLH, taking for each
    body axis the principal axis nearest to it (aerodynamic torque is not included)."""
    _, vectors = np.linalg.eigh(inertia_kg_m2)
    order = np.argmax(np.abs(vectors), axis=0)  # body axis each eigenvector is nearest to
    principal = np.zeros((3, 3))
    for col, axis in enumerate(order):
        v = vectors[:, col]
        principal[:, axis] = v if v[axis] > 0 else -v
    if np.linalg.det(principal) < 0:
        principal[:, 2] *= -1
    # principal axis k (body coordinates) must point along LVLH axis k: R_lb = principal^T
    return from_matrix(principal.T)


def aero_model(element_set: ElementSet, cd_area_m2: float, cp_minus_cm_m) -> AeroModel:
    """Drag torque at the element set's mean altitude, exponential density model."""
    n = orbital_rate_rad_s(element_set)
    a_km = (GM_EARTH_KM3_S2 / n**2) ** (1 / 3)
    return AeroModel(
        exponential_density_kg_m3(a_km - WGS84_A_KM),
        n * a_km * 1e3,
        cd_area_m2,
        tuple(cp_minus_cm_m),
    )


USSA76_400KM_KG_M3 = 2.803e-12
USSA76_SCALE_HEIGHT_KM = 58.2
"""US Standard Atmosphere 1976 density at 400 km and the scale height from its 400/450 km
values (2.803e-12 and 1.184e-12 kg/m^3). Real thermospheric density varies several-fold with
solar activity: a documented, crude model for an optional torque."""


def exponential_density_kg_m3(altitude_km: float) -> float:
    return USSA76_400KM_KG_M3 * float(np.exp(-(altitude_km - 400.0) / USSA76_SCALE_HEIGHT_KM))


def orbital_rate_rad_s(element_set: ElementSet) -> float:
    return float(element_set.satrec.no_kozai) / 60.0


@dataclass(frozen=True)
class AttitudeSetup:
    config: AttitudeConfig
    t0_utc: datetime
    mass: MassProperties
    q0_lvlh: np.ndarray
    fit_keys: tuple[str, ...]

    def values(self) -> dict[str, float]:
        """Current values of the fitted parameters."""
        out = {}
        for key in self.fit_keys:
            group, index, name = _split(key)
            item = getattr(self.config, group)[index]
            out[key] = item.start_s if name == "start_utc" else getattr(item, _attr(name))
        return out


def _split(key: str) -> tuple[str, int, str]:
    group, rest = key.split("[")
    index, name = rest.split("].")
    return group, int(index), name


def _attr(name: str) -> str:
    return {
        "max_torque_n_m": "max_torque_n_m",
        "thrust_n": "thrust_n",
        "propellant_kg": "propellant_kg",
        "isp_s": "isp_s",
    }[name]


def with_values(setup: AttitudeSetup, values: dict[str, float]) -> AttitudeSetup:
    """The same setup with some fitted parameters replaced."""
    config = setup.config
    for key, value in values.items():
        group, index, name = _split(key)
        items = list(getattr(config, group))
        field = "start_s" if name == "start_utc" else _attr(name)
        items[index] = replace(items[index], **{field: float(value)})
        config = replace(config, **{group: tuple(items)})
    return replace(setup, config=config)


def setup_from_scenario(
    sc: Scenario, element_set: ElementSet, station: Station | None = None
) -> AttitudeSetup:
    spec = sc.attitude
    station = station or Station()
    config_st = station.at(sc.station_date)
    placements = layout(config_st)
    mass = mass_properties(config_st, placements=placements)
    com = mass.center_of_mass_m
    t0 = sc.span.start_utc

    def seconds(when: datetime | None) -> float:
        return np.inf if when is None else (when - t0).total_seconds()

    where = {p.name: p for p in placements}
    thrusters = []
    fit_keys: list[str] = []
    for i, t in enumerate(spec.thrusters):
        from ..station.catalog import canonical

        module = canonical(t.module)
        if module not in where:
            from ..errors import EvasimInputError

            raise EvasimInputError(
                f"attitude.thrusters[{i}].module: {t.module} is not on station"
                f" on {sc.station_date:%Y-%m-%d}",
                source=sc.origin,
            )
        p = where[module]
        if t.point == "far_end":
            point = p.centre_m + p.axis * p.size_m[0] / 2
        elif t.point == "centre":
            point = p.centre_m
        else:
            point = np.asarray(t.point, float)
        thrusters.append(
            Thruster(
                t.name,
                tuple(point - com),
                tuple(t.direction),
                t.thrust_n,
                seconds(t.start_utc),
                seconds(t.stop_utc),
                t.propellant_kg if t.propellant_kg else np.inf,
                t.isp_s,
            )
        )
        fit_keys += [f"thrusters[{i}].{name}" for name in t.fit]
    controllers = []
    for j, c in enumerate(spec.controllers):
        controllers.append(RsController(c.name, seconds(c.start_utc), c.max_torque_n_m))
        fit_keys += [f"controllers[{j}].{name}" for name in c.fit]
    inertia = mass.inertia_kg_m2
    q_cmd = (
        torque_equilibrium_attitude(inertia) if spec.initial == "tea" else np.array([1.0, 0, 0, 0])
    )
    q0 = qmul(q_cmd, from_euler_321_deg(*spec.initial_rpy_deg))[0]
    config = AttitudeConfig(
        inertia_kg_m2=inertia,
        orbital_rate_rad_s=orbital_rate_rad_s(element_set),
        gravity_gradient=spec.gravity_gradient,
        cmg=spec.cmg,
        cmg_max_torque_n_m=spec.cmg_max_torque_n_m,
        cmg_handover_s=spec.cmg_handover_s,
        desat_fraction=spec.desat_fraction,
        rs_bandwidth_rad_s=spec.rs_bandwidth_rad_s,
        rs_max_rate_deg_s=spec.rs_max_rate_deg_s,
        aero=aero_model(element_set, spec.aero_cd_area_m2, spec.aero_cp_minus_cm_m)
        if spec.aero
        else None,
        controllers=tuple(controllers),
        thrusters=tuple(thrusters),
        q_ref_lvlh=tuple(q_cmd),
        dt_s=spec.dt_s,
        control_sampling=spec.control_sampling,
    )
    _check_spin_up(sc, config, inertia)
    return AttitudeSetup(config, t0, mass, q0, tuple(fit_keys))


MAX_SPIN_UP_DEG_S = 10.0
"""The largest rate the thrusters together may give the station if nothing opposed them (the
station turns at ~0.1-0.5 deg/s; the Nauka event peaked at 0.56 deg/s). Far beyond, the rate
outruns the integrator's steps and the states stop being numbers."""


def _check_spin_up(sc: Scenario, config: AttitudeConfig, inertia: np.ndarray) -> None:
    """Refuse thrusters whose torque x burn time, unopposed, would spin the station beyond
    :data:`MAX_SPIN_UP_DEG_S` about its axis of least inertia (before any integration)."""
    from ..constants import STANDARD_GRAVITY_M_S2

    span_s = (sc.span.end_utc - sc.span.start_utc).total_seconds()
    least = float(np.min(np.linalg.eigvalsh(inertia)))
    total = 0.0
    for i, t in enumerate(config.thrusters):
        d = np.asarray(t.direction, float)
        torque = t.thrust_n * float(np.linalg.norm(np.cross(t.position_m, d / np.linalg.norm(d))))
        burn = min(t.stop_s, span_s) - max(t.start_s, 0.0)
        burn = min(burn, t.propellant_kg * t.isp_s * STANDARD_GRAVITY_M_S2 / t.thrust_n)
        total += np.degrees(torque * max(burn, 0.0) / least)
        if total > MAX_SPIN_UP_DEG_S:
            raise sc.error(
                ("attitude", "thrusters", i, "thrust_n"),
                f"{t.thrust_n:g} N at {torque / t.thrust_n:.1f} m for {burn:,.0f} s would spin "
                f"the station up to {total:,.3g} deg/s; expected at most {MAX_SPIN_UP_DEG_S:g} "
                "deg/s (the limit): less thrust, propellant_kg or a stop_utc",
            )
