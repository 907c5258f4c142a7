"""Today's speed limits from a real source: a speed-limit layer that overrides the class defaults.

Where OSM has no ``maxspeed`` tag, :mod:`mobisim.load.tags` fills in a Dutch class default
(``maxspeed_source = "default:<class>:<urban|rural>"``). The whole-city 2021 file carries no
``maxspeed`` tag at all, so every limit there is such a default. A planner who has the real limits
— a municipal speed map, NDW's road-attribute file *wegkenmerken*, a newer OSM extract — gives them
as a *speed-limit layer* (``--speed-limits FILE`` or ``[data] speed_limits``), read by
:func:`mobisim.load.read_speed_limits` (:mod:`mobisim.load.speed_files`) and applied here by
:func:`apply_speed_limits` (the matching itself: :mod:`mobisim.load.speed_match`):

- **lines** (GeoPackage, GeoJSON, any GDAL vector file) with a numeric limit column (``maxspeed`` by
  default): a segment takes the value of the layer line that runs along it — the segment lies for at
  least ``min_overlap`` of its length within ``max_distance_m`` of the line and runs in the same
  direction (within ``max_angle_deg``); where several lines qualify the largest overlap wins, then
  the nearest line. Source ``layer:<file name>``.
- **a CSV of street names** (columns ``name`` and ``maxspeed``): every segment of a street of that
  name (case-, accent- and punctuation-insensitive, :func:`mobisim.names.fold_names`) takes the
  limit. Source ``layer:<file name>:name``.

Only motor-road segments (``is_road`` or ``mode_drive``) whose limit is a class default are
overridden: a tagged ``maxspeed`` is a signed limit somebody checked and always stays. The layer is
applied after the processed-network cache is read, so the cache never holds it.

:func:`default_vs_tagged` measures how far the class defaults are from real tags on a network
whose roads are tagged; :data:`SCHEVENINGEN_2025` holds that measurement for the fully tagged
Scheveningen sample, and :func:`defaults_note` turns it into the caveat a report prints when
today's limits are defaults (all three in :mod:`mobisim.load.speed_defaults`, re-exported here).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobisim.errors import InputFileError, MobisimError
from mobisim.load.coverage import data_coverage
from mobisim.load.speed_defaults import SCHEVENINGEN_2025, DefaultsVsTags, default_vs_tagged, defaults_note
from mobisim.load.speed_match import match_lines, match_names, motor_segments
from mobisim.network import Network

__all__ = [
    "DEFAULT_MAX_ANGLE_DEG",
    "DEFAULT_MAX_DISTANCE_M",
    "DEFAULT_MIN_OVERLAP",
    "MAX_KMH",
    "MIN_KMH",
    "SCHEVENINGEN_2025",
    "DefaultsVsTags",
    "SpeedLimitLayer",
    "SpeedLimitMatch",
    "apply_speed_limits",
    "check_speed_limits_column",
    "default_vs_tagged",
    "defaults_note",
    "parse_limits",
]

#: A layer line counts for a segment within this distance (m). Road centre lines from NWB/NDW lie a
#: few metres off OSM's; a parallel service road (ventweg) usually lies 15 m or more away.
DEFAULT_MAX_DISTANCE_M = 10.0
#: Share of a segment's length that must lie within ``max_distance_m`` of the line.
DEFAULT_MIN_OVERLAP = 0.5
#: Largest angle (degrees) between a segment and the line along it (rejects side streets that
#: touch the line at a junction).
DEFAULT_MAX_ANGLE_DEG = 30.0
#: Plausible limits in km/h: walking pace in a woonerf is 15, the Dutch motorway maximum 130.
MIN_KMH, MAX_KMH = 5, 130

_LIMIT_TEXT = r"^(\d+(?:\.\d+)?)\s*(?:km/?h|kmh|kph)?$"


# ------------------------------------------------------------------------------ the layer


def check_speed_limits_column(column: str | None, layer: Path | str | None) -> None:
    """Refuse ``--speed-limits-column`` without a layer to read it from.

    The one check, with one message, of ``mobisim run``, ``toets`` and ``network`` (run before any
    network is loaded).

    Parameters
    ----------
    column : str or None
        The ``--speed-limits-column`` given (``None``: not given).
    layer : path or None
        The speed-limit layer in force: ``--speed-limits``, else the scenario's
        ``[data] speed_limits`` (``None``: neither).

    Raises
    ------
    mobisim.errors.MobisimError
        ``column`` given and ``layer`` ``None``.
    """
    if column is not None and layer is None:
        raise MobisimError(f"--speed-limits-column {column!r}: no speed-limit file to read it from "
                           f"(give --speed-limits FILE, or set [data] speed_limits in the scenario)")


@dataclass(frozen=True)
class SpeedLimitLayer:
    """Speed limits read from a file (:func:`mobisim.load.read_speed_limits`).

    Attributes
    ----------
    path : pathlib.Path
        The file.
    frame : pandas.DataFrame
        For lines a GeoDataFrame in EPSG:28992 with ``maxspeed`` (Int64 km/h), ``row`` (the
        feature's number in the file, from 1) and ``geometry`` (LineString/MultiLineString); for a
        name list a DataFrame with ``name``, ``maxspeed`` and ``row``.
    by_name : bool
        ``True`` for a CSV of street names, ``False`` for lines.
    """

    path: Path
    frame: pd.DataFrame
    by_name: bool

    @property
    def source(self) -> str:
        """The ``maxspeed_source`` of the segments this layer sets."""
        return f"layer:{self.path.name}" + (":name" if self.by_name else "")


@dataclass(frozen=True)
class SpeedLimitMatch:
    """What :func:`apply_speed_limits` matched and changed.

    Attributes
    ----------
    source : str
        ``layer:<file name>`` (lines) or ``layer:<file name>:name`` (street names).
    segments_set, km_set : int, float
        Motor-road segments that had a class default and now carry the layer's limit, and their km.
    km_changed : float
        Of ``km_set``, the km whose limit differs from the class default.
    segments_tagged_kept, km_tagged_kept : int, float
        Segments the layer covers that keep their tagged ``maxspeed``.
    rows, rows_used : int
        Layer rows with a value (lines, names; OSM ways for an OSM extract), and those that set or
        confirmed a motor-road segment.
    unmatched_names : list of str
        Street names of a CSV that are not in the network (at most 20).
    """

    source: str
    segments_set: int
    km_set: float
    km_changed: float
    segments_tagged_kept: int
    km_tagged_kept: float
    rows: int
    rows_used: int
    unmatched_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return asdict(self)

    def summary(self) -> str:
        """One line for the terminal."""
        text = (f"speed limits {self.source}: {self.segments_set} segment(s), {self.km_set:.1f} km set "
                f"({self.km_changed:.1f} km differ from the class default); {self.rows_used} of {self.rows} "
                f"layer rows used")
        if self.segments_tagged_kept:
            text += f"; {self.segments_tagged_kept} tagged segment(s), {self.km_tagged_kept:.1f} km, keep their tag"
        return text


def parse_limits(values: pd.Series, *, path: Path | str, column: str,
                 line_offset: int | None = None) -> pd.Series:
    """Validate a column of speed limits read from a file.

    Parameters
    ----------
    values : pandas.Series
        The raw column, one entry per row in file order (numbers, or text such as ``"50"`` or
        ``"50 km/h"``).
    path : pathlib.Path or str
        The file, for the error message.
    column : str
        The column name, for the error message.
    line_offset : int, optional
        For a text file: the line of the first row (the message then names the line too).

    Returns
    -------
    pandas.Series of Int64
        km/h, NA where the cell is empty; same index as ``values``.

    Raises
    ------
    mobisim.errors.InputFileError
        At the first row whose value is not a finite whole number from :data:`MIN_KMH` to
        :data:`MAX_KMH`, naming the file, the row (counted from 1) and the value.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = pd.to_numeric(values, errors="coerce").astype("float64")
        empty = values.isna()
    else:
        text = values.astype("string").str.strip().str.lower()
        empty = text.isna() | text.eq("")
        number = pd.to_numeric(text, errors="coerce").astype("Float64")
        with_unit = text.str.extract(_LIMIT_TEXT)[0].astype("Float64")
        number = number.fillna(with_unit).astype("float64")
        empty = empty.fillna(True)
    num = number.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        good = np.isfinite(num) & (np.abs(num - np.round(num)) < 1e-9) & (num >= MIN_KMH) & (num <= MAX_KMH)
    bad = ~good & ~empty.to_numpy(dtype=bool)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        where = f"row {at + 1}" + (f" (line {at + line_offset})" if line_offset is not None else "")
        raw = values.iloc[at]
        shown = repr(raw) if isinstance(raw, str) else str(raw.item() if isinstance(raw, np.generic) else raw)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise InputFileError(
            f"{path}: {where}: {column} {shown} is not a speed limit (expected a whole number "
            f"of km/h from {MIN_KMH} to {MAX_KMH})")
    out = pd.Series(np.where(good, np.round(num), np.nan), index=values.index).astype("Int64")
    return out


def apply_speed_limits(
    net: Network,
    layer: SpeedLimitLayer,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    min_overlap: float = DEFAULT_MIN_OVERLAP,
    max_angle_deg: float = DEFAULT_MAX_ANGLE_DEG,
) -> tuple[Network, SpeedLimitMatch]:
    """Override class-default limits with a speed-limit layer.

    Parameters
    ----------
    net : mobisim.network.Network
        A loaded, tagged network (not changed).
    layer : SpeedLimitLayer
        Lines with limits or a list of street names with limits
        (:func:`mobisim.load.read_speed_limits`).
    max_distance_m : float
        Lines: a segment is compared with the lines within this distance (m).
    min_overlap : float
        Lines: share of the segment's length that must lie within ``max_distance_m`` of the line.
    max_angle_deg : float
        Lines: largest angle between the segment and the line (degrees).

    Returns
    -------
    net : mobisim.network.Network
        A copy whose motor-road segments with a class-default limit (``maxspeed_source`` starting
        with ``default:``) that the layer covers carry the layer's limit, with ``maxspeed_source``
        = :attr:`SpeedLimitLayer.source`; the layer file is added to ``sources``.
    match : SpeedLimitMatch
        Segments and km set, and the tagged segments the layer covers that kept their tag.

    Raises
    ------
    mobisim.errors.InputFileError
        The layer matches no motor-road segment at all: lines with no street within
        ``max_distance_m`` (or none running along them), or names none of which is in the network.
    """
    edges = net.edges
    motor = motor_segments(edges)
    if layer.by_name:
        found, unmatched = match_names(edges, motor, layer)
    else:
        found = match_lines(edges, motor, layer, max_distance_m=max_distance_m, min_overlap=min_overlap,
                            max_angle_deg=max_angle_deg)
        unmatched = []
    is_default = edges["maxspeed_source"].astype("string").fillna("").str.startswith("default:").to_numpy(dtype=bool)
    take = is_default[found["edge"].to_numpy()]
    out = _set_limits(edges, found, take, layer.source)
    match = _match_figures(edges, found, take, layer, unmatched)
    result = replace(net, edges=out, sources=[*net.sources, str(layer.path)])
    if net.coverage:  # measured at load: the layer is part of what was loaded
        result.coverage = data_coverage(result)
    return result, match


def _set_limits(edges: pd.DataFrame, found: pd.DataFrame, take: np.ndarray, source: str) -> pd.DataFrame:
    """``edges`` with the matched limits set where ``take`` (a class default before) and their source."""
    pos = found["edge"].to_numpy()
    mask = np.zeros(len(edges), dtype=bool)
    mask[pos[take]] = True
    values = np.full(len(edges), np.nan)
    values[pos] = found["maxspeed"].to_numpy(dtype=float, na_value=np.nan)
    mask_s = pd.Series(mask, index=edges.index)
    return edges.assign(
        maxspeed=edges["maxspeed"].mask(mask_s, pd.Series(values, index=edges.index).astype("Int64")),
        maxspeed_source=edges["maxspeed_source"].mask(mask_s, source),
    )


def _match_figures(edges: pd.DataFrame, found: pd.DataFrame, take: np.ndarray, layer: SpeedLimitLayer,
                   unmatched: list[str]) -> SpeedLimitMatch:
    """What a match set and kept, in segments and km."""
    pos = found["edge"].to_numpy()
    km = edges["length"].to_numpy(dtype=float) / 1000.0
    old = edges["maxspeed"].to_numpy(dtype=float, na_value=np.nan)[pos]
    new = found["maxspeed"].to_numpy(dtype=float, na_value=np.nan)
    return SpeedLimitMatch(
        source=layer.source,
        segments_set=int(take.sum()),
        km_set=round(float(km[pos[take]].sum()), 3),
        km_changed=round(float(km[pos[take & (old != new)]].sum()), 3),
        segments_tagged_kept=int((~take).sum()),
        km_tagged_kept=round(float(km[pos[~take]].sum()), 3),
        rows=int(layer.frame["row"].nunique()),
        rows_used=int(found["row"].nunique()),
        unmatched_names=unmatched,
    )
