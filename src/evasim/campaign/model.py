"""Campaign files (TOML): schema, loading, validation, one-line errors with file and line.

A campaign file names a campaign (``name``, ``title``, ``description``, ``sources``), the
modules whose links it follows (``links_of``, optional) and its spacewalks in order, each by its
number in the spacewalk catalogue, with its tasks (``id``, ``name``, ``status`` closed | partial
| deferred, ``deferred_to`` a later spacewalk of the campaign), the handrails it installed (ids
of ``data/station/handrails.csv``) and the solar arrays (wings of ``data/station/arrays.csv``).
A task ``deferred`` or ``partial`` must be taken up, under the same ``id``, by the spacewalk
its ``deferred_to`` names; without ``deferred_to`` it is reported open.
"""

from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import EvasimInputError
from ..scenario import _dotted, read_toml, validate_model
from ..textfile import read_text

MAX_SPACEWALKS = 200
MAX_TASKS = 100
Confidence = Literal["H", "M", "L", "est"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CampaignTask(_Model):
    id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=300)
    status: Literal["closed", "partial", "deferred"]
    deferred_to: int | None = Field(default=None, ge=1, le=100000)
    note: str = Field(default="", max_length=1000)


class CampaignSpacewalk(_Model):
    number: int = Field(ge=1, le=100000)
    designation: str = Field(default="", max_length=200)
    source: str = Field(min_length=1, max_length=1000)
    confidence: Confidence
    note: str = Field(default="", max_length=2000)
    handrails: list[str] = Field(default_factory=list, max_length=100)
    arrays: list[str] = Field(default_factory=list, max_length=20)
    tasks: list[CampaignTask] = Field(default_factory=list, max_length=MAX_TASKS)


class Campaign(_Model):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    sources: list[str] = Field(min_length=1, max_length=50)
    links_of: list[str] = Field(default_factory=list, max_length=20)
    spacewalks: list[CampaignSpacewalk] = Field(min_length=1, max_length=MAX_SPACEWALKS)
    origin: str = ""
    text: str = Field(default="", repr=False)

    def error(self, loc: tuple, message: str) -> EvasimInputError:
        """An input error about field ``loc``, with this file's name and the line."""
        line = locate_line(self.text, loc) if self.text else None
        return EvasimInputError(f"{_dotted(loc)}: {message}", source=self.origin, line=line)


def locate_line(text: str, loc: tuple) -> int | None:
    """The line of field ``loc`` (``("spacewalks", 2, "tasks", 0, "status")``) in campaign
    TOML ``text``: the key's line, else its table's header line; None if not found."""
    table_loc: tuple = ()
    for k in range(len(loc)):
        if loc[k] in ("spacewalks", "tasks") and k + 1 < len(loc) and isinstance(loc[k + 1], int):
            table_loc = loc[: k + 2]
    key = next((p for p in loc[len(table_loc) :] if isinstance(p, str)), None)
    current: tuple = ()
    walk, task = -1, -1
    header = None
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            in_multiline = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
            continue
        if line.startswith("[[spacewalks.tasks]]"):
            task += 1
            current = ("spacewalks", walk, "tasks", task)
        elif line.startswith("[[spacewalks]]"):
            walk, task = walk + 1, -1
            current = ("spacewalks", walk)
        elif line.startswith("["):
            current = ("?",)
        else:
            m = re.match(r"^([A-Za-z0-9_]+)\s*=\s*(.*)$", line)
            if m:
                rest = m.group(2)
                if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
                    in_multiline = True
                if current == table_loc and m.group(1) == key:
                    return number
            continue
        if current == table_loc and table_loc:
            header = number
    return header


_MODELS = {"": Campaign, "spacewalks": CampaignSpacewalk, "tasks": CampaignTask}


def _friendly(error: dict) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        names = [str(p) for p in loc[:-1] if isinstance(p, str)]
        model = _MODELS.get(names[-1] if names else "", Campaign)
        known = [f for f in model.model_fields if f not in ("origin", "text")]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field; {hint}expected one of: {', '.join(known)}"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {error.get('input')!r}"
    msg = str(error["msg"]).removeprefix("Value error, ")
    return f"{msg[0].lower()}{msg[1:]}, got {error.get('input')!r}"


def parse_campaign(text: str, source: str) -> Campaign:
    """Validate campaign TOML ``text`` (structure and the order of its spacewalks and
    deferrals); ``source`` names the file in error messages. The catalogue and station data
    are checked by :func:`evasim.campaign.build.build_campaign`."""
    raw = read_toml(text, source)
    campaign = validate_model(
        Campaign,
        raw,
        text,
        source,
        _friendly,
        reserved=("origin", "text"),
        extra={"text": text},
        locate=locate_line,
    )
    _check_order(campaign)
    return campaign


def _check_order(c: Campaign) -> None:
    numbers = [s.number for s in c.spacewalks]
    for i in range(1, len(numbers)):
        if numbers[i] <= numbers[i - 1]:
            raise c.error(
                ("spacewalks", i, "number"),
                f"expected a number after {numbers[i - 1]} (spacewalks in catalogue order)",
            )
    by_number = {s.number: s for s in c.spacewalks}
    for i, walk in enumerate(c.spacewalks):
        ids = [t.id for t in walk.tasks]
        for k, task in enumerate(walk.tasks):
            loc = ("spacewalks", i, "tasks", k)
            if ids.count(task.id) > 1:
                raise c.error((*loc, "id"), f"{task.id!r} appears twice in this spacewalk")
            if task.deferred_to is None:
                continue
            if task.status == "closed":
                raise c.error(
                    (*loc, "deferred_to"), "a closed task is not deferred; expected no deferred_to"
                )
            later = by_number.get(task.deferred_to)
            if later is None or task.deferred_to <= walk.number:
                after = [n for n in numbers if n > walk.number]
                raise c.error(
                    (*loc, "deferred_to"),
                    f"expected a later spacewalk of this campaign "
                    f"({', '.join(map(str, after)) or 'none'}), got {task.deferred_to}",
                )
            if task.id not in {t.id for t in later.tasks}:
                raise c.error(
                    (*loc, "deferred_to"),
                    f"spacewalk {task.deferred_to} has no task {task.id!r} to take it up",
                )


def builtin_campaigns() -> list[str]:
    """Names of the bundled campaigns (``data/campaigns/*.toml``)."""
    folder = resources.files("evasim") / "data" / "campaigns"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_campaign(name_or_path: str | Path) -> Campaign:
    """A bundled campaign by name (``nauka``, ``irosa``) or a campaign TOML file by path."""
    arg = str(name_or_path)
    if arg in builtin_campaigns():
        ref = resources.files("evasim") / "data" / "campaigns" / f"{arg}.toml"
        return parse_campaign(ref.read_text(encoding="utf-8"), f"evasim:campaigns/{arg}.toml")
    path = Path(arg)
    if not path.exists():
        raise EvasimInputError(
            f"no such file, nor a bundled campaign; expected one of "
            f"{', '.join(builtin_campaigns())} or a path to a campaign .toml file",
            source=arg,
        )
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a campaign .toml file", source=arg)
    return parse_campaign(read_text(path, "campaign file"), arg)
