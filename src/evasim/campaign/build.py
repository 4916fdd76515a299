"""A campaign joined to the spacewalk catalogue and the station data, as one JSON-able dict.

Per spacewalk: the catalogue's date, hatch times, duration and crew; the tasks with what
became of them (closed here, taken up from an earlier spacewalk, deferred to a later one or
left open); the handrails (``handrails.csv``) and arrays (``arrays.csv``) it installed, each
checked to be dated inside that spacewalk; the link changes it made and the states after it of
the links the campaign follows, from the station's link model (``links_at``: ``links.csv`` and
``link_events.csv``); cumulative hours (the catalogue's durations summed).
"""

from __future__ import annotations

from datetime import timedelta

from ..errors import EvasimInputError
from .model import Campaign

LINK_MARGIN = timedelta(minutes=1)


def _iso(t) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def build_campaign(campaign: Campaign, catalog=None) -> dict:
    """The campaign with the catalogue and station facts filled in (see the module docstring).
    Input errors (file and line) for numbers not in the catalogue, handrail ids or array wings
    not in the station data or dated outside their spacewalk."""
    from ..catalog import Catalog
    from ..station.catalog import arrays, canonical
    from ..station.handrails import handrail_specs
    from ..station.history import Station, links_at

    catalog = catalog or Catalog.open()
    rails = {s.id: s for s in handrail_specs()}
    wings = {a.wing: a for a in arrays()}
    station = Station()
    followed = {canonical(m) for m in campaign.links_of}
    taken_up: dict[tuple[int, str], int] = {}  # (later number, task id) -> earlier number
    for w in campaign.spacewalks:
        for t in w.tasks:
            if t.deferred_to is not None:
                taken_up[(t.deferred_to, t.id)] = w.number

    def link_states(utc) -> dict[tuple[str, str, str], str]:
        network = links_at(station, utc)
        return {
            link.key: link.state
            for link in network.catalogue_links()
            if not followed or {link.source, link.target} & followed
        }

    out_walks = []
    cumulative_min = 0
    open_tasks = []
    for i, walk in enumerate(campaign.spacewalks):
        try:
            record = catalog.spacewalk(walk.number)
        except EvasimInputError as exc:
            raise campaign.error(("spacewalks", i, "number"), exc.detail) from None
        if record.start_utc is None or record.end_utc is None or record.duration_min is None:
            raise campaign.error(
                ("spacewalks", i, "number"),
                f"catalogue spacewalk {walk.number} has no hatch times or duration; expected a "
                "fully timed spacewalk",
            )
        cumulative_min += record.duration_min
        installed_rails = []
        for k, rid in enumerate(walk.handrails):
            spec = rails.get(rid)
            loc = ("spacewalks", i, "handrails", k)
            if spec is None:
                raise campaign.error(loc, f"{rid!r} is not a handrail id of handrails.csv")
            if spec.installed_utc is None or not (
                record.start_utc <= spec.installed_utc <= record.end_utc
            ):
                raise campaign.error(
                    loc,
                    f"handrail {rid!r} is dated {_iso(spec.installed_utc) or 'since its module'}"
                    f"; expected inside spacewalk {walk.number} "
                    f"({_iso(record.start_utc)} .. {_iso(record.end_utc)})",
                )
            installed_rails.append(
                {
                    "id": rid,
                    "module": spec.module,
                    "kind": spec.kind,
                    "installed_utc": _iso(spec.installed_utc),
                    "installed_by": spec.installed_by,
                    "confidence": spec.confidence,
                }
            )
        installed_arrays = []
        for k, name in enumerate(walk.arrays):
            wing = wings.get(name)
            loc = ("spacewalks", i, "arrays", k)
            if wing is None:
                raise campaign.error(
                    loc, f"{name!r} is not a wing of arrays.csv; expected one of {', '.join(wings)}"
                )
            if wing.installed_utc.date() != record.start_utc.date():
                raise campaign.error(
                    loc,
                    f"{name!r} is dated {wing.installed_utc:%Y-%m-%d} in arrays.csv; expected "
                    f"the date of spacewalk {walk.number} ({record.start_utc:%Y-%m-%d})",
                )
            installed_arrays.append(
                {
                    "wing": name,
                    "segment": wing.segment,
                    "channel": wing.channel,
                    "installed_utc": _iso(wing.installed_utc),
                    "confidence": wing.conf,
                }
            )
        before = link_states(record.start_utc - LINK_MARGIN)
        after = link_states(record.end_utc + LINK_MARGIN)
        changes = [
            {"kind": k[0], "from": k[1], "to": k[2], "before": before.get(k, "absent"), "after": s}
            for k, s in after.items()
            if before.get(k, "absent") != s
        ]
        tasks = []
        for t in walk.tasks:
            entry = {
                "id": t.id,
                "name": t.name,
                "status": t.status,
                "deferred_to": t.deferred_to,
                "continues": taken_up.get((walk.number, t.id)),
                "note": t.note,
            }
            if t.status != "closed" and t.deferred_to is None:
                entry["open"] = True
                open_tasks.append({"spacewalk": walk.number, "id": t.id, "name": t.name})
            tasks.append(entry)
        out_walks.append(
            {
                "number": walk.number,
                "designation": walk.designation or "not known",
                "date": record.start_utc.date().isoformat(),
                "start_utc": _iso(record.start_utc),
                "end_utc": _iso(record.end_utc),
                "duration_min": record.duration_min,
                "cumulative_hours": round(cumulative_min / 60.0, 4),
                "crew": list(record.crew),
                "airlock": record.airlock,
                "catalogue_purpose": record.purpose,
                "tasks": tasks,
                "handrails_installed": installed_rails,
                "arrays_installed": installed_arrays,
                "link_changes": changes,
                "links_after": [
                    {"kind": k[0], "from": k[1], "to": k[2], "state": s}
                    for k, s in sorted(after.items())
                ],
                "source": walk.source,
                "confidence": walk.confidence,
                "note": walk.note,
            }
        )
    closed = sum(1 for w in out_walks for t in w["tasks"] if t["status"] == "closed")
    return {
        "campaign": campaign.name,
        "title": campaign.title,
        "description": campaign.description.strip(),
        "sources": list(campaign.sources),
        "links_of": sorted(followed),
        "first_date": out_walks[0]["date"],
        "last_date": out_walks[-1]["date"],
        "spacewalk_count": len(out_walks),
        "total_minutes": cumulative_min,
        "total_hours": round(cumulative_min / 60.0, 4),
        "tasks_closed": closed,
        "open_tasks": open_tasks,
        "spacewalks": out_walks,
        "notes": [
            "Times, durations and crews: the spacewalk catalogue; hours are hatch open to close "
            "(Roscosmos) or as the catalogue's time_convention says.",
            "Link states: the station's link model (links.csv, link_events.csv): only the links "
            "it holds; link work it does not hold is named in the spacewalk's note.",
        ],
    }
