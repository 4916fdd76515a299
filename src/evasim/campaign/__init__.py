"""Campaigns: a sequence of catalogued spacewalks toward one goal, written as data
(``data/campaigns/*.toml``): what each closed, deferred or left open, what it installed, and the
station's link states after it. :func:`load_campaign` reads and checks a file,
:func:`build_campaign` joins it to the catalogue and the station data, :mod:`.report` writes it."""

from .build import build_campaign
from .model import builtin_campaigns, load_campaign

__all__ = ["build_campaign", "builtin_campaigns", "load_campaign"]
