"""Power and data links as a graph with states, changed by spacewalk task effects.

Baseline: modules integrated before 2021 are joined to their structural neighbours by
connected ``power`` and ``ethernet`` links within their own segment (the US segment's power
network is rooted at the pseudo-node ``USOS``; the Russian segment's at ``RS``). Modules that
arrive "docked but not integrated" (Nauka, Prichal) get no baseline links: their links are the
ones in ``links.csv``, which spacewalk effects connect mate by mate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from ..errors import EvasimInputError
from . import catalog
from .catalog import canonical
from .config import Configuration

NOT_INTEGRATED_ON_ARRIVAL = ("Nauka", "Prichal")
KINDS = ("power", "ethernet", "tv", "kurs")


@dataclass(frozen=True)
class Link:
    kind: str
    source: str
    target: str
    mates_required: tuple[str, ...]
    mates_done: frozenset[str] = frozenset()
    baseline: bool = False
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.source, self.target)

    @property
    def state(self) -> str:
        if self.baseline or set(self.mates_required) <= self.mates_done:
            return "connected"
        return "partial" if self.mates_done else "disconnected"

    def to_json(self) -> dict:
        return {
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "state": self.state,
            "mates_done": sorted(m or "(single mate)" for m in self.mates_done),
            "mates_required": [m or "(single mate)" for m in self.mates_required],
            "baseline": self.baseline,
        }


@dataclass(frozen=True)
class LinkNetwork:
    links: dict[tuple[str, str, str], Link] = field(default_factory=dict)

    @classmethod
    def for_configuration(cls, config: Configuration) -> LinkNetwork:
        links: dict[tuple[str, str, str], Link] = {}
        present = set(config.modules)
        for child, (parent, _port) in config.attachments.items():
            if child not in present or parent not in present:
                continue
            if child in NOT_INTEGRATED_ON_ARRIVAL or parent in NOT_INTEGRATED_ON_ARRIVAL:
                continue
            same_us = child in catalog.US_SEGMENT and parent in catalog.US_SEGMENT
            same_rs = child in catalog.RUSSIAN_SEGMENT and parent in catalog.RUSSIAN_SEGMENT
            if not (same_us or same_rs):
                continue  # the PMA-1/Zarya interface joins the two power systems: not baseline
            for kind in ("power", "ethernet"):
                link = Link(
                    kind, parent, child, ("",), baseline=True, note="baseline (integrated module)"
                )
                links[link.key] = link
        for root, members in (("USOS", catalog.US_SEGMENT), ("RS", catalog.RUSSIAN_SEGMENT)):
            first = next(
                (m for m in members if m in present and m not in NOT_INTEGRATED_ON_ARRIVAL), None
            )
            if first:
                link = Link("power", root, first, ("",), baseline=True, note=f"{root} power system")
                links[link.key] = link
        for spec in catalog.links():
            # only links whose modules are both on the station (USOS/RS are the power systems)
            if {spec.source, spec.target} <= present | {"USOS", "RS"}:
                done = frozenset(spec.mates) if spec.initial == "connected" else frozenset()
                link = Link(spec.kind, spec.source, spec.target, spec.mates, done, note=spec.notes)
                links[link.key] = link
        return cls(links)

    def apply(
        self, action: str, kind: str, source: str, target: str, place: str | None
    ) -> LinkNetwork:
        """Apply one effect (``connect``/``disconnect``), validated against the catalogue."""
        key = (kind, canonical(source), canonical(target))
        link = self.links.get(key)
        if link is None:
            known = "; ".join(
                f"{k} {s} -> {t}" for k, s, t in self.links if not self.links[(k, s, t)].baseline
            )
            raise EvasimInputError(
                f"no {kind} link {source} -> {target} in the station's link "
                f"catalogue; known: {known}"
            )
        mate = place or ""
        if mate not in link.mates_required:
            wanted = ", ".join(repr(m) if m else "(no place)" for m in link.mates_required)
            raise EvasimInputError(
                f"{kind} {source} -> {target} has no mate at "
                f"{mate or '(no place)'}; expected {wanted}"
            )
        done = link.mates_done | {mate} if action == "connect" else link.mates_done - {mate}
        return LinkNetwork({**self.links, key: replace(link, mates_done=frozenset(done))})

    def connected(self, a: str, b: str, kind: str = "power") -> bool:
        """Is there a path of connected ``kind`` links between ``a`` and ``b``?"""
        a, b = canonical(a), canonical(b)
        adjacency: dict[str, list[str]] = {}
        for link in self.links.values():
            if link.kind == kind and link.state == "connected":
                adjacency.setdefault(link.source, []).append(link.target)
                adjacency.setdefault(link.target, []).append(link.source)
        seen, queue = {a}, deque([a])
        while queue:
            cur = queue.popleft()
            if cur == b:
                return True
            for nxt in adjacency.get(cur, []):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return False

    def on_us_power(self, module: str) -> bool:
        return self.connected("USOS", module, "power")

    def catalogue_links(self) -> list[Link]:
        return [link for link in self.links.values() if not link.baseline]
