"""A small version of benchmarks/fuzz_inputs.py: broken inputs get an answer, never a traceback
or a leftover file (the script runs >= 10,000 of them and reports times and memory)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "fuzz_inputs.py"
spec = importlib.util.spec_from_file_location("fuzz_inputs", SCRIPT)
fuzz = importlib.util.module_from_spec(spec)
sys.modules.setdefault("fuzz_inputs", fuzz)
spec.loader.exec_module(fuzz)


@pytest.mark.render  # some drawn command lines render a frame
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from([k for k in fuzz.KINDS if k not in ("huge", *fuzz.NEW_KINDS)]),
    rng=st.randoms(use_true_random=False),
)
def test_broken_inputs_answered_without_traceback_or_leftovers(kind, rng, tmp_path):
    """Inputs are drawn without the costly ones (tiny steps, deep nesting, the "huge" values
    of the script): a run stays under a second or so."""
    case = fuzz.make_case(rng, kind, heavy=False)
    result = fuzz.run_in_process(case, tmp_path)
    assert not result["traceback"], (case["argv"], result["exception"], result["where"])
    assert result["code"] in (0, 1, 2), result
    assert result["leftovers"] == [], (case["argv"], result["leftovers"])
    if result["code"] != 0 and case["argv"][:1] == ["replay"] and "--help" not in case["argv"]:
        assert result["stderr_lines"] >= 1  # an answer, not silence


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["plan", "campaign", "dispersions", "ommfile"]),
    rng=st.randoms(use_true_random=False),
)
def test_broken_plans_campaigns_dispersions_and_omm_files(kind, rng, tmp_path, monkeypatch):
    """The second fuzz's file kinds; a plan, campaign or dispersion file that still loads is
    not run (a valid plan or Monte Carlo run takes seconds: the script runs those). OMM files
    also go to `catalog import`: into a catalogue of the test's own."""
    monkeypatch.setenv("EVASIM_HOME", str(tmp_path / "home"))
    case = fuzz.make_case(rng, kind, heavy=False)
    cases = tmp_path / "cases"
    cases.mkdir(exist_ok=True)
    result = fuzz.run_in_process(case, cases, skip_valid=kind != "ommfile")
    if result.get("skipped"):
        return
    assert not result["traceback"], (case["argv"], result["exception"], result["where"])
    assert result["code"] in (0, 1, 2), result
    assert result["leftovers"] == [], (case["argv"], result["leftovers"])
    if result["code"] != 0 and case["argv"][0] != "catalog":  # an import lists every bad row
        assert result["stderr_lines"] == 1, (case["argv"], result["first_line"])


def test_the_harness_sees_tracebacks_and_leftovers(tmp_path, monkeypatch):
    """The fuzz counts are only as good as its detectors: an escaping exception and a stray
    temporary folder must both be reported."""
    import evasim.scenario

    def boom(*_args, **_kwargs):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(evasim.scenario, "load_scenario", boom)
    result = fuzz.run_in_process({"kind": "t", "argv": ["replay", "vkd-49"], "files": {}}, tmp_path)
    assert result["traceback"] and "ZeroDivisionError: planted" in result["exception"]
    folder = tmp_path / "case"
    folder.mkdir()
    before = fuzz._snapshot(folder)
    (folder / ".evasim-tmp-1-00000000.out").mkdir()
    assert fuzz.leftovers(folder, before, ["replay", "x"], 0) == [".evasim-tmp-1-00000000.out"]
    assert fuzz.leftovers(folder, before, ["replay", "x"], 2) == [".evasim-tmp-1-00000000.out"]
