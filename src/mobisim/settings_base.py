"""The one validation layer of every settings table of a scenario.

Every pydantic settings model (``[rules]``, ``[toets]``, ``[schools]``, ``[parking]``, ``[scores]``,
``[traffic]``, ``[driven_speed]``, ``[calming_plan]`` and their nested tables) derives from
:class:`Settings`, which

* forbids unknown keys (a misspelt key is an error, not a silently ignored setting), and
* rejects NaN and ±infinity for every float, also inside lists and tables (``nan`` would make
  every comparison false and silently switch a criterion off).

Every numeric field also carries a range (``Field(ge=..., le=...)``) that a planner never needs to
leave; the scenario loader names the range in its one-line error::

    s.toml: rules.sensitive_distance_m: expected a number ≥ 0 and ≤ 5000, got -1
    s.toml: rules.sensitive_distance_m: expected a finite number ≥ 0 and ≤ 5000, got nan

Sizes that set how large an array becomes (grid spacings, sample spacings) have lower bounds that
keep the arrays small; where the size also depends on the data, the code that allocates checks
the size first (:func:`check_size`).

The aliases below are the ranges shared by several tables.
"""

from __future__ import annotations

import json
import math
import types
import typing
from typing import Annotated, Any

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from mobisim.errors import InputFileError

__all__ = [
    "DailyTraffic", "Lts", "Percent", "Settings", "Share", "SpeedKmh", "Year", "MAX_CELLS",
    "Bounds", "KeyPath", "bounds_at", "bounds_of", "check_size", "key_text", "numeric_fields", "range_text",
    "ranges_markdown", "unwrap_annotation",
]


class Settings(BaseModel):
    """Base of every settings model: unknown keys, non-finite numbers and numbers given as text or
    true/false are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """A number must be written as a number: ``"150"`` or ``true`` is not one (pydantic would
        quietly read them as 150 and 1)."""
        field = cls.model_fields.get(info.field_name or "")
        if field is None or value is None:
            return value
        value = _with_defaults(field, value)
        where = _not_a_number(field.annotation, value)
        if where is None:
            return value
        if where == "":
            kind = unwrap_annotation(field.annotation, [])[0]
            raise PydanticCustomError("int_type" if kind is int else "float_type",
                                      "Input should be a valid number")
        raise ValueError(where)


#: A share or fraction, 0–1.
Share = Annotated[float, Field(ge=0, le=1)]
#: A percentage, 0–100.
Percent = Annotated[float, Field(ge=0, le=100)]
#: Motor vehicles a day on one road (both directions); the busiest Dutch motorway carries ~250,000.
DailyTraffic = Annotated[float, Field(ge=0, le=1_000_000)]
#: A speed limit or speed bound in km/h.
SpeedKmh = Annotated[int, Field(ge=5, le=130)]
#: A Level of Traffic Stress, 1 (a child) to 4 (strong and fearless).
Lts = Annotated[int, Field(ge=1, le=4)]
#: A calendar year.
Year = Annotated[int, Field(ge=1900, le=2200)]

#: Most cells/points an array derived from a setting and the data may hold (a few GB of points).
MAX_CELLS = 5_000_000


def _with_defaults(field: FieldInfo, value: Any) -> Any:
    """A partial table of a nested model with required keys (a low/central/high range) takes the
    rest from the field's default: ``[scores.speed_response_sign_only] high = 0.3`` keeps the
    default low and central, as every key of a scenario may be left out."""
    if not isinstance(value, dict) or field.is_required():
        return value
    model = unwrap_annotation(field.annotation, [])[0]
    if not (isinstance(model, type) and issubclass(model, BaseModel)) \
            or not any(f.is_required() for f in model.model_fields.values()):
        return value
    default = field.get_default(call_default_factory=True)
    if not isinstance(default, model):
        return value
    return {**default.model_dump(), **value}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def _not_a_number(tp: Any, value: Any, where: str = "") -> str | None:
    """``None`` when ``value`` holds no text or true/false where ``tp`` wants a number; ``""``
    when ``value`` itself is such a scalar; else the message naming the item."""
    if value is None:
        return None
    tp, _ = unwrap_annotation(tp, [])
    origin = typing.get_origin(tp)
    if tp in (int, float):
        if not isinstance(value, (bool, str)):
            return None
        if not where:
            return ""
        noun = "a whole number" if tp is int else "a number"
        return f"expected {noun} for {where}, got {_shown(value)}"
    if origin in (list, set, frozenset) and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _not_a_number(typing.get_args(tp)[0], item, f"{where} item {i + 1}".strip())
            if found:
                return found
    elif origin is tuple and isinstance(value, (list, tuple)):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        for i, item in enumerate(value[: len(args)] if len(args) > 1 else value):
            found = _not_a_number(args[min(i, len(args) - 1)], item, f"{where} item {i + 1}".strip())
            if found:
                return found
    elif origin is dict and isinstance(value, dict):
        for key, item in value.items():
            found = _not_a_number(typing.get_args(tp)[1], item, f"{where} `{key}`".strip())
            if found:
                return found
    return None


# --------------------------------------------------------------------------------------------
# introspection: the range of a field


class Bounds(typing.NamedTuple):
    """The range of a numeric setting; ``None`` where a side is open."""

    kind: type  # int or float
    lo: float | None
    lo_strict: bool
    hi: float | None
    hi_strict: bool
    allow_inf: bool = False

    def finite(self) -> bool:
        """Both ends given and finite."""
        return self.lo is not None and self.hi is not None and math.isfinite(self.lo) \
            and math.isfinite(self.hi)


def _expand(meta: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in meta:
        if isinstance(m, FieldInfo):
            out.extend(m.metadata)
        else:
            out.append(m)
    return out


def _bound(value: object) -> float:
    """A constraint's bound as a float (annotated-types types a bound only as comparable; every
    bound of a setting is a number)."""
    return float(typing.cast(typing.SupportsFloat, value))


def bounds_of(kind: type, meta: list[Any]) -> Bounds:
    """The :class:`Bounds` that ``meta`` (pydantic/annotated-types constraints) give ``kind``."""
    lo: float | None = None
    hi: float | None = None
    lo_strict = hi_strict = False
    allow_inf = False
    for m in _expand(meta):
        if isinstance(m, at.Ge):
            lo, lo_strict = _bound(m.ge), False
        elif isinstance(m, at.Gt):
            lo, lo_strict = _bound(m.gt), True
        elif isinstance(m, at.Le):
            hi, hi_strict = _bound(m.le), False
        elif isinstance(m, at.Lt):
            hi, hi_strict = _bound(m.lt), True
        elif getattr(m, "allow_inf_nan", None):  # pydantic's general metadata of Field(allow_inf_nan=True)
            allow_inf = True
    return Bounds(kind, lo, lo_strict, hi, hi_strict, allow_inf)


def unwrap_annotation(tp: Any, meta: list[Any]) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` (collecting its constraints into ``meta``) and ``Optional``; a union of
    several types is returned as it is."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            args = typing.get_args(tp)
            tp, meta = args[0], [*meta, *args[1:]]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp, meta
            tp = members[0]
        else:
            return tp, meta


#: Where a numeric setting sits: field names, ``[]`` for a list item, ``[i]`` for a tuple item, ``{}``
#: for a table value (``("rules", "daily_traffic_by_class", "{}")``).
KeyPath = tuple[str, ...]


def _leaves(tp: Any, meta: list[Any], path: KeyPath, out: list[tuple[KeyPath, Bounds]],
            skip: frozenset[str]) -> None:
    """Collect the int/float leaves below ``tp`` into ``out`` (see :func:`numeric_fields`)."""
    tp, meta = unwrap_annotation(tp, meta)
    origin = typing.get_origin(tp)
    if origin in (list, set, frozenset):
        _leaves(typing.get_args(tp)[0], [], (*path, "[]"), out, skip)
    elif origin is tuple:
        for i, a in enumerate(a for a in typing.get_args(tp) if a is not Ellipsis):
            _leaves(a, [], (*path, f"[{i}]"), out, skip)
    elif origin is dict:
        _leaves(typing.get_args(tp)[1], [], (*path, "{}"), out, skip)
    elif origin in (typing.Union, types.UnionType):
        for a in typing.get_args(tp):
            if a is not type(None):
                _leaves(a, meta, path, out, skip)
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if name not in skip:
                _leaves(field.annotation, [field], (*path, name), out, skip)
    elif tp in (int, float):
        out.append((path, bounds_of(tp, meta)))


def numeric_fields(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[tuple[KeyPath, Bounds]]:
    """Every int/float leaf of ``model`` (nested models, lists and tables included) with its
    :class:`Bounds`; paths use ``[]`` for a list item, ``{}`` for a table value."""
    out: list[tuple[KeyPath, Bounds]] = []
    _leaves(model, [], (), out, skip)
    return out


def bounds_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> Bounds | None:
    """The :class:`Bounds` of the value at a pydantic error location, or ``None`` when it is not a
    number (or cannot be followed)."""
    tp: Any = model
    meta: list[Any] = []
    for part in loc:
        tp, meta = unwrap_annotation(tp, meta)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp, meta = field.annotation, [field]
        elif origin in (list, set, frozenset) and isinstance(part, int):
            tp, meta = typing.get_args(tp)[0], []
        elif origin is tuple and isinstance(part, int):
            args = [a for a in typing.get_args(tp) if a is not Ellipsis]
            tp, meta = (args[part] if part < len(args) else args[-1]), []
        elif origin is dict:
            tp, meta = typing.get_args(tp)[1], []
        elif origin in (typing.Union, types.UnionType) and isinstance(part, str):
            # a discriminated union: pydantic puts the tag in the location
            members = [a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
            match = [m for m in members if "type" in m.model_fields
                     and part in typing.get_args(m.model_fields["type"].annotation)]
            if not match:
                return None
            tp, meta = match[0], []
        else:
            return None
    tp, meta = unwrap_annotation(tp, meta)
    if tp not in (int, float):
        return None
    return bounds_of(tp, meta)


def _num(x: float) -> str:
    """``5000``, ``1,000,000``, ``0.0001``, ``2.5``."""
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}"


def range_text(b: Bounds) -> str:
    """``"≥ 0 and ≤ 5000"``, ``"> 0"``, …; empty without bounds."""
    parts = []
    if b.lo is not None:
        parts.append(f"{'>' if b.lo_strict else '≥'} {_num(b.lo)}")
    if b.hi is not None and math.isfinite(b.hi):
        parts.append(f"{'<' if b.hi_strict else '≤'} {_num(b.hi)}")
    return " and ".join(parts)


# --------------------------------------------------------------------------------------------
# sizes derived from a setting and the data


def check_size(cells: float, setting: str, value: float, unit: str = "m", *,
               limit: int = MAX_CELLS, what: str = "grid cells", over: str = "over the area",
               advice: str = "") -> None:
    """Refuse an allocation of ``cells`` items before it is made.

    Raises
    ------
    mobisim.errors.InputFileError
        ``schools.grid_spacing_m = 0.01 m would make 4.1e12 grid cells over the area (at most
        5,000,000); use ≥ 40 m`` when ``cells`` exceeds ``limit``.
    """
    if not math.isfinite(cells) or cells > limit:
        tail = f"; {advice}" if advice else ""
        count = f"{cells:.2g}".replace("e+0", "e").replace("e+", "e") if math.isfinite(cells) else "infinitely many"
        raise InputFileError(
            f"{setting} = {value:g} {unit} would make {count} {what} {over} (at most {limit:,}){tail}"
        )


# --------------------------------------------------------------------------------------------
# documentation


def key_text(path: KeyPath) -> str:
    """``rules.daily_traffic_by_class.*``, ``toets.mixed_centreline[].max_daily_traffic``."""
    out = ""
    for part in path:
        if part == "{}":
            out += ".*"
        elif isinstance(part, str) and part.startswith("["):
            out += part
        else:
            out += ("." if out else "") + str(part)
    return out


def ranges_markdown(defaults: BaseModel, skip: frozenset[str] = frozenset()) -> str:
    """A Markdown table of every numeric setting of ``type(defaults)``: key, range, default
    (scenarios/README.md holds it; a test keeps the two equal)."""
    rows = ["| key | range | default |", "|---|---|---|"]
    for path, b in numeric_fields(type(defaults), skip):
        per_entry = any(p == "{}" or (isinstance(p, str) and p.startswith("[")) for p in path)
        value: Any = None if per_entry else defaults
        for part in path if not per_entry else ():
            value = getattr(value, part, None)
        if isinstance(value, bool) or value is None:
            default = "per entry" if per_entry else "none"
        elif isinstance(value, float) and math.isinf(value):
            default = "inf"
        else:
            default = _num(value)
        span = range_text(b) + (" or inf" if b.allow_inf else "")
        rows.append(f"| `{key_text(path)}` | {span} | {default} |")
    return "\n".join(rows)
