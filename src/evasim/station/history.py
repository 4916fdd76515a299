"""The station's configuration history: ``Station().at(utc)``, ``changes(a, b)`` and ``links_at``.

The history is built by applying, in time order, every attach/detach, relocation, adapter and
docking/undocking event in the bundled data, through the validated operations of
:class:`~evasim.station.config.Configuration` (so the data itself is checked: a vehicle
docking at an occupied or incompatible port is an error in the data).

Span: ``SPAN`` = 1998-11-20 (Zarya's launch) to 2025-12-31 (inclusive). Modules, nodes,
PMAs, truss segments and their relocations (relocations.csv) cover the whole span; visiting
vehicles are compiled where ``vehicle_coverage.csv`` says (all of 2021) plus the Shuttle
dockings in ``shuttle_dockings.csv``; elsewhere a port's occupant is "not known".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from ..sky import to_utc_datetime
from . import catalog
from .catalog import ElementSpec
from .config import Configuration, StationError

SPAN = (datetime(1998, 11, 20, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
"""The dates the history covers: from Zarya's launch day to the end of 2025 (end exclusive)."""

# Order of events at the same instant: leaving first, then moves, then arriving.
_ORDER = {
    "undock": 0,
    "detach": 1,
    "remove_adapter": 2,
    "move": 3,
    "attach": 4,
    "fit_adapter": 5,
    "dock": 6,
}


@dataclass(frozen=True)
class Event:
    utc: datetime
    action: str  # attach | detach | dock | undock | fit_adapter | remove_adapter
    name: str
    module: str = ""
    port: str = ""
    detail: str = ""

    def describe(self) -> str:
        where = (
            f" {'at' if self.action in ('attach', 'dock', 'fit_adapter') else 'from'} "
            f"{self.module} {self.port}"
            if self.module
            else ""
        )
        return f"{self.utc:%Y-%m-%d %H:%M} UTC: {self.action} {self.name}{where}"


class Station:
    """The ISS configuration history compiled from the bundled data."""

    @cached_property
    def events(self) -> list[Event]:
        events: list[Event] = []
        by_name = {e.name: e for e in (*catalog.modules(), *catalog.truss())}

        def effective_attach(spec: ElementSpec) -> datetime:
            own = spec.attached_utc
            parent = by_name.get(spec.parent)
            return max(own, effective_attach(parent)) if parent else own

        def depth(spec: ElementSpec) -> int:
            parent = by_name.get(spec.parent)
            return 1 + depth(parent) if parent else 0

        depth_of: dict[str, int] = {}
        for spec in by_name.values():
            if spec.parent:
                depth_of[spec.name] = depth(spec)
                events.append(
                    Event(
                        effective_attach(spec), "attach", spec.name, spec.parent, spec.parent_port
                    )
                )
            if spec.detached_utc:
                events.append(Event(spec.detached_utc, "detach", spec.name))
        for r in catalog.relocations():
            events.append(Event(r.utc, "move", r.element, r.parent, r.parent_port, r.notes))
        for a in catalog.adapters():
            events.append(Event(a.fitted_utc, "fit_adapter", a.adapter, a.module, a.port))
            if a.removed_utc:
                events.append(Event(a.removed_utc, "remove_adapter", a.adapter, a.module, a.port))
        for v in catalog.visits():
            events.append(Event(v.arrived_utc, "dock", v.vehicle, v.module, v.port, v.notes))
            if v.departed_utc:
                events.append(Event(v.departed_utc, "undock", v.vehicle, v.module, v.port))
        events.sort(key=lambda e: (e.utc, _ORDER[e.action], depth_of.get(e.name, 0)))
        return events

    def _apply(self, config: Configuration, e: Event) -> Configuration:
        by_name = {s.name: s for s in (*catalog.modules(), *catalog.truss())}
        if e.action == "attach":
            return config.attach(by_name[e.name], e.module, e.port, utc=e.utc)
        if e.action == "detach":
            return config.detach(e.name, utc=e.utc)
        if e.action == "move":
            return config.move(e.name, e.module, e.port, utc=e.utc)
        if e.action == "dock":
            spec = catalog.vehicle_spec(e.name)
            return config.attach(
                spec, e.module, e.port, active=spec.docking_system or None, utc=e.utc
            )
        if e.action == "undock":
            return config.detach(e.name, utc=e.utc)
        if e.action == "fit_adapter":
            return config.fit_adapter(e.module, e.port, e.name, utc=e.utc)
        return config.remove_adapter(e.module, e.port, utc=e.utc)

    def at(self, utc: datetime) -> Configuration:
        """The configuration at ``utc`` (events at exactly ``utc`` have happened)."""
        utc = to_utc_datetime(utc)
        check_span(utc)
        root = next(s for s in catalog.modules() if not s.parent)
        config = Configuration(
            None, {root.name: root}, {}, {(p.module, p.port): p for p in catalog.ports()}
        )
        for e in self.events:
            if e.utc > utc:
                break
            try:
                config = self._apply(config, e)
            except StationError as exc:  # the bundled data contradicts itself
                raise StationError(f"station data: {e.describe()}: {exc}") from None
        return Configuration(
            utc, config.elements, config.attachments, config.port_specs, config.adapters
        )

    def vehicles_compiled(self, utc: datetime) -> bool:
        """Are the visiting vehicles at every port compiled for ``utc`` (else 'not known')?"""
        return catalog.vehicles_compiled(to_utc_datetime(utc))

    def changes(self, start_utc: datetime, end_utc: datetime) -> list[Event]:
        """Events after ``start_utc`` up to and including ``end_utc``."""
        a, b = to_utc_datetime(start_utc), to_utc_datetime(end_utc)
        return [e for e in self.events if a < e.utc <= b]


def check_span(utc: datetime) -> None:
    """A one-line :class:`StationError` for a date outside :data:`SPAN`."""
    if not SPAN[0] <= utc < SPAN[1]:
        raise StationError(
            f"no station history for {utc:%Y-%m-%d %H:%M} UTC; expected a date from "
            f"{SPAN[0]:%Y-%m-%d} to 2025-12-31"
        )


def links_at(station: Station, utc: datetime):
    """Link network at ``utc``: baseline from the configuration, plus every link change of
    the station's history (``link_events.csv``) up to and including ``utc``."""
    from .links import LinkNetwork

    utc = to_utc_datetime(utc)
    network = LinkNetwork.for_configuration(station.at(utc))
    for e in catalog.link_events():
        if e.utc <= utc:
            network = network.apply(e.action, e.kind, e.source, e.target, e.place)
    return network
