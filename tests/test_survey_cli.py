"""``evasim survey``: options checked first (exit 2, nothing written), the Dask LocalCluster
path on a few spacewalks, products written as a set and stored in the catalogue."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
import pytest

from evasim.catalog import Catalog
from evasim.cli import main
from evasim.productset import MARKER
from evasim.survey import jobs_for, survey_batch

FEW = (40, 242, 250, 270)  # one without times, three Poisk spacewalks (2021, 2022, 2024)


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return exit_info.value.code


@pytest.mark.parametrize(
    ("option", "message"),
    [("0", "--workers: expected 1..64, got 0"), ("65", "--workers: expected 1..64, got 65")],
)
def test_bad_workers_exit_2_and_write_nothing(tmp_path, capsys, option, message):
    out = tmp_path / "survey"
    assert _run("survey", "--workers", option, "--out", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {message}"
    assert not out.exists() and os.listdir(tmp_path) == []


def test_out_holding_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert _run("survey", "--out", str(out), "--workers", "1") == 2
    assert "notes.txt" in capsys.readouterr().err
    assert os.listdir(out) == ["notes.txt"]


@pytest.fixture()
def few_spacewalks(monkeypatch):
    """The catalogue narrowed to :data:`FEW`; what the command stores is kept."""
    catalog = Catalog.open()
    records = [catalog.spacewalk(n) for n in FEW]
    stored = []
    monkeypatch.setattr(Catalog, "spacewalks", lambda self, **_: records)
    monkeypatch.setattr(Catalog, "store_survey", lambda self, table: stored.append(table))
    return catalog, records, stored


def test_survey_on_a_two_worker_cluster_writes_a_product_set(tmp_path, few_spacewalks, sky):
    catalog, records, stored = few_spacewalks
    out = tmp_path / "survey"
    out.mkdir()  # an earlier set, with a product of another command: replaced as a whole
    (out / "survey.parquet").write_text("old")
    (out / "history.html").write_text("old")
    (out / MARKER).write_text("{}")
    assert _run("survey", "--out", str(out), "--workers", "2") == 0
    assert sorted(os.listdir(out)) == [MARKER, "survey.parquet"]
    manifest = json.loads((out / MARKER).read_text())
    assert manifest["product"] == "survey" and list(manifest["files"]) == ["survey.parquet"]
    table = pq.read_table(out / "survey.parquet")
    assert table.column("number").to_pylist() == list(FEW)
    assert len(stored) == 1 and stored[0].equals(table)
    # the cluster's rows are the in-process rows
    here = survey_batch(jobs_for(catalog, records), sky)
    for mine, theirs in zip(table.to_pylist(), here, strict=True):
        assert mine["flags"] == theirs["flags"] and mine["error"] == theirs["error"]
        for key in ("daylight_min", "darkness_min", "to_sunrise_min", "beta_deg"):
            assert mine[key] == (None if theirs[key] is None else pytest.approx(theirs[key]))
    assert table.column("flags")[0].as_py() == "no_times,airlock_inferred,confidence_not_rated"
