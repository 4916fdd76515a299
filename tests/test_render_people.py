"""People in the helmet camera's view (:mod:`evasim.render.people`): the partner where the
timeline puts them, their tether, the wearer's own arms only in the poses the model says, and
the adaptive sampling still exact on these thin and small solids."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.render import people
from evasim.render.camera import Lens, crew_position_body, hull_normal_body, project_px
from evasim.render.frame import HelmetCamera
from evasim.station.airlock import HULL_OFFSET_M

pytestmark = pytest.mark.render  # conftest: runs after the kernel warm-up

WORK = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)  # both at MRM-2 (task 2), by day
TRANSIT = datetime(2021, 9, 3, 16, 5, tzinfo=UTC)  # moving to MLM (task 3 starts 16:01)
INSIDE = datetime(2021, 9, 3, 14, 30, tzinfo=UTC)  # before hatch open (14:41)
W, H = 640, 360


@pytest.fixture(scope="module")
def cams(vkd49):
    return {
        look: HelmetCamera(vkd49, W, H, Lens(120.0), look=look, overlay=False)
        for look in ("partner", "worksite", "limb")
    }


def _pixel(cam, frame, point_body_m):
    st = cam.states_at(frame.utc)
    p = cam.body_to_itrs_km(st, point_body_m)
    xy = project_px(frame.pose, p, W, H, cam.lens.focal_px(W))
    assert xy is not None
    return round(float(xy[0])), round(float(xy[1])), p


def test_partner_is_where_the_timeline_puts_them(cams, vkd49):
    """EV2's waist (the timeline's crew position) projects onto the partner's suit, looking at
    them; looking at the worksite, their feet (a leg's length down the hull normal) do."""
    cam = cams["partner"]
    ((member, waist, module),) = cam.partners_body("EV1", WORK)
    assert member.role == "EV2"
    frame = cam.frame("EV1", WORK)
    x, y, _ = _pixel(cam, frame, waist)
    assert abs(x - W / 2) <= 1 and abs(y - H / 2) <= 1  # the look aims at the waist
    assert frame.ids[y, x] == people.ID_PARTNER
    # EV2 wears blue stripes (vkd-49): some suit pixels are blue, none red
    suit = frame.ids == people.ID_PARTNER
    r, g, b = (frame.radiance[..., k][suit] for k in range(3))
    assert (b > 3 * r).sum() > 20 and not (r > 4 * g).any()  # (the gold visor: r ~ 1.3 g)
    site = cams["worksite"]
    frame = site.frame("EV1", WORK)
    size = people.SUITS["orlan"]
    up = hull_normal_body(site.placements, module)
    mine = crew_position_body(vkd49.scenario, site.placements, "EV1", WORK, site.airlock)[0]
    facing = (mine - waist) - np.dot(mine - waist, up) * up  # they face each other
    left = np.cross(up, facing / np.linalg.norm(facing))
    for side in (-1, 1):  # the lower end of each leg, near the hull
        foot = waist - up * (size.leg_length_m - 0.05) + side * left * size.hip_half_width_m
        x, y, _ = _pixel(site, frame, foot)
        assert 0 <= x < W and 0 <= y < H
        assert frame.ids[y, x] == people.ID_PARTNER


def test_no_partner_inside_the_airlock(cams):
    cam = cams["partner"]
    assert cam.partners_body("EV1", INSIDE) == []
    assert cam.people_body("EV1", INSIDE) == []


def test_a_ray_at_the_tethers_midpoint_hits_it(cams):
    """The tether runs from the partner's hip to the hull: the pixel of its midpoint shows it
    and a ray from the camera to that point meets it there (within its radius)."""
    cam = cams["partner"]
    ((_, waist, module),) = cam.partners_body("EV1", WORK)
    mine = cam.pose("EV1", WORK)
    frame = cam.frame("EV1", WORK)
    st = cam.states_at(WORK)
    tether = [s for s in cam.people_body("EV1", WORK) if s.ident == people.ID_TETHER]
    assert len(tether) == 1
    t = tether[0]
    ends = [t.centre_m + k * t.rotation[:, 0] * t.size_m[0] / 2 for k in (-1, 1)]
    hip, anchor = sorted(ends, key=lambda e: np.linalg.norm(e - waist))
    up = hull_normal_body(cam.placements, module)
    assert np.linalg.norm(hip - waist) < 0.35  # at the partner's waist
    assert np.dot(waist - anchor, up) == pytest.approx(HULL_OFFSET_M, abs=0.05)  # at the hull
    mid = (hip + anchor) / 2
    x, y, p = _pixel(cam, frame, mid)
    assert frame.ids[y, x] == people.ID_TETHER
    from evasim.render.solids import hit_solid

    d = p - mine[0].position_itrs_km
    dist = np.linalg.norm(d)
    centres, rots, halves, kinds = cam._solids_itrs(st, tether)[:4]
    o = mine[0].position_itrs_km
    hit = hit_solid(*o, *(d / dist), centres[-1], rots[-1], halves[-1], kinds[-1])[0]
    # a ray through a point of the axis enters r / sin(angle to the axis) before it
    sin_axis = np.linalg.norm(np.cross(d / dist, rots[-1][:, 0]))
    assert hit == pytest.approx(dist - people.TETHER_RADIUS_M / 1000 / sin_axis, abs=1e-6)


def test_arms_only_at_work_looking_at_the_worksite(cams):
    """The wearer's forearms and gloves fill part of the lower half of the frame, and nothing
    of the upper half, at work looking at the worksite; in transit, inside the airlock or
    looking at the limb they are not drawn."""
    site = cams["worksite"]
    ids = site.frame("EV1", WORK).ids
    arms = ids == people.ID_ARMS
    assert arms[H // 2 :].mean() > 0.02
    assert not arms[: H // 2].any()
    assert arms[-1].any()  # they enter from the lower edge
    assert not site.arms_visible("EV1", TRANSIT)
    assert not site.arms_visible("EV1", INSIDE)
    assert not (site.frame("EV1", TRANSIT).ids == people.ID_ARMS).any()
    assert not cams["limb"].arms_visible("EV1", WORK)
    assert not (cams["limb"].frame("EV1", WORK).ids == people.ID_ARMS).any()


def test_people_off_removes_them(vkd49):
    cam = HelmetCamera(vkd49, W, H, Lens(120.0), look="worksite", overlay=False, people=False)
    ids = cam.frame("EV1", WORK).ids
    assert not np.isin(ids, [people.ID_PARTNER, people.ID_TETHER, people.ID_ARMS]).any()


@pytest.mark.parametrize("look", ["partner", "worksite"])
def test_adaptive_frame_matches_per_pixel_tracing_with_people(vkd49, look):
    """As tests/test_render_adaptive.py, on frames with the partner, the 16 mm tether (a few
    pixels wide) and the arms: ids identical, colours within the same tolerances."""
    cam = HelmetCamera(vkd49, 1280, 720, Lens(120.0), look=look, overlay=False)
    fast = cam.frame("EV1", WORK)
    exact = cam.frame("EV1", WORK, adaptive=False)
    assert (exact.ids == people.ID_PARTNER).any()
    if look == "partner":
        assert (exact.ids == people.ID_TETHER).any()
    assert (fast.ids == exact.ids).all()
    diff = np.abs(fast.image.astype(int) - exact.image.astype(int)).max(axis=2)
    assert diff.mean() < 0.5
    assert (diff > 8).mean() < 0.005
    solid = exact.ids >= 2
    assert (diff[solid] > 8).mean() < 0.001


def test_arms_are_lit_like_the_station(vkd49):
    """The arms are solids, not an overlay: at night (16:15, at work on Nauka) they are black
    without the helmet lamps and lamp-lit with them."""
    night = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
    dark, lit = (
        HelmetCamera(vkd49, W, H, Lens(120.0), look="worksite", overlay=False, lamps=on).frame(
            "EV1", night
        )
        for on in (False, True)
    )
    assert (dark.ids == people.ID_ARMS).any() and (lit.ids == people.ID_ARMS).any()
    assert dark.radiance[dark.ids == people.ID_ARMS].max() == 0.0
    assert lit.radiance[lit.ids == people.ID_ARMS].min() > 0.0
