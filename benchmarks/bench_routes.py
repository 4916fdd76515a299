"""Route graph and campaign timings; prints one JSON.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_routes.py

Measured: building the route graph of 2021-09-03 (the station history, the layout, 600+ rail
ends, reach edges, worksites, hatches, Strela booms), ``with_installed`` (a rebuild), one route
query (a Dijkstra from one node), the travel matrix between every worksite name of the date, and
``build_campaign`` for the Nauka and iROSA campaigns (catalogue, link model per spacewalk).
Best / median of ``ROUNDS``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime

ROUNDS = 5


def timed(fn, rounds=ROUNDS):
    out = []
    value = None
    for _ in range(rounds):
        t = time.perf_counter()
        value = fn()
        out.append(time.perf_counter() - t)
    return {"best_s": round(min(out), 4), "median_s": round(statistics.median(out), 4)}, value


def main() -> None:
    from evasim.campaign import build_campaign, load_campaign
    from evasim.catalog import Catalog
    from evasim.plan.routes import route_graph

    utc = datetime(2021, 9, 3, 14, 41, tzinfo=UTC)
    route_graph(utc)  # warm the caches of the bundled tables
    build, graph = timed(lambda: route_graph(utc, airlock="Poisk"))
    rebuild, _ = timed(lambda: graph.with_installed(["nauka-hr-vkd49"]))

    def one_route():
        graph._dijkstra.clear()
        return graph.route("hatch", "MLM")

    query, route = timed(one_route, 20)
    sites = graph.worksites()

    def matrix():
        graph._dijkstra.clear()
        return graph.travel_matrix_s(sites)

    mat, _ = timed(matrix)
    catalog = Catalog.open()
    nauka, _ = timed(lambda: build_campaign(load_campaign("nauka"), catalog))
    irosa, _ = timed(lambda: build_campaign(load_campaign("irosa"), catalog))
    print(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                "graph_nodes": len(graph._nodes),
                "graph_edges": len(graph._best) // 2,
                "route_graph_build": build,
                "with_installed_rebuild": rebuild,
                "route_query_hatch_to_MLM": query,
                "route_hatch_to_MLM_s": round(route.time_s, 1),
                f"travel_matrix_{len(sites)}_sites": mat,
                "build_campaign_nauka": nauka,
                "build_campaign_irosa": irosa,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
