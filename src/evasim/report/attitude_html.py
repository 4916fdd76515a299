"""HTML report of an attitude replay (e.g. the Nauka event of 2021-07-29)."""

from __future__ import annotations

from html import escape

from .. import __version__
from ..replay import Replay
from ..sky.timegrid import utc_iso
from . import attitude_plots, plots
from .events import replay_events
from .html import _CSS, _img, _table, fact_table_rows
from .reconstruction import fmt
from .summary import attitude_event_summary

_MEANING = {
    "thrust_n": "net thrust of the scheduled thruster group",
    "propellant_kg": "propellant it had: sets when it stops",
    "max_torque_n_m": "torque limit of this thruster attitude control",
    "start_utc": "when this control joined",
}


_SAMPLING = {
    "continuous": "evaluated continuously (at every RK4 stage)",
    "step": "sampled once per step and held (a digital controller)",
}


def render_attitude_report(replay: Replay) -> str:
    sc, s = replay.scenario, attitude_event_summary(replay)
    a = replay.attitude
    pub = s["published"]

    def pv(key):
        p = pub.get(key)
        return "-" if p is None else f"{p['value']} (+/- {p['sigma']:g} {p['sigma_unit']})"

    error_at = next(iter(s["error_deg_at"].items()), (None, None))
    rows = [
        [
            "Peak attitude rate (deg/s)",
            pv("peak_rate_deg_s"),
            f"{s['peak_rate_deg_s']:.3f}",
            escape((pub.get("peak_rate_deg_s") or {}).get("source", "")),
        ],
        [
            "Total attitude change (deg)",
            pv("total_attitude_change_deg"),
            f"{s['total_attitude_change_deg']:.1f}",
            escape((pub.get("total_attitude_change_deg") or {}).get("source", "")),
        ],
        [
            f"Attitude error at {error_at[0]} (deg)",
            pv("error_deg_at"),
            f"{error_at[1]:.1f}" if error_at[1] is not None else "-",
            escape((pub.get("error_deg_at") or {}).get("source", "")),
        ],
        [
            "Control regained (UTC)",
            pv("control_regained_utc"),
            s["control_regained_utc"] or "-",
            escape((pub.get("control_regained_utc") or {}).get("source", "")),
        ],
    ]
    fit_rows = []
    for key, v in s["fitted_parameters"].items():
        name = key.split(".")[-1]
        group, index = key.split("[")[0], int(key.split("[")[1].split("]")[0])
        item = getattr(a.config, group)[index]
        fit_rows.append(
            [
                escape(item.name),
                escape(_MEANING.get(name, name)),
                escape(f"{v['value']} {v['unit']}"),
                escape(fmt(v["sigma"], v["sigma_unit"] or "")),
            ]
        )
    events = [[utc_iso(e.utc, 1), e.kind, e.detail] for e in replay_events(replay)]
    facts = fact_table_rows(sc)
    mp = s["mass_properties"]

    def published(key, text):
        p = pub.get(key)
        return "" if p is None else f" (published {text(p['value'])})"

    cards = [
        (
            f"{s['peak_rate_deg_s']:.2f} deg/s",
            "peak rate, simulated" + published("peak_rate_deg_s", lambda v: f"{v:g}"),
        ),
        (
            f"{s['total_attitude_change_deg']:.0f} deg",
            "total attitude change, simulated"
            + published("total_attitude_change_deg", lambda v: f"~{v:g}"),
        ),
        (
            s["control_regained_utc"][11:16] if s["control_regained_utc"] else "-",
            "control regained, UTC, simulated"
            + published("control_regained_utc", lambda v: f"~{v[11:16]}"),
        ),
        (f"{mp['mass_kg'] / 1000:.0f} t", "station mass (station model)"),
    ]
    cards_html = "".join(
        f"<div class='card'><b>{escape(v)}</b><span>{escape(k)}</span></div>" for v, k in cards
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(sc.title)} - evasim replay</title><style>{_CSS}</style></head>
<body>
<header><h1>{escape(sc.title)}</h1><p>{escape(sc.description.strip())}</p></header>
<main>
<section><h2>Key figures</h2><div class="cards">{cards_html}</div>
<p class="warn">{escape(s["reconstruction_note"])}</p></section>
<section><h2>Published and simulated</h2>
{_table(["figure", "published", "simulated", "source"], rows, raw=True)}
<p>Normalised residuals (simulated - published) / sigma: {escape(str(s["normalised_residuals"]))}
(in-sample: the model was fitted to these figures; see the leave-one-out check below).
</p></section>
<section><h2>Fitted parameters</h2>
{_table(["parameter of", "meaning", "value", "1-sigma"], fit_rows, raw=True)}
<p>Fitted with <code>evasim fit {escape(sc.name)}</code> (scipy least squares on the published
figures, each weighted by its uncertainty, under the documented priors below). 1-sigma from the
Jacobian in the subspace the figures constrain; "unconstrained": the published figures do not
bound that parameter (no number is given).</p></section>
{_reconstruction_section(s.get("reconstruction"))}
<section><h2>Attitude, rates, CMG momentum, propellant</h2>
{_img(attitude_plots.attitude_overview_png(replay), "image/png", "attitude overview")}
{_img(attitude_plots.rpy_png(replay), "image/png", "roll pitch yaw")}</section>
<section><h2>Ground track</h2>{
        _img(plots.ground_track_jpg(replay), "image/jpeg", "ground track")
    }</section>
<section><h2>Events</h2>{_table(["UTC", "kind", "detail"], events)}</section>
<section><h2>Model</h2><p>Rigid station with the station model's mass properties on
{sc.station_date:%Y-%m-%d} ({mp["mass_kg"] / 1000:.1f} t, centre of mass
{escape(str(mp["center_of_mass_m"]))} m, body frame); gravity-gradient torque; CMG array
{a.config.cmg_capacity_n_m_s:,.0f} N m s holding the torque-equilibrium attitude until saturated
and taken out of control; Russian-segment thruster control as a torque-limited, rate-limited PD
law; thrusters as forces at points of the 3-D layout. RK4 at {a.config.dt_s:g} s, split at
scheduled switches (numba); control law {_SAMPLING[a.config.control_sampling]}.</p>
</section>
<section><h2>Facts and sources</h2>
{_table(["fact", "value", "source", "conf."], facts, raw=True)}</section>
</main>
<footer>evasim {escape(__version__)} - scenario {escape(sc.origin)}.</footer>
</body></html>
"""


def _reconstruction_section(rec: dict | None) -> str:
    """What the published figures constrain, and the leave-one-out check (the numbers of
    ``summary.json['reconstruction']``, as ``evasim fit`` prints them)."""
    if not rec:
        return ""
    combos = [
        [
            escape(fmt(c["singular_value"])),
            escape(c["text"] or "-"),
            escape(fmt(c["sigma_percent"], "%")),
        ]
        for c in rec["combinations"]
    ]
    loo = []
    for x in rec["leave_one_out"]:
        loo.append(
            [
                escape(x["figure"]),
                escape(f"{fmt(x['published'], x['unit'])} +/- {fmt(x['sigma'], x['sigma_unit'])}"),
                escape(fmt(x["fitted_with_all"], x["unit"])),
                escape(fmt(x["predicted"], x["unit"])),
                escape(fmt(x["prediction_error"], x["sigma_unit"])),
                escape(fmt(x["free_range_per_100pct"], x["sigma_unit"])),
            ]
        )
    priors = [
        [
            escape(p["quantity"]),
            escape(" ".join(f"{k} {fmt(p[k])}" for k in ("min", "max") if p[k] is not None)),
            "active" if p["active"] else "inactive",
            escape(p["reason"]),
        ]
        for p in rec["priors"]
    ]
    return f"""<section><h2>What the published figures constrain</h2>
<p>{escape(rec["method"])}</p>
{
        _table(
            ["singular value", "parameter combination (fractional changes)", "1-sigma"],
            combos,
            raw=True,
        )
    }
<h3>Leave one out: each figure against the others</h3>
{
        _table(
            [
                "figure",
                "published",
                "fitted with all",
                "predicted by the others",
                "error",
                "free range per 100 % move",
            ],
            loo,
            raw=True,
        )
    }
<p>{escape(rec["leave_one_out_conclusion"])}.</p>
<h3>Priors (documented choices, not data)</h3>
{_table(["figure", "bound", "state", "reason"], priors, raw=True)}</section>
"""
