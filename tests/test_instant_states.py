"""Every state true at the instant it claims: between output samples (video frames at 30 fps,
the broadcast clock) the station, its attitude and the Sun are evaluated at that instant and
agree with independent evaluations; attitude telemetry and the AEM are on time whatever the
output step."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from skyfield.api import EarthSatellite
from skyfield.framelib import itrs

from evasim.attitude import event
from evasim.attitude.model import simulate
from evasim.attitude.quaternion import qconj, qmul
from evasim.attitude.setup import setup_from_scenario
from evasim.attitude.states import (
    _from_history,
    hold_is_equilibrium,
    lvlh_to_gcrs,
    nominal_hold,
)
from evasim.ccsds import read_aem
from evasim.instant import Instants
from evasim.outputs import telemetry_table, write_ccsds
from evasim.render.camera import Lens
from evasim.render.frame import HelmetCamera
from evasim.replay import choose_element_set, run_replay
from evasim.scenario import load_scenario
from evasim.station.mass import JEOD_ISS_LIKE_INERTIA_KG_M2 as JEOD

WHEN = datetime(2021, 9, 3, 15, 30, 0, 400000, tzinfo=UTC)  # between two 1 s samples
OFFSETS_S = (0.0, 1 / 30, 1 / 3, 2 / 3, 1.0)


def _angle_rad(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Rotation angle between unit quaternions (N, 4), sign-insensitive (atan2 form: exact
    near zero, where arccos of the dot product loses ~1e-8 rad)."""
    d = qmul(qconj(np.atleast_2d(q1)), np.atleast_2d(q2))
    return 2 * np.arctan2(np.linalg.norm(d[:, 1:], axis=1), np.abs(d[:, 0]))


def _skyfield(replay, sky, seconds):
    es = replay.element_set
    sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
    t = sky.utc_seconds(replay.grid.t0_utc, seconds)
    p = sat.at(t)
    sun = sky.earth.at(t).observe(sky.sun)
    return p.position.km, p.velocity.km_per_s, p.frame_xyz(itrs).km, sun.frame_xyz(itrs).km


def test_position_and_sun_between_samples_agree_with_skyfield(vkd49, sky):
    inst = Instants.from_replay(vkd49)
    s0 = inst.seconds_of(WHEN)
    seconds = s0 + np.array(OFFSETS_S)
    st = inst.at(seconds)
    r_gcrs, v_gcrs, r_itrs, sun_itrs = _skyfield(vkd49, sky, seconds)
    # true at each instant: < 1 m from skyfield's SGP4 and frames
    assert np.linalg.norm(st.r_gcrs_km - r_gcrs, axis=0).max() * 1000 < 1.0
    assert np.linalg.norm(st.r_itrs_km - r_itrs, axis=0).max() * 1000 < 1.0
    assert np.linalg.norm(st.v_gcrs_km_s - v_gcrs, axis=0).max() * 1000 < 1e-3  # 1 mm/s
    # and different at each instant: 1/30 s of orbital motion is ~255 m
    step = np.linalg.norm(np.diff(st.r_gcrs_km, axis=1), axis=0) * 1000
    assert step[0] == pytest.approx(7660 / 30, rel=0.02)
    # the Sun: direction within 1e-7 rad of skyfield's (it turns by 2.4e-6 rad in 1/30 s in
    # ITRS, so a Sun from the wrong sample would fail)
    a = st.sun_itrs_km / np.linalg.norm(st.sun_itrs_km, axis=0)
    b = sun_itrs / np.linalg.norm(sun_itrs, axis=0)
    assert np.arccos(np.clip(np.sum(a * b, axis=0), -1, 1)).max() < 1e-7
    assert np.arccos(np.clip(a[:, 0] @ a[:, 1], -1, 1)) > 2e-6


def test_on_grid_instants_reproduce_the_track(vkd49):
    """At the grid's own samples the layer returns the replay's arrays (same models)."""
    inst = Instants.from_replay(vkd49)
    idx = np.array([0, 1, 12345, len(vkd49.grid) - 1])
    st = inst.at(vkd49.grid.seconds[idx])
    assert np.abs(st.r_gcrs_km - vkd49.track.r_gcrs_km[:, idx]).max() < 1e-9
    assert np.abs(st.r_itrs_km - vkd49.track.r_itrs_km[:, idx]).max() < 1e-8
    assert np.abs(st.sunlit_fraction - vkd49.sunlit_fraction[idx]).max() < 1e-12
    assert _angle_rad(st.attitude.q_gcrs, vkd49.attitude.q_gcrs[idx]).max() < 1e-12


def test_a_batch_taken_instant_by_instant_equals_each_instant_alone(vkd49):
    """A video's frames take their states from one evaluation of a batch
    (:meth:`InstantStates.take`): every field, the attitude's included, is what evaluating that
    instant alone gives, and each instant gets its own (not a neighbour's)."""
    inst = Instants.from_replay(vkd49)
    seconds = inst.seconds_of(WHEN) + np.array(OFFSETS_S)
    batch = inst.at(seconds)
    for k, s in enumerate(seconds):
        one, taken = inst.at(np.array([s])), batch.take(k)
        for f in dataclasses.fields(one):
            if f.name == "attitude":
                continue
            a, b = getattr(one, f.name), getattr(taken, f.name)
            assert a.shape == b.shape and np.array_equal(a, b), f.name
        for name in ("t_s", "q_lvlh", "q_gcrs", "omega_body_rad_s", "error_deg", "cmg_active"):
            a, b = getattr(one.attitude, name), getattr(taken.attitude, name)
            assert a.shape == b.shape and np.array_equal(a, b), name
        assert taken.attitude.source is vkd49.attitude.source  # still interpolates from it
    assert batch.take(1).r_itrs_km[0, 0] != batch.take(0).r_itrs_km[0, 0]


@pytest.fixture(scope="module")
def nauka_history(sky):
    """The Nauka event integrated on its own 0.1 s grid (kernel states kept)."""
    sc = load_scenario("nauka-2021-07-29")
    setup = setup_from_scenario(sc, choose_element_set(sc))
    hist = event.run(setup, 4500.0, setup.config.dt_s)
    return setup, hist


def test_attitude_between_integrator_steps_agrees_with_direct_integration(nauka_history):
    """Hermite-interpolated attitude at t + k/30 s against RK4 integrated from the preceding
    integrator sample to that very instant: < 1e-6 rad, during the fastest rotation."""
    _, hist = nauka_history
    states = _from_history("event", hist)
    rate = states.rate_rel_lvlh_deg_s
    i_peak = int(np.argmax(rate))
    assert rate[i_peak] > 0.4  # deg/s: the station is turning fast here
    for i in (i_peak, i_peak - 3000, 200):
        t_i = hist.t_s[i]
        for frac in (1 / 30, 0.05, 2 / 30):
            t = t_i + frac
            got = states.at(np.array([t]))
            cfg = dataclasses.replace(hist.config, dt_s=frac)
            y0 = np.concatenate(
                [hist.q_ib[i], hist.omega_body_rad_s[i], hist.h_cmg_n_m_s[i], hist.propellant_kg[i]]
            )
            ref = simulate(cfg, frac, frac, y0=y0, t0=t_i)
            assert ref.t_s[-1] == pytest.approx(t)
            assert _angle_rad(got.q_lvlh, ref.q_lvlh[-1:])[0] < 1e-6
            # and the instant is not a sample: the attitude moved since t_i
            moved = _angle_rad(got.q_lvlh, states.q_lvlh[i : i + 1])[0]
            assert moved == pytest.approx(np.radians(rate[i]) * frac, rel=0.05)


@pytest.mark.render
def test_render_pose_and_image_move_between_samples(vkd49, sky):
    cam = HelmetCamera(vkd49, 160, 90, Lens(120.0), look="limb", overlay=False)
    times = [WHEN + timedelta(seconds=k) for k in (0.0, 1 / 30, 1 / 3)]
    poses = [cam.pose("EV1", w)[0].position_itrs_km for w in times]
    seconds = np.array([cam.instants.seconds_of(w) for w in times])
    _, _, r_itrs, _ = _skyfield(vkd49, sky, seconds)
    # the camera rides with the station: its displacement equals skyfield's to < 1 m (the
    # crew offset turns with the station by ~1e-3 rad/s: < 2 cm here)
    for k, dt in ((1, 1 / 30), (2, 1 / 3)):
        moved = poses[k] - poses[0]
        assert np.linalg.norm(moved) > 7.0 * dt  # km: ~7.36 km/s over the ground
        assert np.linalg.norm(moved - (r_itrs[:, k] - r_itrs[:, 0])) * 1000 < 1.0
    a, b = cam.frame("EV1", times[0]), cam.frame("EV1", times[2])
    assert not np.array_equal(a.image, b.image)


def test_broadcast_sample_is_true_at_its_instant(vkd49, sky):
    from evasim.broadcast.model import BroadcastModel

    model = BroadcastModel(vkd49)
    s = vkd49.grid.seconds_of(WHEN)
    got = model.sample(s)
    _, _, r_itrs, _ = _skyfield(vkd49, sky, np.array([s]))
    lat_lon = np.degrees(np.arctan2(r_itrs[1, 0], r_itrs[0, 0]))
    assert abs(got["lon"] - lat_lon) < 1e-5  # deg (~1 m)
    st = Instants.from_replay(vkd49).at(np.array([s]))
    assert got["lat"] == pytest.approx(float(st.latitude_deg[0]), abs=1e-12)


@pytest.fixture(scope="module")
def nauka_steps(sky):
    sc = load_scenario("nauka-2021-07-29")
    out = {}
    for step in (1.0, 0.25):
        s = sc.model_copy(update={"span": sc.span.model_copy(update={"step_s": step})})
        out[step] = run_replay(s, sky)
    return out


def test_nauka_telemetry_on_time_at_any_output_step(nauka_steps, tmp_path):
    peaks, ends = {}, {}
    for step, rp in nauka_steps.items():
        arrow = telemetry_table(rp)
        table = {name: arrow.column(name).to_numpy() for name in arrow.column_names}
        assert arrow.num_rows == len(rp.grid)
        assert np.isfinite(table["rate_rel_lvlh_deg_s"]).all()  # the whole span, no padding
        i = int(np.argmax(table["rate_rel_lvlh_deg_s"]))
        peaks[step] = rp.grid.seconds[i]
        ends[step] = table["attitude_error_deg"][-1]
        assert rp.grid.seconds[-1] == pytest.approx(4500.0)
        # the AEM: one epoch per telemetry row, the same quaternions
        folder = tmp_path / f"step{step}"
        folder.mkdir()
        write_ccsds(rp, folder)
        aem = read_aem(folder / "attitude.aem")
        assert np.array_equal(aem.epochs, table["utc"].astype("datetime64[ms]"))
        q_tel = np.column_stack([table[f"q_gcrs_{a}"] for a in "wxyz"])
        assert _angle_rad(aem.quaternions, q_tel).max() < 1e-9
    assert abs(peaks[0.25] - peaks[1.0]) <= 1.0
    assert peaks[1.0] == pytest.approx(nauka_steps[1.0].attitude.figures["peak_rate_s"], abs=1.0)
    assert ends[0.25] == pytest.approx(ends[1.0], abs=1e-6)
    # rows common to both grids are the same states
    a, b = nauka_steps[1.0].attitude, nauka_steps[0.25].attitude
    assert _angle_rad(a.q_gcrs, b.q_gcrs[::4]).max() < 1e-9


def test_closed_form_hold_equals_the_integrated_hold(vkd49):
    """The TEA hold in closed form against the full RK4 integration over VKD-49's 8.5 h."""
    sc = vkd49.scenario
    a = vkd49.attitude
    inertia = a.config.inertia_kg_m2
    fast = nominal_hold(sc, vkd49.element_set, vkd49.track, inertia)
    full = nominal_hold(sc, vkd49.element_set, vkd49.track, inertia, closed_form=False)
    assert len(full.source.t_s) > len(fast.source.t_s)  # the integrated one really integrated
    assert _angle_rad(fast.q_gcrs, full.q_gcrs).max() < 1e-6
    assert np.abs(fast.omega_body_rad_s - full.omega_body_rad_s).max() < 1e-12
    assert np.abs(fast.h_cmg_norm - full.h_cmg_norm).max() < 1e-6  # N m s
    assert np.abs(fast.error_deg - full.error_deg).max() < 1e-4


def test_hold_off_equilibrium_is_integrated():
    from evasim.attitude import AttitudeConfig
    from evasim.attitude.model import initial_state
    from evasim.attitude.quaternion import from_euler_321_deg
    from evasim.attitude.setup import torque_equilibrium_attitude

    q_tea = torque_equilibrium_attitude(JEOD)
    n = 2 * np.pi / 5574.0
    cfg = AttitudeConfig(JEOD, n, q_ref_lvlh=tuple(q_tea), dt_s=0.2)
    assert hold_is_equilibrium(cfg, initial_state(cfg, q_lvlh0=q_tea), 30600.0)
    off = qmul(q_tea, from_euler_321_deg(0.5, 0.0, 0.0))[0]
    assert not hold_is_equilibrium(cfg, initial_state(cfg, q_lvlh0=off), 30600.0)
    lvlh = AttitudeConfig(JEOD, n, dt_s=0.2)  # plain LVLH is not an equilibrium of JEOD
    assert not hold_is_equilibrium(lvlh, initial_state(lvlh), 30600.0)


def test_q_gcrs_is_lvlh_of_the_orbit_at_that_instant(vkd49, sky):
    """body -> GCRS = LVLH(skyfield r, v at the instant) * body -> LVLH."""
    inst = Instants.from_replay(vkd49)
    seconds = inst.seconds_of(WHEN) + np.array(OFFSETS_S)
    st = inst.at(seconds)
    r, v, _, _ = _skyfield(vkd49, sky, seconds)
    expected = qmul(lvlh_to_gcrs(r, v), st.attitude.q_lvlh)
    assert _angle_rad(st.attitude.q_gcrs, expected).max() < 1e-6
    # the LVLH frame turns at the orbital rate: 1/30 s apart is ~3.8e-5 rad
    assert _angle_rad(st.attitude.q_gcrs[:1], st.attitude.q_gcrs[1:2])[0] > 3e-5


def test_instants_outside_the_span_are_refused(vkd49):
    inst = Instants.from_replay(vkd49)
    with pytest.raises(ValueError, match="outside the replay span"):
        inst.at(np.array([-1.0]))


def test_vectorised_lvlh_quaternions_equal_the_kernel():
    from evasim.attitude import kernel
    from evasim.attitude.model import lvlh_quaternions

    n = 2 * np.pi / 5574.0
    t = np.linspace(0.0, 40000.0, 1001)
    expected = np.array([kernel.lvlh_quaternion(n, float(x)) for x in t])
    assert np.abs(lvlh_quaternions(n, t) - expected).max() < 1e-15


def test_beta_context_from_the_coarse_sun_table(vkd49, sky):
    """The report's +/- 30-day beta angle uses a 6-hour Sun table: against the hourly one."""
    from evasim.sky.lighting import beta_angle_deg
    from evasim.sky.orbit import sgp4_teme
    from evasim.sky.sun import SunTable

    grid, beta = vkd49.beta_context
    r, v = sgp4_teme(vkd49.element_set, grid)
    hourly = beta_angle_deg(r, v, SunTable.build(sky, grid).teme_km(grid))
    assert np.abs(beta - hourly).max() < 1e-9
    assert np.ptp(beta) > 10.0  # deg: beta really varies over the two months


def test_itrs_velocity_at_an_instant_matches_skyfield(vkd49, sky):
    """Between grid samples the Earth-fixed velocity is skyfield's ITRS velocity (< 0.5 mm/s),
    not the inertial one rotated into ITRS axes (0.5 km/s off)."""
    s = vkd49.grid.seconds[0] + np.array([100.25, 7000.5, 20000.75])
    st = Instants.from_replay(vkd49).at(s)
    es = vkd49.element_set
    t = vkd49.grid.with_seconds(s).skyfield(sky)
    _, v_sky = EarthSatellite(es.line1, es.line2, ts=sky.ts).at(t).frame_xyz_and_velocity(itrs)
    assert np.linalg.norm(v_sky.km_per_s - st.v_itrs_km_s, axis=0).max() * 1e6 < 0.5
