"""The lighting survey of every ISS spacewalk: one row per spacewalk (daylight, darkness and
penumbra minutes, sunrises and sunsets, lighting at the start, beta angle, altitude range,
element-set age, flags), computed with evasim's own orbit and lighting models.

Modules: ``columns`` (the table's columns and units), ``compute`` (one spacewalk, and a batch,
in this process), ``parallel`` (all of them on a Dask LocalCluster).
"""

from __future__ import annotations

from .columns import SURVEY_COLUMNS, survey_table
from .compute import SurveyJob, jobs_for, survey_batch, survey_one

__all__ = ["SURVEY_COLUMNS", "SurveyJob", "jobs_for", "survey_batch", "survey_one", "survey_table"]
