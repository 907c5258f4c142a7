"""Match a speed-limit layer to the network's motor roads: lines by geometry, names by street name.

:func:`match_lines` finds, per segment, the layer line that runs along it (overlap and direction);
:func:`match_names` the street of that name. Both return the segments' positions with the
layer's limit and row; :func:`mobisim.load.speedlimits.apply_speed_limits` applies them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.frames import CRS
from mobisim.names import fold_names

if TYPE_CHECKING:
    from mobisim.load.speedlimits import SpeedLimitLayer

#: Points per segment at which the overlap with a layer line is measured (5 % resolution).
_SAMPLES = 20


def motor_segments(edges: pd.DataFrame) -> np.ndarray:
    """Motor-road segments: ``is_road`` or ``mode_drive``."""
    return (edges["is_road"].fillna(False).to_numpy(dtype=bool)
            | edges["mode_drive"].fillna(False).to_numpy(dtype=bool))


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


def match_lines(edges: gpd.GeoDataFrame, motor: np.ndarray, layer: SpeedLimitLayer, *, max_distance_m: float,
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


def match_names(edges: pd.DataFrame, motor: np.ndarray, layer: SpeedLimitLayer) -> tuple[pd.DataFrame, list[str]]:
    """Motor-road segments whose folded name is in the list: ``edge``, ``maxspeed``, ``row``."""
    table = layer.frame.assign(key=fold_names(layer.frame["name"]).to_numpy())
    names = fold_names(edges["name"]).to_numpy(dtype=object, na_value=None)
    segs = pd.DataFrame({"edge": np.flatnonzero(motor), "key": names[motor]}).dropna(subset=["key"])
    found = segs.merge(table[["key", "maxspeed", "row"]], on="key", how="inner")
    if found.empty:
        example = ", ".join(map(repr, table["name"].head(3).tolist()))
        raise InputFileError(f"{layer.path}: no street of the network has a name in the list "
                             f"({len(table)} names, e.g. {example})")
    unmatched = table.loc[~table["key"].isin(segs["key"]), "name"].astype(str).head(20).tolist()
    return found[["edge", "maxspeed", "row"]], unmatched
