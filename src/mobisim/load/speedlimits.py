"""Today's speed limits from a real source: a speed-limit layer that overrides the class defaults.

Where OSM has no ``maxspeed`` tag, :mod:`mobisim.load.tags` fills in a Dutch class default
(``maxspeed_source = "default:<class>:<urban|rural>"``). The whole-city 2021 file carries no
``maxspeed`` tag at all, so every limit there is such a default. A planner who has the real limits
— a municipal speed map, NDW's road-attribute file *wegkenmerken*, a newer OSM extract — gives them
as a *speed-limit layer* (``--speed-limits FILE`` or ``[data] speed_limits``), read by
:func:`mobisim.load.read_speed_limits` (the load step does all file reading) and applied here by
:func:`apply_speed_limits`:

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
today's limits are defaults.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError, MobisimError
from mobisim.load.tags import DEFAULT_MAXSPEED, DEFAULT_MAXSPEED_RURAL
from mobisim.names import fold_names
from mobisim.network import CRS, Network

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
#: Points per segment at which the overlap with a layer line is measured (5 % resolution).
_SAMPLES = 20


# ------------------------------------------------------------------------------ the layer


def check_speed_limits_column(column: str | None, layer: Any) -> None:
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


# ------------------------------------------------------------------------------ matching

def _motor(edges: pd.DataFrame) -> np.ndarray:
    """Motor-road segments: ``is_road`` or ``mode_drive`` (else: those with a limit)."""
    mask = np.zeros(len(edges), dtype=bool)
    for column in ("is_road", "mode_drive"):
        if column in edges.columns:
            mask |= edges[column].fillna(False).to_numpy(dtype=bool)
    if not any(c in edges.columns for c in ("is_road", "mode_drive")):
        mask = edges["maxspeed"].notna().to_numpy(dtype=bool)
    return mask


def _sample_xy(lines: np.ndarray, k: int) -> np.ndarray:
    """Coordinates (n, k, 2) of ``k`` points along each line, at ``(i + 0.5) / k`` of its length.

    Whole arrays: the cumulative length over every vertex of every line, one ``searchsorted``.
    """
    coords, index = shapely.get_coordinates(lines, return_index=True)
    n = len(lines)
    step = np.hypot(*np.diff(coords, axis=0).T)
    step[index[1:] != index[:-1]] = 0.0  # no length between one line's end and the next one's start
    cum = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(index, np.arange(n))
    last = np.searchsorted(index, np.arange(n), side="right") - 1
    target = cum[first][:, None] + (cum[last] - cum[first])[:, None] * ((np.arange(k) + 0.5) / k)[None, :]
    j = np.searchsorted(cum, target, side="right") - 1
    j = np.clip(j, first[:, None], (last - 1)[:, None])
    span = cum[j + 1] - cum[j]
    t = np.divide(target - cum[j], span, out=np.zeros_like(target), where=span > 0)
    return coords[j] + t[..., None] * (coords[j + 1] - coords[j])


def _match_lines(edges: gpd.GeoDataFrame, motor: np.ndarray, layer: SpeedLimitLayer, *, max_distance_m: float,
                 min_overlap: float, max_angle_deg: float) -> pd.DataFrame:
    """Best layer line per motor-road segment: columns ``edge`` (position), ``maxspeed``, ``row``.

    One spatial join (``dwithin``: the segments that meet the lines' buffers) finds the
    (segment, line) pairs. The overlap of a pair is the share of the segment's length within
    ``max_distance_m`` of the line — its intersection with the line's buffer over its length —
    measured at :data:`_SAMPLES` evenly spaced points of the segment, i.e. to 5 % (the exact
    polygon intersection costs several times as long on a whole-city layer). The direction
    compares the chord between the segment's points at a quarter and three quarters of its length
    with the chord between their projections on the line: a side street touching the line
    projects onto (nearly) one point. Where several lines qualify, the largest overlap wins, then
    the line nearest to the segment's midpoint.
    """
    parts = layer.frame.explode(index_parts=False, ignore_index=True)
    parts = parts[parts.geom_type.eq("LineString").to_numpy() & ~parts.geometry.is_empty.to_numpy()]
    parts = gpd.GeoDataFrame({"part": np.arange(len(parts))}, geometry=parts.geometry.to_numpy(), crs=CRS).join(
        parts[["maxspeed", "row"]].reset_index(drop=True))
    positions = np.flatnonzero(motor)
    seg_geom = edges.geometry.to_numpy()[positions]
    segs = gpd.GeoDataFrame({"seg": np.arange(len(positions))}, geometry=seg_geom, crs=CRS)
    pairs = gpd.sjoin(segs, parts[["part", "geometry"]], how="inner", predicate="dwithin", distance=max_distance_m)
    if pairs.empty:
        raise InputFileError(f"{layer.path}: no street of the network within {max_distance_m:g} m of the layer")
    seg = pairs["seg"].to_numpy()
    part = pairs["part"].to_numpy()
    line_geom = parts.geometry.to_numpy()[part]
    # sample points of every segment that has a pair, once
    used, local = np.unique(seg, return_inverse=True)
    xy = _sample_xy(seg_geom[used], _SAMPLES)
    points = shapely.points(xy.reshape(-1, 2)).reshape(len(used), _SAMPLES)
    overlap = shapely.dwithin(points[local], line_geom[:, None], max_distance_m).mean(axis=1)
    near = overlap >= min_overlap - 1e-9
    if not near.any():
        raise InputFileError(
            f"{layer.path}: no street of the network runs along the layer ({len(used)} segment(s) lie within "
            f"{max_distance_m:g} m of it, none over ≥ {min_overlap:.0%} of its length)")
    # direction, for the pairs that overlap enough
    quarter, three_quarters = _SAMPLES // 4, _SAMPLES - 1 - _SAMPLES // 4
    lines_near = line_geom[near]
    a, b = points[local[near], quarter], points[local[near], three_quarters]
    pa = shapely.line_interpolate_point(lines_near, shapely.line_locate_point(lines_near, a))
    pb = shapely.line_interpolate_point(lines_near, shapely.line_locate_point(lines_near, b))
    seg_vec = xy[local[near], three_quarters] - xy[local[near], quarter]
    line_vec = shapely.get_coordinates(pb) - shapely.get_coordinates(pa)
    seg_norm = np.hypot(seg_vec[:, 0], seg_vec[:, 1])
    line_norm = np.hypot(line_vec[:, 0], line_vec[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.abs((seg_vec * line_vec).sum(axis=1)) / (seg_norm * line_norm)
    cos = np.nan_to_num(cos, nan=0.0)
    same_direction = (seg_norm < 0.5) | (cos >= math.cos(math.radians(max_angle_deg)) - 1e-9)
    mid = points[local[near], _SAMPLES // 2]
    distance = shapely.distance(mid, lines_near)
    found = pd.DataFrame({
        "edge": positions[seg[near]], "overlap": np.round(overlap[near], 3), "distance": distance,
        "maxspeed": parts["maxspeed"].to_numpy()[part[near]], "row": parts["row"].to_numpy()[part[near]],
    })[same_direction]
    if found.empty:
        raise InputFileError(
            f"{layer.path}: no street of the network runs along the layer ({len(used)} segment(s) lie within "
            f"{max_distance_m:g} m of it, none in the direction of its lines)")
    found = found.sort_values(["edge", "overlap", "distance"], ascending=[True, False, True], kind="stable")
    return found.drop_duplicates("edge")[["edge", "maxspeed", "row"]]


def _match_names(edges: pd.DataFrame, motor: np.ndarray, layer: SpeedLimitLayer) -> tuple[pd.DataFrame, list[str]]:
    """Motor-road segments whose folded name is in the list: ``edge``, ``maxspeed``, ``row``."""
    table = layer.frame.assign(key=fold_names(layer.frame["name"]).to_numpy())
    if "name" not in edges.columns:
        raise InputFileError(f"{layer.path}: the network has no street names to match the list against")
    names = fold_names(edges["name"]).to_numpy(dtype=object, na_value=None)
    segs = pd.DataFrame({"edge": np.flatnonzero(motor), "key": names[motor]}).dropna(subset=["key"])
    found = segs.merge(table[["key", "maxspeed", "row"]], on="key", how="inner")
    if found.empty:
        example = ", ".join(map(repr, table["name"].head(3).tolist()))
        raise InputFileError(f"{layer.path}: no street of the network has a name in the list "
                             f"({len(table)} names, e.g. {example})")
    unmatched = table.loc[~table["key"].isin(segs["key"]), "name"].astype(str).head(20).tolist()
    return found[["edge", "maxspeed", "row"]], unmatched


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
    motor = _motor(edges)
    if layer.by_name:
        found, unmatched = _match_names(edges, motor, layer)
    else:
        found = _match_lines(edges, motor, layer, max_distance_m=max_distance_m, min_overlap=min_overlap,
                             max_angle_deg=max_angle_deg)
        unmatched = []
    source = edges["maxspeed_source"].astype("string").fillna("")
    is_default = source.str.startswith("default:").to_numpy(dtype=bool)
    pos = found["edge"].to_numpy()
    take = is_default[pos]
    km = edges["length"].to_numpy(dtype=float) / 1000.0
    old = edges["maxspeed"].to_numpy(dtype=float, na_value=np.nan)[pos]
    new = found["maxspeed"].to_numpy(dtype=float, na_value=np.nan)
    mask = np.zeros(len(edges), dtype=bool)
    mask[pos[take]] = True
    values = np.full(len(edges), np.nan)
    values[pos] = new
    mask_s = pd.Series(mask, index=edges.index)
    out = edges.assign(
        maxspeed=edges["maxspeed"].mask(mask_s, pd.Series(values, index=edges.index).astype("Int64")),
        maxspeed_source=edges["maxspeed_source"].mask(mask_s, layer.source),
    )
    rows = int(layer.frame["row"].nunique())
    match = SpeedLimitMatch(
        source=layer.source,
        segments_set=int(take.sum()),
        km_set=round(float(km[pos[take]].sum()), 3),
        km_changed=round(float(km[pos[take & (old != new)]].sum()), 3),
        segments_tagged_kept=int((~take).sum()),
        km_tagged_kept=round(float(km[pos[~take]].sum()), 3),
        rows=rows,
        rows_used=int(found["row"].nunique()),
        unmatched_names=unmatched,
    )
    result = replace(net, edges=out, sources=[*net.sources, str(layer.path)])
    if getattr(net, "coverage", None):  # measured at load: the layer is part of what was loaded
        from mobisim.load.coverage import data_coverage

        result.coverage = data_coverage(result)
    return result, match


# ------------------------------------------------------------------------------ defaults vs tags

@dataclass(frozen=True)
class DefaultsVsTags:
    """How the class defaults compare with tagged limits on a sample (see :func:`default_vs_tagged`).

    Attributes
    ----------
    file, osm_date : str
        The sample and the date of its OSM data.
    km_tagged : float
        Road km with a tagged ``maxspeed`` (the km compared).
    km_50_tags, km_50_defaults : float
        Road km with limit 50 by the tags and by the class defaults.
    km_30_tags, km_30_defaults : float
        The same for limit 30.
    share_agree : float
        Share of ``km_tagged`` where the class default equals the tag (0..1).
    """

    file: str
    osm_date: str
    km_tagged: float
    km_50_tags: float
    km_50_defaults: float
    km_30_tags: float
    km_30_defaults: float
    share_agree: float

    def sentence(self) -> str:
        """The comparison as one sentence for a report."""
        return (f"on a fully tagged sample ({self.file}, OSM data of {self.osm_date}), class defaults find "
                f"{self.km_50_defaults:.1f} km of 50-roads where the tags say {self.km_50_tags:.1f} km "
                f"(agree on {100 * self.share_agree:.0f} % of road km)")


SCHEVENINGEN_2025 = DefaultsVsTags(
    file="scheveningen-2025.osm.bz2",
    osm_date="2025-11-28",
    km_tagged=72.6,
    km_50_tags=25.4,
    km_50_defaults=12.2,
    km_30_tags=45.1,
    km_30_defaults=57.2,
    share_agree=0.818,
)
"""Class defaults against real tags on the fully tagged Scheveningen sample.

Measured with ``default_vs_tagged(load_network(["../shared/osm/scheveningen-2025.osm.bz2"]))``
(Overpass extract of OSM data of 2025-11-28: 690 drivable ways, ``maxspeed`` on 684; see
``../shared/osm/README.md``): of the 72.6 km of road segments (``is_road``) with a tagged
``maxspeed``, the tags give 25.4 km of 50-roads and 45.1 km of 30-roads, the class defaults
(:data:`mobisim.load.tags.DEFAULT_MAXSPEED`) 12.2 km and 57.2 km; default and tag agree on 81.8 % of
the km. Most of the gap is 11.9 km of ``residential`` streets signed 50 (the default says 30);
the 1.1 km of ``trunk`` is signed 50 (default 80). ``tests/test_speedlimits_shared.py`` recomputes
the figures from the file.
"""


def default_vs_tagged(net: Network) -> dict[str, float | int]:
    """Compare tagged limits with the class defaults on the road segments that have a tag.

    The default of each segment is what :func:`mobisim.load.tags.maxspeed` would have filled in without
    the tag: :data:`~mobisim.load.tags.DEFAULT_MAXSPEED` by ``highway``, or
    :data:`~mobisim.load.tags.DEFAULT_MAXSPEED_RURAL` outside the built-up area (``builtup`` false).

    Parameters
    ----------
    net : mobisim.network.Network
        A loaded, tagged network.

    Returns
    -------
    dict
        ``segments`` and ``km_tagged`` (road segments, ``is_road``, whose ``maxspeed_source`` starts
        with ``tag``), ``km_50_tags``/``km_50_defaults`` and ``km_30_tags``/``km_30_defaults`` (km
        with limit 50 or 30 by the tags and by the defaults), ``share_agree`` (share of
        ``km_tagged`` where default equals tag; NaN without tagged roads).
    """
    e = net.edges
    roads = e["is_road"].fillna(False).to_numpy(dtype=bool)
    tagged = e["maxspeed_source"].astype("string").str.startswith("tag").fillna(False).to_numpy(dtype=bool)
    sel = e[roads & tagged]
    km = sel["length"].to_numpy(dtype=float) / 1000.0
    tag = sel["maxspeed"].to_numpy(dtype=float, na_value=np.nan)
    urban = sel["highway"].map(DEFAULT_MAXSPEED).astype("Float64")
    rural = sel["highway"].map(DEFAULT_MAXSPEED_RURAL).astype("Float64").fillna(urban)
    builtup = sel["builtup"].fillna(True).to_numpy(dtype=bool) if "builtup" in sel.columns else np.ones(len(sel), bool)
    default = np.where(builtup, urban.to_numpy(dtype=float, na_value=np.nan),
                       rural.to_numpy(dtype=float, na_value=np.nan))
    total = float(km.sum())
    return {
        "segments": int(len(sel)),
        "km_tagged": total,
        "km_50_tags": float(km[tag == 50].sum()),
        "km_50_defaults": float(km[default == 50].sum()),
        "km_30_tags": float(km[tag == 30].sum()),
        "km_30_defaults": float(km[default == 30].sum()),
        "share_agree": float(km[tag == default].sum()) / total if total > 0 else float("nan"),
    }


def defaults_note(net: Network, sample: DefaultsVsTags = SCHEVENINGEN_2025) -> str | None:
    """The caveat a report prints when today's limits are class defaults.

    Parameters
    ----------
    net : mobisim.network.Network
        The network as loaded (speed-limit layer applied).
    sample : DefaultsVsTags
        The measured comparison to quote.

    Returns
    -------
    str or None
        One paragraph: how many road km carry a class default, the sample's comparison and how to
        give real limits; ``None`` when no road segment has a default limit.
    """
    e = net.edges
    roads = e["is_road"].fillna(False).to_numpy(dtype=bool)
    source = e["maxspeed_source"].astype("string").fillna("")
    default = source.str.startswith("default:").to_numpy(dtype=bool) & roads
    km = e["length"].to_numpy(dtype=float) / 1000.0
    if not default.any():
        return None
    km_default, km_roads = float(km[default].sum()), float(km[roads].sum())
    return (f"Today's limits on {km_default:,.1f} km of the {km_roads:,.1f} km of roads "
            f"({km_default / km_roads:.0%}) are class defaults, not signed limits: {sample.sentence()}. "
            f"Give the real limits with --speed-limits FILE or [data] speed_limits.")
