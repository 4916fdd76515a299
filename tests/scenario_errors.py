"""Helpers of the scenario-validation tests: the one-line error a scenario text gets, and the
line a piece of text stands on."""

import pytest

from evasim.errors import EvasimInputError
from evasim.scenario import parse_scenario


def scenario_error(text: str) -> str:
    """The error ``parse_scenario`` raises for ``text`` (as file ``user.toml``): one line."""
    with pytest.raises(EvasimInputError) as err:
        parse_scenario(text, "user.toml")
    message = str(err.value)
    assert "\n" not in message
    return message


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of ``text`` holding ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)
