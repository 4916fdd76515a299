"""Scenario files: the built-ins validate; bad input gives one clear line naming file/line/field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evasim.errors import EvasimInputError
from evasim.scenario import BUILTIN_SCENARIOS, load_scenario, parse_scenario
from scenario_errors import line_of as _line_of
from scenario_errors import scenario_error as _error

VKD49 = (Path(__file__).parents[1] / "src/evasim/data/scenarios/vkd-49.toml").read_text()


def test_builtins_load_and_mark_estimates():
    for name in BUILTIN_SCENARIOS:
        sc = load_scenario(name)
        assert sc.name == name
        assert sc.facts
        if sc.kind == "eva":
            assert sc.tasks and all(t.estimated for t in sc.tasks)
        else:
            assert sc.attitude.targets and sc.attitude.thrusters


def test_vkd49_published_hatch_times():
    sc = load_scenario("vkd-49")
    assert sc.eva.hatch_open_utc.isoformat() == "2021-09-03T14:41:00+00:00"
    assert sc.eva.hatch_close_utc.isoformat() == "2021-09-03T22:35:00+00:00"
    last = max(sc.task_window(t)[1] for t in sc.tasks)
    assert last == sc.eva.hatch_close_utc


def test_unknown_field_names_line_and_allowed_fields():
    text = VKD49.replace('airlock = "Poisk (MRM-2)"', 'airlock = "Poisk (MRM-2)"\ncolour = "red"')
    msg = _error(text)
    line = _line_of(text, "colour =")
    assert msg.startswith(f"user.toml:{line}: eva.colour: unknown field; expected one of:")
    assert "hatch_open_utc" in msg


def test_wrong_type():
    text = VKD49.replace("step_s = 1.0", 'step_s = "fast"')
    msg = _error(text)
    assert msg.startswith(f"user.toml:{_line_of(text, 'step_s =')}: span.step_s: ")
    assert "number" in msg


def test_hatch_close_before_open():
    text = VKD49.replace(
        "hatch_close_utc = 2021-09-03T22:35:00Z", "hatch_close_utc = 2021-09-03T14:35:00Z"
    )
    msg = _error(text)
    line = _line_of(text, "hatch_close_utc =")
    assert msg == (
        f"user.toml:{line}: eva.hatch_close_utc: expected a time after "
        "hatch_open_utc (2021-09-03T14:41:00Z)"
    )


def test_task_times_out_of_order():
    text = VKD49.replace(
        'start_elapsed = "1:20"\nend_elapsed = "3:20"',
        'start_elapsed = "1:20"\nend_elapsed = "1:10"',
    )
    msg = _error(text)
    assert re.match(r"user\.toml:\d+: tasks\[2\]\.end_elapsed: expected the task to end after", msg)
    assert int(msg.split(":")[1]) == _line_of(text, 'end_elapsed = "1:10"')


def test_naive_time_is_rejected():
    text = VKD49.replace(
        "hatch_open_utc = 2021-09-03T14:41:00Z", "hatch_open_utc = 2021-09-03T14:41:00"
    )
    assert "eva.hatch_open_utc: expected a UTC date-time with a zone" in _error(text)


def test_toml_syntax_error_has_line():
    text = VKD49.replace('name = "vkd-49"', 'name = "vkd-49')
    assert _error(text).startswith("user.toml:6: invalid TOML:")


def test_bad_effect_grammar():
    text = VKD49.replace(
        'effects = ["connect power MRM-2 -> MLM"]', 'effects = ["plug power into MLM"]'
    )
    assert "tasks[2].effects: expected 'connect|disconnect" in _error(text)


def test_unknown_crew_reference():
    text = VKD49.replace('crew = ["EV1"]\n', 'crew = ["EV9"]\n', 1)
    assert "unknown crew member 'EV9'" in _error(text)


def test_missing_file():
    with pytest.raises(EvasimInputError, match=r"^nope\.toml: no such file"):
        load_scenario("nope.toml")


# ---------------------------------------------------------------- property-based


_values = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.booleans(),
    st.just("2021-09-03T14:41:00Z"),
    st.just("0:30"),
    st.just("25:99"),
    st.lists(st.text(max_size=5), max_size=3),
)


def _toml_value(v) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan"
            if v != v
            else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
        )
    return json.dumps(v)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_scenarios_never_crash(data):
    """Replace a key's value, delete a line or cut the file: valid or one EvasimInputError."""
    lines = VKD49.splitlines()
    keyed = [i for i, line in enumerate(lines) if re.match(r"^\w+\s*=", line)]
    op = data.draw(st.sampled_from(["replace", "delete", "truncate", "garbage"]))
    if op == "replace":
        i = data.draw(st.sampled_from(keyed))
        key = lines[i].split("=")[0].strip()
        lines[i] = f"{key} = {_toml_value(data.draw(_values))}"
    elif op == "delete":
        del lines[data.draw(st.integers(0, len(lines) - 1))]
    elif op == "truncate":
        lines = lines[: data.draw(st.integers(0, len(lines)))]
    else:
        i = data.draw(st.integers(0, len(lines)))
        lines.insert(i, data.draw(st.text(max_size=30)))
    try:
        sc = parse_scenario("\n".join(lines), "fuzz.toml")
    except EvasimInputError as exc:
        assert str(exc).startswith("fuzz.toml")
        assert "\n" not in str(exc)
    else:
        for task in sc.tasks:
            start, end = sc.task_window(task)
            assert end > start
