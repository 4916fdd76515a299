"""The numbers of the spacewalk history: running counts, hours, and the lighting at the start
(from the survey table), as plain values the plots and the HTML page both use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.stats import binomtest

from ..catalog.records import SEGMENTS, SpacewalkRecord

STORY_DATE = date(2021, 9, 3)
"""The first story evasim tells: VKD-49, 2021-09-03 (README)."""
MILESTONE = 250
LIGHTING_KINDS = ("day", "penumbra", "night")


def running_number_at(records: list[SpacewalkRecord], when: date) -> int:
    """How many ISS spacewalks had taken place by the end of ``when`` (UTC dates)."""
    return sum(1 for r in records if r.date <= when)


def first_reaching(records: list[SpacewalkRecord], count: int) -> SpacewalkRecord | None:
    """The spacewalk that brought the running count to ``count`` (None if not yet)."""
    ordered = sorted(records, key=lambda r: (r.date, r.number))
    return ordered[count - 1] if 0 < count <= len(ordered) else None


def airlock_name(record: SpacewalkRecord) -> str:
    """The airlock as plotted: 'Pirs' and 'Pirs (DC-1)' are one airlock (Docking
    Compartment 1); the rest as catalogued."""
    return "Pirs (DC-1)" if record.airlock.startswith("Pirs") else record.airlock


def hours_by(records: list[SpacewalkRecord], key) -> dict[str, float]:
    """Catalogued hours (duration_min / 60) summed by ``key(record)``, largest first; rows
    without a duration are left out."""
    out: dict[str, float] = {}
    for r in records:
        if r.duration_min is not None:
            out[key(r)] = out.get(key(r), 0.0) + r.duration_min / 60.0
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class Spread:
    """Median and quartiles of a sample (minutes), and its size."""

    n: int
    median: float
    q1: float
    q3: float

    @classmethod
    def of(cls, values) -> Spread | None:
        v = np.asarray([x for x in values if x is not None], float)
        if v.size == 0:
            return None
        q1, med, q3 = np.percentile(v, [25, 50, 75])
        return cls(int(v.size), float(med), float(q1), float(q3))

    def text(self, unit: str = "min") -> str:
        return (
            f"median {self.median:.0f} {unit} (IQR {self.q1:.0f}-{self.q3:.0f} {unit}, "
            f"n = {self.n})"
        )


def measured(rows: list[dict]) -> list[dict]:
    """Survey rows with measurements (times known, no error)."""
    return [r for r in rows if r["daylight_min"] is not None and not r["error"]]


def convention_groups(rows: list[dict]) -> dict[str, list[dict]]:
    """Measured rows whose start has a known meaning, by segment and convention:
    'RS, hatch open' and 'US, battery power' (the conventions in the catalogue)."""
    out: dict[str, list[dict]] = {}
    for r in measured(rows):
        if r["time_convention"] == "unknown":
            continue
        meaning = "hatch open" if r["time_convention"] == "hatch" else "battery power"
        label = f"{r['segment']}, {meaning}"
        out.setdefault(label, []).append(r)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class HatchAnswer:
    """Do Russian spacewalks open the hatch near an orbital sunrise? The measured answer for
    the RS rows whose start is the hatch opening."""

    to_sunrise: Spread | None
    since_sunset: Spread | None
    in_darkness: int
    n: int
    expected_darkness: float  # fraction, if the hatch opened at a random moment of the orbit
    p_value: float  # two-sided binomial test of in_darkness against expected_darkness
    within_30_min: int  # opened in darkness and <= 30 min before sunrise

    def text(self) -> str:
        if self.n == 0 or self.to_sunrise is None:
            return "No Russian-segment spacewalk with a hatch-open time has been surveyed."
        more = self.in_darkness / self.n > self.expected_darkness and self.p_value < 0.05
        verdict = (
            "Yes, most do. "
            if more and 2 * self.within_30_min > self.n
            else ("More than chance would, but not most. " if more else "Not measurably. ")
        )
        return verdict + (
            f"Of {self.n} Russian-segment spacewalks whose start is the hatch opening, "
            f"{self.in_darkness} opened it in darkness ({100 * self.in_darkness / self.n:.0f} %; "
            f"a hatch opened at a random moment of the orbit would be in darkness "
            f"{100 * self.expected_darkness:.0f} % of the time, binomial p = "
            f"{self.p_value:.2g}), and {self.within_30_min} of them at most 30 minutes "
            f"before sunrise. Time from hatch open to the next sunrise: "
            f"{self.to_sunrise.text()}; since the last sunset: {self.since_sunset.text()}."
        )


def hatch_answer(rows: list[dict]) -> HatchAnswer:
    rs = convention_groups(rows).get("RS, hatch open", [])
    dark = [r for r in rs if r["start_lighting"] == "night"]
    expected = float(np.mean([r["darkness_fraction"] for r in rs])) if rs else float("nan")
    p = binomtest(len(dark), len(rs), expected).pvalue if rs else float("nan")
    near = [r for r in dark if r["to_sunrise_min"] is not None and r["to_sunrise_min"] <= 30.0]
    return HatchAnswer(
        Spread.of(r["to_sunrise_min"] for r in rs),
        Spread.of(r["since_sunset_min"] for r in rs),
        len(dark),
        len(rs),
        expected,
        float(p),
        len(near),
    )


def sunset_to_sunset_min(rows: list[dict]) -> float | None:
    """Median time (min) from one sunset to the next around the starts (last sunset to the
    start plus the start to the next sunset): the orbital period the lighting repeats with. A
    start at a random moment spreads uniformly over it."""
    spread = Spread.of(
        r["since_sunset_min"] + r["to_sunset_min"]
        for r in measured(rows)
        if r["since_sunset_min"] is not None and r["to_sunset_min"] is not None
    )
    return spread.median if spread else None


def excluded_counts(rows: list[dict]) -> dict[str, int]:
    """Rows left out of the lighting plots, by reason."""
    flags = [set((r["flags"] or "").split(",")) for r in rows]
    return {
        "no_times": sum("no_times" in f for f in flags),
        "failed": sum(1 for r in rows if r["error"]),
        "unknown_convention": sum(1 for r in measured(rows) if r["time_convention"] == "unknown"),
    }


def segment_order() -> tuple[str, ...]:
    return SEGMENTS
