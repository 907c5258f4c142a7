"""Separate cycle paths detected from geometry (part of the *tag* step).

Most Dutch cycle tracks are mapped as their own ``highway=cycleway`` ways, not as tags on the road;
in the 2021 city file no road carries cycleway tags at all. For every road segment and each side, this
module measures how much of the segment has a cycle path running *parallel* to it nearby:

1. sample points along the road every ``spacing_m`` metres (at least three per segment);
2. find every cycle path within ``max_distance_m`` of each point (one STRtree query for all points);
3. for each (point, cycle path) pair, take the nearest point on the cycle path, the side it lies on
   (sign of the cross product with the road's local direction), and whether the cycle path runs
   parallel there (angle between local directions at most ``max_angle_deg``) and is not touching
   the road (distance ≥ ``min_distance_m``, which excludes paths that merely join at a junction);
4. a side is *covered* at a point when any parallel cycle path lies on that side; the share of covered
   points is the side's coverage, and the side has a parallel cycle path when the coverage reaches
   ``min_coverage``.

A cycle path that crosses the road is perpendicular where it is near, so it does not count.
Everything runs on whole arrays (shapely 2 vectorised functions), no loop over segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


@dataclass(frozen=True)
class ParallelSettings:
    """Thresholds of the parallel cycle path detection (defaults suit Dutch urban profiles)."""

    #: A cycle track beside a Dutch distributor road lies 3–15 m from the road's centre line
    #: (carriageway half-width + verge/parking strip, CROW *Ontwerpwijzer fietsverkeer* profiles).
    max_distance_m: float = 15.0
    #: Closer than this the path touches the road (joins it at a junction): not a parallel path.
    min_distance_m: float = 1.5
    #: "Mostly parallel": local directions within this angle.
    max_angle_deg: float = 30.0
    #: "Over most of its length": share of sample points with a parallel path on that side.
    min_coverage: float = 0.5
    #: Distance between sample points along the road.
    spacing_m: float = 10.0
    #: Only count lines running the opposite way (used for dual carriageways, not cycle paths).
    opposite_only: bool = False


def _sample_points(lines: np.ndarray, lengths: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions along each line: returns the owner index and the distance along the line."""
    counts = np.maximum(3, np.ceil(lengths / spacing).astype(np.int64))
    owner = np.repeat(np.arange(len(lines)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(counts.sum()) - np.repeat(starts, counts)
    along = (rank + 0.5) / np.repeat(counts, counts) * np.repeat(lengths, counts)
    return owner, along


def _unit_tangent(lines: np.ndarray, along: np.ndarray, lengths: np.ndarray, step: float = 1.0) -> np.ndarray:
    """Unit direction of each line at the given distance along it (central difference)."""
    a = shapely.line_interpolate_point(lines, np.clip(along - step, 0, lengths))
    b = shapely.line_interpolate_point(lines, np.clip(along + step, 0, lengths))
    d = shapely.get_coordinates(b) - shapely.get_coordinates(a)
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    return d / norm[:, None]


def parallel_cycle_paths(
    roads: gpd.GeoSeries, cycle_paths: gpd.GeoSeries, settings: ParallelSettings | None = None
) -> pd.DataFrame:
    """Coverage of each road side by a parallel, separate cycle path.

    Parameters
    ----------
    roads
        Road segment lines (metric CRS); sides are relative to each line's direction.
    cycle_paths
        Cycle path lines in the same CRS.
    settings
        Detection thresholds; :class:`ParallelSettings` defaults when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``roads``: ``cycle_parallel_coverage_left``/``_right`` (0–1) and
        ``cycle_parallel_left``/``_right`` (bool).
    """
    s = settings or ParallelSettings()
    out = pd.DataFrame(
        {"cycle_parallel_coverage_left": 0.0, "cycle_parallel_coverage_right": 0.0}, index=roads.index
    )
    if len(roads) and len(cycle_paths):
        lines = roads.to_numpy()
        lengths = shapely.length(lines)
        owner, along = _sample_points(lines, lengths, s.spacing_m)
        points = shapely.line_interpolate_point(lines[owner], along)
        road_dir = _unit_tangent(lines[owner], along, lengths[owner])

        paths = cycle_paths.to_numpy()
        tree = shapely.STRtree(paths)
        pt_idx, path_idx = tree.query(points, predicate="dwithin", distance=s.max_distance_m)
        if len(pt_idx):
            path_geom = paths[path_idx]
            path_len = shapely.length(path_geom)
            pos = shapely.line_locate_point(path_geom, points[pt_idx])
            nearest = shapely.line_interpolate_point(path_geom, pos)
            offset = shapely.get_coordinates(nearest) - shapely.get_coordinates(points[pt_idx])
            dist = np.hypot(offset[:, 0], offset[:, 1])
            path_dir = _unit_tangent(path_geom, pos, path_len)
            rd = road_dir[pt_idx]
            dot = (rd * path_dir).sum(axis=1)
            parallel = (-dot if s.opposite_only else np.abs(dot)) >= np.cos(np.radians(s.max_angle_deg))
            cross = rd[:, 0] * offset[:, 1] - rd[:, 1] * offset[:, 0]
            ok = parallel & (dist >= s.min_distance_m)
            covered = np.zeros((len(points), 2), dtype=bool)
            covered[pt_idx[ok & (cross > 0)], 0] = True  # left of the direction of travel
            covered[pt_idx[ok & (cross < 0)], 1] = True
            n = np.bincount(owner, minlength=len(lines))
            out["cycle_parallel_coverage_left"] = np.bincount(owner, covered[:, 0], len(lines)) / n
            out["cycle_parallel_coverage_right"] = np.bincount(owner, covered[:, 1], len(lines)) / n
    out["cycle_parallel_left"] = out["cycle_parallel_coverage_left"] >= s.min_coverage
    out["cycle_parallel_right"] = out["cycle_parallel_coverage_right"] >= s.min_coverage
    if not len(roads) or not len(cycle_paths):
        out[["cycle_parallel_left", "cycle_parallel_right"]] = False
    return out


def separated_sides(edges: pd.DataFrame) -> pd.DataFrame:
    """Combine tags and geometry: is each side of a road physically separated for cyclists?

    A side is separated when tagged ``track`` or ``separate`` (the cycle path is mapped as its own way)
    or when a parallel cycle path was detected on it.

    Returns
    -------
    pandas.DataFrame
        ``cycle_separated_left``, ``cycle_separated_right`` (bool), ``cycle_separated_source``
        (``tag``, ``geometry``, ``tag+geometry`` or ``none``).
    """
    sep = ["track", "separate"]
    tag_left = edges["cycleway_left"].isin(sep).to_numpy()
    tag_right = edges["cycleway_right"].isin(sep).to_numpy()
    geo_left = edges["cycle_parallel_left"].to_numpy(dtype=bool)
    geo_right = edges["cycle_parallel_right"].to_numpy(dtype=bool)
    by_tag = tag_left | tag_right
    by_geo = (geo_left & ~tag_left) | (geo_right & ~tag_right)
    source = np.select([by_tag & by_geo, by_tag, by_geo], ["tag+geometry", "tag", "geometry"], "none")
    return pd.DataFrame(
        {
            "cycle_separated_left": tag_left | geo_left,
            "cycle_separated_right": tag_right | geo_right,
            "cycle_separated_source": source,
        },
        index=edges.index,
    )


#: A dual carriageway's two one-way halves lie 5–30 m apart (centre lines; median 2–20 m wide).
DUAL_CARRIAGEWAY = ParallelSettings(max_distance_m=30.0, min_distance_m=3.0, max_angle_deg=30.0,
                                    min_coverage=0.5, spacing_m=10.0, opposite_only=True)


def dual_carriageways(edges: pd.DataFrame, settings: ParallelSettings = DUAL_CARRIAGEWAY) -> pd.Series:
    """One-way road segments that are half of a dual carriageway.

    Same geometric test as :func:`parallel_cycle_paths`, with the other one-way motor roads in the
    place of cycle paths: a dual carriageway has its opposite half parallel on its *left* (right-hand
    traffic). On such a segment the right (outer) side is where cyclists ride, so a separated path on
    the right serves that direction; the other half has its own.

    Returns
    -------
    pandas.Series of bool
        Indexed like ``edges``.
    """
    oneway_roads = edges["is_road"].to_numpy() & edges["oneway"].to_numpy()
    geoms = edges.geometry[oneway_roads]
    cover = parallel_cycle_paths(geoms, geoms, settings)
    return cover["cycle_parallel_left"].reindex(edges.index, fill_value=False).astype(bool)
