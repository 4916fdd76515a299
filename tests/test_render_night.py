"""Orbital night in the helmet camera: helmet lamps, city lights, airglow, auto-exposure.

Checked on rendered arrays against the lamp model evaluated independently (body-frame ray and
cylinder geometry), the night-lights map, an analytic limb integral of a Gaussian layer, the
published range of the green line's limb brightness, and the camera's exposure law."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from evasim.constants import EARTH_MEAN_RADIUS_KM, SOLAR_ILLUMINANCE_LX
from evasim.render import airglow, exposure, raycast
from evasim.render.camera import Lens, crew_position_body
from evasim.render.frame import HelmetCamera
from evasim.render.lamps import LAMPS, lamps_for_suit
from evasim.render.materials import (
    SEAM_SHADE,
    material_for,
    material_table,
    materials,
    surface_albedo,
)
from evasim.render.nightlights import switched_on

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

DAY = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)
NIGHT = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
GANGES = datetime(2021, 9, 3, 17, 54, tzinfo=UTC)  # 25.3 N 84.5 E, local time ~23:30
OCEAN = datetime(2021, 9, 3, 17, 46, tzinfo=UTC)  # 1.4 N 65.8 E, Indian Ocean, night


def _sunlit(replay, when):
    k = np.searchsorted(replay.grid.seconds, replay.grid.seconds_of(when))
    return float(replay.sunlit_fraction[k])


# --- helmet lamps ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def worksite_night(vkd49):
    cam = HelmetCamera(vkd49, 641, 361, Lens(90.0), look="worksite", overlay=False)
    return cam, cam.frame("EV1", NIGHT)


def test_helmet_lamps_light_the_hull_by_the_lamp_model(vkd49, worksite_night):
    """At night (no sunlight, no earthshine) the hull 1 m in front of EV1 is lit only by the
    two Orlan lamps: the centre pixel's radiance is the lamp model's, computed here from the
    body-frame geometry of the camera and the worksite module (a cylinder)."""
    cam, frame = worksite_night
    assert _sunlit(vkd49, NIGHT) == 0.0
    sc = vkd49.scenario
    pos, module = crew_position_body(sc, cam.placements, "EV1", NIGHT, cam.airlock)
    p = cam.placements[module]
    assert p.shape == "cylinder"
    centre, axis, radius = p.centre_m, p.axis, p.size_m[1] / 2
    d = (centre - pos) / np.linalg.norm(centre - pos)  # the worksite look: the centre ray
    # |w + t d_perp| = radius, w = the camera's offset from the axis, perpendicular parts
    w = (pos - centre) - ((pos - centre) @ axis) * axis
    dp = d - (d @ axis) * axis
    a, b, c = dp @ dp, 2 * (w @ dp), w @ w - radius**2
    t_m = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)
    hit = w + t_m * dp
    cos_i = abs(hit @ d) / radius
    assert 0.9 < t_m < 1.2 and cos_i > 0.9  # 1 m off the hull, near normal incidence
    suit = next(m.suit for m in sc.crew if m.role == "EV1")
    lamps = lamps_for_suit(suit)
    assert lamps == LAMPS["orlan"] and len(lamps) == 2
    illuminance_lx = sum(lamp.axial_intensity_cd for lamp in lamps) * cos_i / t_m**2
    # the blanket's albedo at the hit (its material's pattern at the hit's surface coordinates)
    focal = cam.lens.focal_px(641)
    local = p.rotation.T @ (pos + t_m * d - centre)
    mat = [m.name for m in materials()].index(material_for(p.name, p.kind))
    u, v = local[0], math.atan2(local[2], local[1]) * radius
    albedo = np.array(surface_albedo(material_table(), mat, u, v, t_m / focal / cos_i, 0, 0, 0))
    expected = albedo * illuminance_lx / (math.pi * SOLAR_ILLUMINANCE_LX)
    assert frame.ids[180, 320] == raycast.ID_STATION
    np.testing.assert_allclose(frame.radiance[180, 320], expected, rtol=2e-3)
    # the camera exposes for the lit hull: it is bright, not black, not clipped to white
    assert 120 <= frame.image[180, 320].mean() <= 250
    # within the beam (half-angle 20 deg: 1 m off the hull, a 0.36 m radius pool) every pixel
    # of the hull is at least as bright as the model at the beam's half intensity and 1.2 m
    beam = lamps[0].half_angle_deg
    yy, xx = np.mgrid[0:361, 0:641]
    off_axis = np.degrees(np.arctan(np.hypot(xx - 320, yy - 180) / focal))
    inside = (off_axis < beam) & (frame.ids == raycast.ID_STATION)
    assert inside.sum() > 1000
    darkest = min(*materials()[mat].albedo_rgb, *materials()[mat].line_rgb) * SEAM_SHADE * 0.96
    floor = 0.5 * darkest * sum(x.axial_intensity_cd for x in lamps) * 0.8
    floor /= 1.2**2 * math.pi * SOLAR_ILLUMINANCE_LX
    assert frame.radiance[inside].min() > floor


def test_without_lamps_the_night_hull_is_black(vkd49, worksite_night):
    cam = HelmetCamera(vkd49, 641, 361, Lens(90.0), look="worksite", overlay=False, lamps=False)
    dark = cam.frame("EV1", NIGHT)
    lit = worksite_night[1]
    assert (dark.ids == lit.ids).all()
    assert dark.radiance[dark.ids == raycast.ID_STATION].max() == 0.0
    assert lit.radiance[lit.ids == raycast.ID_STATION].min() > 0.0


def test_lamp_beam_integrates_to_its_flux():
    """I0 is chosen so that the beam's integral over the sphere is the lamp's flux, and the
    intensity is half of I0 at the documented half-angle."""
    for lamps in LAMPS.values():
        lamp = lamps[0]
        theta = np.linspace(0.0, np.pi, 200_001)
        flux = np.trapezoid(lamp.intensity_cd(np.degrees(theta)) * 2 * np.pi * np.sin(theta), theta)
        assert flux == pytest.approx(lamp.flux_lm, rel=1e-3)
        half = lamp.intensity_cd(lamp.half_angle_deg) / lamp.axial_intensity_cd
        assert half == pytest.approx(0.5, rel=1e-12)


# --- city lights -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nadir_cam(vkd49):
    return HelmetCamera(vkd49, 320, 180, Lens(90.0), look="nadir", overlay=False, station=False)


def test_city_lights_over_the_ganges_plain_at_night(vkd49, nadir_cam):
    """Nadir over the Ganges plain near midnight: the Earth is not black (the city lights of
    the NASA map show), and it is far brighter than the Indian Ocean the orbit crossed 8
    minutes before; the overlay-free frame is lit only by the lights (no Sun, no Moon)."""
    assert _sunlit(vkd49, GANGES) == 0.0 and _sunlit(vkd49, OCEAN) == 0.0
    land = nadir_cam.frame("EV1", GANGES)
    sea = nadir_cam.frame("EV1", OCEAN)
    assert (land.ids == raycast.ID_EARTH).all() and (sea.ids == raycast.ID_EARTH).all()
    lum_land = land.radiance.mean(axis=2)
    lum_sea = sea.radiance.mean(axis=2)
    assert lum_land.mean() > 10 * lum_sea.mean()  # the sea shows only the airglow's 1e-10
    # visible at the camera's exposure: a tenth of the pixels at least 20 levels above black
    assert (land.image.max(axis=2) >= 20).mean() > 0.1
    assert land.image.mean() > 6 and sea.image.mean() < 4
    # the sub-satellite pixel shows the map's intensity there (its neighbourhood's range)
    st = nadir_cam.states_at(GANGES)
    lat, lon = float(st.latitude_deg[0]), float(st.longitude_deg[0])
    lights = nadir_cam.night_lights
    near = [lights.intensity_at(lat + a, lon + b) for a in (-0.2, 0, 0.2) for b in (-0.2, 0, 0.2)]
    rgb = lights.radiance_rgb
    centre = land.radiance[90, 160]
    # the view path's transmittance toward nadir is 0.5-1 in every channel
    assert 0.45 * min(near) * rgb[1] - 1e-9 <= centre[1] <= max(near) * rgb[1] + 1e-9


def test_city_lights_add_nothing_by_day(vkd49, nadir_cam):
    on = nadir_cam
    off = HelmetCamera(
        vkd49, 320, 180, Lens(90.0), look="nadir", overlay=False, station=False, night_lights=False
    )
    np.testing.assert_array_equal(on.frame("EV1", DAY).radiance, off.frame("EV1", DAY).radiance)
    assert (on.frame("EV1", GANGES).radiance > off.frame("EV1", GANGES).radiance).any()


def test_lights_switch_on_through_twilight():
    """Off with the Sun up, half on at 6 deg below the horizon (end of civil twilight), all
    on from 12 deg (end of nautical twilight), monotonic in between."""
    s = np.sin(np.radians([5.0, 0.0, -3.0, -6.0, -9.0, -12.0, -30.0]))
    f = np.array([switched_on(x) for x in s])
    assert f[0] == 0 and f[1] == 0
    assert f[3] == pytest.approx(0.5, abs=0.01) and f[5] == pytest.approx(1.0) and f[6] == 1.0
    assert np.all(np.diff(f) >= 0)


# --- airglow -----------------------------------------------------------------------------
def test_limb_integral_of_a_gaussian_layer_matches_the_analytic_value():
    """Through the peak of a Gaussian layer (sigma << R) the limb path gives
    I = eps0 * 2 Gamma(5/4) (8 R^2 sigma^2)^(1/4) (h ~ s^2 / 2R), eps0 = Z / (sigma sqrt(2 pi)):
    ~50 times the zenith brightness for the 10 km green-line layer."""
    green = airglow.LAYERS[0]
    sigma = green.fwhm_km / (2 * math.sqrt(2 * math.log(2)))
    r = EARTH_MEAN_RADIUS_KM + green.peak_km
    eps0 = green.zenith_rayleigh / (sigma * math.sqrt(2 * math.pi))
    analytic = eps0 * 2 * math.gamma(1.25) * (8 * r * r * sigma * sigma) ** 0.25
    numeric = airglow.limb_rayleigh(green, np.array([green.peak_km]), step_km=0.1)[0]
    assert numeric == pytest.approx(analytic, rel=5e-3)
    assert 40 < numeric / green.zenith_rayleigh < 60


@pytest.fixture(scope="module")
def limb_band(vkd49):
    """A narrow lens (5 deg wide, 20 deg tall) on the night limb, no station: the airglow band
    spans many pixels."""
    cam = HelmetCamera(vkd49, 161, 641, Lens(5.0), look="limb", overlay=False, station=False)
    return cam, cam.frame("EV1", NIGHT)


def _tangent_km(frame, cam, rows, col):
    """Tangent altitude over the mean sphere of the rays through pixels (rows, col)."""
    focal = cam.lens.focal_px(cam.width)
    u = col + 0.5 - cam.width / 2
    v = rows + 0.5 - cam.height / 2
    d = np.stack([np.full(rows.shape, u), v, np.full(rows.shape, focal)], 1)
    d = d / np.linalg.norm(d, axis=1)[:, None] @ frame.pose.rotation_itrs.T
    p = frame.pose.position_itrs_km
    return np.linalg.norm(np.cross(p, d), axis=1) - EARTH_MEAN_RADIUS_KM


def test_airglow_band_is_thin_faint_and_where_the_layer_is(vkd49, limb_band):
    """Above the night limb the glow peaks where rays graze the layers (87-97 km), its peak
    is a published limb brightness (green line: a few to ~15 kR), it is far from saturating
    the image, and its angular thickness is the layers' thickness over the distance to the
    limb (a few kilometres at ~2,300 km: a few hundredths of a degree per kilometre)."""
    cam, frame = limb_band
    assert _sunlit(vkd49, NIGHT) == 0.0
    col = 80
    rows = np.arange(cam.height)
    sky = frame.ids[:, col] == raycast.ID_SPACE
    h = _tangent_km(frame, cam, rows, col)
    # stars could fall in the column: take the median over 9 columns
    g = np.median(frame.radiance[:, col - 4 : col + 5, 1], axis=1)
    g = np.where(sky & (h > 0), g, 0.0)
    k = int(np.argmax(g))
    assert 85.0 < h[k] < 100.0
    # the green channel at the peak, converted back to rayleighs of 557.7 nm (most of it)
    per_r = airglow.channel_radiance_per_rayleigh(557.7)[1]
    assert 2_000 < g[k] / per_r < 20_000
    assert frame.image[k, col - 4 : col + 5].max() < 200
    # full width at half maximum, in tangent altitude and in angle, against the layers'
    # limb profile integrated along the rays here (green channel, every layer)
    above = np.nonzero(g >= g[k] / 2)[0]
    lo, hi = above.min(), above.max()
    assert np.all(g[lo : hi + 1] >= g[k] / 2 * 0.9)  # one band
    fwhm_km = abs(h[lo] - h[hi])
    grid = np.arange(60.0, 130.0, 0.1)
    model = sum(
        airglow.limb_rayleigh(layer, grid)
        * airglow.channel_radiance_per_rayleigh(layer.wavelength_nm)[1]
        for layer in airglow.LAYERS
    )
    half = grid[model >= model.max() / 2]
    km_per_px = np.abs(np.diff(h[lo : hi + 1])).max()
    assert 10.0 < half[-1] - half[0] < 25.0  # limb profiles are wider than the 8-10 km layers
    assert fwhm_km == pytest.approx(half[-1] - half[0], abs=2 * km_per_px)
    assert h[k] == pytest.approx(grid[np.argmax(model)], abs=km_per_px)
    rc = np.linalg.norm(frame.pose.position_itrs_km)
    to_limb_km = math.sqrt(rc**2 - (EARTH_MEAN_RADIUS_KM + 92.0) ** 2)
    fwhm_deg = (hi - lo + 1) * math.degrees(1 / cam.lens.focal_px(cam.width))
    assert fwhm_deg == pytest.approx(math.degrees(fwhm_km / to_limb_km), rel=0.15)


# --- auto-exposure -----------------------------------------------------------------------
def test_exposure_range_is_the_cameras():
    """ISO 12232: saturation at 78 N^2 / (t S) cd/m^2; at 1/30 s, ISO 6400, f/2.8 that is
    2.87 cd/m^2, at 1/8000 s, ISO 100 48,900 cd/m^2."""
    assert exposure.saturation_luminance_cd_m2(1 / 30, 6400) == pytest.approx(2.866, rel=1e-3)
    assert exposure.saturation_luminance_cd_m2(1 / 8000, 100) == pytest.approx(48_922, rel=1e-3)
    assert exposure.EXPOSURE_MAX == pytest.approx(3 * SOLAR_ILLUMINANCE_LX / 2.866, rel=1e-3)
    assert exposure.metered_target(0.0, 0.0) == pytest.approx(exposure.EXPOSURE_MAX)
    assert exposure.metered_target(1e9, 0.0) == pytest.approx(exposure.EXPOSURE_MIN)
    assert exposure.metered_target(0.0, 1.0) == pytest.approx(exposure.EXPOSURE_DAY_CAP)


def test_exposure_adapts_over_seconds_not_frames():
    t0 = NIGHT
    state = exposure.ExposureState(10.0, t0)
    target = 10_000.0
    one_frame = exposure.adapt(target, state, t0 + timedelta(seconds=1 / 30))
    assert 10.0 < one_frame < 13.0  # a thirtieth of a second changes it by ~3 %
    tau = exposure.adapt(target, state, t0 + timedelta(seconds=exposure.TIME_CONSTANT_S))
    assert math.log(tau / 10.0) == pytest.approx((1 - math.exp(-1)) * math.log(1000.0))
    settled = exposure.adapt(target, state, t0 + timedelta(seconds=10 * exposure.TIME_CONSTANT_S))
    assert settled == pytest.approx(target, rel=1e-3)
    assert exposure.adapt(target, None, t0) == target
    assert exposure.adapt(target, state, t0 - timedelta(seconds=1)) == target  # stale state


def test_stars_show_at_night_after_the_camera_adapts(vkd49):
    """Looking at the sky, from a daylight exposure the camera opens up over seconds: one
    frame after a daylight state few stars show; settled, many do (and none by day)."""
    cam = HelmetCamera(
        vkd49, 480, 270, Lens(120.0), look="free:0,-40", overlay=False, station=False
    )
    settled = cam.frame("EV1", NIGHT)
    day = cam.frame("EV1", DAY)
    assert day.stars_drawn == 0
    assert settled.exposure == pytest.approx(exposure.EXPOSURE_MAX)
    assert settled.stars_drawn > 100
    after_day = exposure.ExposureState(day.exposure, NIGHT - timedelta(seconds=1 / 30))
    first = cam.frame("EV1", NIGHT, exposure_state=after_day)
    assert first.exposure < 2 * day.exposure
    assert first.stars_drawn < settled.stars_drawn / 5
    times = [NIGHT + timedelta(seconds=k / 2) for k in range(13)]
    seq = [f.exposure for f in cam.frames("EV1", times, exposure_state=after_day)]
    assert np.all(np.diff(seq) > 0)  # opening up, frame after frame
    assert seq[2] < settled.exposure / 10  # one second later: still far from settled
    assert seq[-1] == pytest.approx(settled.exposure, rel=0.05)  # 6 s: settled
