"""The station as data: configuration history, ports, links, mass properties, 3-D layout."""

from .config import Configuration, Port, StationError
from .history import Station

__all__ = ["Configuration", "Port", "Station", "StationError"]
