"""What the broadcast shows, computed from a :class:`~evasim.replay.Replay`: telemetry at any
simulation second (true at that instant: :mod:`evasim.instant`), the ground track and the
timeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..instant import Instants
from ..replay import Replay
from ..sky.timegrid import utc_iso

TRACK_STEP_S = 30.0
_ANGLE_ROWS = ("lon", "roll", "pitch", "yaw", "sun_lon")
_ROWS = ("lat", "lon", "alt_km", "sunlit", "roll", "pitch", "yaw", "sun_lat", "sun_lon")


@dataclass(frozen=True)
class _Task:
    start_s: float
    end_s: float
    name: str


def _wrap180(x: float) -> float:
    return (x + 180.0) % 360.0 - 180.0


class BroadcastModel:
    def __init__(self, replay: Replay):
        sc = replay.scenario
        replay.require_spacewalk("the broadcast")
        self.replay = replay
        self.grid = replay.grid
        self.seconds = np.asarray(replay.grid.seconds, dtype=float)
        self.start_s, self.end_s = float(self.seconds[0]), float(self.seconds[-1])
        self.hatch_open_s = self.grid.seconds_of(sc.eva.hatch_open_utc)
        self.hatch_close_s = self.grid.seconds_of(sc.eva.hatch_close_utc)
        self.roles = [m.role for m in sc.crew]
        self.instants = Instants.from_replay(replay)
        self.tasks: dict[str, list[_Task]] = {r: [] for r in self.roles}
        for t in replay.timeline.tasks:
            self.tasks[t.role].append(
                _Task(self.grid.seconds_of(t.start_utc), self.grid.seconds_of(t.end_utc), t.name)
            )
        for lst in self.tasks.values():
            lst.sort(key=lambda t: t.start_s)
        station = replay.station
        self.links_before = station.links_before if station else []
        self.links_after = station.links_after if station else []
        effect_ends = [self.grid.seconds_of(t.end_utc) for t in replay.timeline.tasks if t.effects]
        self.effects_done_s = max(effect_ends) if effect_ends else None

    def utc(self, s: float, digits: int = 1) -> str:
        return utc_iso(self.grid.datetime_at(s), digits)

    def sample(self, s: float) -> dict[str, float]:
        """The shown quantities at simulation second ``s``, true at that instant."""
        return self.samples(np.array([s]))[0]

    def samples(self, seconds: np.ndarray) -> list[dict[str, float]]:
        """:meth:`sample` at many instants in one vectorised evaluation (:mod:`evasim.instant`)."""
        lo, hi = self.instants.span_s
        st = self.instants.at(np.clip(np.asarray(seconds, float), lo, hi))
        n = len(st)
        if st.attitude is not None:
            roll, pitch, yaw = st.attitude.rpy_deg()
        else:
            roll = pitch = yaw = np.zeros(n)
        sun = st.sun_itrs_km
        rows = {
            "lat": st.latitude_deg,
            "lon": st.longitude_deg,
            "alt_km": st.altitude_km,
            "sunlit": st.sunlit_fraction,
            "roll": roll,
            "pitch": pitch,
            "yaw": yaw,
            "sun_lat": np.degrees(np.arctan2(sun[2], np.hypot(sun[0], sun[1]))),
            "sun_lon": np.degrees(np.arctan2(sun[1], sun[0])),
        }
        return [
            {
                key: _wrap180(float(rows[key][k])) if key in _ANGLE_ROWS else float(rows[key][k])
                for key in _ROWS
            }
            for k in range(n)
        ]

    def active_tasks(self, s: float) -> dict[str, dict | None]:
        out: dict[str, dict | None] = {}
        for role, tasks in self.tasks.items():
            out[role] = None
            for t in tasks:
                if t.start_s <= s < t.end_s:
                    progress = (s - t.start_s) / max(t.end_s - t.start_s, 1e-9)
                    out[role] = {"name": t.name, "progress": round(progress, 4)}
                    break
        return out

    def links(self, s: float) -> dict:
        """Link states: as before the spacewalk until the last task with station effects
        ends, as after it from then on."""
        done = self.effects_done_s is not None and s >= self.effects_done_s
        links = self.links_after if done else self.links_before
        shown = [
            {"from": x["from"], "to": x["to"], "kind": x["kind"], "state": x["state"]}
            for x in links
            if not x.get("baseline")
        ]
        connected = sum(1 for x in shown if x["state"] == "connected")
        return {
            "effects_applied": done,
            "connected": connected,
            "total": len(shown),
            "links": shown,
        }

    def telemetry(self, s: float, speed: float, paused: bool) -> dict:
        v = self.sample(s)
        return {
            "type": "telemetry",
            "utc": self.utc(s),
            "sim_s": round(s, 3),
            "eva_elapsed_s": round(s - self.hatch_open_s, 1),
            "speed": speed,
            "paused": paused,
            "lat": round(v["lat"], 4),
            "lon": round(v["lon"], 4),
            "alt_km": round(v["alt_km"], 3),
            "sunlit": round(v["sunlit"], 4),
            "roll": round(v["roll"], 3),
            "pitch": round(v["pitch"], 3),
            "yaw": round(v["yaw"], 3),
            "tasks": self.active_tasks(s),
            "links": self.links(s),
            "subsolar": [round(v["sun_lat"], 3), round(v["sun_lon"], 3)],
        }

    def track(self) -> dict:
        """Everything the page draws once: ground track, day/night edges, task windows."""
        sc = self.replay.scenario
        times = np.arange(self.start_s, self.end_s + 1e-9, TRACK_STEP_S)
        points = [[round(v["lat"], 3), round(v["lon"], 3)] for v in self.samples(times)]
        edges = self.replay.edges
        return {
            "scenario": sc.name,
            "start_utc": self.utc(self.start_s, 0),
            "end_utc": self.utc(self.end_s, 0),
            "hatch_open_utc": utc_iso(sc.eva.hatch_open_utc),
            "hatch_close_utc": utc_iso(sc.eva.hatch_close_utc),
            "step_s": TRACK_STEP_S,
            "points": points,
            "edges": [
                {"utc": self.utc(float(s)), "kind": str(k)}
                for s, k in zip(edges.seconds, edges.kind, strict=True)
            ],
            "tasks": [
                {
                    "role": t.role,
                    "crew_name": t.crew_name,
                    "name": t.name,
                    "start_utc": utc_iso(t.start_utc),
                    "end_utc": utc_iso(t.end_utc),
                    "worksite": t.worksite,
                    "estimated": t.estimated,
                }
                for t in self.replay.timeline.tasks
            ],
        }
