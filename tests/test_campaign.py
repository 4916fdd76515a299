"""``evasim campaign``: the Nauka and iROSA campaigns as data, checked against the catalogue,
the station's link model and the handrail/array data; bad campaign files are one-line errors."""

from __future__ import annotations

import json
import re

import pytest

from evasim.campaign import build_campaign, builtin_campaigns, load_campaign
from evasim.campaign.model import parse_campaign
from evasim.campaign.report import render_html
from evasim.catalog import Catalog
from evasim.cli import main
from evasim.errors import EvasimInputError
from evasim.productset import MARKER
from evasim.station.catalog import arrays


@pytest.fixture(scope="module")
def catalog():
    return Catalog.open()


@pytest.fixture(scope="module")
def nauka(catalog):
    return build_campaign(load_campaign("nauka"), catalog)


@pytest.fixture(scope="module")
def irosa(catalog):
    return build_campaign(load_campaign("irosa"), catalog)


def test_nauka_starts_with_eva_242_and_hours_add_up(nauka, catalog):
    first = nauka["spacewalks"][0]
    assert (first["number"], first["date"]) == (242, "2021-09-03")
    numbers = [w["number"] for w in nauka["spacewalks"]]
    minutes = sum(catalog.spacewalk(n).duration_min for n in numbers)
    assert nauka["total_minutes"] == minutes
    assert nauka["spacewalks"][-1]["cumulative_hours"] == pytest.approx(minutes / 60.0, abs=1e-3)
    cumulative = [w["cumulative_hours"] for w in nauka["spacewalks"]]
    assert cumulative == sorted(cumulative)
    assert first["duration_min"] == 7 * 60 + 54  # NASA: 7 h 54 min
    assert nauka["last_date"] == "2023-05-12"


@pytest.mark.parametrize("name", ["nauka", "irosa"])
def test_every_deferred_task_is_closed_later_or_reported_open(name, nauka, irosa):
    result = {"nauka": nauka, "irosa": irosa}[name]
    walks = {w["number"]: w for w in result["spacewalks"]}
    open_ids = {(o["spacewalk"], o["id"]) for o in result["open_tasks"]}
    for w in result["spacewalks"]:
        for t in w["tasks"]:
            if t["status"] == "closed":
                continue
            if t["deferred_to"] is None:
                assert (w["number"], t["id"]) in open_ids
                continue
            # follow the chain to its end: closed there, or open there
            number, tid = t["deferred_to"], t["id"]
            while True:
                later = next(x for x in walks[number]["tasks"] if x["id"] == tid)
                assert later["continues"] is not None
                if later["status"] == "closed" or later["deferred_to"] is None:
                    break
                number = later["deferred_to"]
            assert later["status"] == "closed" or (number, tid) in open_ids


def test_link_states_follow_the_station_link_model(nauka):
    after = {w["number"]: w for w in nauka["spacewalks"]}

    def state(number, kind, a, b):
        return next(
            x["state"]
            for x in after[number]["links_after"]
            if (x["kind"], x["from"], x["to"]) == (kind, a, b)
        )

    # VKD-49 mated US power to Nauka and half of the USOS-MLM Ethernet; VKD-50 the other half
    assert state(242, "power", "USOS", "Nauka") == "connected"
    assert state(242, "ethernet", "USOS", "Nauka") == "partial"
    assert state(243, "ethernet", "USOS", "Nauka") == "connected"
    assert {(c["kind"], c["after"]) for c in after[243]["link_changes"]} >= {
        ("ethernet", "connected"),
        ("kurs", "connected"),
    }
    assert after[246]["link_changes"] == []  # Prichal cables are not in the link model
    rails = [r["id"] for r in after[242]["handrails_installed"]]
    assert rails == ["nauka-hr-vkd49"]


def test_irosa_runs_through_the_same_code(irosa):
    assert irosa["spacewalk_count"] == 13
    installed = [a["wing"] for w in irosa["spacewalks"] for a in w["arrays_installed"]]
    assert sorted(installed) == sorted(a.wing for a in arrays() if a.kind == "iROSA")
    assert irosa["links_of"] == []
    assert "nauka" in builtin_campaigns() and "irosa" in builtin_campaigns()


BROKEN = """
name = "broken"
title = "t"
sources = ["s"]

[[spacewalks]]
number = 243
source = "s"
confidence = "H"

[[spacewalks.tasks]]
id = "a"
name = "a"
status = "deferred"
deferred_to = 242
"""


def test_bad_campaign_files_are_one_line_errors(tmp_path, catalog, capsys):
    with pytest.raises(EvasimInputError, match=r"f.toml:15: spacewalks\[0\].tasks\[0\]"):
        parse_campaign(BROKEN, "f.toml")
    bad_status = BROKEN.replace('"deferred"', '"postponed"')
    with pytest.raises(EvasimInputError, match=r"f.toml:14: .*status: expected"):
        parse_campaign(bad_status, "f.toml")
    unknown_rail = BROKEN.replace('status = "deferred"\ndeferred_to = 242', 'status = "closed"')
    unknown_rail = unknown_rail.replace('confidence = "H"', 'confidence = "H"\nhandrails = ["x"]')
    with pytest.raises(EvasimInputError, match=r"handrails\[0\]: 'x' is not a handrail id"):
        build_campaign(parse_campaign(unknown_rail, "f.toml"), catalog)
    # through the CLI: exit 2, one line, nothing written
    path = tmp_path / "corrupt.toml"
    path.write_text('name = "x\n[[spacewalks]\n', encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["campaign", str(path), "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "corrupt.toml:1: invalid TOML" in err
    assert len(err.splitlines()) == 1
    assert not out.exists()


def test_cli_writes_the_report_as_a_product_set(tmp_path, capsys):
    out = tmp_path / "nauka"
    with pytest.raises(SystemExit) as exc:
        main(["campaign", "nauka", "--out", str(out)])
    assert exc.value.code in (0, None)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER, "campaign.html", "campaign.json"]
    )
    data = json.loads((out / "campaign.json").read_text(encoding="utf-8"))
    assert data["spacewalks"][0]["number"] == 242
    html = (out / "campaign.html").read_text(encoding="utf-8")
    assert "<svg" in html and not re.search(r"""(src|href)=["']https?:""", html)
    with pytest.raises(SystemExit) as exc:
        main(["campaign", "--list"])
    listing = capsys.readouterr().out
    assert "nauka" in listing and "irosa" in listing


def test_report_escapes_campaign_text(nauka):
    evil = {**nauka, "title": "<script>x</script>"}
    assert "<script>x" not in render_html(evil)
