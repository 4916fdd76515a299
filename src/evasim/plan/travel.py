"""The one place the planner meets the translation-route graph (:mod:`evasim.plan.routes`).

The scheduler takes a travel matrix (seconds between worksites) and knows nothing of the graph;
:func:`route_graph_at` is the single function that builds the graph for a plan's date.
"""

from __future__ import annotations

from datetime import datetime


def route_graph_at(utc: datetime, airlock: str):
    """The station's translation-route graph at ``utc``, "hatch" meaning ``airlock``'s
    (``RouteGraph``: ``.worksites()``, ``.route(a, b)``, ``.travel_matrix_s(sites)``,
    ``.with_installed(ids)`` for handrails installed by tasks)."""
    from .routes import route_graph

    return route_graph(utc, airlock=airlock)
