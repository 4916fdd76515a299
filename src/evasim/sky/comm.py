"""Daylight and communication windows of the station over one UTC day.

``windows(day_utc, networks, element_set) -> WindowSet``: for each link of the chosen networks
(TDRS East/West/Z slots, the Luch-5 slots, the Russian ground stations; see
:mod:`evasim.sky.comm_network`) the intervals in which the station can reach it, their union
per network (the network's coverage), the zone of exclusion (no TDRS East/West in view; and
no TDRS slot at all) and the orbital day/night of the same day.

Method: the station's ITRS positions come from the day's SGP4 element set (:mod:`.orbit`),
sampled every :data:`SAMPLING_S`; each link's function (line-of-sight margin, or elevation
minus mask, :mod:`.comm_geometry`) is positive inside a window. Every sign change between two
samples is a verified bracket, refined by vectorised bisection to :data:`EDGE_TOL_S`; sampled
extrema near zero (a window or gap that could fit between two samples) are located by
golden-section search first, so short windows are not lost. Day and night are the Sun-centre
limb crossings of :func:`evasim.sky.lighting.find_edges`, searched with the replay's
sampling and padding (the same edges a replay reports).

Times are seconds from the day's 00:00 UTC; intervals are clipped to the day (a window open
at midnight starts at 0 and is marked as continuing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from ..errors import EvasimInputError
from .comm_geometry import (
    GRAZING_ALTITUDE_KM,
    GROUND_MASK_DEG,
    elevation_deg,
    geo_relay_itrs_km,
    los_margin_km,
    site_itrs_km,
    site_up_itrs,
)
from .comm_network import NETWORK_TITLES, NETWORKS, Link, load_links
from .context import Sky
from .lighting import _golden_min, find_edges, shadow_angles
from .orbit import Orbit
from .sun import SunTable
from .timegrid import DAY_S, TimeGrid, utc_iso
from .tle import ElementSet

SAMPLING_S = 10.0
"""Sampling of the link functions (s); edges are then refined to :data:`EDGE_TOL_S`."""
EDGE_TOL_S = 1e-3
"""Bracket width (s) the bisection stops at: edges are known to 1 ms."""
LIGHT_SAMPLING_S = 10.0
"""Sampling of the day/night search: the replay's (``parts.core.EDGE_SAMPLING_S``)."""
LIGHT_PAD_S = 100 * 60.0
"""Day/night search padding beyond the day: the replay's (``parts.core.EDGE_PAD_S``)."""


@dataclass(frozen=True)
class WindowParameters:
    """The named assumptions of a window computation (see :mod:`.comm_geometry`)."""

    grazing_altitude_km: float = GRAZING_ALTITUDE_KM
    ground_mask_deg: float = GROUND_MASK_DEG
    sampling_s: float = SAMPLING_S
    edge_tol_s: float = EDGE_TOL_S

    def __post_init__(self) -> None:
        checks = (
            ("grazing_altitude_km", self.grazing_altitude_km, 0.0, 1000.0),
            ("ground_mask_deg", self.ground_mask_deg, 0.0, 45.0),
            ("sampling_s", self.sampling_s, 1.0, 60.0),
            ("edge_tol_s", self.edge_tol_s, 1e-4, 1.0),
        )
        for name, value, low, high in checks:
            if not (np.isfinite(value) and low <= value <= high):
                raise EvasimInputError(f"{name}: expected {low:g}..{high:g}, got {value!r}")


@dataclass(frozen=True)
class Intervals:
    """Disjoint, sorted intervals ``[start_s[i], end_s[i]]`` (seconds from the day's start)."""

    start_s: np.ndarray
    end_s: np.ndarray

    @classmethod
    def merged(cls, start_s: Iterable[float], end_s: Iterable[float]) -> Intervals:
        """The union of any intervals, as disjoint sorted ones (touching ones merged)."""
        s = np.asarray(list(start_s) if not isinstance(start_s, np.ndarray) else start_s, float)
        e = np.asarray(list(end_s) if not isinstance(end_s, np.ndarray) else end_s, float)
        if s.size == 0:
            return cls(np.zeros(0), np.zeros(0))
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        run_end = np.maximum.accumulate(e)
        new = np.concatenate([[True], s[1:] > run_end[:-1]])
        starts = s[new]
        group = np.cumsum(new) - 1
        ends = np.full(len(starts), -np.inf)
        np.maximum.at(ends, group, e)
        return cls(starts, ends)

    @staticmethod
    def union_of(parts: Iterable[Intervals]) -> Intervals:
        parts = list(parts)
        return Intervals.merged(
            np.concatenate([p.start_s for p in parts] or [np.zeros(0)]),
            np.concatenate([p.end_s for p in parts] or [np.zeros(0)]),
        )

    def complement(self, span_s: float) -> Intervals:
        """The parts of ``[0, span_s]`` outside these intervals."""
        bounds_s = np.concatenate([[0.0], self.end_s])
        bounds_e = np.concatenate([self.start_s, [span_s]])
        keep = bounds_e > bounds_s
        return Intervals(bounds_s[keep], bounds_e[keep])

    def __len__(self) -> int:
        return len(self.start_s)

    @property
    def duration_s(self) -> np.ndarray:
        return self.end_s - self.start_s

    @property
    def total_s(self) -> float:
        return float(np.sum(self.duration_s))

    def contains(self, seconds: np.ndarray) -> np.ndarray:
        """Whether each of ``seconds`` lies inside an interval (closed ends)."""
        t = np.asarray(seconds, float)
        i = np.searchsorted(self.start_s, t, side="right") - 1
        ok = i >= 0
        out = np.zeros(t.shape, bool)
        out[ok] = t[ok] <= self.end_s[i[ok]]
        return out


@dataclass(frozen=True)
class LinkWindows:
    """The windows of one link over the day."""

    link: Link
    intervals: Intervals


@dataclass(frozen=True)
class NetworkWindows:
    """One network: its links' windows and their union (the network's coverage)."""

    network: str
    links: tuple[LinkWindows, ...]
    union: Intervals

    @property
    def title(self) -> str:
        return NETWORK_TITLES[self.network]

    def approximations(self) -> list[str]:
        """One line per kind of approximation in this network's geometry."""
        seen: dict[str, list[str]] = {}
        for lw in self.links:
            seen.setdefault(lw.link.approximation, []).append(lw.link.name)
        return [f"{text}: {', '.join(names)}" for text, names in seen.items()]


@dataclass(frozen=True)
class WindowSet:
    """Windows of one UTC day (``day_start_utc`` .. ``+ span_s``) for the chosen networks."""

    day_start_utc: datetime
    span_s: float
    element_set: ElementSet
    parameters: WindowParameters
    networks: dict[str, NetworkWindows]
    daylight: Intervals
    night: Intervals
    zoe_east_west: Intervals | None = None
    """No TDRS East or West in view (None when TDRS was not asked for)."""
    zoe_all_tdrs: Intervals | None = None
    """No TDRS slot in view, the ZOE slot included (None when TDRS was not asked for)."""
    notes: tuple[str, ...] = field(default=())

    def coverage_fraction(self, network: str) -> float:
        """Fraction (0..1) of the day in which ``network`` has at least one link."""
        return self.networks[network].union.total_s / self.span_s

    def utc(self, seconds: float) -> datetime:
        return self.day_start_utc + timedelta(seconds=float(seconds))

    def interval_dicts(self, iv: Intervals) -> list[dict]:
        return [
            {
                "start_utc": utc_iso(self.utc(s), 3),
                "end_utc": utc_iso(self.utc(e), 3),
                "duration_s": round(float(e - s), 3),
                "continues_from_previous_day": bool(s <= 0.0),
                "continues_into_next_day": bool(e >= self.span_s),
            }
            for s, e in zip(iv.start_s, iv.end_s, strict=True)
        ]

    def to_json(self) -> dict:
        """Everything, JSON-ready (times ISO UTC to 1 ms, durations in s)."""
        p = self.parameters
        es = self.element_set
        out: dict = {
            "date": f"{self.day_start_utc:%Y-%m-%d}",
            "start_utc": utc_iso(self.day_start_utc),
            "end_utc": utc_iso(self.utc(self.span_s)),
            "element_set": {
                "name": es.name,
                "norad_id": es.norad_id,
                "epoch_utc": utc_iso(es.epoch_utc, 3),
                "origin": es.origin,
            },
            "parameters": {
                "grazing_altitude_km": p.grazing_altitude_km,
                "ground_mask_deg": p.ground_mask_deg,
                "sampling_s": p.sampling_s,
                "edge_tolerance_s": p.edge_tol_s,
                "relay_model": "point at geostationary radius over the slot longitude "
                "(drift and inclination ignored)",
                "earth_model": "WGS84 ellipsoid grown by the grazing altitude (relays); "
                "geodetic horizon, no refraction (ground)",
                "assumptions": [
                    f"grazing altitude {p.grazing_altitude_km:g} km: an assumption (top of the "
                    "atmosphere), not a sourced figure",
                    f"ground mask {p.ground_mask_deg:g} deg: 'a common first assumption' "
                    "(comm_networks.md, conf L)",
                ],
            },
            "daylight": self.interval_dicts(self.daylight),
            "night": self.interval_dicts(self.night),
            "networks": {},
            "notes": list(self.notes),
        }
        for name, nw in self.networks.items():
            out["networks"][name] = {
                "title": nw.title,
                "coverage_fraction": round(self.coverage_fraction(name), 6),
                "covered_s": round(nw.union.total_s, 3),
                "approximate": nw.approximations(),
                "windows": self.interval_dicts(nw.union),
                "links": [
                    {
                        "name": lw.link.name,
                        "kind": lw.link.kind,
                        "role": lw.link.role or None,
                        "longitude_deg": lw.link.longitude_deg,
                        "latitude_deg": lw.link.latitude_deg,
                        "conf": lw.link.conf,
                        "source": lw.link.source,
                        "approximate": lw.link.approximation,
                        "coverage_fraction": round(lw.intervals.total_s / self.span_s, 6),
                        "windows": self.interval_dicts(lw.intervals),
                    }
                    for lw in nw.links
                ],
            }
        if self.zoe_east_west is not None:
            out["zone_of_exclusion"] = {
                "tdrs_east_west": {
                    "total_s": round(self.zoe_east_west.total_s, 3),
                    "intervals": self.interval_dicts(self.zoe_east_west),
                },
                "tdrs_with_zoe_slot": {
                    "total_s": round(self.zoe_all_tdrs.total_s, 3),
                    "intervals": self.interval_dicts(self.zoe_all_tdrs),
                },
            }
        return out

    def rows(self) -> list[dict]:
        """Flat rows for CSV: one per interval (daylight, night, network, link, zoe)."""
        out = []

        def add(kind: str, network: str, name: str, iv: Intervals, conf: str, approx: str):
            for d in self.interval_dicts(iv):
                out.append(
                    {
                        "kind": kind,
                        "network": network,
                        "name": name,
                        "start_utc": d["start_utc"],
                        "end_utc": d["end_utc"],
                        "duration_s": d["duration_s"],
                        "conf": conf,
                        "approximate": approx,
                    }
                )

        add("daylight", "", "orbital day", self.daylight, "", "")
        add("night", "", "orbital night", self.night, "", "")
        for name, nw in self.networks.items():
            add("network", name, nw.title, nw.union, "", "; ".join(nw.approximations()))
            for lw in nw.links:
                add("link", name, lw.link.name, lw.intervals, lw.link.conf, lw.link.approximation)
        if self.zoe_east_west is not None:
            add("zoe", "tdrs", "no TDRS East/West", self.zoe_east_west, "", "")
            add("zoe", "tdrs", "no TDRS slot (ZOE slot included)", self.zoe_all_tdrs, "", "")
        return out


class LinkModel:
    """The link functions of a set of links along one orbit: positive inside a window.

    For a relay the line-of-sight margin (km), for a ground site elevation minus the mask
    (deg). ``values(seconds, index)`` evaluates link ``index[i]`` at ``seconds[i]``."""

    def __init__(
        self,
        links: tuple[Link, ...],
        orbit: Orbit,
        day_start_utc: datetime,
        parameters: WindowParameters,
    ):
        self.links = links
        self.orbit = orbit
        self.grid = TimeGrid(day_start_utc, np.zeros(1))
        self.parameters = parameters
        k = len(links)
        self.is_geo = np.array([lk.kind == "geo" for lk in links], bool)
        self.target_itrs_km = np.zeros((3, k))
        self.up_itrs = np.zeros((3, k))
        geo = np.flatnonzero(self.is_geo)
        ground = np.flatnonzero(~self.is_geo)
        if geo.size:
            self.target_itrs_km[:, geo] = geo_relay_itrs_km([links[i].longitude_deg for i in geo])
        if ground.size:
            lat = [links[i].latitude_deg for i in ground]
            lon = [links[i].longitude_deg for i in ground]
            self.target_itrs_km[:, ground] = site_itrs_km(lat, lon)
            self.up_itrs[:, ground] = site_up_itrs(lat, lon)

    def station_itrs_km(self, seconds: np.ndarray) -> np.ndarray:
        return self.orbit.at(self.grid.with_seconds(seconds)).r_itrs_km

    def of_positions(self, r_itrs_km: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Link ``index[i]`` evaluated at station position ``r_itrs_km[:, i]``."""
        index = np.asarray(index, int)
        out = np.empty(index.shape)
        g = self.is_geo[index]
        if np.any(g):
            out[g] = los_margin_km(
                r_itrs_km[:, g],
                self.target_itrs_km[:, index[g]],
                self.parameters.grazing_altitude_km,
            )
        if np.any(~g):
            out[~g] = (
                elevation_deg(
                    r_itrs_km[:, ~g],
                    self.target_itrs_km[:, index[~g]],
                    self.up_itrs[:, index[~g]],
                )
                - self.parameters.ground_mask_deg
            )
        return out

    def values(self, seconds: np.ndarray, index: np.ndarray) -> np.ndarray:
        seconds = np.asarray(seconds, float)
        if seconds.size == 0:
            return np.zeros(0)
        return self.of_positions(self.station_itrs_km(seconds), index)


def _bisect_inside(func, lo: np.ndarray, hi: np.ndarray, tol_s: float) -> np.ndarray:
    """Vectorised bisection of brackets whose ends differ in ``func > 0`` (checked)."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    if lo.size == 0:
        return lo
    in_lo = func(lo) > 0.0
    if np.any(in_lo == (func(hi) > 0.0)):
        raise RuntimeError("window edge bracket without a sign change (a bug in find_windows)")
    iterations = int(np.ceil(np.log2(max(float(np.max(hi - lo)), tol_s) / tol_s)))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = (func(mid) > 0.0) == in_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def find_windows(model: LinkModel, span_s: float) -> list[Intervals]:
    """The windows of each of ``model.links`` over ``[0, span_s]`` (one Intervals per link)."""
    p = model.parameters
    n = int(np.ceil(span_s / p.sampling_s))
    s = np.linspace(0.0, span_s, n + 1)
    r = model.station_itrs_km(s)
    k_all = len(model.links)
    f = np.array([model.of_positions(r, np.full(len(s), k)) for k in range(k_all)])
    inside = f > 0.0

    lo_list, hi_list, k_list = [], [], []
    kk, jj = np.nonzero(inside[:, :-1] != inside[:, 1:])
    lo_list.append(s[jj])
    hi_list.append(s[jj + 1])
    k_list.append(kk)

    # Extrema that could hide a short window (a maximum just below 0) or a short gap (a
    # minimum just above 0) between samples: locate them, and bracket both crossings.
    df = np.diff(f, axis=1)
    slack = np.maximum(np.abs(df[:, :-1]), np.abs(df[:, 1:]))
    mid = f[:, 1:-1]
    is_max = (df[:, :-1] > 0.0) & (df[:, 1:] <= 0.0) & (mid <= 0.0) & (mid + slack > 0.0)
    is_min = (df[:, :-1] < 0.0) & (df[:, 1:] >= 0.0) & (mid > 0.0) & (mid - slack <= 0.0)
    for mask, sign in ((is_max, -1.0), (is_min, 1.0)):
        kc, jc = np.nonzero(mask)
        if kc.size == 0:
            continue
        jc = jc + 1  # index into s

        def oriented(t, kc=kc, sign=sign):
            return sign * model.values(t, kc)

        t_ext = _golden_min(oriented, s[jc - 1], s[jc + 1], p.edge_tol_s)
        f_ext = model.values(t_ext, kc)
        flips = (f_ext > 0.0) if sign < 0 else (f_ext <= 0.0)
        kc, jc, t_ext = kc[flips], jc[flips], t_ext[flips]
        lo_list += [s[jc - 1], t_ext]
        hi_list += [t_ext, s[jc + 1]]
        k_list += [kc, kc]

    lo = np.concatenate(lo_list)
    hi = np.concatenate(hi_list)
    k_edges = np.concatenate(k_list).astype(int)
    t_edges = _bisect_inside(lambda t: model.values(t, k_edges), lo, hi, p.edge_tol_s)

    out = []
    for k in range(k_all):
        edges = np.sort(t_edges[k_edges == k])
        out.append(_toggle(bool(inside[k, 0]), edges, span_s))
    return out


def _toggle(open_at_start: bool, edges_s: np.ndarray, span_s: float) -> Intervals:
    """Intervals from the state at 0 and the sorted instants at which it flips."""
    bounds = np.concatenate([[0.0] if open_at_start else [], edges_s])
    if len(bounds) % 2:
        bounds = np.append(bounds, span_s)
    return Intervals(bounds[0::2], bounds[1::2])


def day_and_night(
    orbit: Orbit, sky: Sky, day_start_utc: datetime, span_s: float
) -> tuple[Intervals, Intervals]:
    """Orbital day (the Sun's centre above the WGS84 limb) and night over the day, from the
    replay's sunrise/sunset edges (:func:`~evasim.sky.lighting.find_edges`, 1 ms)."""
    end = day_start_utc + timedelta(seconds=span_s)
    pad = timedelta(seconds=LIGHT_PAD_S)
    coarse = TimeGrid.span(day_start_utc - pad, end + pad, LIGHT_SAMPLING_S)
    sun = SunTable.build(sky, coarse)
    day_grid = TimeGrid(day_start_utc, np.zeros(1))
    edges = find_edges(orbit, sun, coarse).on(day_grid)
    t = edges.seconds
    t = np.sort(t[(t > 0.0) & (t < span_s)])
    lit0 = shadow_angles(orbit.r_teme_km(day_grid), sun.teme_km(day_grid)).limb_margin_rad[0] > 0
    daylight = _toggle(bool(lit0), t, span_s)
    return daylight, daylight.complement(span_s)


def day_start(day_utc: date | datetime) -> datetime:
    """00:00 UTC of the day (a datetime's UTC date)."""
    if isinstance(day_utc, datetime):
        day_utc = (day_utc if day_utc.tzinfo else day_utc.replace(tzinfo=UTC)).astimezone(UTC)
        day_utc = day_utc.date()
    return datetime(day_utc.year, day_utc.month, day_utc.day, tzinfo=UTC)


def windows(
    day_utc: date | datetime,
    networks: Iterable[str],
    element_set: ElementSet,
    *,
    links: tuple[Link, ...] | None = None,
    parameters: WindowParameters | None = None,
    sky: Sky | None = None,
) -> WindowSet:
    """Daylight and comm windows of one UTC day for ``networks`` (any of "tdrs", "luch",
    "ground"), from ``element_set`` (the station's SGP4 elements near that day).

    ``links`` defaults to the bundled networks file; ``parameters`` to the documented
    assumptions (grazing altitude 100 km, ground mask 5 deg)."""
    wanted = tuple(dict.fromkeys(networks))
    for name in wanted:
        if name not in NETWORKS:
            raise EvasimInputError(f"network: expected one of {', '.join(NETWORKS)}, got {name!r}")
    if not wanted:
        raise EvasimInputError("network: expected at least one network")
    parameters = parameters or WindowParameters()
    sky = sky or Sky.load()
    links = load_links() if links is None else links
    chosen = tuple(lk for lk in links if lk.network in wanted)
    start = day_start(day_utc)
    span_s = DAY_S
    orbit = Orbit(element_set, sky)

    per_link = find_windows(LinkModel(chosen, orbit, start, parameters), span_s) if chosen else []
    by_network: dict[str, NetworkWindows] = {}
    for name in NETWORKS:
        if name not in wanted:
            continue
        lws = tuple(
            LinkWindows(lk, iv)
            for lk, iv in zip(chosen, per_link, strict=True)
            if lk.network == name
        )
        by_network[name] = NetworkWindows(name, lws, Intervals.union_of(lw.intervals for lw in lws))

    zoe_ew = zoe_all = None
    notes = []
    if "tdrs" in by_network:
        tdrs = by_network["tdrs"]
        primary = [lw.intervals for lw in tdrs.links if lw.link.role == "primary"]
        if primary:
            zoe_ew = Intervals.union_of(primary).complement(span_s)
            zoe_all = tdrs.union.complement(span_s)
        else:
            notes.append("no TDRS slot marked primary: zone of exclusion not computed")
    for lk in chosen:
        if lk.launched_utc is not None and start.date() < lk.launched_utc:
            notes.append(
                f"{lk.name} was launched on {lk.launched_utc:%Y-%m-%d} ({lk.source}): its "
                "windows on this day are the slot's geometry only"
            )
    for name in wanted:
        if not by_network[name].links:
            notes.append(f"no {name} links in the networks file")
    daylight, night = day_and_night(orbit, sky, start, span_s)
    return WindowSet(
        start,
        span_s,
        element_set,
        parameters,
        by_network,
        daylight,
        night,
        zoe_ew,
        zoe_all,
        tuple(notes),
    )
