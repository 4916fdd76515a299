"""The orbit-and-light model: element sets, SGP4, frames, the Sun, umbra/penumbra.

Modules: ``context`` (offline timescale and DE421), ``timegrid`` (UTC time arrays), ``tle``
(element sets), ``orbit`` (SGP4, TEME/GCRS/ITRS, WGS84), ``sun`` (the Sun's position table),
``lighting`` (sunlit fraction, edges, beta angle).
"""

from .context import Sky, to_utc_datetime

__all__ = ["Sky", "to_utc_datetime"]
