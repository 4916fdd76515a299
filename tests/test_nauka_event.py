"""The Nauka thruster event replay: published figures, outputs, CCSDS round trip."""

from __future__ import annotations

import json
from pathlib import Path

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
    # the unwrapped pitch went to ~535 deg and came back to one full turn (360)
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
    sc = load_scenario("nauka-2021-07-29")
    assert summary["integrator"] == {
        "method": "RK4, split at scheduled switches (numba)",
        "dt_s": sc.attitude.dt_s,
        "control_sampling": sc.attitude.control_sampling,
    }
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


# --------------------------------------------------------------------------- reconstruction


def _rec(nauka):
    return nauka.summary()["reconstruction"]


def test_singular_values_and_the_free_direction_are_reported(nauka):
    rec = _rec(nauka)
    sv = rec["singular_values"]
    # five fitted parameters, four published figures: one singular value is exactly zero
    assert len(sv) == len(rec["parameters"]) == 5
    assert sv == sorted(sv, reverse=True) and sv[-1] == 0 and sv[-2] > 0
    combos = rec["combinations"]
    assert [c["singular_value"] for c in combos] == sv
    for c in combos:
        assert c["status"] in ("constrained", "unconstrained")
        if c["status"] == "constrained":
            assert c["singular_value"] > 1 and c["sigma_percent"] == pytest.approx(
                100 / c["singular_value"], rel=0.01
            )
        else:  # no number for what the figures do not bound
            assert c["sigma_percent"] == "unconstrained"
    assert combos[-1]["status"] == "unconstrained"
    # the exactly free combination is mostly Zvezda's counter-torque: only net torques are seen
    null = combos[-1]["terms"]
    assert max(null, key=lambda k: abs(null[k])) == "Zvezda torque"
    assert abs(null["Nauka thrust"]) < 0.01  # 16:42's error is set by Nauka's thrust alone


def test_the_free_direction_really_leaves_the_figures_unchanged(nauka):
    """Run the model along the reported null direction and along the best-constrained one."""
    from evasim.attitude import event

    ident = nauka.attitude.identification
    setup, targets = nauka.attitude.setup, nauka.scenario.attitude.targets
    keys = list(ident.keys)
    duration = (nauka.scenario.span.end_utc - nauka.scenario.span.start_utc).total_seconds()

    def moved(direction, fraction):
        x = ident.values + fraction * direction * ident.scales
        return event._evaluate(setup, keys, x, targets, duration) - ident.residuals

    assert np.abs(moved(ident.directions[-1], 0.02)).max() < 0.05  # 2 %: < 0.05 sigma
    assert np.abs(moved(ident.directions[0], 0.005)).max() > 0.1  # 0.5 %: > 0.1 sigma
    # error at 16:42 comes before any counter-torque: only Nauka's thrust moves it
    row = ident.jacobian[ident.targets.index("error_deg_at 16:42")]
    assert row[0] > 1 and np.all(row[1:] == 0)


def test_unconstrained_parameters_are_not_numbers(nauka, tmp_path):
    write_products(nauka, tmp_path / "n", render_report)
    summary = json.loads((tmp_path / "n" / "summary.json").read_text())
    params = {p["label"]: p for p in summary["reconstruction"]["parameters"]}
    fitted = summary["fitted_parameters"]
    assert isinstance(params["Nauka thrust"]["sigma"], float)
    assert params["Nauka thrust"]["sigma"] == fitted["thrusters[0].thrust_n"]["sigma"]
    for label, key in (
        ("Zvezda torque", "controllers[0].max_torque_n_m"),
        ("Progress torque", "controllers[1].max_torque_n_m"),
    ):
        assert params[label]["sigma"] == fitted[key]["sigma"] == "unconstrained"
    # a time's sigma is in seconds, not "UTC"
    assert fitted["controllers[1].start_utc"]["sigma_unit"] == "s"
    assert summary["published"]["control_regained_utc"]["sigma_unit"] == "s"
    assert "unconstrained" in (tmp_path / "n" / "report.html").read_text()


def test_fit_and_summary_print_the_same_numbers(nauka):
    """`evasim fit` refits from the scenario's values (already its optimum: they stay) and
    prints the reconstruction with the formatter summary.json's numbers come from."""
    from typer.testing import CliRunner

    from evasim.cli import app
    from evasim.report.reconstruction import reconstruction_lines

    result = CliRunner().invoke(app, ["fit", "nauka-2021-07-29"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = reconstruction_lines(_rec(nauka))
    printed = result.output.splitlines()
    start = printed.index(lines[0])
    assert printed[start : start + len(lines)] == lines
    assert "The scenario already holds these values" in result.output
    assert "  Zvezda torque: 90.689 N m +/- unconstrained" in lines
    assert any(line.startswith("  Nauka thrust: 26.223 N +/- 7.") for line in lines)


def test_leave_one_out_says_what_is_not_predicted(nauka):
    """With five parameters and four figures each figure carries information the other three
    lack: every one is reported as not predicted, with no prediction error, and its free range
    (how far the others let it move per 100 % parameter move) exceeds half its sigma."""
    loo = _rec(nauka)["leave_one_out"]
    assert [x["figure"] for x in loo] == list(nauka.attitude.identification.targets)
    for x in loo:
        assert x["status"] == "not predicted"
        assert x["predicted"] == x["prediction_error"] == "not predicted"
        assert x["free_range_per_100pct"] > 0.5 * x["sigma"]
    conclusion = _rec(nauka)["leave_one_out_conclusion"]
    assert conclusion == "0 of 4 published figures predicted by the others"


def test_leave_one_out_predicts_with_one_free_parameter(nauka):
    """The leave-one-out machinery where a prediction exists: only Nauka's thrust free (the
    others held at the scenario's values). Each figure is then predicted by the other three,
    and the prediction error must be within 2 combined sigmas (published sigma and the
    prediction's own, in quadrature: a 95 % consistency check): a model that could not
    reproduce a figure from the others would fail it."""
    import dataclasses

    from evasim.attitude import identify

    sc = nauka.scenario
    setup = dataclasses.replace(nauka.attitude.setup, fit_keys=("thrusters[0].thrust_n",))
    duration = (sc.span.end_utc - sc.span.start_utc).total_seconds()
    ident = identify.analyse(setup, sc.attitude.targets, duration, sc.attitude.priors)
    assert ident.singular_values[0] > 1
    for x in ident.leave_one_out:
        assert x.predicted is not None, x.figure
        bound = 2 * np.hypot(x.sigma, x.prediction_sigma)
        assert abs(x.prediction_error) < bound, (x.figure, x.prediction_error, bound)
        assert x.prediction_error == pytest.approx(x.predicted - x.published)


def test_branch_prior_is_in_the_scenario_not_a_nudge(nauka):
    from evasim.attitude.event import prior_residuals

    prior = nauka.scenario.attitude.priors[0]
    assert prior.quantity == "total_attitude_change_deg" and prior.max < 540
    assert prior_residuals({"total_attitude_change_deg": prior.max - 1}, [prior])[0] == 0
    excess = prior_residuals({"total_attitude_change_deg": prior.max + 2}, [prior])[0]
    assert excess == pytest.approx(2 / prior.sigma)
    s = nauka.summary()
    assert s["total_attitude_change_deg"] < 540  # on the published branch: back to 360
    assert s["reconstruction"]["priors"][0]["max"] == prior.max
    text = (
        Path(__file__).parents[1] / "src/evasim/data/scenarios/nauka-2021-07-29.toml"
    ).read_text()
    assert "nudge" not in text


def test_published_figures_come_from_the_scenario(sky):
    text = (
        Path(__file__).parents[1] / "src/evasim/data/scenarios/nauka-2021-07-29.toml"
    ).read_text()
    changed = text.replace("value = 0.56\nsigma = 0.03", "value = 0.61\nsigma = 0.05")
    assert changed != text
    replay = api.replay(parse_scenario(changed, "n.toml"), sky)
    pub = replay.summary()["published"]["peak_rate_deg_s"]
    assert (pub["value"], pub["sigma"], pub["sigma_unit"]) == (0.61, 0.05, "deg/s")
    assert "(published 0.61)" in render_report(replay)


def test_docs_print_the_summary_numbers(nauka):
    """docs/attitude.md's identifiability and leave-one-out tables are the summary's numbers."""
    from evasim.report.reconstruction import fmt

    docs = (Path(__file__).parents[1] / "docs/attitude.md").read_text()
    rec = _rec(nauka)
    for c in rec["combinations"]:
        row = f"| {fmt(c['singular_value'])} | {c['text']} | {fmt(c['sigma_percent'], '%')} |"
        assert row in docs
    for x in rec["leave_one_out"]:
        free, sigma = x["free_range_per_100pct"], x["sigma"]
        row = f"| {x['figure']} | {fmt(free, x['sigma_unit'])} | {fmt(sigma, x['sigma_unit'])} |"
        assert row in docs
    thrust = rec["parameters"][0]
    assert f"{thrust['value']} N +/- {thrust['sigma']} N" in docs
