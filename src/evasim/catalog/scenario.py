"""A replayable scenario for any ISS spacewalk of the catalogue: ``eva-N``.

``eva_scenario("eva-100")`` builds a validated :class:`~evasim.scenario.Scenario` (the type a
TOML file gives) from the catalogue's record of spacewalk 100: the span around it, the EVA
times with what they mark (``eva.time_convention``), the crew in their suits, the airlock,
the element set nearest the start from the bundled archive (``ephemeris.source = "archive"``)
and a GENERIC task timeline (egress, the record's purpose as one work block, ingress) marked as
such everywhere it is shown. A built-in scenario whose ``catalog_number`` is N (vkd-49 is
spacewalk 242) is the detailed replay of eva-N and is returned instead.

Every figure here is either the record's (with its source and confidence) or one of the named
parameters below, each marked ``est`` where it shows.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta

from ..errors import EvasimInputError
from ..scenario import (
    BUILTIN_SCENARIOS,
    CrewMember,
    Ephemeris,
    Eva,
    Fact,
    Scenario,
    Span,
    Task,
    builtin_text,
    check_scenario,
    load_scenario,
)
from . import Catalog
from .records import BUNDLED_SPACEWALKS, SpacewalkRecord

SPAN_BEFORE_START_MIN = 20.0
"""The replay starts this many minutes before the EVA's start (a choice: some orbit and light
before the EVA; no depressurisation time is published in the catalogue)."""
SPAN_AFTER_END_MIN = 15.0
"""The replay ends this many minutes after the EVA's end (est)."""
STEP_S = 1.0
"""Telemetry step, s (as the built-in scenarios)."""
GENERIC_EGRESS_MIN = 30.0
"""Length of the generic egress block, min (est: vkd-49's estimated egress block is 35 min; no
per-spacewalk figure is known). At most :data:`GENERIC_BLOCK_MAX_FRACTION` of the EVA."""
GENERIC_INGRESS_MIN = 30.0
"""Length of the generic clean-up and ingress block, min (est, as the egress)."""
GENERIC_BLOCK_MAX_FRACTION = 0.25
"""Egress and ingress each take at most this fraction of a short spacewalk."""

EVA_NAME_RE = re.compile(r"^eva-(\d{1,6})$", re.IGNORECASE)

MARKINGS = {
    ("EMU", "EV1"): "red stripes",
    ("Orlan", "EV1"): "red stripes",
    ("Orlan", "EV2"): "blue stripes",
}
"""Suit markings by suit and role: the EV1 EMU has red stripes (NASA's convention, as its
spacewalk coverage says); Orlan EV1 red and EV2 blue stripes as on VKD-49/50 (vkd-49.toml,
Jonathan's Space Report no. 797). Others: not known. The role itself comes from the crew order."""
NOT_KNOWN = "not known"


def eva_number(name: str, count: int) -> int:
    """N of ``eva-N``, checked to be one of the catalogue's ``count`` spacewalks."""
    m = EVA_NAME_RE.match(name.strip())
    number = int(m.group(1)) if m else 0
    if not 1 <= number <= count:
        raise EvasimInputError(
            f"expected eva-1 .. eva-{count} (ISS spacewalks in NASA's running count)",
            source=name,
        )
    return number


def builtin_for_number(number: int) -> str | None:
    """The built-in scenario whose ``catalog_number`` is ``number`` (its detailed replay), or
    None. The TOML files are the one place the link is written."""
    for name in BUILTIN_SCENARIOS:
        if tomllib.loads(builtin_text(name)).get("catalog_number") == number:
            return name
    return None


def eva_scenario(name: str, catalog: Catalog | None = None) -> Scenario:
    """The scenario of ``eva-N``: the detailed built-in when there is one, else synthesised
    from the catalogue's record (:func:`scenario_for_record`)."""
    catalog = catalog or Catalog.open()
    number = eva_number(name, len(catalog.spacewalks()))
    builtin = builtin_for_number(number)
    if builtin is not None:
        return load_scenario(builtin)
    return scenario_for_record(catalog.spacewalk(number))


def eva_window(record: SpacewalkRecord) -> tuple[datetime, datetime, str]:
    """(start, end, derivation) of the EVA: the record's times (derivation ""), or one of them
    derived from the other and the duration where only one is published (derivation says
    which); an input error when neither is."""
    start, end, minutes = record.start_utc, record.end_utc, record.duration_min
    what = f"spacewalk {record.number} ({record.date:%Y-%m-%d})"
    if start is not None and end is not None:
        return start, end, ""
    if minutes is not None and end is not None:
        start = end - timedelta(minutes=minutes)
        return start, end, f"start derived: the published end minus the duration ({minutes} min)"
    if minutes is not None and start is not None:
        end = start + timedelta(minutes=minutes)
        return start, end, f"end derived: the published start plus the duration ({minutes} min)"
    given = f"only its duration ({minutes} min)" if minutes is not None else "neither"
    raise EvasimInputError(
        f"{what}: no published start or end time; the catalogue gives {given}, and a replay "
        "needs the time of day"
    )


def scenario_for_record(record: SpacewalkRecord) -> Scenario:
    """A validated scenario for one catalogue record (see the module's docstring)."""
    what = f"spacewalk {record.number} ({record.date:%Y-%m-%d})"
    start, end, derived = eva_window(record)
    notes = [derived] if derived else []
    spec = _station_airlock(record, what)
    if record.airlock_from != "source" or spec.airlock != record.airlock:
        how = record.airlock_from or "not known how"
        notes.append(
            f"airlock: the catalogue's {record.airlock!r} ({how}) is replayed as {spec.airlock}"
        )
    if len(record.crew) > 3:
        raise EvasimInputError(
            f"{what}: {len(record.crew)} crew; expected at most 3 (roles EV1..EV3)",
            source=BUNDLED_SPACEWALKS,
        )
    roles = ("EV1", "EV2", "EV3")
    crew = [
        CrewMember(
            name=person,
            role=role,
            suit=record.suit,
            marking=MARKINGS.get((record.suit, role), NOT_KNOWN),
        )
        for person, role in zip(record.crew, roles, strict=False)
    ]
    notes += [
        "roles EV1/EV2 follow the catalogue's crew order (est: not from a source)",
        f"suit autonomy: evasim's default {Eva.model_fields['suit_autonomy_h'].default:g} h "
        "(a parameter, not a published figure for this spacewalk)",
    ]
    tasks = _generic_tasks(record, start, end, spec.airlock)
    source = f"{record.sources} (evasim catalogue {BUNDLED_SPACEWALKS}, no. {record.number})"
    conf = record.confidence or "L"  # a record not rated is shown as the lowest mark
    convention = {"battery": "suit battery power", "hatch": "hatch", "unknown": "not known"}
    facts = [
        Fact(label="ISS spacewalk no.", value=str(record.number), source=source, confidence=conf),
        Fact(label="Mission", value=record.mission or NOT_KNOWN, source=source, confidence=conf),
        Fact(
            label="EVA start / end",
            value=f"{start:%Y-%m-%d %H:%M} / {end:%Y-%m-%d %H:%M} UTC "
            f"({convention[record.time_convention]} times)",
            source=source,
            confidence="est" if derived else conf,
        ),
        Fact(
            label="Duration",
            value=f"{record.duration_min} min" if record.duration_min else NOT_KNOWN,
            source=source,
            confidence=conf,
        ),
        Fact(label="Crew", value=record.crew_text, source=source, confidence=conf),
        Fact(label="Suits", value=record.suit, source=source, confidence=conf),
        Fact(
            label="Airlock",
            value=f"{record.airlock} ({record.airlock_from or 'not known how'})",
            source=source,
            confidence="M" if record.airlock_from == "source" else "est",
        ),
        Fact(label="Purpose", value=record.purpose or NOT_KNOWN, source=source, confidence=conf),
    ]
    purpose = record.purpose or "purpose not known"
    scenario = Scenario(
        name=record.name,
        title=f"ISS spacewalk {record.number}: {purpose} ({record.date:%Y-%m-%d})",
        description=(
            f"{record.mission or 'Mission not known'}: {', '.join(record.crew)} ({record.suit}) "
            f"from {record.airlock}. Synthesised from evasim's spacewalk catalogue; the task "
            "timeline is GENERIC (egress, the purpose as one work block, ingress), not what was "
            "done when."
        ),
        catalog_number=record.number,
        generic_timeline=True,
        notes=notes,
        span=Span(
            start_utc=start - timedelta(minutes=SPAN_BEFORE_START_MIN),
            end_utc=end + timedelta(minutes=SPAN_AFTER_END_MIN),
            step_s=STEP_S,
        ),
        eva=Eva(
            designation=record.mission,
            airlock=spec.airlock,
            hatch_open_utc=start,
            hatch_close_utc=end,
            time_convention=record.time_convention,
        ),
        crew=crew,
        ephemeris=Ephemeris(source="archive"),
        tasks=tasks,
        facts=facts,
        origin=f"evasim:{record.name}",
    )
    return check_scenario(scenario)


def _station_airlock(record: SpacewalkRecord, what: str):
    """The station airlock (:class:`~evasim.station.catalog.AirlockSpec`) the record's airlock
    name means; a one-line input error naming the spacewalk when the station knows none."""
    from ..station.airlock import resolve_airlock

    try:
        return resolve_airlock(record.airlock)
    except EvasimInputError as exc:
        raise EvasimInputError(
            f"{what}: airlock {record.airlock!r}: {exc.detail}", source=BUNDLED_SPACEWALKS
        ) from None


def _generic_tasks(record: SpacewalkRecord, start, end, airlock: str) -> list[Task]:
    """Egress, the purpose as one work block, ingress: all crew, at the airlock (no worksite:
    the helmet cameras and the timeline put a task without one at the spacewalk's airlock)."""
    length_min = (end - start).total_seconds() / 60.0
    egress = min(GENERIC_EGRESS_MIN, length_min * GENERIC_BLOCK_MAX_FRACTION)
    ingress = min(GENERIC_INGRESS_MIN, length_min * GENERIC_BLOCK_MAX_FRACTION)
    work_start = start + timedelta(minutes=egress)
    work_end = end - timedelta(minutes=ingress)
    note = "GENERIC outline (no detailed timeline of this spacewalk in evasim): est"
    return [
        Task(
            crew=["all"],
            name=f"Egress from {airlock} (generic)",
            start_utc=start,
            end_utc=work_start,
            note=note,
        ),
        Task(
            crew=["all"],
            name=f"{record.purpose or 'Work'} (generic work block)",
            start_utc=work_start,
            end_utc=work_end,
            note=f"{note}; placed at the airlock: where the work was done is not known",
        ),
        Task(
            crew=["all"],
            name=f"Clean-up and ingress at {airlock} (generic)",
            start_utc=work_end,
            end_utc=end,
            note=note,
        ),
    ]
