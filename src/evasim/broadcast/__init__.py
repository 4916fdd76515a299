"""Live broadcast of a replay: a web page with both helmet cameras, the EVA clock, the ground
track, tasks and attitude, fed over WebSockets by one render loop (see docs/broadcast.md)."""

from .server import create_app, serve

__all__ = ["create_app", "serve"]
