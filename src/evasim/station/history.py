"""The station's configuration history: ``Station().at(utc)``, ``changes(a, b)`` and ``links_at``.

The history is built by applying, in time order, every attach/detach, adapter and
docking/undocking event in the bundled data, through the validated operations of
:class:`~evasim.station.config.Configuration` (so the data itself is checked: a vehicle
docking at an occupied or incompatible port is an error in the data).

Scope: visiting vehicles and ports are compiled for 2021 (``SUPPORTED``); modules and truss
are placed where they were in 2021 (earlier relocations such as Harmony's in 2007 or
Leonardo's in 2015 are not modelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from ..sky import to_utc_datetime
from . import catalog
from .catalog import ElementSpec
from .config import Configuration, StationError

SUPPORTED = (datetime(2021, 1, 1, tzinfo=UTC), datetime(2022, 1, 1, tzinfo=UTC))

# Order of events at the same instant: leaving first, then arriving.
_ORDER = {"undock": 0, "detach": 1, "remove_adapter": 2, "attach": 3, "fit_adapter": 4, "dock": 5}


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
        if not SUPPORTED[0] <= utc < SUPPORTED[1]:
            raise StationError(
                f"station history is compiled for 2021 only; got {utc:%Y-%m-%d}"
                " (expected a date in 2021)"
            )
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

    def changes(self, start_utc: datetime, end_utc: datetime) -> list[Event]:
        """Events after ``start_utc`` up to and including ``end_utc``."""
        a, b = to_utc_datetime(start_utc), to_utc_datetime(end_utc)
        return [e for e in self.events if a < e.utc <= b]


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
