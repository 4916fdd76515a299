"""One spacewalk's lighting, from its catalogue record and the archived element set nearest
its start, with the same models a replay uses (SGP4 track, DE421 Sun table, the conical
umbra/penumbra model against the WGS84 ellipsoid, edges bisected to 1 ms).

Daylight, penumbra and darkness minutes are exact to the edges' tolerance: the span is cut at
every penumbra boundary inside it (outer and inner, and the ends of penumbra-only passes) and
each piece is classified by the sunlit fraction at its middle (the fraction is constant in
kind between boundaries). Edges are searched 100 minutes (more than an orbit) beyond both ends,
so the last sunset before the start and the next sunrise after it are found even outside the
span; at high beta the station may see no night at all, and those columns are then null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ..catalog.archive import element_set as parse_archived
from ..catalog.records import SpacewalkRecord
from ..sky import Sky
from ..sky.lighting import beta_angle_deg, find_edges, shadow_angles
from ..sky.orbit import Orbit
from ..sky.sun import SunTable
from ..sky.timegrid import TimeGrid
from ..sky.tle import ElementSet
from .columns import COLUMN_NAMES

EDGE_SEARCH_PAD_MIN = 100.0
"""Minutes searched for edges beyond each end of the span (an ISS orbit is ~92 min)."""
EDGE_SAMPLING_S = 10.0
"""Sampling of the edge search (the replay's; each edge is then bisected to 1 ms)."""
ALTITUDE_STEP_S = 10.0
"""Sampling of the altitude range (the altitude changes < 1 m in 10 s near its extremes)."""
STALE_ELEMENTS_DAYS = 1.0
"""Flag ``stale_elements`` when the element set's epoch is further than this from the start."""
SPAN_MISMATCH_MIN = 2.0
"""Flag ``span_differs_from_duration`` when end - start and the catalogued duration differ by
more than this (both are whole minutes in the sources)."""

_DERIVED = {"start_derived": re.compile(r"\bstart derived\b", re.I)}
_DERIVED["end_derived"] = re.compile(r"\bend derived\b", re.I)


@dataclass(frozen=True)
class SurveyJob:
    """What one spacewalk's survey needs, picklable (sent to Dask workers): the record and
    its element set's two lines, or why no element set could be had."""

    record: SpacewalkRecord
    line1: str = ""
    line2: str = ""
    origin: str = ""
    lookup_error: str = ""

    def element_set(self) -> ElementSet:
        return parse_archived(self.line1, self.line2, self.origin)


def jobs_for(catalog, records: list[SpacewalkRecord]) -> list[SurveyJob]:
    """One job per record, with the archived element set nearest its start (none without a
    start; a failed look-up is kept as the job's ``lookup_error``)."""
    jobs = []
    for rec in records:
        if rec.start_utc is None or rec.end_utc is None:
            jobs.append(SurveyJob(rec))
            continue
        try:
            es = catalog.nearest_element_set(rec.start_utc)
        except Exception as exc:  # recorded in the row, never raised
            jobs.append(SurveyJob(rec, lookup_error=_describe(exc)))
            continue
        jobs.append(SurveyJob(rec, es.line1, es.line2, es.origin))
    return jobs


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def record_flags(rec: SpacewalkRecord) -> list[str]:
    """Flags that come from the catalogue row alone."""
    flags = []
    if rec.start_utc is None or rec.end_utc is None:
        flags.append("no_times")
    flags += [name for name, pattern in _DERIVED.items() if pattern.search(rec.notes)]
    if rec.airlock_from != "source":
        flags.append("airlock_inferred")
    if rec.confidence == "L":
        flags.append("low_confidence")
    elif rec.confidence == "":
        flags.append("confidence_not_rated")
    if rec.start_utc and rec.end_utc and rec.duration_min is not None:
        span_min = (rec.end_utc - rec.start_utc).total_seconds() / 60.0
        if abs(span_min - rec.duration_min) > SPAN_MISMATCH_MIN:
            flags.append("span_differs_from_duration")
    return flags


def base_row(rec: SpacewalkRecord) -> dict:
    """The row: catalogue columns filled, measurements null (filled by :func:`survey_one`)."""
    row = dict.fromkeys(COLUMN_NAMES)
    row.update(
        {
            "number": rec.number,
            "date": rec.date,
            "segment": rec.segment,
            "mission": rec.mission,
            "airlock": rec.airlock,
            "suit": rec.suit,
            "crew": "; ".join(rec.crew),
            "time_convention": rec.time_convention,
            "confidence": rec.confidence,
            "start_utc": rec.start_utc,
            "end_utc": rec.end_utc,
            "duration_min": rec.duration_min,
            "flags": ",".join(record_flags(rec)),
        }
    )
    return row


def lighting_kind(fraction: float) -> str:
    """``day`` (whole disc visible), ``night`` (umbra) or ``penumbra``."""
    if fraction >= 1.0:
        return "day"
    return "night" if fraction <= 0.0 else "penumbra"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else float(seconds) / 60.0


def _last(values: np.ndarray, before_s: float) -> float | None:
    v = values[values <= before_s]
    return float(v.max()) if v.size else None


def _first(values: np.ndarray, after_s: float) -> float | None:
    v = values[values > after_s]
    return float(v.min()) if v.size else None


def measure(
    element_set: ElementSet, start_utc: datetime, end_utc: datetime, sky: Sky
) -> dict[str, float | int | str | None]:
    """The lighting measurements over [start_utc, end_utc] (see the module docstring)."""
    span_s = (end_utc - start_utc).total_seconds()
    pad = timedelta(minutes=EDGE_SEARCH_PAD_MIN)
    coarse = TimeGrid.span(start_utc - pad, end_utc + pad, EDGE_SAMPLING_S)
    orbit = Orbit(element_set, sky)
    sun = SunTable.build(sky, coarse)  # padded by 4 h: covers the whole search
    span = TimeGrid.span(start_utc, end_utc, ALTITUDE_STEP_S)
    edges = find_edges(orbit, sun, coarse).on(span)

    cuts = np.concatenate(
        [
            edges.penumbra_outer_s,
            edges.penumbra_inner_s,
            edges.partial_start_s,
            edges.partial_end_s,
        ]
    )
    cuts = cuts[np.isfinite(cuts) & (cuts > 0.0) & (cuts < span_s)]
    bounds = np.unique(np.concatenate([[0.0, span_s], cuts]))
    mids = span.with_seconds(0.5 * (bounds[:-1] + bounds[1:]))
    fraction = shadow_angles(orbit.r_teme_km(mids), sun.teme_km(mids)).sunlit_fraction()
    widths = np.diff(bounds)
    daylight_s = float(np.sum(widths[fraction >= 1.0]))
    darkness_s = float(np.sum(widths[fraction <= 0.0]))
    penumbra_s = span_s - daylight_s - darkness_s

    track = orbit.at(span)
    at_start = span.with_seconds(np.array([0.0]))
    sun0 = sun.teme_km(at_start)
    r0, v0 = track.r_teme_km[:, :1], track.v_teme_km_s[:, :1]
    start_fraction = float(shadow_angles(r0, sun0).sunlit_fraction()[0])
    inside = (edges.seconds >= 0.0) & (edges.seconds <= span_s)
    rises, sets = edges.sunrises_s, edges.sunsets_s
    last_set, last_rise = _last(sets, 0.0), _last(rises, 0.0)
    next_rise, next_set = _first(rises, 0.0), _first(sets, 0.0)
    altitude = track.altitude_km
    return {
        "span_min": span_s / 60.0,
        "daylight_min": daylight_s / 60.0,
        "penumbra_min": penumbra_s / 60.0,
        "darkness_min": darkness_s / 60.0,
        "darkness_fraction": darkness_s / span_s,
        "sunrises": int(np.sum(inside & (edges.kind == "sunrise"))),
        "sunsets": int(np.sum(inside & (edges.kind == "sunset"))),
        "start_lighting": lighting_kind(start_fraction),
        "start_sunlit_fraction": start_fraction,
        "since_sunset_min": None if last_set is None else -last_set / 60.0,
        "since_sunrise_min": None if last_rise is None else -last_rise / 60.0,
        "to_sunrise_min": _minutes(next_rise),
        "to_sunset_min": _minutes(next_set),
        "beta_deg": float(beta_angle_deg(r0, v0, sun0)[0]),
        "altitude_min_km": float(np.min(altitude)),
        "altitude_max_km": float(np.max(altitude)),
    }


def survey_one(job: SurveyJob, sky: Sky) -> dict:
    """The survey row of one spacewalk. Never raises: a failure is the row's ``error``."""
    rec = job.record
    row = base_row(rec)
    if rec.start_utc is None or rec.end_utc is None:
        return row
    if job.lookup_error:
        row["error"] = f"element set: {job.lookup_error}"
        return row
    try:
        es = job.element_set()
        age_days = (rec.start_utc - es.epoch_utc).total_seconds() / 86400.0
        row.update(
            element_epoch_utc=es.epoch_utc,
            element_age_days=age_days,
            element_origin=job.origin,
        )
        if abs(age_days) > STALE_ELEMENTS_DAYS:
            row["flags"] = ",".join(f for f in (row["flags"], "stale_elements") if f)
        row.update(measure(es, rec.start_utc, rec.end_utc, sky))
    except Exception as exc:  # one spacewalk's failure is recorded, never aborts the survey
        row["error"] = _describe(exc)
    return row


def survey_batch(jobs: list[SurveyJob], sky: Sky | None = None) -> list[dict]:
    """Rows of a batch of jobs in this process (loads the sky context once if not given)."""
    sky = sky or Sky.load()
    return [survey_one(job, sky) for job in jobs]
