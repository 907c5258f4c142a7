"""Scenario files: one TOML file holds every input and threshold of a run.

``mobisim run scenarios/volt-2026.toml`` reads the file with :func:`load_scenario`. The file is
validated completely before anything runs: a wrong key, type or value raises
:class:`~mobisim.errors.ScenarioError` with **one line** naming the file, the dotted key path and
what was expected, e.g.::

    scenarios/x.toml: rules.sensitive_distance_m: expected a number, got "far"

and the CLI exits with code 2. A TOML syntax error names the file and the line.

Layout
------
==========================  =====================================================================
key                         meaning
==========================  =====================================================================
``extends``                 another scenario file (relative to this one) this one builds on:
                            tables are deep-merged, this file wins; ``[[interventions]]`` are
                            appended after the parent's. Chains are allowed, cycles are an error.
``name``                    short name (the output folder ``maps/<name>/``).
``description``             one paragraph for the report.
``[data]``                  ``osm``: list of OSM files (the street file first, then feature files
                            such as buildings), relative to the scenario file or absolute; or
                            ``place``: a place name osmnx downloads once into ``data/osm/``.
                            ``buildings``: optional extra file(s). ``--osm FILE`` on the command
                            line overrides all of them. ``speed_limits``: a speed-limit layer
                            (lines or a CSV of street names, column ``speed_limits_column``)
                            overriding the class-default limits; ``--speed-limits`` overrides it.
``[area]``                  the area judged (segments outside it are drawn but not judged, scored or
                            listed): the municipality (the 44 wijken) by default; ``boundary``: a
                            polygon file instead; ``wijken``: wijk names or ``WK0518nn`` codes to
                            clip the run to.
``base_year``, ``horizon``  first and last year of the programme (the parking cap runs between
                            them; ``[parking]`` inherits both unless it sets its own).
``programme``               apply the 30/50 rule (true) or keep today's limits (false, baseline).
``[rules]``                 :class:`mobisim.rules.RuleSettings` (30/50 regime and criteria).
``[toets]``                 :class:`mobisim.rules.toets.ToetsSettings` (8-jarigen-toets / LTS tables).
``[schools]``               :class:`mobisim.schools.SchoolSettings` (school routes).
``[parking]``               :class:`mobisim.parking.ParkingSettings` (permit cap, tariff, re-use).
``[scores]``                :class:`mobisim.score.ScoreSettings` (Power Model, composite).
``[driven_speed]``          :class:`mobisim.rules.driven_speed.DrivenSpeedSettings` (speed driven
                            where only the sign changed).
``[calming_plan]``          :class:`mobisim.rules.driven_speed.CalmingPlan` (redesign of 30-roads
                            year by year).
``[[interventions]]``       street-level changes, see :mod:`mobisim.scenario.interventions`; ``type`` is
                            one of ``set_speed``, ``add_cycle_track``, ``crossing``,
                            ``fietsstraat``, ``calm``, ``close_through_traffic``,
                            ``convert_parking``.
==========================  =====================================================================

Every settings table is optional: a missing table or key takes the documented default of its
settings class (``XSettings()``). File paths inside the settings (``data.osm``,
``data.buildings``, ``data.speed_limits``, ``rules.air_layer_path``, ``schools.schools_csv``,
``schools.wijken_path``, ``parking.garages_path``, ``parking.spaces_path``) are relative to the file that names them, also through ``extends``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from mobisim.errors import ScenarioError
from mobisim.parking import ParkingSettings
from mobisim.rules import RuleSettings
from mobisim.rules.driven_speed import CalmingPlan, DrivenSpeedSettings
from mobisim.rules.toets import ToetsSettings
from mobisim.scenario.interventions import Intervention, with_ids
from mobisim.schools import SchoolSettings
from mobisim.score import ScoreSettings
from mobisim.settings_base import Settings, bounds_at, range_text
from mobisim.traffic.settings import TrafficSettings

__all__ = ["AreaSettings", "DataSettings", "Scenario", "load_scenario", "read_scenario_dict"]

#: Keys (dotted) whose values are file paths, resolved relative to the file that names them.
PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("area", "boundary"),
    ("data", "osm"),
    ("data", "buildings"),
    ("data", "speed_limits"),
    ("data", "traffic_counts"),
    ("rules", "air_layer_path"),
    ("schools", "schools_csv"),
    ("schools", "school_register"),
    ("schools", "wijken_path"),
    ("parking", "garages_path"),
    ("parking", "spaces_path"),
)


class DataSettings(Settings):
    """Where the network comes from: OSM file(s) or a place name (exactly one)."""

    osm: list[Path] | None = Field(
        None,
        description="OSM files (XML, .osm.bz2, PBF, GraphML): the street file first, then feature "
        "files. Relative to the scenario file. `--osm` overrides.",
    )
    place: str | None = Field(
        None, min_length=1,
        description="A place name osmnx downloads once into data/osm/places/ (needs internet).",
    )
    buildings: list[Path] = Field(
        default_factory=list, description="Optional building file(s), loaded as feature files.",
    )
    speed_limits: Path | None = Field(
        None,
        description="Today's real speed limits, overriding the class defaults (never a tagged "
        "maxspeed): lines (GeoPackage/GeoJSON) with a limit column, or a CSV of street names "
        "(columns `name`, `maxspeed`). Relative to the scenario file. `--speed-limits` overrides.",
    )
    speed_limits_column: str = Field(
        "maxspeed", min_length=1,
        description="The column of `speed_limits` holding the limit in km/h.",
    )
    traffic_counts: Path | None = Field(
        None,
        description="Traffic counts per street: a CSV with the columns `name` and `daily` (motor "
        "vehicles a day, both directions). A counted street's figure wins over the traffic model "
        "and the class table (source `count:<file>`). Relative to the scenario file.",
    )

    @field_validator("osm", "buildings", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, Path)) else value

    @field_validator("osm")
    @classmethod
    def _not_empty(cls, value: list[Path] | None) -> list[Path] | None:
        if value is not None and not value:
            raise ValueError("expected at least one file")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> DataSettings:
        if (self.osm is None) == (self.place is None):
            raise ValueError("give exactly one of `osm` (files) or `place` (a place name)")
        return self

    def files(self) -> list[Path]:
        """Street file first, then feature files (OSM files then buildings); empty for a place."""
        return [*(self.osm or []), *self.buildings]


class AreaSettings(Settings):
    """The area the scenario judges: the municipality by default.

    Segments outside it stay in the network (school routes may cross the border; maps draw them
    greyed) but are not judged by the 30/50 rule, not scored and not listed.
    """

    wijken: list[str] = Field(
        default_factory=list,
        description="Wijk names or WK0518nn codes (case/accents ignored) to clip the run to; empty = "
        "the whole municipality (the union of the 44 wijken of den-haag-wijken.geojson).",
    )
    boundary: Path | None = Field(
        None, description="A polygon file (GeoJSON/GeoPackage) of the area to judge instead of the "
        "wijken, relative to the scenario file; it must overlap the network.")
    boundary_tolerance_m: float = Field(
        0.0, ge=0, le=500, description="A segment is inside when its midpoint lies within the area "
        "(gaps under 10 m between wijk outlines closed) grown by this distance.")


class Scenario(Settings):
    """A validated scenario. Build it with :func:`load_scenario`.

    Attributes beyond the fields: :attr:`path` (the file read) and :attr:`chain` (the file and
    the files it extends, child first).
    """

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9._-]+$",
                      description="Short name: letters, digits, `.`, `_`, `-` (the output folder).")
    description: str = Field("", description="What the scenario is, for the report.")
    data: DataSettings | None = Field(
        None,
        description="Where the network comes from. May be left out when the command line gives "
        "`--osm` (the run stops with a clear error when neither does).",
    )
    area: AreaSettings = Field(default_factory=AreaSettings)
    base_year: int = Field(2026, ge=2000, le=2100, description="First year of the programme.")
    horizon: int = Field(2030, ge=2000, le=2100, description="Year the scores look ahead to.")
    programme: bool = Field(
        False,
        description="Apply the programme's 30/50 rule (proposed limits). False keeps today's "
        "limits: the baseline. Interventions apply either way.",
    )
    rules: RuleSettings = Field(default_factory=RuleSettings)
    toets: ToetsSettings = Field(default_factory=ToetsSettings)
    schools: SchoolSettings = Field(default_factory=SchoolSettings)
    parking: ParkingSettings = Field(default_factory=ParkingSettings)
    scores: ScoreSettings = Field(default_factory=ScoreSettings)
    traffic: TrafficSettings = Field(default_factory=TrafficSettings)
    driven_speed: DrivenSpeedSettings = Field(default_factory=DrivenSpeedSettings)
    calming_plan: CalmingPlan = Field(default_factory=CalmingPlan)
    interventions: list[Intervention] = Field(default_factory=list)

    _path: Path | None = PrivateAttr(None)
    _chain: list[Path] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.horizon <= self.base_year:
            raise ValueError(f"horizon ({self.horizon}) must be after base_year ({self.base_year})")
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        self.interventions = with_ids(self.interventions)
        ids = [iv.id for iv in self.interventions]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"intervention ids must be unique, repeated: {', '.join(dup)}")
        return self

    @property
    def path(self) -> Path | None:
        """The scenario file this was read from."""
        return self._path

    @property
    def chain(self) -> list[Path]:
        """The file and the files it extends, child first."""
        return list(self._chain)


# --------------------------------------------------------------------------------------------
# reading


def _display(path: Path) -> str:
    """A path as the user typed it, relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


#: Largest scenario file read (a scenario is a few kB; this refuses /dev/zero-like inputs).
MAX_SCENARIO_BYTES = 1 << 20


def _read_scenario_text(path: Path, where: str) -> str:
    """The text of a scenario file that is a regular file of at most 1 MB, else a ScenarioError
    starting with ``where``. Opened without blocking (a FIFO never hangs the run) and checked on
    the open file, so a file swapped after the check is still refused."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read the file ({exc.strerror or exc.__class__.__name__})") from None
    mode, size = (st := os.fstat(fd)).st_mode, st.st_size
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file")
        raise ScenarioError(f"{where}: is {kind}, not a scenario file")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MAX_SCENARIO_BYTES + 1) if size <= MAX_SCENARIO_BYTES else b""
        if size > MAX_SCENARIO_BYTES or len(data) > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{where}: file too large ({max(size, len(data)) / 1e6:.1f} MB; a scenario file "
                                f"is at most {MAX_SCENARIO_BYTES / 1e6:.1f} MB)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: cannot read the file (UnicodeDecodeError)") from None


def _parse(path: Path, where: str | None = None) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{_display(path)}: scenario file not found")
    text = _read_scenario_text(path, where or _display(path))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"line {m.group(1)}" if m else "syntax"
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).strip() or "invalid TOML"
        hint = "" if path.suffix.lower() == ".toml" else " (scenario files are TOML, e.g. scenarios/volt-2026.toml)"
        raise ScenarioError(f"{_display(path)}: {where}: TOML syntax error: {detail}{hint}") from None


def _resolve_paths(raw: dict[str, Any], folder: Path) -> None:
    """Make the path values of ``raw`` absolute against ``folder`` (in place; wrong types are left
    for validation to report)."""

    def fix(value: Any) -> Any:
        if isinstance(value, str) and value:
            p = Path(value).expanduser()
            return str(p if p.is_absolute() else Path(os.path.normpath(folder / p)))
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    for table, key in PATH_KEYS:
        section = raw.get(table)
        if isinstance(section, dict) and key in section:
            section[key] = fix(section[key])


#: Keys that say the same thing two ways (a named limit, or its number): a file that sets one
#: replaces what its parent set with the other.
ALTERNATIVE_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("rules", "noise_limit"): ("rules", "noise_threshold_lden_db"),
    ("rules", "noise_threshold_lden_db"): ("rules", "noise_limit"),
    ("rules", "air_limit"): ("rules", "air_limit_ugm3"),
    ("rules", "air_limit_ugm3"): ("rules", "air_limit"),
}


def _merge(
    parent: dict[str, Any], child: dict[str, Any], origins: dict[tuple, Path], child_file: Path,
    prefix: tuple = (),
) -> dict[str, Any]:
    """Deep-merge ``child`` over ``parent``; record which file set each key in ``origins``.

    A key of :data:`ALTERNATIVE_KEYS` set by the child drops its alternative inherited from the
    parent (``noise_threshold_lden_db = 58`` in a child overrides a parent's ``noise_limit``).
    """
    out = dict(parent)
    for key, value in child.items():
        here = (*prefix, key)
        other = ALTERNATIVE_KEYS.get(here)
        if other is not None and other[-1] in out and other[-1] not in child:
            del out[other[-1]]
            origins.pop(other, None)
        if prefix == () and key == "interventions" and isinstance(value, list) \
                and isinstance(parent.get(key), list):
            start = len(parent[key])
            out[key] = [*parent[key], *value]
            for i in range(len(value)):
                origins[(key, start + i)] = child_file
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            out[key] = _merge(parent[key], value, origins, child_file, here)
        else:
            out[key] = value
            for k in [k for k in origins if k[: len(here)] == here]:
                del origins[k]
            origins[here] = child_file
    return out


def _load_raw(path: Path, seen: tuple[Path, ...] = (), *, where: str | None = None,
              ) -> tuple[dict[str, Any], dict[tuple, Path], list[Path]]:
    """Read ``path`` and everything it extends: (merged dict, key origins, chain child-first).

    ``where`` starts the message when the file cannot be read (an extended file names the file
    that extends it)."""
    path = Path(os.path.normpath(path.absolute()))
    if path in seen:
        cycle = " → ".join(_display(p) for p in (*seen, path))
        raise ScenarioError(f"{_display(seen[0])}: extends: cycle {cycle}")
    raw = _parse(path, where)
    _resolve_paths(raw, path.parent)
    origins: dict[tuple, Path] = {}
    parent_ref = raw.pop("extends", None)
    if parent_ref is None:
        _merge({}, raw, origins, path)
        return raw, origins, [path]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError(
            f"{_display(path)}: extends: expected a file name (text), got {_show(parent_ref)}"
        )
    parent_path = Path(parent_ref).expanduser()
    if not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    if not parent_path.exists():
        raise ScenarioError(f"{_display(path)}: extends: file not found: {_display(parent_path)}")
    base, origins, chain = _load_raw(parent_path, (*seen, path),
                                     where=f"{_display(path)}: extends: {_display(parent_path)}")
    merged = _merge(base, raw, origins, path)
    return merged, origins, [path, *chain]


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """The merged raw mapping of a scenario file (``extends`` resolved, paths absolute), unvalidated."""
    return _load_raw(Path(path))[0]


# --------------------------------------------------------------------------------------------
# error messages


def _show(value: Any) -> str:
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


def _loc_text(loc: tuple) -> str:
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


def _fields_at(loc: tuple) -> list[str] | None:
    """Allowed keys of the model at ``loc`` (for "unknown key" messages)."""
    model: Any = Scenario
    from mobisim.scenario import interventions as ivs

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
                model = next(
                    (m for m in (ivs.SetSpeed, ivs.AddCycleTrack, ivs.Crossing, ivs.Fietsstraat,
                                 ivs.CloseThroughTraffic, ivs.ConvertParking)
                     if m.model_fields["type"].annotation.__args__[0] == tag),
                    None,
                )
                continue
            return None
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return None
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if model is None:
            args = getattr(ann, "__args__", ())
            model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is None or not hasattr(model, "model_fields"):
        return None
    return sorted(model.model_fields)


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


_BOUND_KINDS = {"greater_than_equal": ("ge", "≥"), "greater_than": ("gt", ">"),
                "less_than_equal": ("le", "≤"), "less_than": ("lt", "<"), "finite_number": None}


def _expected_number(kind: str, loc: tuple, ctx: dict[str, Any]) -> str:
    """``expected a number ≥ 0 and ≤ 5000`` (the whole range of the key), ``expected a finite
    number …`` for NaN/±inf, ``a whole number`` for integer keys."""
    bounds = bounds_at(Scenario, loc)
    noun = "a whole number" if bounds is not None and bounds.kind is int else "a number"
    if kind == "finite_number":
        noun = "a finite number" if noun == "a number" else noun
    span = range_text(bounds) if bounds is not None else ""
    if not span and kind != "finite_number":  # the key could not be followed: the bound violated
        key, sign = _BOUND_KINDS[kind]
        value = ctx.get(key)
        span = f"{sign} {value:g}" if isinstance(value, (int, float)) else f"{sign} {value}"
    return f"expected {noun} {span}".rstrip()


def _describe(err: dict[str, Any]) -> str:
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
    return f"{text}, got {_show(got)}"


def _origin(loc: tuple, origins: dict[tuple, Path], default: Path) -> Path:
    """The file that set the longest prefix of ``loc``."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            return origins[loc[:n]]
    # a key inside a table several files contributed to: the child wins the tie
    return default


def _first_error(exc: ValidationError, origins: dict[tuple, Path], path: Path) -> ScenarioError:
    # an unknown key first: a misspelt key also shows up as a missing one
    errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
    err = errors[0]
    loc = tuple(err.get("loc", ()))
    file_loc = tuple(p for i, p in enumerate(loc)
                     if not (loc and loc[0] == "interventions" and i == 2))
    where = _loc_text(loc)
    file = _display(_origin(file_loc, origins, path))
    prefix = f"{file}: {where}: " if where else f"{file}: "
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return ScenarioError(prefix + _describe(err) + more)


# --------------------------------------------------------------------------------------------
# public


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (following ``extends``).

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    Scenario
        Validated settings; relative file paths are made absolute against the file that names
        them; intervention ids are filled in (``<type>-<n>``); ``parking.base_year`` and
        ``parking.horizon`` follow the scenario's ``base_year``/``horizon`` unless ``[parking]``
        sets them.

    Raises
    ------
    ScenarioError
        One line: the file, the dotted key path, what was expected and what was found; or the
        file and line of a TOML syntax error; or a missing/cyclic ``extends``.
    """
    path = Path(path)
    raw, origins, chain = _load_raw(path)
    base_year, horizon = raw.get("base_year", 2026), raw.get("horizon", 2030)
    if type(base_year) is int and type(horizon) is int and horizon <= base_year:
        file = _display(_origin(("horizon",), origins, chain[0]))
        raise ScenarioError(f"{file}: horizon: expected a year after base_year ({base_year}), got {horizon}")
    parking = raw.get("parking")
    if parking is None or isinstance(parking, dict):
        parking = dict(parking or {})
        for key in ("base_year", "horizon"):
            if key in raw and key not in parking:
                parking[key] = raw[key]
        raw["parking"] = parking
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, origins, chain[0]) from None
    scenario._path = chain[0]
    scenario._chain = chain
    return scenario
