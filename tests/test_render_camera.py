"""The helmet camera's lens models, its flare and the auto look from the task timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from evasim.render import lens as lenses
from evasim.render import look as looks
from evasim.render import raycast
from evasim.render.frame import HelmetCamera
from evasim.render.lens import Lens

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

DAY = datetime(2021, 9, 3, 15, 40, tzinfo=UTC)
NIGHT = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)


@pytest.mark.parametrize("projection", ["rectilinear", "equidistant", "action"])
def test_lens_ray_and_project_are_inverse(projection):
    """Every pixel's ray projects back onto that pixel's centre, and the half field of view
    lands on the image's side edge."""
    lens = Lens(120.0 if projection != "equidistant" else 170.0, projection=projection)
    w, h = 64, 36
    focal = lens.focal_px(w)
    rays = np.array(
        [lenses.ray(x, y, w, h, lens.code, focal)[:3] for y in range(h) for x in range(w)]
    )
    x, y, ok = lenses.project(rays, lens.code, focal, w, h)
    grid_x, grid_y = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    assert ok.all()
    assert np.allclose(x, grid_x.ravel(), atol=1e-6) and np.allclose(y, grid_y.ravel(), atol=1e-6)
    half = np.radians(lens.fov_deg / 2)
    edge = lenses.project(np.array([[np.sin(half), 0.0, np.cos(half)]]), lens.code, focal, w, h)
    assert edge[0][0] == pytest.approx(w)


@pytest.mark.parametrize("projection", ["rectilinear", "equidistant", "action"])
def test_stars_land_where_the_lens_projects_them(projection):
    """The star kernel puts each catalogue star on the pixel :func:`.lens.project` gives its
    direction (its cull of directions beyond the image's corners loses none), adds its
    irradiance over the pixel's solid angle, and draws nothing on a pixel that is not sky."""
    from evasim.render.stars import StarCatalog, add_stars

    cat = StarCatalog.load()
    lens = Lens(120.0 if projection != "equidistant" else 170.0, projection=projection)
    w, h = 320, 180
    focal = lens.focal_px(w)
    a, b = np.radians(37.0), np.radians(-21.0)  # any rotation ICRS -> camera
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    m = np.ascontiguousarray(rx @ rz)
    flux = 10.0 ** (-0.4 * (cat.magnitude + 26.74))
    ids = np.zeros((h, w), np.uint8)
    ids[:, : w // 4] = raycast.ID_EARTH  # the left quarter is not sky
    radiance = np.zeros((h, w, 3), np.float32)
    px, py = np.empty(len(flux), np.int64), np.empty(len(flux), np.int64)
    n, _ = add_stars(m, cat.directions_icrs, flux, lens.code, focal, w, h, ids, radiance, 1.0,
                     0.5, px, py)  # fmt: skip
    x, y, ok = lenses.project(cat.directions_icrs @ m.T, lens.code, focal, w, h)
    ix, iy = np.floor(x).astype(int), np.floor(y).astype(int)
    inside = ok & (ix >= w // 4) & (ix < w) & (iy >= 0) & (iy < h)
    assert inside.sum() > 100
    assert sorted(zip(px[:n], py[:n], strict=True)) == sorted(
        zip(ix[inside], iy[inside], strict=True)
    )
    expect = np.zeros((h, w))
    np.add.at(expect, (iy[inside], ix[inside]), flux[inside] * focal**2)
    np.testing.assert_allclose(radiance[..., 0], expect, rtol=1e-6)
    assert not radiance[:, : w // 4].any()


def test_action_lens_matches_the_measured_gopro_field_of_view():
    """The as-flown model through the GoPro HERO3 Black's measured 121 deg horizontal field on
    a 4:3 frame gives its measured 93 deg vertical and 146 deg diagonal (+/- 1.5 deg, the
    measurement's; the fit's diagonal is 1.1 deg above)."""
    lens = lenses.action_lens()
    focal = lens.focal_px(4000)
    vertical = 2 * np.degrees(lenses._theta_of_radius(1500 / focal, lenses.ACTION))
    diagonal = 2 * np.degrees(lens.half_angle_rad(4000, 3000))
    assert vertical == pytest.approx(93.0, abs=1.5)
    assert diagonal == pytest.approx(146.0, abs=1.5)


def _aim_at_sun(cam, when, off_deg):
    """A free:YAW,PITCH look ``off_deg`` beside the Sun as the replay's states see it."""
    st = cam.states_at(when)
    r, v = st.r_itrs_km[:, 0], st.v_itrs_km_s[:, 0]
    sun = st.sun_itrs_km[:, 0] - r
    sun /= np.linalg.norm(sun)
    zenith = r / np.linalg.norm(r)
    fwd = v - (v @ zenith) * zenith
    fwd /= np.linalg.norm(fwd)
    left = np.cross(zenith, fwd)
    pitch = -np.degrees(np.arcsin(sun @ zenith))
    yaw = np.degrees(np.arctan2(-(sun @ left), sun @ fwd))
    return f"free:{yaw + off_deg:.6f},{pitch:.6f}"


@pytest.fixture(scope="module")
def sun_frames(vkd49):
    probe = HelmetCamera(vkd49, 320, 180, Lens(121.0, projection="action"), overlay=False)
    look = _aim_at_sun(probe, DAY, 25.0)
    out = {}
    for on in (True, False):
        cam = HelmetCamera(
            vkd49, 320, 180, Lens(121.0, projection="action"), look=look, overlay=False, flare=on
        )
        out[on] = cam.frame("EV1", DAY)
    return out


def test_flare_spreads_the_suns_light(sun_frames):
    """With the Sun in view the pixels around its disc (4-20 px away, not the station) are
    brighter with the flare than without, the scene radiance is the same, and the disc itself
    is where it was."""
    on, off = sun_frames[True], sun_frames[False]
    ys, xs = np.nonzero(off.ids == raycast.ID_SUN)
    assert xs.size > 0
    assert np.array_equal(on.radiance, off.radiance) and np.array_equal(on.ids, off.ids)
    yy, xx = np.mgrid[:180, :320]
    d = np.hypot(xx - xs.mean(), yy - ys.mean())
    ring = (d > 4) & (d < 20) & (off.ids != raycast.ID_STATION)
    gain = on.image[ring].astype(int).sum(axis=1) - off.image[ring].astype(int).sum(axis=1)
    assert ring.sum() > 50
    assert (gain >= 0).all() and np.mean(gain > 0) > 0.9
    assert on.image.astype(int).sum() > off.image.astype(int).sum()


def test_flare_changes_nothing_without_a_bright_source(vkd49):
    """At night, looking down at the Earth (no Sun, nothing above the white point), the frame
    with the flare is the frame without it, bit for bit."""
    frames = [
        HelmetCamera(
            vkd49, 320, 180, Lens(121.0, projection="action"), look="nadir", overlay=False, flare=on
        ).frame("EV1", NIGHT)
        for on in (True, False)
    ]
    assert np.array_equal(frames[0].image, frames[1].image)


def test_flare_tones_an_untoned_image_as_the_renderer_would(sun_frames):
    """With the Sun in view the renderer leaves the tone pass to the flare (``toned=False``):
    the flare over an image holding anything gives the image it gives over the toned one, and
    with nothing above the white point it still tones every pixel, as the renderer's curve
    does (within the one level its float32 arithmetic can round differently)."""
    from evasim.render import flare

    off = sun_frames[False]
    corners = off.radiance[::4, ::4]
    sun_xy = (200.0, 60.0)
    toned = off.image.copy()
    assert flare.apply(off.radiance, toned, off.exposure, sun_xy, corners)
    garbage = np.full_like(off.image, 77)
    assert flare.apply(off.radiance, garbage, off.exposure, sun_xy, corners, toned=False)
    assert np.array_equal(garbage, toned)
    # the same scene clipped below the white point: no flare, only the tone pass
    clipped = np.minimum(off.radiance, np.float32(0.5 * flare.WHITE_POINT / off.exposure))
    garbage = np.full_like(off.image, 77)
    assert not flare.apply(clipped, garbage, off.exposure, sun_xy, corners, toned=False)
    expected = raycast.tone_values(clipped, off.exposure).astype(int)
    assert len(np.unique(expected)) > 50
    assert np.abs(garbage.astype(int) - expected).max() <= 1
    assert np.mean(garbage.astype(int) != expected) < 1e-3


@pytest.fixture(scope="module")
def auto_cam(vkd49):
    return HelmetCamera(vkd49, 64, 36, Lens(120.0), look="auto", overlay=False)


def _angle_deg(a, b):
    return np.degrees(np.arccos(np.clip((np.trace(a.T @ b) - 1) / 2, -1, 1)))


def test_auto_look_is_a_function_of_time(auto_cam):
    """The same instant gives the same pose whether reached by a 30 fps or a 25 fps sequence
    (or alone), including instants between the frames of both."""
    start = datetime(2021, 9, 3, 15, 45, tzinfo=UTC)
    probe = start + timedelta(seconds=7.2)  # frame 216 at 30 fps, 180 at 25 fps
    for fps in (30, 25):
        for k in range(0, int(8 * fps), 12):
            auto_cam.pose("EV1", start + timedelta(seconds=k / fps))
        a = auto_cam.pose("EV1", probe)[0].rotation_itrs
        b = auto_cam.pose("EV1", probe + timedelta(seconds=1 / 60))[0].rotation_itrs
        fresh = HelmetCamera(auto_cam.replay, 64, 36, Lens(120.0), look="auto")
        assert np.array_equal(a, fresh.pose("EV1", probe)[0].rotation_itrs)
        assert np.array_equal(
            b, fresh.pose("EV1", probe + timedelta(seconds=1 / 60))[0].rotation_itrs
        )


def test_auto_look_follows_the_timeline_smoothly(auto_cam):
    """Over 30 minutes of work (intents every 2 s) the camera looks at the worksite most of the
    time and glances at the partner and at the Earth (limb and nadir); over 150 s at 10 Hz it
    turns continuously: no step above what the fastest min-jerk turn (the largest angle,
    180 deg, over TURN_S) covers in 1/10 s, still between turns, and turns do happen."""
    sched = auto_cam.look_schedule("EV1")
    t0 = auto_cam.instants.seconds_of(datetime(2021, 9, 3, 15, 30, tzinfo=UTC))
    times = t0 + np.arange(0, 1800, 0.1)
    intents = [sched.intent(t) for t in times[::20]]
    share = {k: intents.count(k) / len(intents) for k in set(intents)}
    assert share["worksite"] > 0.6
    assert share.get("partner", 0) > 0.03 and share.get("limb", 0) > 0.02
    assert share.get("nadir", 0) > 0.02
    base = auto_cam.replay.grid.t0_utc
    prev = None
    steps = []
    for t in times[:1500]:  # the first 150 s at 10 Hz
        rot = auto_cam.pose("EV1", base + timedelta(seconds=float(t)))[0].rotation_itrs
        if prev is not None:
            steps.append(_angle_deg(prev, rot))
        prev = rot
    # min-jerk peak speed 1.875 x angle / TURN_S; the largest turn is under 180 deg
    assert max(steps) < 1.875 * 180 / looks.TURN_S * 0.1
    assert np.median(steps) < 0.05  # held looks barely move (the station turns slowly)
    assert sum(s > 1.0 for s in steps) > 10  # and it does turn


def test_min_jerk_and_slerp():
    assert looks.min_jerk(0.0) == 0.0 and looks.min_jerk(1.0) == 1.0
    assert looks.min_jerk(0.5) == pytest.approx(0.5)
    a = np.eye(3)
    c, s = np.cos(np.radians(90)), np.sin(np.radians(90))
    b = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    mid = looks.slerp_rotation(a, b, 0.5)
    assert _angle_deg(a, mid) == pytest.approx(45.0) and _angle_deg(mid, b) == pytest.approx(45.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--lens", "foo"], "--lens 'foo': expected one of rectilinear, equidistant, action"),
        (["--lens", "action", "--fov", "250"], "--fov 250: expected 1..200 deg for action"),
        (["--fisheye", "--lens", "action"], "--fisheye: is --lens equidistant"),
        (["--look", "sideways"], "--look 'sideways': expected auto, worksite"),
    ],
)
def test_render_lens_and_look_options_are_checked_first(tmp_path, options, message):
    """A bad --lens, --fov or --look is one line and exit code 2, before any work, nothing
    written."""
    from typer.testing import CliRunner

    from evasim.cli import app

    out = tmp_path / "f.png"
    argv = ["render", "vkd-49", "--crew", "dubrov", "--at", "2021-09-03T15:30:00Z"]
    result = CliRunner().invoke(app, [*argv, *options, "-o", str(out)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()
