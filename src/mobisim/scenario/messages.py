"""One-line error messages for a scenario file: the file, the dotted key, what was expected.

::

    scenarios/x.toml: rules.sensitive_distance_m: expected a number ≥ 0 and ≤ 5000, got "far"
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mobisim.errors import ScenarioError
from mobisim.scenario.interventions.models import MODELS
from mobisim.scenario.model import Scenario
from mobisim.settings_base import bounds_at, range_text

__all__ = ["Origins", "display_path", "first_error", "origin_of", "show_value"]

#: Which file set each key (dotted path as a tuple; list items by position) of a merged scenario.
Origins = dict[tuple[str | int, ...], Path]


def display_path(path: Path) -> str:
    """A path as the user typed it, relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def show_value(value: object) -> str:
    """A value from a scenario file as the message shows it (TOML spelling, at most 60 characters)."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _loc_text(loc: tuple[str | int, ...]) -> str:
    """Dotted key path; list items as ``[n]`` counted from 1 (the n-th ``[[table]]``)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif i >= 2 and loc[0] == "interventions" and i == 2 and isinstance(loc[1], int):
            continue  # the union tag pydantic inserts (e.g. "set_speed")
        else:
            out += ("." if out else "") + str(part)
    return out


#: The intervention types whose keys an "unknown key" message names (every type but ``calm``).
_KEYED_TYPES = ("set_speed", "add_cycle_track", "crossing", "fietsstraat", "calm", "close_through_traffic",
                "convert_parking")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (directly or as a member of an optional/union type)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = getattr(annotation, "__args__", ())
    return next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)


def _fields_at(loc: tuple[str | int, ...]) -> list[str] | None:
    """Allowed keys of the model at ``loc`` (for "unknown key" messages)."""
    model: type[BaseModel] | None = Scenario
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int):
            continue
        if model is None:
            return None
        if model is Scenario and part == "interventions":
            if len(parts) >= 2 and isinstance(parts[0], int):
                tag = parts[1]
                parts = parts[2:]
                model = MODELS.get(tag) if tag in _KEYED_TYPES else None
                continue
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _model_of(field.annotation)
    if model is None:
        return None
    return sorted(model.model_fields)


#: What a value of each pydantic error type should have been.
_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "path_type": "expected a file path (text)",
    "missing": "required key is missing",
}

#: Pydantic's bound errors: the constraint and its sign (``None``: NaN or ±inf, no bound).
_BOUND_KINDS: dict[str, tuple[str, str] | None] = {
    "greater_than_equal": ("ge", "≥"), "greater_than": ("gt", ">"), "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"), "finite_number": None,
}


def _expected_number(kind: str, loc: tuple[str | int, ...], ctx: dict[str, Any]) -> str:
    """``expected a number ≥ 0 and ≤ 5000`` (the whole range of the key), ``expected a finite
    number …`` for NaN/±inf, ``a whole number`` for integer keys."""
    bounds = bounds_at(Scenario, loc)
    noun = "a whole number" if bounds is not None and bounds.kind is int else "a number"
    if kind == "finite_number":
        noun = "a finite number" if noun == "a number" else noun
    span = range_text(bounds) if bounds is not None else ""
    bound = _BOUND_KINDS[kind]
    if not span and bound is not None:  # the key could not be followed: the bound violated
        key, sign = bound
        value = ctx.get(key)
        span = f"{sign} {value:g}" if isinstance(value, (int, float)) else f"{sign} {value}"
    return f"expected {noun} {span}".rstrip()


def _describe(err: ErrorDetails) -> str:
    """What was expected and what was found, for one validation error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "extra_forbidden":
        allowed = _fields_at(tuple(err["loc"][:-1])) or []
        close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=2, cutoff=0.6)
        if close:
            return f"unknown key (did you mean {' or '.join(close)}?)"
        if allowed and len(allowed) <= 12:
            return f"unknown key (expected one of: {', '.join(allowed)})"
        return "unknown key (see scenarios/README.md for the keys of each table)"
    if kind == "missing":
        return _EXPECTED[kind]
    if kind in _BOUND_KINDS:
        text = _expected_number(kind, tuple(err.get("loc", ())), ctx)
    elif kind in _EXPECTED:
        text = _EXPECTED[kind]
    elif kind == "literal_error":
        text = f"expected one of {ctx.get('expected')}"
    elif kind == "union_tag_invalid":
        text = f"`type` must be one of {ctx.get('expected_tags')}"
        got = ctx.get("tag", got)
    elif kind == "union_tag_not_found":
        return "missing `type` (set_speed, add_cycle_track, crossing, fietsstraat, calm, " \
               "close_through_traffic or convert_parking)"
    elif kind == "string_too_short":
        text = "expected non-empty text"
    elif kind == "too_short":
        text = f"expected at least {ctx.get('min_length')} item(s)"
    elif kind == "string_pattern_mismatch":
        text = "expected letters, digits, '.', '_' or '-' only"
    else:
        text = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if kind in ("value_error", "assertion_error"):
            return text
    return f"{text}, got {show_value(got)}"


def origin_of(loc: tuple[str | int, ...], origins: Origins, default: Path) -> Path:
    """The file that set the longest prefix of ``loc``."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            return origins[loc[:n]]
    # a key inside a table several files contributed to: the child wins the tie
    return default


def first_error(exc: ValidationError, origins: Origins, path: Path) -> ScenarioError:
    """The one-line error of the first problem (an unknown key first), naming the file that set it
    and how many more problems there are."""
    # an unknown key first: a misspelt key also shows up as a missing one
    errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
    err = errors[0]
    loc = tuple(err.get("loc", ()))
    file_loc = tuple(p for i, p in enumerate(loc)
                     if not (loc and loc[0] == "interventions" and i == 2))
    where = _loc_text(loc)
    file = display_path(origin_of(file_loc, origins, path))
    prefix = f"{file}: {where}: " if where else f"{file}: "
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return ScenarioError(prefix + _describe(err) + more)
