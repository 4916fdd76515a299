"""evasim's public API. Everything else is private and may change.

>>> from evasim import api
>>> replay = api.replay("vkd-49")                       # doctest: +SKIP
>>> api.replay("eva-100").summary()["notes"]            # doctest: +SKIP
>>> replay.summary()["sunsets_during_eva_utc"]          # doctest: +SKIP
>>> replay.telemetry().to_pandas()                      # doctest: +SKIP
>>> api.write_products(replay, "out/vkd-49")            # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from . import replay as _replay
from .errors import EvasimInputError
from .outputs import telemetry_table as _telemetry_table
from .outputs import write_products as _write_products
from .replay import run_replay
from .report import render_report
from .report.events import replay_events as _replay_events
from .report.summary import summary as _summary
from .scenario import Scenario, builtin_scenarios, load_scenario, parse_scenario
from .sky import Sky
from .sky.lighting import LightingEdges, find_edges
from .sky.orbit import Orbit, StationTrack
from .sky.sun import SunTable
from .sky.timegrid import TimeGrid
from .sky.tle import ElementSet, bundled_set, load_omm_json, load_tle_file, nearest, parse_tle_text


class Replay(_replay.Replay):
    """A replay's states (``grid``, ``track``, ``sunlit_fraction``, ``timeline``, ``attitude``,
    ...) with its products as methods. ``Replay.of(states)`` wraps what ``run_replay`` gives."""

    @classmethod
    def of(cls, replay: _replay.Replay) -> Replay:
        return replay if isinstance(replay, cls) else cls(replay.core, replay.part)

    def summary(self) -> dict:
        """Key figures, JSON-ready: what summary.json holds."""
        return _summary(self)

    def events(self) -> list:
        """Events in time order (``utc``, ``kind``, ``detail``): what events.csv holds."""
        return _replay_events(self)

    def telemetry(self) -> pa.Table:
        """The telemetry on the replay's grid as a pyarrow Table: what telemetry.parquet holds
        (``.to_pandas()`` gives a DataFrame where pandas is installed)."""
        return _telemetry_table(self)

    def _repr_html_(self) -> str:
        """Jupyter: key figures and a small altitude / night plot."""
        from .exchange.notebook import replay_html

        return replay_html(self)

    def openmct_plan(self) -> dict:
        """The timeline as an Open MCT Plan: lanes (EVA, each spacewalker's tasks, orbital
        night) of ``{name, start, end, type, color, textColor}``, times in ms since 1970 UTC.
        See :mod:`evasim.exchange.openmct`."""
        from .exchange.openmct import plan

        return plan(self)

    def czml(self, sampling_s: float = 10.0, embed_model: bool = True) -> str:
        """The replay as a CZML document (JSON text) for CesiumJS: the station (inertial
        position, body -> Earth-fixed orientation, its glTF model), crew, orbit path, day and
        night, hatch and task intervals, sampled every ``sampling_s`` seconds (a multiple of
        the replay's step). ``embed_model``: the station's glTF inside the CZML as a data URI
        (else it is referred to as ``./station.glb``, which :func:`write_products` with
        ``czml=True`` writes beside it). See :mod:`evasim.exchange.czml`."""
        from .exchange import czml

        uri = czml.MODEL_URI
        if embed_model:
            import base64

            data = base64.b64encode(czml.station_glb(self)).decode("ascii")
            uri = f"data:model/gltf-binary;base64,{data}"
        return czml.czml_text(self, sampling_s, uri)


def station_at(utc: datetime | date | str):
    """The station's configuration on a date 1998-11-20 .. 2025-12-31 (modules, ports, vehicles).

    ``utc`` is a datetime (naive = UTC), a date, or ISO text like ``"2021-11-27"`` or
    ``"2021-07-29T14:00Z"``; anything else is an :class:`EvasimInputError`.
    """
    from .station import Station

    return Station().at(_utc(utc, "utc"))


def _utc(value: datetime | date | str, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise EvasimInputError(
                f"{name}: expected a UTC date or date-time like 2021-11-27, got {value!r}"
            ) from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise EvasimInputError(
            f"{name}: expected a datetime, a date or text like 2021-11-27, "
            f"got {type(value).__name__}"
        )
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def helmet_camera(
    replay: Replay,
    width: int = 1280,
    height: int = 720,
    fov_deg: float = 120.0,
    fisheye: bool = False,
    look: str = "limb",
):
    """A helmet camera for a spacewalk replay: ``.frame(role, utc).image`` is an RGB array."""
    from .render.camera import Lens
    from .render.frame import HelmetCamera

    return HelmetCamera(replay, width, height, Lens(fov_deg, fisheye), look)


def replay(
    scenario: str | Path | Scenario, sky: Sky | None = None, allow_stale_elements: bool = False
) -> Replay:
    """Run a replay from a built-in name, ``"eva-N"`` (any ISS spacewalk of the catalogue, N =
    1..277; eva-242 and eva-243 are the detailed vkd-49 and vkd-50), a TOML path or a
    :class:`Scenario`.

    Element sets more than 14 days from the span are refused (an :class:`EvasimInputError`
    naming the nearest epoch) unless ``allow_stale_elements``; then the replay warns.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if allow_stale_elements:
        sc = sc.allowing_stale_elements()
    return Replay.of(run_replay(sc, sky))


def write_products(
    replay: _replay.Replay, out_dir: str | Path, report: bool = True, czml: bool = False
) -> dict[str, Path]:
    """Write telemetry.parquet, events.csv, summary.json (and report.html; with ``czml``,
    replay.czml, station.glb and the globe page: ``evasim globe FOLDER`` serves it) as one
    product set."""
    extras = []
    if czml:
        from .exchange.globe import write_globe

        extras.append(lambda folder: write_globe(Replay.of(replay), folder))
    return _write_products(
        Replay.of(replay), Path(out_dir), render_report if report else None, extras=extras
    )


def lighting_edges(
    element_set: ElementSet,
    start_utc: datetime,
    end_utc: datetime,
    sampling_s: float = 30.0,
    sky: Sky | None = None,
) -> LightingEdges:
    """Orbital sunrises and sunsets (Sun centre on the WGS84 limb, 1 ms) over any span, with
    their penumbra boundaries (inner NaN in a grazing night) and the partial eclipses."""
    sky = sky or Sky.load()
    grid = TimeGrid.span(start_utc, end_utc, sampling_s)
    return find_edges(Orbit(element_set, sky), SunTable.build(sky, grid), grid)


__all__ = [
    "ElementSet",
    "EvasimInputError",
    "LightingEdges",
    "Orbit",
    "Replay",
    "Scenario",
    "Sky",
    "StationTrack",
    "TimeGrid",
    "builtin_scenarios",
    "bundled_set",
    "helmet_camera",
    "lighting_edges",
    "load_omm_json",
    "load_scenario",
    "load_tle_file",
    "nearest",
    "parse_scenario",
    "parse_tle_text",
    "replay",
    "station_at",
    "write_products",
]
