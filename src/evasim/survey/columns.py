"""The survey table's columns: name (units in the name), Arrow type and meaning.

One row per spacewalk, in running-number order. Measurements are null where the spacewalk has
no start or end time (flag ``no_times``) or its computation failed (``error``).
"""

from __future__ import annotations

import pyarrow as pa

_UTC = pa.timestamp("ms", tz="UTC")  # what Parquet stores (it has no seconds unit)

SURVEY_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("number", pa.int32(), "NASA's running number of the ISS spacewalk"),
    ("date", pa.date32(), "date of the spacewalk (UTC, as catalogued)"),
    ("segment", pa.string(), "US (EMU from the station), RS (Orlan) or Shuttle"),
    ("mission", pa.string(), "mission or expedition"),
    ("airlock", pa.string(), "airlock, as catalogued"),
    ("suit", pa.string(), "EMU or Orlan"),
    ("crew", pa.string(), "crew, '; '-separated"),
    ("time_convention", pa.string(), "what the start means: battery, hatch or unknown"),
    ("confidence", pa.string(), "the catalogue row's confidence: H, M, L or blank (not rated)"),
    ("start_utc", _UTC, "start of the spacewalk (UTC, to the minute)"),
    ("end_utc", _UTC, "end of the spacewalk (UTC, to the minute)"),
    ("duration_min", pa.int32(), "catalogued duration, minutes"),
    ("span_min", pa.float64(), "end_utc - start_utc, minutes (what was surveyed)"),
    ("daylight_min", pa.float64(), "minutes in full Sun (sunlit fraction 1)"),
    ("penumbra_min", pa.float64(), "minutes in the penumbra (Sun's disc partly hidden)"),
    ("darkness_min", pa.float64(), "minutes in the umbra (Sun's disc wholly hidden)"),
    ("darkness_fraction", pa.float64(), "darkness_min / span_min"),
    ("sunrises", pa.int32(), "orbital sunrises (Sun's centre on the limb) inside the span"),
    ("sunsets", pa.int32(), "orbital sunsets inside the span"),
    ("start_lighting", pa.string(), "at the start: day, night (umbra) or penumbra"),
    ("start_sunlit_fraction", pa.float64(), "visible fraction of the Sun's disc at the start"),
    ("since_sunset_min", pa.float64(), "minutes from the last sunset to the start"),
    ("since_sunrise_min", pa.float64(), "minutes from the last sunrise to the start"),
    ("to_sunrise_min", pa.float64(), "minutes from the start to the next sunrise"),
    ("to_sunset_min", pa.float64(), "minutes from the start to the next sunset"),
    ("beta_deg", pa.float64(), "beta angle at the start (Sun above the orbit plane), deg"),
    ("altitude_min_km", pa.float64(), "lowest WGS84 altitude during the span, km"),
    ("altitude_max_km", pa.float64(), "highest WGS84 altitude during the span, km"),
    ("element_epoch_utc", _UTC, "epoch of the element set used (nearest the start)"),
    ("element_age_days", pa.float64(), "start_utc - element epoch, days (negative: set is later)"),
    ("element_origin", pa.string(), "archive file and line of the element set"),
    ("flags", pa.string(), "','-separated flags (see docs/survey.md)"),
    ("error", pa.string(), "why this row has no measurements, if its computation failed"),
)

SCHEMA = pa.schema([pa.field(name, kind) for name, kind, _ in SURVEY_COLUMNS])
COLUMN_NAMES = tuple(name for name, _, _ in SURVEY_COLUMNS)


def survey_table(rows: list[dict]) -> pa.Table:
    """The survey as an Arrow table (rows sorted by number; missing keys are null)."""
    ordered = sorted(rows, key=lambda r: r["number"])
    columns = {name: [r.get(name) for r in ordered] for name in COLUMN_NAMES}
    return pa.table(columns, schema=SCHEMA)
