"""The Nauka thruster event replay: published figures, outputs, CCSDS round trip."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from evasim import api
from evasim.ccsds import read_aem, read_oem
from evasim.outputs import write_products
from evasim.report import render_report
from evasim.scenario import load_scenario, parse_scenario


@pytest.fixture(scope="module")
def nauka(sky):
    return api.replay(load_scenario("nauka-2021-07-29"), sky)


def test_published_figures(nauka):
    s = nauka.summary()
    assert 0.50 <= s["peak_rate_deg_s"] <= 0.62
    assert 500 <= s["total_attitude_change_deg"] <= 580
    assert abs(next(iter(s["error_deg_at"].values())) - 45) < 15
    assert "2021-07-29T17:21" <= s["control_regained_utc"] <= "2021-07-29T17:37"
    assert all(abs(r) < 1 for r in s["normalised_residuals"])  # within 1 sigma each
    # mostly pitch: the rotation about the pitch axis accounts for the attitude change
    a = nauka.attitude
    w = np.abs(a.omega_body_rad_s).sum(axis=0)
    assert w[1] > 10 * (w[0] + w[2])  # body rates: pitch dominates roll and yaw together
    assert np.abs(a.pitch_error_unwrapped_deg).max() > 500
    assert s["published"]["peak_rate_deg_s"]["value"] == 0.56


def test_ends_in_the_commanded_attitude_after_a_forward_flip(nauka):
    a = nauka.attitude
    assert a.error_deg[-60:].max() < 5
    # the unwrapped pitch went to ~534 deg and came back to one full turn (360)
    assert abs(a.pitch_error_unwrapped_deg[-1] - 360) < 5


def test_cmg_saturate_then_out_of_control(nauka):
    a = nauka.attitude
    cap = a.config.cmg_capacity_n_m_s
    assert a.h_cmg_norm.max() <= cap * (1 + 1e-12)
    first_off = np.flatnonzero(~a.cmg_active)[0]
    assert nauka.grid.datetime_at(nauka.grid.seconds[first_off]).strftime("%H:%M") < "16:42"


def test_outputs_and_ccsds_round_trip(nauka, tmp_path):
    out = tmp_path / "nauka"
    write_products(nauka, out, render_report)
    table = pq.read_table(out / "telemetry.parquet")
    for column in (
        "utc",
        "q_lvlh_w",
        "q_lvlh_x",
        "q_lvlh_y",
        "q_lvlh_z",
        "omega_body_x_rad_s",
        "omega_body_y_rad_s",
        "omega_body_z_rad_s",
        "roll_deg",
        "pitch_deg",
        "yaw_deg",
        "h_cmg_n_m_s",
    ):
        assert column in table.column_names
    summary = json.loads((out / "summary.json").read_text())
    assert {"peak_rate_deg_s", "total_attitude_change_deg", "published"} <= set(summary)
    aem = read_aem(out / "attitude.aem")
    assert np.allclose(aem.quaternions, nauka.attitude.q_gcrs, atol=1e-15)
    oem = read_oem(out / "orbit.oem")
    assert np.allclose(oem.position_km, nauka.track.r_gcrs_km.T, atol=1e-12)
    assert "Published and simulated" in (out / "report.html").read_text()
    kinds = {line.split(",")[1] for line in (out / "events.csv").read_text().splitlines()[1:]}
    assert {
        "thruster_on",
        "thruster_off",
        "cmg_saturated",
        "controller_on",
        "control_regained",
    } <= kinds


def test_body_nadir_axis_points_down_in_a_spacewalk_hold(vkd49):
    """q_gcrs composes the kernel's attitude with the real orbit: in the TEA hold the body +Z
    axis points within the TEA offset (~8 deg) of the geocentric nadir."""
    a = vkd49.attitude
    z_body = matrices_z(a.q_gcrs)
    nadir = -(vkd49.track.r_gcrs_km / np.linalg.norm(vkd49.track.r_gcrs_km, axis=0)).T
    angle = np.degrees(np.arccos(np.clip(np.sum(z_body * nadir, axis=1), -1, 1)))
    assert angle.max() < 10
    assert a.h_cmg_norm.max() < 0.01 * a.config.cmg_capacity_n_m_s


def matrices_z(q):
    from evasim.attitude.quaternion import matrices

    return matrices(q)[:, :, 2]


def test_attitude_scenario_errors():
    from pathlib import Path

    from evasim.errors import EvasimInputError

    text = (
        Path(__file__).parents[1] / "src/evasim/data/scenarios/nauka-2021-07-29.toml"
    ).read_text()
    bad = text.replace("start_utc = 2021-07-29T16:34:00Z", "start_utc = 2021-07-29T18:34:00Z")
    with pytest.raises(
        EvasimInputError,
        match=r"attitude\.thrusters\[0\]\.start_utc: expected "
        "a time inside the span",
    ):
        parse_scenario(bad, "n.toml")
    bad = text.replace('quantity = "peak_rate_deg_s"', 'quantity = "peak_rate"')
    with pytest.raises(EvasimInputError, match=r"attitude\.targets\[0\]\.quantity"):
        parse_scenario(bad, "n.toml")


def test_attitude_event_part_and_telemetry(nauka):
    """An attitude replay has no spacewalk part: no timeline columns, a clear error for cameras."""
    from evasim.errors import EvasimInputError

    assert nauka.spacewalk is None and nauka.attitude_event is nauka.part
    assert nauka.timeline is None and nauka.station is None
    columns = nauka.telemetry().column_names
    assert "eva_elapsed_s" not in columns and "task_ev1" not in columns
    assert {"q_lvlh_w", "h_cmg_n_m_s", "beta_angle_deg"} <= set(columns)
    with pytest.raises(EvasimInputError, match="the helmet camera needs a spacewalk"):
        nauka.require_spacewalk("the helmet camera")
    kinds = {e.kind for e in nauka.events()}
    assert {"sunrise", "sunset"} & kinds
