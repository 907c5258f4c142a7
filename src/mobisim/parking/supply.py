"""Kerb-space supply: on-street spaces per street segment, and supply per wijk.

On-street spaces come from OSM parking tags where mapped, from individually mapped
``amenity=parking_space`` features, and otherwise from the kerb length by road class (the
documented assumptions are in :mod:`mobisim.parking`). Surface lots and garages are counted
separately, per wijk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS, LINK_CLASSES, column, flags
from mobisim.load.areas import assign_areas
from mobisim.parking.settings import ParkingSettings

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = [
    "CROSSING_KINDS",
    "NO_PARKING_VALUES",
    "ON_STREET_VALUES",
    "OUT_OF_SCOPE_HIGHWAY",
    "city_summary",
    "crossing_nodes",
    "eligible_segments",
    "end_exclusions",
    "parking_supply",
    "supply_by_area",
    "surface_lots",
    "with_crossings",
]

OUT_OF_SCOPE_HIGHWAY = {"motorway", "trunk", *LINK_CLASSES}
"""Road classes without on-street parking in this model (besides every non-road): motorways,
trunks and every ``*_link`` road."""

ON_STREET_VALUES = {
    "lane", "street_side", "on_kerb", "half_on_kerb", "shoulder", "yes", "parallel", "diagonal",
    "perpendicular", "marked", "inline", "orthogonal",
}
"""``parking:<side>`` / ``parking:lane:<side>`` values that mean on-street parking on that side."""

NO_PARKING_VALUES = {"no", "separate", "no_parking", "no_stopping", "fire_lane", "none", "no_standing"}
"""Values that mean no on-street parking on that side (``separate``: mapped as its own area)."""

CROSSING_KINDS = ("zebra", "zebra+island", "island", "uncontrolled", "path_meets_road")
"""``crossing_kind`` values (from :mod:`mobisim.rules.toets`) that count as a pedestrian crossing here.
Plain junctions are left out: the junction exclusion already covers them."""

#: Columns of a mapped parking space.
_SPACE_COLUMNS = ["osm_type", "osm_id", "capacity", "access", "geometry"]


def _side_spaces(
    value: pd.Series, kerb: pd.Series, estimate_side: pd.Series, s: ParkingSettings
) -> tuple[pd.Series, pd.Series]:
    """Spaces on one side and whether the figure comes from a tag."""
    val = value.astype("string").str.lower()
    on = val.isin(ON_STREET_VALUES).fillna(False).astype(bool)
    off = val.isin(NO_PARKING_VALUES).fillna(False).astype(bool)
    tagged = on | off
    per_space = pd.Series(s.metres_per_space, index=kerb.index)
    per_space = per_space.mask((val == "diagonal").fillna(False).astype(bool), s.metres_per_space_diagonal)
    perpendicular = val.isin(["perpendicular", "orthogonal"]).fillna(False).astype(bool)
    per_space = per_space.mask(perpendicular, s.metres_per_space_perpendicular)
    spaces = np.floor(kerb / per_space + 1e-9)
    parked = on | (~tagged & estimate_side)
    return spaces.where(parked, 0.0).astype(float), tagged


def crossing_nodes(nodes: gpd.GeoDataFrame) -> pd.Series:
    """Boolean per node: a pedestrian crossing (exclusion zone and sight-line priority).

    Tagged crossings (``highway=crossing``, a ``crossing`` tag other than ``no``, ``zebra``)
    and, when the toets step has run, ``is_crossing`` nodes whose ``crossing_kind`` is one of
    :data:`CROSSING_KINDS` (a path meeting the road, an island …) — not every junction.
    """
    highway = column(nodes, "highway").astype("string")
    crossing = column(nodes, "crossing").astype("string")
    tagged = (highway == "crossing").fillna(False) | (crossing.notna() & (crossing != "no")).fillna(False)
    tagged |= flags(nodes, "zebra")
    kind = column(nodes, "crossing_kind").astype("string")
    tagged |= flags(nodes, "is_crossing") & kind.isin(CROSSING_KINDS).fillna(False)
    return tagged.astype(bool)


def with_crossings(net: Network) -> gpd.GeoDataFrame:
    """``net.nodes`` with the crossing columns of the 8-jarigen-toets (``is_crossing``,
    ``crossing_kind``), found with :func:`mobisim.rules.toets.classify_crossings` when the toets has
    not run yet, so the supply is the same whether or not it ran (``mobisim parking`` and
    ``mobisim run`` give the same figures). ``net.nodes`` itself is left unchanged."""
    nodes = net.nodes
    if "is_crossing" in nodes and "crossing_kind" in nodes:
        return nodes
    if not {"u", "v", "is_road", "highway"} <= set(net.edges.columns):
        return nodes  # a bare frame (no road model): tagged crossings only
    from mobisim.rules.toets import classify_crossings

    found = classify_crossings(net)[["is_crossing", "crossing_kind"]]
    return nodes.assign(is_crossing=found["is_crossing"], crossing_kind=found["crossing_kind"])


def eligible_segments(edges: gpd.GeoDataFrame, settings: ParkingSettings | None = None) -> pd.Series:
    """Segments that can carry on-street parking.

    Motor roads (``is_road``) except motorways, trunks and all links; bridges and tunnels are
    left out too when the edges carry ``bridge`` / ``tunnel`` columns and
    ``settings.exclude_bridges_tunnels`` is on (no kerb parking on a bridge deck or in a tunnel).
    """
    s = settings or ParkingSettings()
    is_road = column(edges, "is_road", True).fillna(False).astype(bool)
    ok = is_road & ~edges["highway"].astype("string").isin(OUT_OF_SCOPE_HIGHWAY).fillna(False).astype(bool)
    if s.exclude_bridges_tunnels:
        for name in ("bridge", "tunnel"):  # an absent column is all NA: no exclusion
            value = column(edges, name).astype("string").str.lower()
            ok &= (value.isna() | value.isin(["no", "false", "0"])).fillna(True).astype(bool)
    return ok


def end_exclusions(
    edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, settings: ParkingSettings
) -> tuple[pd.Series, pd.Series]:
    """Metres excluded at the ``u`` and ``v`` end of every segment (junction / crossing)."""
    road = eligible_segments(edges, settings) | flags(edges, "is_cycleway")
    degree = pd.concat([edges.loc[road, "u"], edges.loc[road, "v"]]).value_counts()
    crossing = crossing_nodes(nodes)
    crossing_ids = crossing.index[crossing.to_numpy()]

    def at(end: pd.Series) -> pd.Series:
        junction = end.map(degree).fillna(0).to_numpy() >= 3
        cross = end.isin(crossing_ids).to_numpy()
        ex = np.maximum(np.where(junction, settings.junction_exclusion_m, 0.0),
                        np.where(cross, settings.crossing_exclusion_m, 0.0))
        return pd.Series(ex, index=end.index)

    return at(edges["u"]), at(edges["v"])


def _mapped_spaces(features: gpd.GeoDataFrame | None, spaces: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Parking-space features from the network and the optional layer, deduplicated by OSM id."""
    frames = []
    if features is not None and len(features) and "kind" in features:
        f = features[features["kind"] == "parking_space"]
        if len(f):
            f = f.assign(access=column(f, "access"))
            frames.append(f.reindex(columns=_SPACE_COLUMNS))
    if spaces is not None and len(spaces):
        frames.append(spaces.to_crs(CRS).reindex(columns=_SPACE_COLUMNS))
    if not frames:
        return gpd.GeoDataFrame({"osm_type": [], "osm_id": [], "capacity": [], "access": [], "private": []},
                                geometry=[], crs=CRS)
    out = pd.concat(frames, ignore_index=True)
    key = out["osm_type"].astype("string") + "/" + out["osm_id"].astype("string")
    out = out[key.isna() | ~key.duplicated()]
    out["capacity"] = pd.to_numeric(out["capacity"], errors="coerce").fillna(1.0).astype(float)
    out["private"] = out["access"].astype("string").isin(["private", "no"]).fillna(False).astype(bool)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS).reset_index(drop=True)


def _snapped_capacity(
    edges: gpd.GeoDataFrame, ok: pd.Series, points: gpd.GeoDataFrame, snap_m: float
) -> pd.Series:
    """Mapped spaces per segment: each public space on its nearest eligible segment within ``snap_m``."""
    mapped = pd.Series(0.0, index=edges.index)
    points = points[~points["private"]]
    if not (len(points) and ok.any()):
        return mapped
    cand = gpd.GeoDataFrame({"edge": edges.index[ok]}, geometry=edges.geometry[ok].values, crs=edges.crs)
    p = gpd.GeoDataFrame({"capacity": points["capacity"].to_numpy()},
                         geometry=points.geometry.representative_point().values, crs=CRS)
    hit = gpd.sjoin_nearest(p, cand, how="inner", max_distance=snap_m)
    hit = hit[~hit.index.duplicated()]
    return mapped.add(hit.groupby("edge")["capacity"].sum(), fill_value=0.0).reindex(edges.index).fillna(0.0)


def parking_supply(
    net: Network, settings: ParkingSettings | None = None, spaces: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """On-street parking spaces per street segment.

    Parameters
    ----------
    net : mobisim.network.Network
        Needs ``edges`` (``u``, ``v``, ``highway``, ``length``, ``is_road``, ``parking_left``,
        ``parking_right``) and ``nodes``; uses ``features`` of kind ``parking_space``.
    settings : ParkingSettings, optional
    spaces : geopandas.GeoDataFrame, optional
        Extra ``amenity=parking_space`` layer (:func:`mobisim.load.parking_data.load_parking_spaces`),
        merged with ``net.features`` by OSM id.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``net.edges``: ``parking_spaces`` (float), ``parking_spaces_left``,
        ``parking_spaces_right`` (NaN where the figure comes from mapped spaces, which have no
        side), ``parking_kerb_m`` (kerb per side after exclusions),
        ``parking_source`` (``tag``, ``estimate``, ``tag+estimate``, ``parking_space``,
        ``not_applicable``), ``parking_mapped_spaces`` (mapped spaces snapped to the segment)
        and ``near_crossing`` (an end of the segment is a crossing). Assign them to the edges
        with ``net.edges[cols] = parking_supply(net)`` (:func:`mobisim.parking.evaluate_parking` does).
    """
    s = settings or ParkingSettings()
    edges, nodes = net.edges, with_crossings(net)
    ok = eligible_segments(edges, s)
    ex_u, ex_v = end_exclusions(edges, nodes, s)
    kerb = (edges["length"].astype(float) - ex_u - ex_v).clip(lower=0.0).where(ok, 0.0)
    sides = edges["highway"].astype("string").map(s.sides_by_class).fillna(0).astype(int).where(ok, 0)
    left_val = column(edges, "parking_left").astype("string")
    right_val = column(edges, "parking_right").astype("string")
    # right side first: a one-sided street class parks on the right of the way direction
    right, right_tag = _side_spaces(right_val, kerb, sides >= 1, s)
    left, left_tag = _side_spaces(left_val, kerb, sides >= 2, s)
    total = left + right
    source = pd.Series("estimate", index=edges.index, dtype="string")
    source = source.mask(left_tag & right_tag, "tag").mask(left_tag ^ right_tag, "tag+estimate")
    on_tag = (left_val.str.lower().isin(ON_STREET_VALUES).fillna(False)
              | right_val.str.lower().isin(ON_STREET_VALUES).fillna(False)).astype(bool)

    mapped = _snapped_capacity(edges, ok, _mapped_spaces(net.features, spaces), s.space_snap_m)
    use_mapped = ok & (mapped > 0) & ~on_tag
    total = total.mask(use_mapped, mapped)
    left = left.mask(use_mapped, np.nan)
    right = right.mask(use_mapped, np.nan)
    source = source.mask(use_mapped, "parking_space").mask(~ok, "not_applicable")
    crossing = crossing_nodes(nodes)
    cids = crossing.index[crossing.to_numpy()]
    return pd.DataFrame(
        {
            "parking_spaces": total.where(ok, 0.0).astype(float),
            "parking_spaces_left": left.where(ok, 0.0).astype(float),
            "parking_spaces_right": right.where(ok, 0.0).astype(float),
            "parking_kerb_m": kerb.astype(float),
            "parking_source": source,
            "parking_mapped_spaces": mapped.where(ok, 0.0).astype(float),
            "near_crossing": (edges["u"].isin(cids) | edges["v"].isin(cids)).astype(bool),
        },
        index=edges.index,
    )


def surface_lots(features: gpd.GeoDataFrame | None, settings: ParkingSettings) -> gpd.GeoDataFrame:
    """Surface parking lots (``kind == "parking"``) with a capacity (tag, else area / m² per space)."""
    if features is None or not len(features) or "kind" not in features:
        return gpd.GeoDataFrame({"capacity": [], "capacity_source": []}, geometry=[], crs=CRS)
    lots = features[features["kind"] == "parking"].copy()
    cap = pd.to_numeric(column(lots, "capacity", np.nan), errors="coerce")
    area = lots.geometry.area
    est = np.floor(area / settings.lot_m2_per_space).where(area > 0)
    estimated = pd.Series("estimate:area", index=lots.index).where(est.notna(), "unknown")
    lots["capacity_source"] = pd.Series("tag", index=lots.index).where(cap.notna(), estimated)
    lots["capacity"] = cap.fillna(est).astype(float)
    return gpd.GeoDataFrame(lots[["capacity", "capacity_source", "geometry"]], geometry="geometry", crs=CRS)


def _split_mixed(e: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Spaces per segment from tags and from estimates; a ``tag+estimate`` segment splits by side."""
    src = e["parking_source"]
    tag_part = e["parking_spaces"].where(src == "tag", 0.0)
    est_part = e["parking_spaces"].where(src == "estimate", 0.0)
    mixed = src == "tag+estimate"
    left_value = column(e, "parking_left").astype("string").str.lower()
    left_tagged = left_value.isin(ON_STREET_VALUES | NO_PARKING_VALUES).fillna(False).astype(bool)
    left, right = e["parking_spaces_left"], e["parking_spaces_right"]
    tag_part = tag_part + left.where(mixed & left_tagged, 0.0) + right.where(mixed & ~left_tagged, 0.0)
    est_part = est_part + left.where(mixed & ~left_tagged, 0.0) + right.where(mixed & left_tagged, 0.0)
    return tag_part, est_part


def _off_street(out: pd.DataFrame, prefix: str, points: gpd.GeoDataFrame | None, capacity: str,
                wijken: gpd.GeoDataFrame) -> None:
    """Add ``<prefix>_spaces``, ``<prefix>s`` and ``<prefix>s_no_capacity`` per wijk to ``out``."""
    out[f"{prefix}_spaces"] = 0.0
    out[f"{prefix}s"] = 0
    out[f"{prefix}s_no_capacity"] = 0
    if points is not None and len(points):
        code = assign_areas(points, wijken)
        out[f"{prefix}_spaces"] = points[capacity].groupby(code).sum()
        out[f"{prefix}s"] = points[capacity].groupby(code).size()
        out[f"{prefix}s_no_capacity"] = points[capacity].isna().groupby(code).sum()


def supply_by_area(
    edges: gpd.GeoDataFrame,
    wijken: gpd.GeoDataFrame,
    lots: gpd.GeoDataFrame | None = None,
    garages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Parking supply per wijk.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        With the :func:`parking_supply` columns and ``wijk_code``.
    wijken : geopandas.GeoDataFrame
        All wijken (:func:`mobisim.load.areas.load_wijken`).
    lots, garages : geopandas.GeoDataFrame, optional
        Surface lots (:func:`surface_lots`) and garages (:func:`mobisim.load.parking_data.load_garages`).

    Returns
    -------
    pandas.DataFrame
        Index ``code``; ``name``, ``on_street_spaces``, ``spaces_tag``, ``spaces_estimate``
        (incl. the estimated side of ``tag+estimate`` segments), ``spaces_parking_space``,
        ``road_km``, ``lot_spaces``, ``lots``, ``lots_no_capacity``, ``garage_spaces``,
        ``garages``, ``garages_no_capacity``.
    """
    e = edges[edges["parking_source"] != "not_applicable"]
    by = e["wijk_code"]
    out = pd.DataFrame(index=pd.Index(wijken["code"], name="code"))
    out["name"] = wijken["name"].to_numpy()
    out["on_street_spaces"] = e.groupby(by)["parking_spaces"].sum()
    tag_part, est_part = _split_mixed(e)
    out["spaces_tag"] = tag_part.groupby(by).sum()
    out["spaces_estimate"] = est_part.groupby(by).sum()
    out["spaces_parking_space"] = e["parking_spaces"].where(e["parking_source"] == "parking_space", 0.0).groupby(by).sum()
    out["road_km"] = e.groupby(by)["length"].sum() / 1000.0
    _off_street(out, "lot", lots, "capacity", wijken)
    _off_street(out, "garage", garages, "capacity_total", wijken)
    num = out.columns.drop("name")
    out[num] = out[num].fillna(0)
    counts = ["lots", "lots_no_capacity", "garages", "garages_no_capacity"]
    out[counts] = out[counts].astype(int)
    return out


def city_summary(supply: pd.DataFrame, edges: gpd.GeoDataFrame) -> dict[str, float]:
    """Whole-network totals (all edges, inside a wijk or not) and the share per source."""
    e = edges[edges["parking_source"] != "not_applicable"]
    total = float(e["parking_spaces"].sum())
    inside = float(supply["on_street_spaces"].sum())
    tag = float(supply["spaces_tag"].sum())
    mapped = float(supply["spaces_parking_space"].sum())
    est = float(supply["spaces_estimate"].sum())
    denom = inside or 1.0
    return {
        "on_street_spaces_network": total,
        "on_street_spaces_in_wijken": inside,
        "spaces_tag": tag,
        "spaces_parking_space": mapped,
        "spaces_estimate": est,
        "share_tag": tag / denom,
        "share_parking_space": mapped / denom,
        "share_estimate": est / denom,
        "road_km": float(supply["road_km"].sum()),
        "lot_spaces": float(supply["lot_spaces"].sum()),
        "lots": float(supply["lots"].sum()),
        "lots_no_capacity": float(supply["lots_no_capacity"].sum()),
        "garage_spaces": float(supply["garage_spaces"].sum()),
        "garages": float(supply["garages"].sum()),
        "garages_no_capacity": float(supply["garages_no_capacity"].sum()),
    }
