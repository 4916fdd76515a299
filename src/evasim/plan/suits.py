"""The suits a plan may use and their fixed blocks: limits and block durations, each with its
source and confidence mark (H/M/L/est), from ``data/facts/eva_planning.md`` (copied from the
shared facts) and ``data/facts/eva_2021.md``.

Suit time is counted from hatch open to hatch close (Roscosmos's count, as every evasim replay
counts ``eva.suit_autonomy_h``); NASA counts from suit battery power on to repress, a few minutes
more. A plan may override every block and the margin (``[blocks]``, ``margin_min``).
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKS = ("prebreathe", "depress", "egress", "ingress", "repress")
"""The fixed blocks of a spacewalk, in order; egress starts at hatch open, ingress ends at hatch
close; prebreathe and depress come before hatch open, repress after hatch close."""


@dataclass(frozen=True)
class Figure:
    """A number with its source and confidence mark."""

    value: float
    source: str
    confidence: str  # H | M | L | est


@dataclass(frozen=True)
class SuitSpec:
    """One suit family: its rated limit, the default margin kept from it, its fixed blocks."""

    family: str
    segment: str  # the airlocks it leaves from: "US" or "Russian" (airlocks.csv)
    rated_h: Figure
    """The most the suit supports, hatch open to hatch close (hours)."""
    margin_min: Figure
    """What a plan keeps in reserve by default (minutes): planned EVA <= rated - margin."""
    blocks_min: dict[str, Figure]
    """Duration of each of :data:`BLOCKS` (minutes)."""

    @property
    def planned_limit_min(self) -> float:
        return self.rated_h.value * 60.0 - self.margin_min.value


_EGRESS_EST = Figure(
    30.0,
    "estimate: VKD-49's scenario gives 35 min for egress with tether and tool set-up "
    "(vkd-49.toml, est); not published",
    "est",
)
_INGRESS_EST = Figure(
    30.0,
    "estimate: clean-up at the hatch and ingress are not published separately",
    "est",
)

SUITS: dict[str, SuitSpec] = {
    "EMU": SuitSpec(
        family="EMU",
        segment="US",
        rated_h=Figure(
            8.0, "EMU 'sized for 7 h plus 1 h contingency' (NASA; eva_planning.md)", "H"
        ),
        margin_min=Figure(60.0, "the EMU's 1 h contingency (NASA; eva_planning.md)", "H"),
        blocks_min={
            "prebreathe": Figure(
                110.0,
                "ISLE prebreathe: ~1 h on mask, then 50 min in the suit (NASA; eva_planning.md)",
                "H",
            ),
            "depress": Figure(
                31.0,
                "not published for Quest; taken as Poisk's on 2021-09-03 (~14:10 to 14:41 UTC, "
                "Jonathan's Space Report 797)",
                "est",
            ),
            "egress": _EGRESS_EST,
            "ingress": _INGRESS_EST,
            "repress": Figure(
                4.0,
                "not published for Quest; taken as Poisk's on 2021-09-03 (22:35 to ~22:39 UTC, "
                "Jonathan's Space Report 797)",
                "est",
            ),
        },
    ),
    "Orlan-MKS": SuitSpec(
        family="Orlan-MKS",
        segment="Russian",
        rated_h=Figure(
            8.0,
            "Orlan-MKS rated up to ~8 h (Zvezda; NASA; used 7 h 54 min on 2021-09-03; "
            "eva_planning.md)",
            "M",
        ),
        margin_min=Figure(
            60.0, "8 h rated minus the 7 h of primary life support (eva_planning.md)", "M"
        ),
        blocks_min={
            "prebreathe": Figure(30.0, "~30 min prebreathe (Zvezda; eva_planning.md)", "M"),
            "depress": Figure(
                31.0,
                "Poisk depressurised ~14:10, hatch open 14:41 UTC on 2021-09-03 "
                "(Jonathan's Space Report 797; NASA)",
                "M",
            ),
            "egress": _EGRESS_EST,
            "ingress": _INGRESS_EST,
            "repress": Figure(
                4.0,
                "hatch closed 22:35, repress ~22:39 UTC on 2021-09-03 (NASA; Jonathan's Space "
                "Report 797)",
                "M",
            ),
        },
    ),
}


def suit_family(name: str) -> SuitSpec | None:
    """The suit family a plan's ``suit`` names: ``EMU``, ``Orlan-MKS`` or a serial such as
    ``Orlan-MKS No. 5`` / ``EMU 3011`` (matched by the family name it starts with)."""
    text = name.strip().lower()
    for family, spec in SUITS.items():
        if text == family.lower() or text.startswith(family.lower() + " "):
            return spec
    return None
