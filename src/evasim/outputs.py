"""Replay products on disk: telemetry.parquet, events.csv, summary.json (and the report).

The products are a set: they are written into a fresh folder beside the destination and the
folder is swapped in whole (:func:`evasim.fileutil.swap_in`), so a reader sees the old set or
the new one, never a mix, and a failure (or ``kill -9``) leaves the old set as it was. A
reader who wants one consistent set opens the folder once and reads its files relative to that
handle (``os.open(out, os.O_RDONLY)`` then ``open(name, opener=...dir_fd...)``): a path read
twice may cross a swap. Each set holds ``.evasim-products`` (JSON: scenario and file sizes).

A destination that is a regular file, or a folder holding anything but evasim products, is
refused (:func:`check_out_dir`): swapping it would delete the user's files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .parts import AttitudeEventPart, SpacewalkPart
from .productset import PRODUCTS, ExtraWriter, write_product_set
from .replay import Replay
from .report.events import replay_events
from .sky.timegrid import utc_iso

__all__ = ["PRODUCTS", "telemetry_table", "write_products"]


def telemetry_table(replay: Replay) -> pa.Table:
    """1 Hz (scenario step) telemetry as an Arrow table; units in column names.

    The core's columns (time, position, lighting), with the part's columns around them:
    ``PART_COLUMNS`` is the one place the replay's kind chooses them.
    """
    tr = replay.track
    after_utc, at_end = PART_COLUMNS[type(replay.part)](replay)
    columns: dict[str, pa.Array] = {
        "utc": pa.array(replay.grid.datetimes64(), type=pa.timestamp("ms", tz="UTC")),
        **after_utc,
    }
    for frame, r in (("gcrs", tr.r_gcrs_km), ("itrs", tr.r_itrs_km)):
        for axis, values in zip("xyz", r, strict=True):
            columns[f"{axis}_{frame}_km"] = pa.array(values)
    columns |= {
        "latitude_deg": pa.array(tr.latitude_deg),
        "longitude_deg": pa.array(tr.longitude_deg),
        "altitude_km": pa.array(tr.altitude_km),
        "sunlit_fraction": pa.array(replay.sunlit_fraction),
        "sun_elevation_deg": pa.array(replay.sun_elevation_deg),
        "beta_angle_deg": pa.array(replay.beta_deg),
    }
    columns |= at_end
    meta = {
        b"evasim.scenario": replay.scenario.name.encode(),
        b"evasim.tle_epoch_utc": utc_iso(replay.element_set.epoch_utc).encode(),
        b"evasim.frames": b"GCRS and ITRS (polar motion ignored), WGS84 geodetic",
    }
    return pa.table(columns).replace_schema_metadata(meta)


Columns = dict[str, pa.Array]


def spacewalk_columns(replay: Replay) -> tuple[Columns, Columns]:
    """Elapsed time (after utc); suit time left, each role's task and the attitude hold (end)."""
    timeline = replay.timeline
    at_end: Columns = {"suit_time_left_s": pa.array(timeline.suit_time_left_s, from_pandas=True)}
    for role, names in timeline.active_task.items():
        at_end[f"task_{role.lower()}"] = pa.array(names.tolist(), type=pa.string())
    at_end |= attitude_columns(replay.attitude, replay.grid.seconds)
    return {"eva_elapsed_s": pa.array(timeline.eva_elapsed_s)}, at_end


def attitude_event_columns(replay: Replay) -> tuple[Columns, Columns]:
    """The event's attitude columns, at the end."""
    return {}, attitude_columns(replay.attitude, replay.grid.seconds)


PART_COLUMNS: dict[type, Callable[[Replay], tuple[Columns, Columns]]] = {
    SpacewalkPart: spacewalk_columns,
    AttitudeEventPart: attitude_event_columns,
}


def attitude_columns(states, seconds: np.ndarray) -> dict[str, pa.Array]:
    """Attitude telemetry at ``seconds`` (the output grid): body relative to LVLH and to
    GCRS, rates, CMG momentum. ``states`` must be on that grid (``AttitudeStates.at``
    interpolates them there from the integrator's own grid)."""
    if len(states.t_s) != len(seconds) or not np.allclose(states.t_s, seconds, atol=1e-6):
        raise ValueError("attitude states are not on the output grid: resample with .at()")
    cols: dict[str, pa.Array] = {}
    q, w = states.q_lvlh, states.omega_body_rad_s
    for k, axis in enumerate("wxyz"):
        cols[f"q_lvlh_{axis}"] = pa.array(q[:, k])
    for k, axis in enumerate("xyz"):
        cols[f"omega_body_{axis}_rad_s"] = pa.array(w[:, k])
    roll, pitch, yaw = states.rpy_deg()
    cols["roll_deg"], cols["pitch_deg"], cols["yaw_deg"] = (pa.array(x) for x in (roll, pitch, yaw))
    cols["h_cmg_n_m_s"] = pa.array(states.h_cmg_norm)
    cols["cmg_active"] = pa.array(np.asarray(states.cmg_active, bool))
    cols["attitude_error_deg"] = pa.array(states.error_deg)
    cols["pitch_error_unwrapped_deg"] = pa.array(states.pitch_error_unwrapped_deg)
    cols["rate_rel_lvlh_deg_s"] = pa.array(states.rate_rel_lvlh_deg_s)
    if states.q_gcrs is not None:
        for k, axis in enumerate("wxyz"):
            cols[f"q_gcrs_{axis}"] = pa.array(states.q_gcrs[:, k])
    for i, name in enumerate(states.thruster_names):
        slug = "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
        cols[f"propellant_{slug}_kg"] = pa.array(states.propellant_kg[:, i])
    return cols


def write_events_csv(replay: Replay, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["utc", "kind", "detail"])
        for event in replay_events(replay):
            writer.writerow([utc_iso(event.utc, 1), event.kind, event.detail])


def write_ccsds(replay: Replay, folder: Path) -> None:
    """attitude.aem (body in GCRS/ICRF axes) and orbit.oem (GCRF) in CCSDS KVN."""
    from .ccsds import AttitudeEphemeris, OrbitEphemeris, write_aem, write_oem
    from .sky.omm import object_id

    # the object as the scenario's element set names it (TLE name line / OMM OBJECT_NAME)
    name, norad = replay.element_set.name, object_id(replay.element_set)
    epochs = replay.grid.datetimes64()
    comment = (f"evasim replay {replay.scenario.name}",)
    write_oem(
        OrbitEphemeris(
            name,
            norad,
            "GCRF",
            epochs,
            replay.track.r_gcrs_km.T.copy(),
            replay.track.v_gcrs_km_s.T.copy(),
            comment=comment,
        ),
        folder / "orbit.oem",
    )
    if replay.attitude is not None:
        a = replay.attitude  # on the output grid: one row per epoch, the whole span
        if len(a.t_s) != len(epochs) or not np.allclose(a.t_s, replay.grid.seconds, atol=1e-6):
            raise ValueError("attitude states are not on the output grid: resample with .at()")
        write_aem(
            AttitudeEphemeris(
                name,
                norad,
                "ICRF",
                "SC_BODY_1",
                epochs,
                a.q_gcrs,
                comment=(*comment, "REF_FRAME_A axes: GCRS (ICRF-aligned)"),
            ),
            folder / "attitude.aem",
        )


def write_products(
    replay: Replay,
    out_dir: Path,
    render_report: Callable[[Replay], str] | None = None,
    progress: Callable[[str], None] | None = None,
    extras: Iterable[ExtraWriter] = (),
) -> dict[str, Path]:
    """Write the products as a set into ``out_dir`` (see the module docstring): the folder
    ends up holding exactly this run's products. Return their paths."""
    report = progress or (lambda _msg: None)

    def fill(tmp: Path) -> None:
        report("telemetry")
        pq.write_table(telemetry_table(replay), tmp / "telemetry.parquet", compression="zstd")
        write_events_csv(replay, tmp / "events.csv")
        write_ccsds(replay, tmp)
        (tmp / "summary.json").write_text(
            json.dumps(replay.summary(), indent=2) + "\n", encoding="utf-8"
        )
        if render_report is not None:
            report("report")
            (tmp / "report.html").write_text(render_report(replay), encoding="utf-8")
        for extra in extras:
            extra(tmp)

    return write_product_set(out_dir, fill, scenario=replay.scenario.name)
