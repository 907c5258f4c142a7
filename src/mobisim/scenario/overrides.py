"""Settings of a scenario changed by dotted key: what a sweep varies.

``mobisim sweep --vary rules.noise_threshold_lden_db=55:70:1`` runs the scenario once per value.
:func:`setting_keys` lists every key such a sweep may vary — the scenario's own settings, one
dotted key per value (``rules.noise_threshold_lden_db``, ``driven_speed.sign_only_residual_kmh.central``,
``parking.tariff.classes.large_combustion.factor``, ``rules.daily_traffic_by_class.primary``;
a list is one key whose value is the whole list) — and :func:`with_overrides` returns the
scenario with some of them changed, validated exactly as a scenario file::

    >>> sc2 = with_overrides(sc, {"rules.noise_threshold_lden_db": 58})

An override is what the same key written into the scenario file would do: a key of
:data:`~mobisim.scenario.files.ALTERNATIVE_KEYS` replaces its alternative (a noise limit in dB
replaces a named ``noise_limit``), and ``base_year``/``horizon`` carry over to ``[parking]`` when
it followed them. Not variable: the inputs (``data``, ``area``, file paths and the keys that
choose which files are read, :data:`INPUT_KEYS`), the interventions and the name.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mobisim.errors import ScenarioError
from mobisim.scenario.files import ALTERNATIVE_KEYS, PATH_KEYS
from mobisim.scenario.messages import first_error, show_value
from mobisim.scenario.model import SECTIONS, Scenario
from mobisim.settings_base import bounds_at, range_text, unwrap_annotation

__all__ = ["ALTERNATIVES", "INPUT_KEYS", "TOP_KEYS", "setting_keys", "with_overrides"]

#: Top-level keys a sweep may vary besides the settings sections.
TOP_KEYS = ("base_year", "horizon", "programme")

#: Keys that say one thing two ways: setting one drops the other (as in a file that ``extends``).
ALTERNATIVES: dict[tuple[str, ...], tuple[str, ...]] = {
    **{tuple(map(str, k)): v for k, v in ALTERNATIVE_KEYS.items()},
    ("parking", "permits_city"): ("parking", "tariff", "permits_citywide"),
    ("parking", "tariff", "permits_citywide"): ("parking", "permits_city"),
}

#: Keys that choose which input files are read (read once, before any variant): not variable.
INPUT_KEYS = frozenset({
    *(".".join(k) for k in PATH_KEYS),
    "rules.air_mode", "rules.air_layer_column", "parking.shared_layers",
})


# --------------------------------------------------------------------------------------------
# the keys


def _kind(annotation: Any) -> tuple[Any, Any]:
    """The annotation without ``Annotated``/``Optional`` and its origin."""
    tp = unwrap_annotation(annotation, [])[0]
    return tp, typing.get_origin(tp)


def _type_text(annotation: Any, loc: tuple[str, ...]) -> str:
    """``number ≥ 30 and ≤ 90``, ``whole number``, ``true/false``, ``one of …``, ``list``, ``text``."""
    tp, origin = _kind(annotation)
    if tp is bool:
        return "true/false"
    if tp in (int, float):
        bounds = bounds_at(Scenario, loc)
        span = range_text(bounds) if bounds is not None else ""
        return f"{'whole number' if tp is int else 'number'} {span}".rstrip()
    if origin is typing.Literal:
        options = ", ".join(repr(a) for a in typing.get_args(tp))
        none = " or none" if type(None) in typing.get_args(annotation) else ""
        return f"one of {options}{none}"
    if origin in (list, tuple, set, frozenset):
        return "list"
    if tp is str:
        return "text"
    return getattr(tp, "__name__", str(tp))


def _leaves(model: BaseModel, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """Every variable leaf below ``model``: (key path, annotation, current value)."""
    for name, field in type(model).model_fields.items():
        path, value = (*prefix, name), getattr(model, name)
        if ".".join(path) in INPUT_KEYS or _is_path(field.annotation):
            continue
        tp, origin = _kind(field.annotation)
        if isinstance(value, BaseModel):
            yield from _leaves(value, path)
        elif origin is dict and isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _leaves(item, (*path, str(key)))
                else:
                    yield (*path, str(key)), typing.get_args(tp)[1], item
        else:
            yield path, field.annotation, value


def _is_path(annotation: Any) -> bool:
    """Whether a field holds file paths (a path, or a list of them)."""
    tp, origin = _kind(annotation)
    if origin in (list, tuple):
        tp = _kind(typing.get_args(tp)[0])[0]
    return isinstance(tp, type) and issubclass(tp, Path)


def setting_keys(sc: Scenario) -> dict[str, str]:
    """Every dotted key a sweep may vary, with what it takes and its value in ``sc``.

    Parameters
    ----------
    sc
        A validated scenario.

    Returns
    -------
    dict
        ``{"rules.noise_threshold_lden_db": "number ≥ 30 and ≤ 90 (now 63)", …}`` in the order of
        the scenario's sections; a table of named entries gives one key per entry it holds
        (``rules.daily_traffic_by_class.primary``), a list one key for the whole list.
    """
    out: dict[str, str] = {}
    for name in TOP_KEYS:
        out[name] = f"{_type_text(Scenario.model_fields[name].annotation, (name,))} (now {show_value(getattr(sc, name))})"
    for section in SECTIONS:
        for path, annotation, value in _leaves(getattr(sc, section), (section,)):
            out[".".join(path)] = f"{_type_text(annotation, path)} (now {show_value(value)})"
    return out


# --------------------------------------------------------------------------------------------
# the overrides


def _plain(value: Any) -> Any:
    """A numpy scalar or array as the Python value a scenario file would hold."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _unknown(key: str, known: Mapping[str, str], where: str) -> ScenarioError:
    """``override: rules.noise_treshold: unknown key (did you mean …?)`` or why a key cannot vary."""
    top = key.split(".")[0]
    if key in INPUT_KEYS or top in ("data", "area", "interventions", "name", "description"):
        return ScenarioError(f"{where}: {key}: cannot be varied (it chooses the inputs read once before the "
                             f"variants; make a scenario file per value instead)")
    close = difflib.get_close_matches(key, list(known), n=2, cutoff=0.6)
    if close:
        return ScenarioError(f"{where}: {key}: unknown key (did you mean {' or '.join(close)}?)")
    return ScenarioError(f"{where}: {key}: unknown key (see scenarios/README.md, or mobisim.scenario.overrides."
                         f"setting_keys for every key a sweep may vary)")


def _fill(raw: dict[Any, Any], current: Any, part: str) -> tuple[dict[Any, Any], Any]:
    """The raw table below ``part`` (filled with the current settings when the file left it out)
    and the current value there; the original key of a table entry (``2027`` for ``"2027"``)."""
    key: Any = part
    below: Any
    if isinstance(current, dict):
        key = next((k for k in current if str(k) == part), part)
        below = current[key]
    else:
        below = getattr(current, part)
    if not isinstance(raw.get(key), dict):
        raw[key] = below.model_dump() if isinstance(below, BaseModel) else dict(below)
    return raw[key], below


def _set(raw: dict[str, Any], sc: Scenario, path: list[str], value: Any) -> None:
    """Set ``path`` in the raw scenario ``raw`` (tables taken from ``sc`` where ``raw`` lacks them)."""
    table, current = raw, sc
    for part in path[:-1]:
        table, current = _fill(table, current, part)
    last: Any = path[-1]
    if isinstance(current, dict):
        last = next((k for k in current if str(k) == last), last)
    table[last] = value


def _drop(raw: dict[str, Any], path: tuple[str, ...]) -> None:
    """Remove ``path`` from the raw scenario when it is there."""
    table: Any = raw
    for part in path[:-1]:
        table = table.get(part) if isinstance(table, dict) else None
    if isinstance(table, dict):
        table.pop(path[-1], None)


def _raw(sc: Scenario, sections: set[str]) -> dict[str, Any]:
    """The scenario as a mapping to validate again: the changed sections as the file set them
    (``exclude_unset``, so "set in the file" stays what it was), the others as they are."""
    raw: dict[str, Any] = {name: getattr(sc, name) for name in Scenario.model_fields}
    for name in sections:
        raw[name] = getattr(sc, name).model_dump(exclude_unset=True)
    return raw


def _follow_years(raw: dict[str, Any], sc: Scenario, keys: set[str]) -> None:
    """``base_year``/``horizon`` changed: ``[parking]`` follows when it had the scenario's value."""
    for year in ("base_year", "horizon"):
        if year in keys and f"parking.{year}" not in keys and getattr(sc.parking, year) == getattr(sc, year):
            raw["parking"][year] = raw[year]


def with_overrides(sc: Scenario, overrides: Mapping[str, Any], *, where: str = "override") -> Scenario:
    """``sc`` with the settings of ``overrides`` changed, validated like a scenario file.

    Parameters
    ----------
    sc
        A validated scenario; it is not changed.
    overrides
        Dotted key (:func:`setting_keys`) → new value (a number, text, true/false or a list;
        numpy scalars and arrays are taken as their Python values).
    where
        What the error messages start with (``--vary`` for the command line).

    Returns
    -------
    Scenario
        A new scenario with the same file (:attr:`~Scenario.path`, :attr:`~Scenario.chain`).

    Raises
    ------
    ScenarioError
        One line naming the key: an unknown key (with a did-you-mean), a key that chooses the inputs,
        or the value's problem as a scenario file would report it
        (``override: rules.noise_threshold_lden_db: expected a number ≥ 30 and ≤ 90, got 100``).
    """
    if not overrides:
        return sc.model_copy()
    known = setting_keys(sc)
    for key in overrides:
        if key not in known:
            raise _unknown(key, known, where)
    tops = {key.split(".")[0] for key in overrides}
    raw = _raw(sc, (tops & set(SECTIONS)) | ({"parking"} if tops & {"base_year", "horizon"} else set()))
    for key in overrides:  # an alternative spelling of a changed key goes (unless it is changed too)
        other = ALTERNATIVES.get(tuple(key.split(".")))
        if other is not None and ".".join(other) not in overrides:
            _drop(raw, other)
    for key, value in overrides.items():
        path = key.split(".")
        if len(path) == 1:
            raw[key] = _plain(value)
        else:
            _set(raw[path[0]], getattr(sc, path[0]), path[1:], _plain(value))
    _follow_years(raw, sc, set(overrides))
    if type(raw["base_year"]) is int and type(raw["horizon"]) is int and raw["horizon"] <= raw["base_year"]:
        key = "horizon" if "horizon" in overrides else "base_year"
        raise ScenarioError(f"{where}: {key}: expected horizon after base_year, got base_year {raw['base_year']} "
                            f"and horizon {raw['horizon']}")
    try:
        out = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, {}, Path(where)) from None
    out._path, out._chain = sc.path, sc.chain
    return out
