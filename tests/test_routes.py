"""The translation-route graph (evasim.plan.routes) over the station's handrails and booms."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.plan.routes import (
    HAND_OVER_HAND_M_S,
    REACH_M,
    TETHER_SWAP_S,
    RouteGraph,
    route_graph,
)
from evasim.station.handrails import Handrail

HATCH_OPEN_242 = datetime(2021, 9, 3, 14, 41, tzinfo=UTC)
VKD49_RAIL = "nauka-hr-vkd49"
PEAK_RATE_M_S = 0.5  # the fastest translation an EVA flight controller quotes (L): a lower bound
SITES = ["hatch", "MRM-2", "SM", "FGB", "MLM", "Node 1", "US Lab", "Rassvet", "hatch:Quest"]


@pytest.fixture(scope="module")
def graph():
    return route_graph(HATCH_OPEN_242, airlock="Poisk (MRM-2)")


@pytest.fixture(scope="module")
def graph_installed(graph):
    return graph.with_installed([VKD49_RAIL])


def test_poisk_hatch_to_nauka_on_2021_09_03(graph):
    route = graph.route("hatch", "MLM")
    straight = np.linalg.norm(graph._pos["hatch:Poisk"] - graph._pos["Nauka"])
    # no faster than the peak rate in a straight line; within the scenario's own 59 min block
    # for "clean-up, translate back, ingress" (vkd-49.toml)
    assert straight / PEAK_RATE_M_S < route.time_s < 3600.0
    assert route.length_m >= straight - 1e-9
    assert route.via[0] == "Poisk" and route.via[-1] == "Nauka"
    # before the bridge handrails, the way to Nauka was the Strela boom (eva_2021.md)
    assert "Strela-1" in route.via


def test_travel_matrix_is_a_metric(graph):
    m = graph.travel_matrix_s(SITES)
    assert np.all(np.isfinite(m)) and np.all(np.diag(m) == 0)
    assert np.allclose(m, m.T)
    n = len(SITES)
    for k in range(n):  # triangle inequality through every intermediate site
        assert np.all(m <= m[:, [k]] + m[[k], :] + 1e-6)
    r = graph.route("SM", "MLM")
    assert m[SITES.index("SM"), SITES.index("MLM")] == pytest.approx(r.time_s)


def test_installing_the_vkd49_handrail_never_lengthens_and_bridges_nauka(graph, graph_installed):
    before = graph.travel_matrix_s(SITES)
    after = graph_installed.travel_matrix_s(SITES)
    assert np.all(after <= before + 1e-9)
    i, j = SITES.index("SM"), SITES.index("MLM")
    assert after[i, j] < before[i, j]  # Zvezda -> Nauka over the new rail instead of the boom
    assert VKD49_RAIL in " ".join(graph_installed.route("SM", "MLM").edges)
    # on handrails alone, Nauka is cut off until the rail bridges the gap
    rails_only = route_graph(HATCH_OPEN_242, use_appendages=False)
    with pytest.raises(EvasimInputError, match="no route"):
        rails_only.route("SM", "MLM")
    assert rails_only.with_installed([VKD49_RAIL]).route("SM", "MLM").time_s > 0


def _rail(rid, a, b):
    return Handrail(rid, "Toy", np.array(a, float), np.array(b, float), 0.0125, "RS yellow",
                    None, "", "test", "est")  # fmt: skip


def test_two_rail_toy_by_hand():
    gap_m = 1.0
    assert gap_m <= REACH_M
    rails = [_rail("r1", (0, 0, 0), (4, 0, 0)), _rail("r2", (5, 0, 0), (9, 0, 0))]
    sites = {"A": (np.array([-1.0, 0, 0]), "Toy"), "B": (np.array([10.0, 0, 0]), "Toy")}
    g = RouteGraph(datetime(2021, 1, 1, tzinfo=UTC), rails, sites)
    route = g.route("A", "B")
    # 1 m to the rail, 4 m along it, a swap + 1 m across, 4 m, 1 m off: 11 m at 0.1 m/s + 30 s
    assert route.length_m == pytest.approx(11.0)
    assert route.time_s == pytest.approx(11.0 / HAND_OVER_HAND_M_S + TETHER_SWAP_S)
    assert route.time_s == pytest.approx(140.0)
    assert route.edges == ["worksite A", "rail r1", "reach r1 -> r2", "rail r2", "worksite B"]
    # pull the second rail out of reach: no route
    far = [rails[0], _rail("r2", (4 + REACH_M + 0.5, 0, 0), (9, 0, 0))]
    with pytest.raises(EvasimInputError, match="no route"):
        RouteGraph(datetime(2021, 1, 1, tzinfo=UTC), far, sites).route("A", "B")


def test_bad_names_are_input_errors(graph):
    with pytest.raises(EvasimInputError, match="worksite 'Mir'"):
        graph.route("hatch", "Mir")
    with pytest.raises(EvasimInputError, match="installed handrail 'nope'"):
        route_graph(HATCH_OPEN_242, installed=["nope"])
    with pytest.raises(EvasimInputError, match="airlock 'Pirs'"):
        route_graph(HATCH_OPEN_242, airlock="Pirs")  # undocked 2021-07-26
    assert {"MLM", "FGB", "hatch", "hatch:Poisk", "Nauka"} <= set(graph.worksites())


def test_era_carries_crew_only_from_its_first_crew_ride():
    assert "ERA" not in route_graph(datetime(2023, 8, 1, tzinfo=UTC)).carriers
    assert "ERA" in route_graph(datetime(2023, 8, 10, tzinfo=UTC)).carriers


def test_hatch_is_ambiguous_without_an_airlock_when_two_are_on_the_station():
    g = route_graph(HATCH_OPEN_242)  # Quest and Poisk on 2021-09-03
    with pytest.raises(EvasimInputError, match="worksite 'hatch': 2 airlocks"):
        g.route("hatch", "MLM")
    assert g.route("hatch:Poisk", "MLM").time_s > 0
