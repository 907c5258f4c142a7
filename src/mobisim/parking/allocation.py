"""Freed space: which street segments give up their spaces first, and how the space is re-used.

:func:`allocate_freed` puts each capped wijk's freed spaces on real segments by the documented
priority (school routes, then the fullest kerbs, then crossings' sight lines);
:func:`freed_by_street` sums them per street; :func:`reuse` splits freed spaces over bike
parking, green, play space, meeting places and terraces.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import column
from mobisim.parking.settings import ParkingSettings

__all__ = ["allocate_freed", "freed_by_street", "reuse"]

#: The sort key column of each priority rule (see :func:`allocate_freed`).
_RULE_KEYS = {"school_route": "_children", "supply_density": "_density", "crossing_sight_line": "_crossing"}


def _in_priority_order(edges: gpd.GeoDataFrame, codes: np.ndarray, s: ParkingSettings) -> pd.DataFrame:
    """The segments with spaces in the capped wijken, sorted by wijk and then ``s.priority``.

    Adds the sort keys ``_children``, ``_density``, ``_crossing``, the ``edge_id`` and the
    ``priority_rank`` within the wijk.
    """
    e = edges[edges["wijk_code"].isin(codes) & (edges["parking_spaces"] > 0)].copy()
    e["edge_id"] = e.index
    e = e.rename_axis(None)
    e["_children"] = column(e, "school_route_children", 0.0).fillna(0.0).astype(float)
    per_metre = e["parking_spaces"] / e["length"].where(e["length"] > 0)
    e["_density"] = np.round(per_metre / s.density_step).fillna(0.0) * s.density_step
    e["_crossing"] = column(e, "near_crossing", False).astype(bool)
    order = ["wijk_code"] + [_RULE_KEYS[r] for r in s.priority] + ["edge_id"]
    e = e.sort_values(order, ascending=[True] + [False] * len(s.priority) + [True], kind="mergesort")
    e["priority_rank"] = e.groupby("wijk_code").cumcount() + 1
    return e


def _take_freed(e: pd.DataFrame, cap: pd.DataFrame) -> list[int]:
    """Take each wijk's cumulative freed spaces from its segments in order, year by year.

    Adds ``freed_<year>`` (cumulative), ``freed_spaces`` (by the last year) and ``first_year``
    to ``e`` in place; returns the years.
    """
    before = e.groupby("wijk_code")["parking_spaces"].cumsum() - e["parking_spaces"]
    wide = cap.pivot(index="code", columns="year", values="freed_cumulative")
    years = list(wide.columns)
    first_year = pd.Series(pd.NA, index=e.index, dtype="Int64")
    for year in years:  # a handful of years, each a whole-column operation
        total = e["wijk_code"].map(wide[year]).astype(float)
        e[f"freed_{year}"] = (total - before).clip(lower=0.0).clip(upper=e["parking_spaces"])
        first_year = first_year.mask(first_year.isna() & (e[f"freed_{year}"] > 0), year)
    e["freed_spaces"] = e[f"freed_{years[-1]}"]
    e["first_year"] = first_year
    return years


def _priority_reasons(e: pd.DataFrame, s: ParkingSettings) -> tuple[np.ndarray, pd.Series]:
    """The rule that put each segment where it is (the first rule of the order that applies) and
    the reason in words."""
    applies = {"school_route": e["_children"] > 0, "crossing_sight_line": e["_crossing"].astype(bool),
               "supply_density": pd.Series(True, index=e.index)}
    rules = list(s.priority) + ["supply_density"]
    rule = np.select([applies[r].to_numpy() for r in rules], rules, default="supply_density")
    school = e["_children"] > 0
    per100 = (e["parking_spaces"] / e["length"] * 100).round(1).astype(str)
    reason = "school route of " + e["_children"].round(0).astype(int).astype(str) + " children; "
    reason = reason.where(school, "")
    reason = reason + per100 + " spaces per 100 m"
    crossing = np.where(e["_crossing"], "; ends at a pedestrian crossing (sight line)", "")
    return rule, reason + pd.Series(crossing, index=e.index)


def allocate_freed(
    edges: gpd.GeoDataFrame, cap: pd.DataFrame, settings: ParkingSettings | None = None
) -> gpd.GeoDataFrame:
    """Put the freed spaces of each area on real street segments, by the documented priority.

    Segments of an area are ordered by the rules in ``settings.priority``:

    * ``school_route`` — ``school_route_children`` descending (segments on school routes first;
      skipped when the column is absent);
    * ``supply_density`` — spaces per metre of segment, rounded to ``density_step``,
      descending (the fullest kerbs first, where removing spaces frees the most contiguous space);
    * ``crossing_sight_line`` — segments ending at a pedestrian crossing first (sight lines).

    Ties keep the edge order. Each area's cumulative freed spaces are taken from the segments in
    that order, all of a segment's spaces before the next one.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        With ``parking_spaces``, ``parking_source``, ``near_crossing`` and ``wijk_code``.
    cap : pandas.DataFrame
        From :func:`mobisim.parking.cap_table`.
    settings : ParkingSettings, optional

    Returns
    -------
    geopandas.GeoDataFrame
        One row per segment that gives up spaces by the last year: ``edge_id``, ``code``,
        ``wijk``, ``street``, ``highway``, ``parking_spaces``, ``freed_spaces``, ``first_year``,
        ``freed_<year>`` (cumulative per year), ``priority_rank``, ``priority_rule``,
        ``priority_reason``, ``geometry``.
    """
    s = settings or ParkingSettings()
    e = _in_priority_order(edges, cap["code"].unique(), s)
    years = _take_freed(e, cap)
    e = e[e["freed_spaces"] > 0]
    e["priority_rule"], e["priority_reason"] = _priority_reasons(e, s)
    e["wijk"] = e["wijk_code"].map(cap.drop_duplicates("code").set_index("code")["name"])
    e["street"] = column(e, "name")
    cols = (["edge_id", "wijk_code", "wijk", "street", "highway", "parking_spaces", "parking_source", "freed_spaces",
             "first_year"] + [f"freed_{y}" for y in years] + ["priority_rank", "priority_rule", "priority_reason", "geometry"])
    out = gpd.GeoDataFrame(e[cols].rename(columns={"wijk_code": "code"}), geometry="geometry", crs=edges.crs)
    return out.reset_index(drop=True)


def freed_by_street(freed: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Freed spaces summed per street and wijk (segments dissolved into one geometry).

    Parameters
    ----------
    freed : geopandas.GeoDataFrame
        From :func:`allocate_freed`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``wijk``, ``street`` (NA for unnamed segments, kept as one group per wijk),
        ``segments``, ``parking_spaces``, ``freed_spaces``, ``first_year``, ``geometry``.
    """
    if freed.empty:
        return freed.iloc[0:0][["code", "wijk", "street", "parking_spaces", "freed_spaces", "first_year", "geometry"]]
    agg = {"edge_id": "count", "parking_spaces": "sum", "freed_spaces": "sum", "first_year": "min"}
    cols = ["code", "wijk", "street", "edge_id", "parking_spaces", "freed_spaces", "first_year", "geometry"]
    out = freed[cols].dissolve(by=["code", "wijk", "street"], aggfunc=agg, dropna=False).reset_index()
    out = out.rename(columns={"edge_id": "segments"}).sort_values(["code", "freed_spaces"], ascending=[True, False])
    return out.reset_index(drop=True)


def reuse(freed: pd.Series, settings: ParkingSettings | None = None) -> pd.DataFrame:
    """Split freed spaces over the re-use mix.

    Parameters
    ----------
    freed : pandas.Series
        Freed car spaces (any index, e.g. per area or per year).
    settings : ParkingSettings, optional

    Returns
    -------
    pandas.DataFrame
        Same index; ``freed_spaces``, ``freed_m2`` (× ``space_area_m2``), ``bike_parking_spaces``
        (whole car spaces: ``freed × reuse_mix.bike_parking`` rounded half up), ``bikes``
        (``bike_parking_spaces × bikes_per_space``), ``green_m2``, ``play_m2``, ``meeting_m2``,
        ``terraces_m2`` (the area split proportionally).
    """
    s = settings or ParkingSettings()
    mix = s.reuse_mix
    f = freed.astype(float)
    m2 = f * s.space_area_m2
    bike_spaces = np.floor(f * mix.bike_parking + 0.5 + 1e-9)
    return pd.DataFrame(
        {
            "freed_spaces": f,
            "freed_m2": m2,
            "bike_parking_spaces": bike_spaces,
            "bikes": bike_spaces * s.bikes_per_space,
            "green_m2": m2 * mix.green,
            "play_m2": m2 * mix.play,
            "meeting_m2": m2 * mix.meeting,
            "terraces_m2": m2 * mix.terraces,
        },
        index=freed.index,
    )
