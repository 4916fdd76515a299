"""events.csv: what happened during a replay, one function per kind of replay.

``replay_events(replay)`` dispatches once on the replay's part: a spacewalk's timeline events,
or an attitude event's attitude milestones with the orbital sunrises and sunsets.
"""

from __future__ import annotations

from collections.abc import Callable

from ..attitude.events import attitude_events
from ..parts import AttitudeEventPart, SpacewalkPart
from ..replay import Replay
from ..timeline import Event


def replay_events(replay: Replay) -> list[Event]:
    """The replay's events in time order (what events.csv holds)."""
    return EVENTS[type(replay.part)](replay)


def spacewalk_events(replay: Replay) -> list[Event]:
    """Hatch, task, lighting and suit events from the spacewalk's timeline."""
    return replay.timeline.events


def attitude_event_events(replay: Replay) -> list[Event]:
    """Attitude milestones of the event, and the Sun's edges (and partial eclipses) inside the
    span."""
    events = attitude_events(replay.attitude, replay.grid)
    for s, kind, detail in replay.edges.events_between(
        replay.grid.seconds[0], replay.grid.seconds[-1]
    ):
        events.append(Event(replay.grid.datetime_at(s), kind, detail))
    return sorted(events, key=lambda e: e.utc)


EVENTS: dict[type, Callable[[Replay], list[Event]]] = {
    SpacewalkPart: spacewalk_events,
    AttitudeEventPart: attitude_event_events,
}
