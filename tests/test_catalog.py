"""The spacewalk catalogue in its DuckDB file: contents against published figures, the nearest
element set, building (atomic, concurrent, rebuilt on changed data) and the stored survey."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from evasim.catalog import Catalog, store
from evasim.catalog.records import bundled_records
from evasim.errors import EvasimInputError


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One database built from the bundled data, and how long the build took."""
    path = tmp_path_factory.mktemp("catalog") / "catalog.duckdb"
    t0 = time.perf_counter()
    cat = Catalog.open(path)
    return cat, time.perf_counter() - t0


@pytest.fixture(scope="session")
def catalog(built) -> Catalog:
    return built[0]


@pytest.fixture
def fresh_copy(catalog, tmp_path):
    """A copy of the built database that a test may change."""
    path = tmp_path / "catalog.duckdb"
    shutil.copyfile(catalog.path, path)
    return path


def test_built_under_10_s_with_a_note(built):
    cat, seconds = built
    assert seconds < 10.0
    assert cat.notes and cat.notes[0].startswith("built the catalogue database")


def test_277_spacewalks_numbered_1_to_277(catalog):
    walks = catalog.spacewalks()
    assert len(walks) == 277 == catalog.spacewalk_count()
    assert [w.number for w in walks] == list(range(1, 278))
    assert catalog.element_set_count() == 48_710


@pytest.mark.parametrize(
    ("number", "day"),
    [
        (200, date(2017, 5, 12)),
        (242, date(2021, 9, 3)),
        (243, date(2021, 9, 9)),
        (245, date(2021, 12, 2)),
        (274, date(2025, 1, 30)),
    ],
)
def test_running_numbers_match_nasa_ordinals(catalog, number, day):
    assert catalog.spacewalk(number).date == day


def test_same_records_as_the_bundled_file(catalog):
    stored = [dataclasses.replace(r, scenario="") for r in catalog.spacewalks()]
    assert stored == bundled_records()


def test_start_plus_duration_is_end_within_3_min(catalog):
    checked = 0
    for r in catalog.spacewalks():
        if r.start_utc and r.end_utc and r.duration_min:
            gap = r.start_utc + timedelta(minutes=r.duration_min) - r.end_utc
            assert abs(gap.total_seconds()) <= 180, r.number
            checked += 1
    assert checked >= 270


def _reference_instant(r) -> datetime:
    return r.start_utc or datetime(r.date.year, r.date.month, r.date.day, 12, tzinfo=UTC)


def test_nearest_element_set_within_a_day_for_275_and_3_days_for_all(catalog):
    days = [
        abs((catalog.nearest_element_set(_reference_instant(r)).epoch_utc - _reference_instant(r))
            .total_seconds()) / 86400
        for r in catalog.spacewalks()
    ]  # fmt: skip
    assert sum(d <= 1.0 for d in days) >= 275
    assert max(days) <= 3.0


def test_nearest_query_equals_brute_force(catalog):
    epochs = catalog.element_set_epochs()
    rng = np.random.default_rng(11)
    instants = rng.uniform(epochs[0] - 30 * 86400, epochs[-1] + 30 * 86400, 300)
    instants[:20] = epochs[rng.integers(0, len(epochs), 20)]  # exactly on an epoch
    for t in instants:
        es = catalog.nearest_element_set(datetime.fromtimestamp(t, UTC))
        got = es.epoch_utc.timestamp()
        best = np.abs(epochs - t).min()
        assert abs(abs(got - t) - best) < 1e-3  # the epoch is parsed from line 1 both ways
        assert es.line1.startswith("1 25544")


def test_nearest_set_names_its_archive_line(catalog):
    es = catalog.nearest_element_set(datetime(2021, 9, 3, 14, 41, tzinfo=UTC))
    name, line = es.origin.rsplit(":", 1)
    assert name == "iss_tle_1998-2026.txt.xz" and int(line) % 2 == 1
    assert abs((es.epoch_utc - datetime(2021, 9, 3, 14, 41, tzinfo=UTC)).total_seconds()) < 86400


def test_filters(catalog):
    y2021 = catalog.spacewalks(year=2021)
    assert {r.date.year for r in y2021} == {2021} and len(y2021) >= 10
    assert all(r.segment == "RS" for r in catalog.spacewalks(segment="RS"))
    assert {r.number for r in catalog.spacewalks(crew="dubrov")} >= {242, 243}
    assert all("poisk" in r.airlock.lower() for r in catalog.spacewalks(airlock="POISK"))
    assert catalog.spacewalks(year=2021, crew="nobody at all") == []
    with pytest.raises(EvasimInputError, match="segment: expected US, RS, Shuttle"):
        catalog.spacewalks(segment="ISS")
    with pytest.raises(EvasimInputError, match=r"spacewalk number: expected 1\.\.277, got 999"):
        catalog.spacewalk(999)


def test_scenarios_linked_from_the_scenario_files(catalog):
    linked = {r.number: r.scenario for r in catalog.spacewalks() if r.scenario}
    assert linked == {242: "vkd-49", 243: "vkd-50"}


def test_tables_agree(catalog):
    q = catalog.con.execute
    assert q("SELECT count(*) FROM crew_spacewalks").fetchall()[0][0] == sum(
        len(r.crew) for r in catalog.spacewalks()
    )
    (whitson,) = q("SELECT spacewalks FROM crew WHERE name = 'Peggy Whitson'").fetchall()[0]
    assert whitson == 10
    assert q("SELECT sum(spacewalks) FROM airlocks").fetchall()[0][0] == 277
    assert q("SELECT sum(spacewalks) FROM missions").fetchall()[0][0] == 277
    inferred = q("SELECT sum(inferred) FROM airlocks").fetchall()[0][0]
    assert inferred == q("SELECT count(*) FROM spacewalks WHERE airlock_inferred").fetchall()[0][0]
    assert q("SELECT kind FROM missions WHERE mission = 'STS-88'").fetchall() == [("Shuttle",)]
    (element,) = q("SELECT element FROM airlocks WHERE airlock = 'Pirs (DC-1)'").fetchall()[0]
    assert element == "Pirs"
    meta = catalog.meta()
    assert meta["schema_version"] == store.SCHEMA_VERSION
    assert meta["bundled_sha256"] == store.bundled_hash()


def test_open_again_does_not_rebuild(catalog):
    again = Catalog.open(catalog.path)
    assert again.notes == []
    assert again.meta()["built_utc"] == catalog.meta()["built_utc"]


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("EVASIM_HOME", str(tmp_path / "home"))
    assert store.default_path() == tmp_path / "home" / "catalog.duckdb"
    monkeypatch.delenv("EVASIM_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert store.default_path() == tmp_path / "xdg" / "evasim" / "catalog.duckdb"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert store.default_path() == tmp_path / "user" / ".cache" / "evasim" / "catalog.duckdb"


def test_changed_bundled_hash_rebuilds_and_keeps_user_rows(fresh_copy, tmp_path, monkeypatch):
    cat = Catalog.open(fresh_copy)
    user = tmp_path / "mine.csv"
    user.write_text(
        "iss_eva_seq,date,start_utc,end_utc,duration_min,crew,mission,airlock,airlock_from,suit,"
        "purpose_en,purpose_de,time_convention,confidence,source,notes\n"
        "278,2026-01-15,2026-01-15T12:00Z,2026-01-15T18:30Z,390,A One;B Two,Expedition 74,"
        "Quest,source,EMU,test,,battery,M,my notes,\n"
    )
    cat.import_file(user)
    cat.store_survey(pa.table({"number": [1]}))
    monkeypatch.setattr(store, "bundled_hash", lambda: "0" * 64)
    again = Catalog.open(fresh_copy)
    assert "the bundled data (or the tables) changed" in again.notes[0]
    assert "kept 1 imported spacewalks" in again.notes
    assert any("survey was dropped" in n for n in again.notes)
    assert again.meta()["bundled_sha256"] == "0" * 64
    assert again.spacewalk(278).origin == "mine.csv"
    assert again.spacewalk_count() == 278
    assert again.survey() is None
    assert Catalog.open(fresh_copy).notes == []  # now current


def test_schema_version_change_rebuilds(fresh_copy, monkeypatch):
    monkeypatch.setattr(store, "SCHEMA_VERSION", store.SCHEMA_VERSION + 1)
    cat = Catalog.open(fresh_copy)
    assert "schema" in cat.notes[0]
    assert cat.meta()["schema_version"] == store.SCHEMA_VERSION


def test_unreadable_file_is_rebuilt(tmp_path):
    path = tmp_path / "catalog.duckdb"
    path.write_bytes(b"not a database at all" * 100)
    cat = Catalog.open(path)
    assert "could not be read" in cat.notes[0]
    assert cat.spacewalk_count() == 277


def test_interrupted_build_leaves_no_database(tmp_path, monkeypatch):
    path = tmp_path / "catalog.duckdb"

    def fail(con):
        con.execute(
            "INSERT INTO spacewalks (number, date, crew, mission, mission_name, airlock, "
            "airlock_from, airlock_inferred, suit, segment, purpose, purpose_de, "
            "time_convention, confidence, sources, notes, origin) VALUES (1, DATE "
            "'2000-01-01', [], '', '', '', '', false, '', '', '', '', '', '', '', '', '')"
        )
        raise KeyboardInterrupt  # fmt: skip

    monkeypatch.setattr(store, "insert_bundled", fail)
    with pytest.raises(KeyboardInterrupt):
        Catalog.open(path)
    assert not path.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.duckdb.lock"]


def test_stale_temp_file_of_a_killed_build_is_removed(tmp_path):
    path = tmp_path / "catalog.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".evasim-tmp-{dead}-0123abcd.catalog.duckdb"
    stale.write_bytes(b"half a database")
    Catalog.open(path)
    assert not stale.exists()
    assert path.exists()


def test_two_processes_opening_at_once_both_work(tmp_path):
    home = tmp_path / "home"
    code = (
        "from evasim.catalog import Catalog; c = Catalog.open(); "
        "print(c.spacewalk_count(), c.element_set_count(), bool(c.notes))"
    )
    env = {**os.environ, "EVASIM_HOME": str(home)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert all(o[:2] == ["277", "48710"] for o in outs)
    assert sorted(o[2] for o in outs) == ["False", "True"]  # one built, the other waited
    assert sorted(p.name for p in home.iterdir()) == ["catalog.duckdb", "catalog.duckdb.lock"]


def test_survey_round_trip(fresh_copy):
    cat = Catalog.open(fresh_copy)
    assert cat.survey() is None
    table = pa.table({"number": pa.array([242, 243], pa.int32()), "dark_min": [190.5, 201.0]})
    cat.store_survey(table)
    assert cat.survey().equals(table)
    assert Catalog.open(fresh_copy).survey().equals(table)
    cat.store_survey(table.slice(0, 1))
    assert cat.survey().num_rows == 1


def test_open_catalogue_is_a_snapshot(fresh_copy):
    reader = Catalog.open(fresh_copy)
    before = reader.spacewalk_count()
    writer = Catalog.open(fresh_copy)
    writer.store_survey(pa.table({"number": [1]}))
    assert reader.spacewalk_count() == before  # still reads the file it opened
    assert reader.survey() is None
    assert Catalog.open(fresh_copy).survey() is not None


def test_scenario_links_in_any_order():
    """Every scenario file is matched against every spacewalk (the list is not used up)."""
    from datetime import date as day

    walks = [
        store._Dated(243, day(2021, 9, 9), datetime(2021, 9, 9, 14, 51, tzinfo=UTC)),
        store._Dated(242, day(2021, 9, 3), datetime(2021, 9, 3, 14, 41, tzinfo=UTC)),
        store._Dated(241, day(2021, 9, 3), datetime(2021, 9, 3, 4, 0, tzinfo=UTC)),
    ]
    assert store.scenario_links(iter(walks)) == {242: "vkd-49", 243: "vkd-50"}
