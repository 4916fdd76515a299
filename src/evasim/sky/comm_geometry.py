"""Geometry of the station's communication links, vectorised over time (all in ITRS, km).

* A geostationary relay is a point at :data:`~evasim.constants.GEOSTATIONARY_RADIUS_KM` over the
  equator at its slot longitude, fixed in the ITRS. This is an idealisation: real TDRS and
  Luch satellites drift east-west within their box and many are inclined, which swings them
  north and south over a day; their actual positions would come from their own element sets,
  which evasim does not bundle.
* The line of sight station -> relay is clear when the segment between them does not enter the
  WGS84 ellipsoid grown by a grazing altitude (semi-axes a + h and b + h; the grown surface
  is an ellipsoid, not the exact offset surface: they differ by < 0.2 m for h = 100 km, computed).
  Scaling the axes by 1/(a+h), 1/(a+h), 1/(b+h) maps that ellipsoid onto the unit sphere
  (an affine map keeps segments segments), where the test is the segment's least distance
  from the centre. :func:`los_margin_km` is that distance minus 1, times a + h: a continuous
  function of time (positive: clear), so window edges are its roots.
* A ground site is a point on the WGS84 ellipsoid (height 0: the files give town coordinates,
  no heights); the station's elevation is measured from the site's geodetic horizon (the
  plane normal to the ellipsoid normal) with no refraction; :func:`elevation_deg` minus the
  mask is the function whose roots are the edges.
"""

from __future__ import annotations

import numpy as np

from ..constants import GEOSTATIONARY_RADIUS_KM, WGS84_A_KM, WGS84_B_KM, WGS84_E2
from .orbit import geodetic_up_itrs

GRAZING_ALTITUDE_KM = 100.0
"""Default height (km) above the WGS84 ellipsoid a relay line of sight must clear.

An ASSUMPTION, not a sourced figure: the Karman line (100 km) taken as the top of the
atmosphere that would refract, absorb or (for S/Ku band) scintillate a grazing link. The public
ISS-Mimic twin uses 0 km over a sphere (facts/comm_networks.md); the actual TDRS/ISS link
budgets near the limb are not published in the sources evasim holds."""

GROUND_MASK_DEG = 5.0
"""Default elevation mask (deg) of the Russian ground stations: "a 5 deg elevation mask is a
common first assumption" (facts/comm_networks.md, conf L). The stations' real masks (terrain,
antenna limits) are not known."""


def geo_relay_itrs_km(longitude_deg: np.ndarray) -> np.ndarray:
    """ITRS positions (3, K), km, of geostationary slots at ``longitude_deg`` (east +)."""
    lon = np.radians(np.asarray(longitude_deg, float))
    return GEOSTATIONARY_RADIUS_KM * np.array([np.cos(lon), np.sin(lon), np.zeros_like(lon)])


def site_itrs_km(
    latitude_deg: np.ndarray, longitude_deg: np.ndarray, height_km: float = 0.0
) -> np.ndarray:
    """ITRS positions (3, K), km, of WGS84 geodetic points (latitude, longitude in deg)."""
    lat = np.radians(np.asarray(latitude_deg, float))
    lon = np.radians(np.asarray(longitude_deg, float))
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    return np.array(
        [
            (n + height_km) * np.cos(lat) * np.cos(lon),
            (n + height_km) * np.cos(lat) * np.sin(lon),
            (n * (1.0 - WGS84_E2) + height_km) * np.sin(lat),
        ]
    )


def los_margin_km(
    station_itrs_km: np.ndarray, relay_itrs_km: np.ndarray, grazing_altitude_km: float
) -> np.ndarray:
    """How far (km, scaled by a + h: exact at the equator) the segment station -> relay passes
    outside the ellipsoid grown by ``grazing_altitude_km``; negative when it is blocked.
    Both arguments (3, N) (or broadcastable)."""
    scale = np.array([WGS84_A_KM + grazing_altitude_km] * 2 + [WGS84_B_KM + grazing_altitude_km])[
        :, None
    ]
    p = station_itrs_km / scale
    d = relay_itrs_km / scale - p
    t = np.clip(-np.sum(p * d, axis=0) / np.sum(d * d, axis=0), 0.0, 1.0)
    closest = p + t * d
    return (np.linalg.norm(closest, axis=0) - 1.0) * (WGS84_A_KM + grazing_altitude_km)


def elevation_deg(
    station_itrs_km: np.ndarray, site_itrs: np.ndarray, site_up_itrs: np.ndarray
) -> np.ndarray:
    """Elevation (deg) of the station above each site's geodetic horizon (no refraction).
    ``site_up_itrs`` are the unit ellipsoid normals (:func:`~evasim.sky.orbit.geodetic_up_itrs`)."""
    d = station_itrs_km - site_itrs
    d = d / np.linalg.norm(d, axis=0)
    return np.degrees(np.arcsin(np.clip(np.sum(d * site_up_itrs, axis=0), -1.0, 1.0)))


def site_up_itrs(latitude_deg: np.ndarray, longitude_deg: np.ndarray) -> np.ndarray:
    """Unit ellipsoid normals (3, K) at the sites (the same model as the station's vertical)."""
    return geodetic_up_itrs(np.asarray(latitude_deg, float), np.asarray(longitude_deg, float))
