"""The ISS element set of 2021-09-02 12:53:58 UTC (the one VKD-49 replays with), as its two
lines, read from the bundled file so that tests do not each carry a copy."""

from evasim.sky.tle import bundled_set

_SET = next(s for s in bundled_set("iss_2021") if s.line1[18:32] == "21245.53748218")
L1: str = _SET.line1
L2: str = _SET.line2
