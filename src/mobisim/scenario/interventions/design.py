"""A street design from ``KEY=VALUE`` pairs (``mobisim toets --set``), and the scenario file it makes.

The vocabulary maps one key onto one intervention type of
:mod:`~mobisim.scenario.interventions.models`, so a design is judged by the same application path
as a scenario's ``[[interventions]]`` (:func:`~mobisim.scenario.interventions.apply_interventions`):

======================  ===========================  ==============================================
``--set``               intervention ``type``        fields
======================  ===========================  ==============================================
``maxspeed=N``          ``set_speed``                ``maxspeed = N`` (5–130 km/h)
``cycleway=track``      ``add_cycle_track``          ``side = "both"``; ``track-left`` /
                                                     ``track-right``: one side; ``twoway-left`` /
                                                     ``twoway-right``: a two-way track on one side
``fietsstraat=yes``     ``fietsstraat``              (30 km/h, cars as guests)
``calm=MEASURE``        ``calm``                     ``measure``: ``redesign``, ``hump``,
                                                     ``table``, ``chicane``, ``choker``, ``cushion``
``through_traffic=no``  ``close_through_traffic``    (500 vehicles/day of destination traffic left)
``crossing=KIND``       ``crossing``, one per        ``kind``: ``signals``, ``zebra``, ``island``,
                        crossing of the street       combined with ``+`` (``island+zebra``)
======================  ===========================  ==============================================

:func:`parse_design` checks the pairs before any data is read (an unknown key or value is a
:class:`~mobisim.errors.MobisimError` naming the allowed ones, with a did-you-mean);
:meth:`Design.interventions` makes the models for a street or way and its crossings;
:func:`design_toml` writes them as a scenario file that ``extends`` the scenario judged.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from mobisim.errors import MobisimError
from mobisim.scenario.interventions.models import Calm, CrossingKind, InterventionModel

__all__ = ["DESIGN_KEYS", "Design", "design_toml", "parse_design"]

_CALM: tuple[str, ...] = get_args(Calm.model_fields["measure"].annotation)
_KINDS: tuple[str, ...] = get_args(CrossingKind)
_CYCLEWAY: dict[str, dict[str, Any]] = {
    "track": {"side": "both"}, "track-left": {"side": "left"}, "track-right": {"side": "right"},
    "twoway-left": {"side": "left", "twoway": True}, "twoway-right": {"side": "right", "twoway": True},
}

#: ``--set`` key → (intervention type, the values allowed, in words).
DESIGN_KEYS: dict[str, tuple[str, str]] = {
    "maxspeed": ("set_speed", "a limit in km/h, a whole number 5–130"),
    "cycleway": ("add_cycle_track", " | ".join(_CYCLEWAY)),
    "fietsstraat": ("fietsstraat", "yes"),
    "calm": ("calm", " | ".join(_CALM)),
    "through_traffic": ("close_through_traffic", "no"),
    "crossing": ("crossing", " | ".join(_KINDS) + " (combine with +)"),
}


def _allowed() -> str:
    """The keys and their values, for error messages."""
    return "; ".join(f"{k}={v}" for k, (_, v) in DESIGN_KEYS.items())


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _bad_value(key: str, value: str) -> MobisimError:
    return MobisimError(f"--set {key}={value}: expected {DESIGN_KEYS[key][1]}")


def _word(key: str, value: str, choices: Sequence[str], given: str | None = None) -> str:
    """``value`` (lower case) when it is one of ``choices``; ``given`` is the whole value typed."""
    word = value.strip().lower()
    if word not in choices:
        raise MobisimError(f"--set {key}={given or value}: expected {DESIGN_KEYS[key][1]}"
                           f"{_did_you_mean(word, choices)}")
    return word


def _fields(key: str, value: str) -> dict[str, Any]:
    """The intervention fields of one checked ``KEY=VALUE``."""
    if key == "maxspeed":
        try:
            speed = int(value.strip())
        except ValueError:
            raise _bad_value(key, value) from None
        if not 5 <= speed <= 130:
            raise _bad_value(key, value)
        return {"maxspeed": speed}
    if key == "cycleway":
        return dict(_CYCLEWAY[_word(key, value, list(_CYCLEWAY))])
    if key == "calm":
        return {"measure": _word(key, value, _CALM)}
    if key == "crossing":
        kinds = [_word(key, k, _KINDS, value) for k in value.split("+")]
        return {"kind": list(dict.fromkeys(kinds))}
    _word(key, value, {"fietsstraat": ["yes"], "through_traffic": ["no"]}[key])
    return {}


@dataclass(frozen=True)
class Design:
    """A checked street design: the ``--set`` pairs and the intervention fields per key."""

    pairs: dict[str, str]
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def needs_crossings(self) -> bool:
        """Whether the design equips the street's crossings (``crossing=…``)."""
        return "crossing" in self.fields

    def describe(self) -> str:
        """``maxspeed=30, cycleway=track``."""
        return ", ".join(f"{k}={v}" for k, v in self.pairs.items())

    def as_options(self) -> str:
        """``--set maxspeed=30 --set cycleway=track``."""
        return " ".join(f"--set {k}={v}" for k, v in self.pairs.items())

    def interventions(self, *, street: str | None = None, ways: Sequence[int] = (),
                      crossings: Sequence[int] = (), taken: Collection[str] = ()) -> list[InterventionModel]:
        """The intervention models: street ones on ``street`` (else ``ways``), a ``crossing`` per node.

        Ids are ``design-<key>`` (``design-crossing-<node>``), so every changed column's
        ``*_source`` reads ``intervention:design-…``; an id in ``taken`` (the scenario's own)
        gets a number (``design-maxspeed-2``).

        Raises
        ------
        MobisimError
            ``crossing=…`` on a selection without crossings.
        """
        from mobisim.scenario.interventions.models import MODELS

        where: dict[str, Any] = {"street": street} if street is not None else {"way": list(ways)}
        out: list[InterventionModel] = []
        for key, values in self.fields.items():
            kind = DESIGN_KEYS[key][0]
            if kind != "crossing":
                out.append(MODELS[kind].model_validate(
                    {"type": kind, "id": _free(f"design-{key}", taken), **where, **values}))
                continue
            if not crossings:
                raise MobisimError(f"--set crossing={self.pairs[key]}: the street selected has no crossing "
                                   "to equip (the toets lists none on it)")
            out.extend(MODELS[kind].model_validate(
                {"type": kind, "id": _free(f"design-crossing-{n}", taken), "node": int(n), **values})
                for n in crossings)
        return out


def _free(ident: str, taken: Collection[str]) -> str:
    """``ident``, numbered (``-2``, ``-3`` …) when a scenario's intervention already has it."""
    n, free = 1, ident
    while free in taken:
        n += 1
        free = f"{ident}-{n}"
    return free


def parse_design(pairs: Sequence[str]) -> Design:
    """Check ``KEY=VALUE`` pairs against :data:`DESIGN_KEYS` (before any data is read).

    Raises
    ------
    MobisimError
        A pair without ``=``, an unknown or repeated key, or a value the key does not take; the
        message names the allowed keys and values (and the closest one).
    """
    given: dict[str, str] = {}
    fields: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not eq or not key or not value.strip():
            raise MobisimError(f"--set {pair!r}: expected KEY=VALUE; keys: {_allowed()}")
        if key not in DESIGN_KEYS:
            raise MobisimError(f"--set {pair}: unknown key {key!r}{_did_you_mean(key, list(DESIGN_KEYS))}; "
                               f"keys: {_allowed()}")
        if key in given:
            raise MobisimError(f"--set {key}: given twice ({given[key]} and {value.strip()}); give each key once")
        given[key] = value.strip()
        fields[key] = _fields(key, value)
    return Design(pairs=given, fields=fields)


def _toml(value: Any) -> str:
    """A TOML value: text (JSON escapes are TOML basic-string escapes), number, bool or list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` when both lie on one drive, else absolute (POSIX slashes)."""
    try:
        return Path(os.path.relpath(Path(path).absolute(), folder.absolute())).as_posix()
    except ValueError:
        return Path(path).absolute().as_posix()


def design_toml(interventions: Sequence[InterventionModel], target: Path, *, name: str,
                extends: Path | None = None, data: Mapping[str, Any] | None = None,
                comment: str = "") -> str:
    """The design as a scenario file (TOML text) to be written at ``target``.

    Parameters
    ----------
    interventions
        The design's models (:meth:`Design.interventions`), written as ``[[interventions]]``
        (their defaults left out).
    target
        Where the file will be written: ``extends`` and the ``[data]`` paths are made relative to
        its folder.
    name
        The scenario ``name``.
    extends
        The scenario judged (its settings, data and interventions stay; the design's come after).
    data
        ``[data]`` keys replacing the scenario's (the ``--osm`` files, ``--speed-limits``); paths
        are given as :class:`~pathlib.Path`.
    comment
        First lines of the file (``#`` added).
    """
    folder = Path(target).absolute().parent
    lines = [f"# {line}" for line in comment.splitlines()]
    if extends is not None:
        lines.append(f"extends = {_toml(_relative(extends, folder))}")
    lines.append(f"name = {_toml(name)}")
    if data:
        lines += ["", "[data]"]
        for key, value in data.items():
            if isinstance(value, Path):
                value = _relative(value, folder)
            elif isinstance(value, list):
                value = [_relative(v, folder) if isinstance(v, Path) else v for v in value]
            lines.append(f"{key} = {_toml(value)}")
    for iv in interventions:
        lines += ["", "[[interventions]]"]
        dumped = iv.model_dump(exclude_defaults=True, exclude_none=True)
        dumped = {"id": dumped.pop("id"), "type": iv.type, **dumped}
        lines.extend(f"{k} = {_toml(v)}" for k, v in dumped.items())
    return "\n".join(lines) + "\n"
