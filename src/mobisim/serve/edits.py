"""A request's edit as an intervention, and the edits saved as a scenario file.

An edit is one ``KEY=VALUE`` of the ``mobisim toets --set`` vocabulary
(:data:`mobisim.scenario.interventions.design.DESIGN_KEYS`) on one place: a whole street
(``street``), an OSM way (``way``), the way of a clicked segment (``edge_id``) or, for
``crossing``, one node (``node``). :func:`edit_intervention` checks it with
:func:`~mobisim.scenario.interventions.design.parse_design` and makes the intervention with
:meth:`~mobisim.scenario.interventions.design.Design.interventions`, so a saved edit reads exactly
as a saved ``toets --set`` design (:func:`save_path`, :func:`scenario_text`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobisim.errors import MobisimError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from mobisim.scenario.interventions import InterventionModel

__all__ = ["PLACES", "SaveConflict", "edit_intervention", "menu", "save_path", "scenario_text"]

#: The places an edit can name, one per request.
PLACES = ("street", "way", "edge_id", "node")
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,80}")


class SaveConflict(MobisimError):
    """The file to save exists: it is never overwritten."""


def menu() -> dict[str, Any]:
    """The edit menu: each key of the vocabulary with its intervention type, values and wording."""
    from typing import get_args

    from mobisim.scenario.interventions.design import DESIGN_KEYS
    from mobisim.scenario.interventions.models import Calm, CrossingKind

    choices: dict[str, list[str]] = {
        "maxspeed": ["15", "30", "50"], "cycleway": DESIGN_KEYS["cycleway"][1].split(" | "), "fietsstraat": ["yes"],
        "calm": list(get_args(Calm.model_fields["measure"].annotation)), "through_traffic": ["no"],
        "crossing": list(get_args(CrossingKind))}
    return {key: {"type": kind, "allowed": allowed, "choices": choices[key]}
            for key, (kind, allowed) in DESIGN_KEYS.items()}


def _place(payload: dict[str, Any]) -> tuple[str, Any]:
    given = [p for p in PLACES if payload.get(p) not in (None, "")]
    if len(given) != 1:
        raise MobisimError(f"edit: name exactly one place of {', '.join(PLACES)} (given: {', '.join(given) or 'none'})")
    return given[0], payload[given[0]]


def _whole(place: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MobisimError(f"edit: {place} {value!r}: expected a whole number")
    try:
        return int(value)
    except ValueError:
        raise MobisimError(f"edit: {place} {value!r}: expected a whole number") from None


def _way_of(edges: pd.DataFrame, edge_id: int) -> int:
    if edge_id not in edges.index:
        raise NotFoundError(f"edit: edge {edge_id}: no street segment has this id")
    return int(edges.at[edge_id, "way_id"])


def edit_intervention(payload: Any, edges: pd.DataFrame, taken: set[str]) -> tuple[InterventionModel, str]:
    """The intervention of one edit request, and the edit in words (``maxspeed=30 on way 201``).

    Parameters
    ----------
    payload
        The request's JSON: ``key``, ``value`` and one place of :data:`PLACES`.
    edges
        The session's segments (an ``edge_id`` names its OSM way).
    taken
        Intervention ids in use (the scenario's and the edits'): the new id is made free of them.

    Raises
    ------
    MobisimError
        A payload that is not an object, an unknown key or value (the message names the allowed
        ones), no place or more than one, ``crossing`` without a node or a node without it.
    NotFoundError
        An ``edge_id`` that is no segment.
    """
    from mobisim.scenario.interventions.design import parse_design

    if not isinstance(payload, dict):
        raise MobisimError("edit: expected a JSON object with key, value and a place (street, way, edge_id or node)")
    key, value = str(payload.get("key") or "").strip(), str(payload.get("value") or "").strip()
    if not key or not value:
        raise MobisimError("edit: give a key and a value (e.g. key maxspeed, value 30)")
    try:
        design = parse_design([f"{key}={value}"])
    except MobisimError as exc:
        raise MobisimError(str(exc).removeprefix("--set ")) from None
    place, where = _place(payload)
    if design.needs_crossings != (place == "node"):
        raise MobisimError(f"edit {design.describe()}: a crossing is added at a node (give node), other edits on "
                           "a street, way or segment")
    if place == "node":
        node = _whole(place, where)
        return design.interventions(crossings=[node], taken=taken)[0], f"{design.describe()} at node {node}"
    if place == "street":
        name = str(where).strip()
        return design.interventions(street=name, taken=taken)[0], f"{design.describe()} on {name}"
    way = _whole(place, where) if place == "way" else _way_of(edges, _whole(place, where))
    return design.interventions(ways=[way], taken=taken)[0], f"{design.describe()} on way {way}"


def save_path(payload: Any, folder: Path) -> Path:
    """The file a save request names, inside ``folder``: ``name`` (``.toml`` added) or ``path``.

    Raises
    ------
    MobisimError
        No name, a name with characters other than letters, digits, ``._-``, or a path outside
        ``folder``.
    SaveConflict
        The file exists (it is never overwritten).
    """
    if not isinstance(payload, dict):
        raise MobisimError("save: expected a JSON object with a name (e.g. {\"name\": \"my-design\"})")
    name, path = payload.get("name"), payload.get("path")
    if (name in (None, "")) == (path in (None, "")):
        raise MobisimError("save: give a name (letters, digits, . _ -) or a path inside the save folder")
    root = folder.resolve()
    if name not in (None, ""):
        stem = str(name).strip().removesuffix(".toml")
        if not _NAME.fullmatch(stem):
            raise MobisimError(f"save: name {name!r}: use letters, digits, '.', '_' and '-' only (no folders)")
        target = root / f"{stem}.toml"
    else:
        target = (root / Path(str(path))).resolve()
        if root not in target.parents or target.suffix != ".toml":
            raise MobisimError(f"save: {path}: a .toml file inside the save folder {root} is expected")
    if target.exists():
        raise SaveConflict(f"save: {target.name} exists in {target.parent}: choose another name (files are never "
                           "overwritten)")
    return target


def scenario_text(interventions: list[InterventionModel], target: Path, *, scenario: Path,
                  data: dict[str, Any], words: list[str]) -> str:
    """The edits as a scenario file that ``extends`` the opened ``scenario``
    (:func:`mobisim.scenario.interventions.design.design_toml`; ``data`` the ``[data]`` keys
    the command line replaced, ``words`` the edits in words for the comment)."""
    from mobisim.scenario.interventions.design import design_toml

    comment = ("Edits made in `mobisim serve` on top of " + scenario.name + ":\n"
               + "\n".join(f"  {w}" for w in words) + f"\n`mobisim run {target.name}` gives the same scores.")
    return design_toml(interventions, target, name=target.stem, extends=scenario, data=data, comment=comment)
