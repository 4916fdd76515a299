"""Orbit: evasim's fast SGP4 + frame pipeline against skyfield, and published orbit figures."""

from __future__ import annotations

import numpy as np
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from evasim.constants import WGS84_A_KM
from evasim.sky.orbit import geodetic_from_itrs


def _skyfield_reference(replay, sky, stride=997):
    es = replay.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    idx = np.arange(0, len(replay.grid), stride)
    t = replay.grid.with_seconds(replay.grid.seconds[idx]).skyfield(sky)
    return idx, sat.at(t)


def test_gcrs_and_itrs_match_skyfield_to_a_metre(vkd49, sky):
    idx, position = _skyfield_reference(vkd49, sky)
    gcrs_err_m = np.abs(position.position.km - vkd49.track.r_gcrs_km[:, idx]).max() * 1e3
    itrs_err_m = np.abs(position.frame_xyz(itrs).km - vkd49.track.r_itrs_km[:, idx]).max() * 1e3
    assert gcrs_err_m < 1.0
    assert itrs_err_m < 1.0


def test_itrs_velocity_matches_skyfield(vkd49, sky):
    """The Earth-fixed velocity carries the frame's rotation (v = R v_teme - omega x r): it
    differs from the inertial velocity by ~0.5 km/s, and agrees with skyfield's ITRS velocity
    (frame_xyz_and_velocity, its own rotation matrices and angular velocity)."""
    idx, position = _skyfield_reference(vkd49, sky)
    _, v_sky = position.frame_xyz_and_velocity(itrs)
    v_mine = vkd49.track.v_itrs_km_s[:, idx]
    err_mm_s = np.linalg.norm(v_sky.km_per_s - v_mine, axis=0).max() * 1e6
    assert err_mm_s < 0.5  # measured 0.16 mm/s; without omega x r it would be 0.5 km/s
    # The GCRS -> ITRS matrix is a rotation that takes the GCRS position to the ITRS one.
    for i in idx[:3]:
        m = vkd49.track.itrs_from_gcrs(i)
        assert np.allclose(m @ m.T, np.eye(3), atol=1e-12)
        assert np.abs(m @ vkd49.track.r_gcrs_km[:, i] - vkd49.track.r_itrs_km[:, i]).max() < 1e-6


def test_geodetic_matches_skyfield_wgs84(vkd49, sky):
    idx, position = _skyfield_reference(vkd49, sky)
    geo = wgs84.geographic_position_of(position)
    assert np.abs(geo.latitude.degrees - vkd49.track.latitude_deg[idx]).max() < 1e-6
    lon_err = (geo.longitude.degrees - vkd49.track.longitude_deg[idx] + 180) % 360 - 180
    assert np.abs(lon_err).max() < 1e-5  # 1e-5 deg ~ 1 m
    assert np.abs(geo.elevation.km - vkd49.track.altitude_km[idx]).max() < 1e-3


def test_geodetic_inverts_known_points():
    # Points built from WGS84 geodetic coordinates with the textbook forward formula, on
    # skyfield's WGS84 constants (not evasim's).
    a, f = wgs84.radius.km, 1 / wgs84.inverse_flattening
    e2 = f * (2 - f)
    lat = np.radians([0.0, 51.6, -51.6, 89.9, 30.0])
    lon = np.radians([0.0, 10.0, -170.0, 45.0, 179.9])
    h = np.array([420.0, 0.0, 430.0, 400.0, 1.0])
    n = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    r = np.array(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1 - e2) + h) * np.sin(lat),
        ]
    )
    la, lo, hh = geodetic_from_itrs(r)
    assert np.allclose(la, np.degrees(lat), atol=1e-9)
    assert np.allclose(lo, np.degrees(lon), atol=1e-9)
    assert np.allclose(hh, h, atol=1e-6)


def test_period_altitude_inclination_on_2021_09_03(vkd49):
    periods = vkd49.track.orbital_periods_min()
    assert len(periods) >= 4
    assert np.all((periods > 92.6) & (periods < 93.0))
    # Mean altitude above the equatorial radius from the semi-major axis, and the geodetic
    # altitude above WGS84 (which varies with latitude: the ellipsoid is 21 km flatter at
    # the poles, so the geodetic altitude of a ~420 km orbit swings ~418-438 km).
    r = np.linalg.norm(vkd49.track.r_teme_km, axis=0)
    assert 410.0 < np.mean(r) - WGS84_A_KM < 430.0
    alt = vkd49.track.altitude_km
    assert 410.0 < alt.min() and alt.max() < 445.0
    assert abs(vkd49.track.inclination_from_track_deg() - 51.6) < 0.1
    # The element set's own inclination agrees with what the track shows.
    assert (
        abs(np.degrees(vkd49.element_set.satrec.inclo) - vkd49.track.inclination_from_track_deg())
        < 0.05
    )


def test_published_october_2021_orbit_figures(vkd49):
    # Roscosmos, Oct 2021: 419.4 x 441.2 km, i = 51.66 deg, period 92.92 min. The September
    # orbit should be within a few km and a few hundredths of a minute of that.
    assert abs(np.mean(vkd49.track.orbital_periods_min()) - 92.92) < 0.05
