"""A replay for NASA's Open MCT: its timeline as a Plan, its telemetry as historical data.

* :func:`plan` -- the Plan view's JSON (Open MCT ``src/plugins/plan``): one lane (group) per
  kind, each a list of activities ``{name, start, end, type, color, textColor}`` with ``start``
  and ``end`` in milliseconds since 1970 (UTC) and ``type`` the lane's name. Lanes: the hatch
  (EVA), each spacewalker's tasks, orbital night (the Sun's centre below the Earth's limb).
* :func:`dictionary` -- the telemetry points (the shape of the Open MCT tutorial's
  ``dictionary.json``): key, name, units and the ``utc`` domain.
* :func:`history` -- the historical telemetry of one point over ``[start, end]`` ms, as the
  tutorial's historical server answers ``GET /history/{key}?start=&end=``: a list of
  ``{id, timestamp, value}`` in time order, at most :data:`MAX_POINTS` (evenly thinned beyond).

The broadcast server serves them under ``/openmct/`` (``plan.json``, ``dictionary.json``,
``history/{key}``), readable from another origin (Open MCT runs on its own).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from ..errors import EvasimInputError
from ..replay import Replay

MAX_POINTS = 20_000
"""Most points one history request returns (the replay's 1 Hz rows thinned evenly beyond)."""
LANE_COLOURS = {
    "EVA": ("#2e7d32", "#ffffff"),
    "EV1": ("#c62828", "#ffffff"),
    "EV2": ("#eeeeee", "#000000"),
    "EV3": ("#558b2f", "#ffffff"),
    "Orbital night": ("#1a237e", "#ffffff"),
}
POINTS = {  # key: (telemetry column, name, units)
    "altitude": ("altitude_km", "Altitude (WGS84)", "km"),
    "latitude": ("latitude_deg", "Latitude (WGS84)", "deg"),
    "longitude": ("longitude_deg", "Longitude", "deg"),
    "sunlit": ("sunlit_fraction", "Sunlit fraction of the solar disc", "1"),
    "sun_elevation": ("sun_elevation_deg", "Sun elevation at the sub-station point", "deg"),
    "beta": ("beta_angle_deg", "Beta angle", "deg"),
    "suit_time_left": ("suit_time_left_s", "Suit time left", "s"),
    "roll": ("roll_deg", "Roll relative to LVLH", "deg"),
    "pitch": ("pitch_deg", "Pitch relative to LVLH", "deg"),
    "yaw": ("yaw_deg", "Yaw relative to LVLH", "deg"),
    "cmg_momentum": ("h_cmg_n_m_s", "CMG momentum", "N m s"),
}


def _ms(when) -> int:
    return round(when.timestamp() * 1000)


def _activity(name: str, start, end, lane: str) -> dict:
    colour, text = LANE_COLOURS.get(lane, ("#607d8b", "#ffffff"))
    return {
        "name": name,
        "start": _ms(start),
        "end": _ms(end),
        "type": lane,
        "color": colour,
        "textColor": text,
    }


def plan(replay: Replay) -> dict[str, list[dict]]:
    """The replay's timeline as an Open MCT Plan (lanes of activities, ms since 1970 UTC)."""
    grid, sc = replay.grid, replay.scenario
    lanes: dict[str, list[dict]] = {}
    if replay.spacewalk is not None:
        eva = sc.eva
        lanes["EVA"] = [
            _activity(f"hatch open ({eva.airlock})", eva.hatch_open_utc, eva.hatch_close_utc, "EVA")
        ]
        for member in sc.crew:
            lane = f"{member.role} {member.name}"
            colour_lane = member.role
            acts = []
            for task in sc.tasks:
                if member in sc.task_crew(task):
                    start, end = sc.task_window(task)
                    act = _activity(task.name, start, end, colour_lane)
                    act["type"] = lane
                    acts.append(act)
            lanes[lane] = sorted(acts, key=lambda a: a["start"])
    from .czml import _sunlit_intervals

    _, eclipsed = _sunlit_intervals(replay)
    lanes["Orbital night"] = [
        _activity("orbital night", grid.datetime_at(a), grid.datetime_at(b), "Orbital night")
        for a, b in eclipsed
    ]
    return lanes


def dictionary(table: pa.Table, name: str) -> dict:
    """The telemetry points available in ``table`` (Open MCT tutorial dictionary layout)."""
    measurements = []
    for key, (column, label, units) in POINTS.items():
        if column in table.column_names:
            measurements.append(
                {
                    "name": label,
                    "key": key,
                    "values": [
                        {"key": "value", "units": units, "format": "float", "hints": {"range": 1}},
                        {
                            "key": "utc",
                            "source": "timestamp",
                            "format": "utc",
                            "hints": {"domain": 1},
                        },
                    ],
                }
            )
    return {"name": name, "key": "evasim", "measurements": measurements}


def _bound(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise EvasimInputError(f"{what}: expected milliseconds since 1970 (UTC), got {text!r}")
    return value


def history(table: pa.Table, key: str, start: str | None, end: str | None) -> list[dict]:
    """Point ``key``'s values with ``start <= timestamp <= end`` (ms since 1970, UTC; either
    may be omitted), as ``[{id, timestamp, value}]``; unknown keys and bad bounds are input
    errors."""
    if key not in POINTS or POINTS[key][0] not in table.column_names:
        raise EvasimInputError(f"telemetry point {key!r}: expected one of {', '.join(POINTS)}")
    lo, hi = _bound(start, "start"), _bound(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise EvasimInputError("end: expected a time not before start")
    t = table.column("utc").cast(pa.int64()).to_numpy()  # ms since 1970
    keep = np.ones(len(t), bool)
    if lo is not None:
        keep &= t >= lo
    if hi is not None:
        keep &= t <= hi
    idx = np.flatnonzero(keep)
    if idx.size > MAX_POINTS:
        idx = idx[np.linspace(0, idx.size - 1, MAX_POINTS).round().astype(int)]
    values = table.column(POINTS[key][0]).to_numpy(zero_copy_only=False)[idx]
    return [
        {"id": key, "timestamp": int(ts), "value": None if not np.isfinite(v) else float(v)}
        for ts, v in zip(t[idx], values, strict=True)
    ]
