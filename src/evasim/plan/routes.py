"""The translation-route graph: how a spacewalker gets from one worksite to another on a date.

Nodes (body frame, metres, from the station layout of the date):

* both ends of every handrail present (:func:`evasim.station.handrails.handrails_at`), plus the
  rails a plan installs (``installed``: handrail ids, present from the moment the graph is built
  with them, whatever their ``installed_utc``);
* one worksite per module: the point the helmet camera puts the crew at
  (:func:`evasim.station.worksite.worksite_point`: 1 m off the hull, midway between EV1 and EV2),
  named by the placement name ("Nauka") or an alias (``station.catalog.ALIASES``: "MLM", "FGB",
  "MRM-2"...), resolved by :func:`evasim.station.catalog.canonical` as the camera does;
* the hatch of every airlock on the station that day (:func:`evasim.station.airlock.hatch_point`
  of :func:`~evasim.station.airlock.airlock_element`), "hatch:<airlock>", and "hatch" for the
  graph's airlock or the only one (internal airlocks such as Zvezda's PrK lead nowhere outside:
  left out);
* the base of each Strela boom, and of the ERA arm once it may carry crew
  (:func:`evasim.station.appendages.appendages_at`).

Edges and their times (every rate is a documented estimate: no public source found gives an
EVA translation rate; see docs/routes.md):

* ``rail``: along a handrail, hand over hand, at ``HAND_OVER_HAND_M_S``;
* ``reach``: from a rail end to another rail's end within ``REACH_M`` (a tether swap and a
  reach across): ``TETHER_SWAP_S`` + distance / ``HAND_OVER_HAND_M_S``;
* ``worksite`` / ``hatch`` / boom base: to the rail ends within ``ATTACH_M`` (the nearest one if
  none is), preferring the point's own module, distance / ``HAND_OVER_HAND_M_S``;
* ``boom``: a Strela boom carries a crew member from its base to any node within its extended
  length: ``BOOM_SETUP_S`` + distance / ``BOOM_M_S`` (hand-cranked);
* ``arm``: the ERA, only from the date it may carry crew (``crew_capable_utc``: its first crew
  ride, 2023-08-09): ``ARM_SETUP_S`` + distance / ``ARM_M_S`` within its length.

Approximations: straight edges (no check that a reach or a boom swing clears the hull), rails
as the only hand-holds (no structure, antennas or cables), one worksite point per module, the
boom or arm as a point-to-point carrier. Shortest routes by time (Dijkstra,
scipy.sparse.csgraph).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from ..errors import EvasimInputError
from ..station.appendages import Appendage
from ..station.catalog import ALIASES, canonical
from ..station.handrails import Handrail

HAND_OVER_HAND_M_S = 0.1
"""Mean translation rate along handrails, m/s (est: below the ~0.5 m/s peak an EVA flight
controller gives, L, because of tether swaps and the stiff suit)."""
REACH_M = 1.5
"""Farthest gap between two rails a spacewalker bridges, m (est: a suited arm's reach plus a
body move; the pressurised glove's work envelope is small: Kimbrough via Universe Today)."""
TETHER_SWAP_S = 30.0
"""Time to move the local tether to the next rail at a gap, s (est)."""
ATTACH_M = 3.0
"""A worksite, hatch or boom base connects to rail ends this close, m (est: the worksite is 1 m
off the hull; the nearest rails of a 4.3 m module are ~2.2 m from it)."""
BOOM_M_S = 0.05
"""Strela boom: hand-crank extension and swing rate, m/s (est: crank rate not published)."""
BOOM_SETUP_S = 300.0
"""Strela boom: getting onto the tip, releasing the brakes and aiming, s (est)."""
ARM_M_S = 0.05
"""ERA carrying a crew member, m/s (est: "slow and controlled", first crew ride 2023-08-09)."""
ARM_SETUP_S = 600.0
"""ERA: boarding the end-effector workpost and the IV operator's set-up, s (est)."""
MAX_SITES = 200
"""Most sites :meth:`RouteGraph.travel_matrix_s` accepts."""


@dataclass(frozen=True)
class Route:
    """A route: total time (s), path length (m), the edges taken and the places passed."""

    time_s: float
    length_m: float
    edges: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Edge:
    a: str
    b: str
    time_s: float
    length_m: float
    label: str


class RouteGraph:
    """Translation routes over given rails, sites and carriers (see the module docstring).
    Build one for a station date with :func:`route_graph`."""

    def __init__(
        self,
        utc: datetime,
        rails: Iterable[Handrail],
        sites: dict[str, tuple[np.ndarray, str]],
        hatches: dict[str, tuple[np.ndarray, str]] | None = None,
        carriers: Iterable[Appendage] = (),
        default_hatch: str | None = None,
        rebuild=None,
    ):
        """``sites``: worksite name -> (body point m, module); ``hatches``: "hatch:<airlock>" ->
        (point, element); ``carriers``: booms/arms that carry crew; ``rebuild(ids)``: how
        :meth:`with_installed` makes the graph with more rails (None: not supported)."""
        self.utc = utc
        self.rails = {h.id: h for h in rails}
        self.modules = list(sites)
        self.hatches = dict(hatches or {})
        self.default_hatch = default_hatch
        self._rebuild = rebuild
        pos: dict[str, np.ndarray] = {}
        module_of: dict[str, str] = {}
        edges: list[_Edge] = []
        for h in self.rails.values():
            a, b = f"{h.id}:a", f"{h.id}:b"
            pos[a], pos[b] = h.start_body_m, h.end_body_m
            module_of[a] = module_of[b] = h.module
            edges.append(_Edge(a, b, h.length_m / HAND_OVER_HAND_M_S, h.length_m, f"rail {h.id}"))
        ends = list(pos)
        xyz = np.array([pos[n] for n in ends]).reshape(-1, 3)
        if ends:
            d = np.linalg.norm(xyz[:, None, :] - xyz[None, :, :], axis=2)
            for i, j in zip(*np.nonzero(np.triu(d <= REACH_M, k=1)), strict=True):
                ra, rb = ends[i][:-2], ends[j][:-2]
                if ra != rb:
                    dist = float(d[i, j])
                    time_s = TETHER_SWAP_S + dist / HAND_OVER_HAND_M_S
                    edges.append(_Edge(ends[i], ends[j], time_s, dist, f"reach {ra} -> {rb}"))

        def attach(node: str, point: np.ndarray, module: str, label: str) -> None:
            pos[node], module_of[node] = point, module
            if not ends:
                return
            dist = np.linalg.norm(xyz - point, axis=1)
            own = np.array([module_of[n] == module for n in ends])
            near = dist <= ATTACH_M
            pick = np.nonzero(near & own)[0]
            if pick.size == 0:
                pick = np.nonzero(near)[0]
            if pick.size == 0:
                pick = np.array([int(np.argmin(dist))])
            for k in pick:
                edges.append(
                    _Edge(node, ends[k], dist[k] / HAND_OVER_HAND_M_S, float(dist[k]), label)
                )

        for name, (point, module) in sites.items():
            attach(name, point, module, f"worksite {name}")
        for name, (point, element) in self.hatches.items():
            attach(name, point, element, f"hatch {name.split(':', 1)[1]}")
        self.carriers = []
        for app in carriers:
            rate, setup = (BOOM_M_S, BOOM_SETUP_S) if app.kind == "boom" else (ARM_M_S, ARM_SETUP_S)
            self.carriers.append(app.name)
            base = f"{app.name}:base"
            others = list(pos)
            attach(base, app.base_body_m, app.host, f"{app.kind} {app.name} base")
            for n in others:
                dist = float(np.linalg.norm(pos[n] - pos[base]))
                if dist <= app.extended_length_m:
                    label = f"{app.kind} {app.name}"
                    edges.append(_Edge(base, n, setup + dist / rate, dist, label))

        self._pos, self._module_of = pos, module_of
        self._nodes = list(pos)
        self._index = {n: i for i, n in enumerate(self._nodes)}
        self._best: dict[tuple[int, int], _Edge] = {}  # the fastest edge between two nodes
        for e in edges:
            r, c = self._index[e.a], self._index[e.b]
            for key in ((r, c), (c, r)):
                old = self._best.get(key)
                if old is None or e.time_s < old.time_s:
                    self._best[key] = e
        keys = list(self._best)
        n = len(self._nodes)
        self._matrix = coo_matrix(
            (
                [max(self._best[k].time_s, 1e-9) for k in keys],
                ([k[0] for k in keys], [k[1] for k in keys]),
            ),
            shape=(n, n),
        ).tocsr()
        self._dijkstra: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # ---- names ----
    def worksites(self) -> list[str]:
        """Names a plan may use: module placement names, their aliases, "hatch" and
        "hatch:<airlock>" for every airlock on the station that day."""
        names = list(self.modules)
        names += [alias for alias, name in ALIASES.items() if name in self.modules]
        if self.default_hatch:
            names.append("hatch")
        return names + list(self.hatches)

    def _node(self, site: str) -> str:
        if site == "hatch":
            if self.default_hatch:
                return self.default_hatch
            if len(self.hatches) > 1:
                raise EvasimInputError(
                    f"worksite 'hatch': {len(self.hatches)} airlocks on {self.utc:%Y-%m-%d} "
                    f"({', '.join(self.hatches)}); expected one of those names, or the graph "
                    "built for one airlock (route_graph(..., airlock=NAME))"
                )
        if site.startswith("hatch:"):
            from ..station.airlock import resolve_airlock

            try:
                wanted = f"hatch:{resolve_airlock(site.split(':', 1)[1]).airlock}"
            except EvasimInputError:
                wanted = site
            if wanted in self.hatches:
                return wanted
        elif canonical(site) in self.modules:
            return canonical(site)
        raise EvasimInputError(
            f"worksite {site!r}: expected one of {', '.join(self.worksites())} "
            f"(the station on {self.utc:%Y-%m-%d})"
        )

    # ---- routes ----
    def _from(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._dijkstra:
            self._dijkstra[i] = dijkstra(
                self._matrix, directed=False, indices=i, return_predecessors=True
            )
        return self._dijkstra[i]

    def route(self, a: str, b: str) -> Route:
        """The fastest route from worksite ``a`` to ``b`` (names as :meth:`worksites`). An
        input error when either is unknown or nothing joins them."""
        na, nb = self._node(a), self._node(b)
        ia, ib = self._index[na], self._index[nb]
        if ia == ib:
            return Route(0.0, 0.0, [], [self._module_of[na]])
        dist, pred = self._from(ia)
        if not np.isfinite(dist[ib]):
            raise EvasimInputError(
                f"no route from {a!r} to {b!r} on {self.utc:%Y-%m-%d} over the handrails and "
                "booms of that date"
            )
        path = [ib]
        while path[-1] != ia:
            path.append(int(pred[path[-1]]))
        path.reverse()
        taken = [self._best[(u, v)] for u, v in pairwise(path)]
        via: list[str] = []

        def visit(where: str) -> None:
            if not via or via[-1] != where:
                via.append(where)

        visit(self._module_of[self._nodes[path[0]]])
        for e, k in zip(taken, path[1:], strict=True):
            if e.label.startswith(("boom ", "arm ")) and not e.label.endswith(" base"):
                visit(e.label.split(" ", 1)[1])  # carried by the boom / arm
            visit(self._module_of[self._nodes[k]])
        return Route(
            float(sum(e.time_s for e in taken)),
            float(sum(e.length_m for e in taken)),
            [e.label for e in taken],
            via,
        )

    def with_installed(self, ids: Iterable[str]) -> RouteGraph:
        """The same date's graph with handrails ``ids`` (handrails.csv) installed as well."""
        if self._rebuild is None:
            raise EvasimInputError("with_installed: this graph was not built from station data")
        return self._rebuild(tuple(ids))

    def travel_matrix_s(self, sites: list[str]) -> np.ndarray:
        """Fastest route times between ``sites`` (n x n, seconds; inf where nothing joins)."""
        if len(sites) > MAX_SITES:
            raise EvasimInputError(f"sites: expected at most {MAX_SITES}, got {len(sites)}")
        idx = [self._index[self._node(s)] for s in sites]
        out = np.zeros((len(sites), len(sites)))
        for r, i in enumerate(idx):
            out[r] = self._from(i)[0][idx]
        return out


def route_graph(
    utc: datetime,
    installed: Iterable[str] = (),
    airlock: str | None = None,
    use_appendages: bool = True,
) -> RouteGraph:
    """The route graph of the station at ``utc`` (timezone-aware), with handrails
    ``installed`` by plan tasks (ids from handrails.csv) added; ``airlock`` names the one
    "hatch" means (needed when the station has more than one airlock that day);
    ``use_appendages=False`` leaves the booms and the arm out (handrails only)."""
    from ..station.airlock import airlock_element, hatch_point, resolve_airlock
    from ..station.appendages import appendages_at
    from ..station.catalog import airlocks
    from ..station.handrails import _check_utc, handrail_specs, handrails_at, place
    from ..station.history import Station
    from ..station.layout import layout
    from ..station.worksite import worksite_point

    _check_utc(utc)
    installed = tuple(dict.fromkeys(installed))
    config = Station().at(utc)
    placements = layout(config, with_arrays=False)
    by_name = {p.name: p for p in placements if p.shape == "cylinder"}
    rails = {h.id: h for h in handrails_at(utc, placements)}
    specs = {s.id: s for s in handrail_specs()}
    for rid in installed:
        spec = specs.get(rid)
        if spec is None:
            raise EvasimInputError(f"installed handrail {rid!r}: not in handrails.csv")
        if spec.module not in by_name:
            raise EvasimInputError(
                f"installed handrail {rid!r}: its module {spec.module} is not on the station "
                f"on {utc:%Y-%m-%d}"
            )
        rails.setdefault(rid, place(spec, by_name[spec.module]))
    sites = {}
    for p in placements:
        if p.kind == "module" and p.shape == "cylinder":
            mid = (worksite_point(by_name, p.name, 0) + worksite_point(by_name, p.name, 1)) / 2
            sites[p.name] = (mid, p.name)
    hatches = {}
    for spec in airlocks():
        element = airlock_element(config, spec)
        if element is not None and element in by_name and spec.hatch != "transfer":
            hatches[f"hatch:{spec.airlock}"] = (hatch_point(by_name, element), element)
    default = next(iter(hatches)) if len(hatches) == 1 else None
    if airlock is not None:
        default = f"hatch:{resolve_airlock(airlock).airlock}"
        if default not in hatches:
            raise EvasimInputError(
                f"airlock {airlock!r}: not on the station on {utc:%Y-%m-%d}; expected one of "
                + ", ".join(n.split(":", 1)[1] for n in hatches)
            )
    carriers = []
    if use_appendages:
        for app in appendages_at(utc, placements):
            if app.kind == "boom" or (app.kind == "arm" and app.can_carry_crew(utc)):
                carriers.append(app)

    def rebuild(ids: tuple[str, ...]) -> RouteGraph:
        return route_graph(utc, (*installed, *ids), airlock, use_appendages)

    graph = RouteGraph(utc, rails.values(), sites, hatches, carriers, default, rebuild)
    graph.installed = installed
    return graph
