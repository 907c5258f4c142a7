"""The GeoPackage themes (``layers.gpkg``): one frame per theme with its full attributes.

The column lists here are also what the map layers read (:data:`MAP_EDGE_COLUMNS`,
:data:`MAP_NODE_COLUMNS`): evidence texts and provenance stay in the GeoPackage.
"""

from __future__ import annotations

import geopandas as gpd

from mobisim.render.map.selection import edges_frame, in_area, lowered_mask, road_mask, select, toets_mask
from mobisim.render.map.styles import SITE_KINDS
from mobisim.render.map.values import children, column_text, flag

__all__ = [
    "EDGE_KEYS", "REGIME_COLUMNS", "TOETS_COLUMNS", "CROSSING_COLUMNS", "TRAFFIC_COLUMNS", "DRIVEN_SPEED_COLUMNS",
    "MAP_EDGE_COLUMNS", "MAP_NODE_COLUMNS", "theme_layers",
]

EDGE_KEYS = ["edge_id", "way_id", "u", "v", "name", "highway", "length"]
REGIME_COLUMNS = [
    "maxspeed", "maxspeed_source", "proposed_maxspeed", "regime", "regime_tier", "regime_deciding",
    "regime_missing", "regime_rule", "regime_reason",
    "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence", "c3_air_noise", "c3_evidence",
    "c3_noise", "c3_air", "noise_lden_db", "no2_low_ugm3", "no2_high_ugm3",
    "c4_crossable", "c4_evidence", "calming", "calming_reason", "in_area",
]
TOETS_COLUMNS = [
    "toets_pass", "lts_bike", "toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_bike_fix",
    "toets_walk", "toets_walk_rule", "toets_walk_reason", "toets_walk_fix",
    "school_route_children", "school_route_children_safe", "weakest_link_children",
]
CROSSING_COLUMNS = [
    "node_id", "crossing_kind", "lanes_crossed", "crossed_speed", "toets_crossing", "toets_crossing_rule",
    "toets_crossing_reason", "toets_crossing_fix", "weakest_link_children", "junction_fix",
    "junction_fix_reason",
]
#: The traffic model's columns (:mod:`mobisim.traffic`), kept in the GeoPackage layer ``segments``.
TRAFFIC_COLUMNS = ["daily_traffic", "daily_traffic_source", "daily_traffic_before", "traffic_change",
                   "traffic_through_min", "rat_run", "rat_run_fix"]
#: The driven-speed columns (:func:`mobisim.pipeline.driven_speed_step`), GeoPackage layer ``driven_speed``.
DRIVEN_SPEED_COLUMNS = ["limit_before", "maxspeed", "proposed_maxspeed", "driven_speed", "driven_speed_basis",
                        "driven_speed_reason", "driven_speed_sign_only", "redesign_year", "in_area"]
#: The driven-speed columns the map layer reads.
_DRIVEN_MAP_COLUMNS = ["limit_before", "driven_speed", "driven_speed_basis", "driven_speed_reason", "redesign_year"]
# what the map layers do not read (evidence texts and provenance stay in layers.gpkg)
_NOT_ON_MAP = ("maxspeed_source", "noise_lden_db", "c3_noise", "c3_air", "no2_low_ugm3", "no2_high_ugm3")
#: The edge columns the map layers read.
MAP_EDGE_COLUMNS = list(dict.fromkeys(
    EDGE_KEYS + [c for c in REGIME_COLUMNS if not c.endswith("_evidence") and c not in _NOT_ON_MAP]
    + TOETS_COLUMNS + ["is_road", "in_area", "mode_drive"] + TRAFFIC_COLUMNS + _DRIVEN_MAP_COLUMNS))
#: The node columns the map layers read.
MAP_NODE_COLUMNS = ["is_crossing", "in_area"] + CROSSING_COLUMNS
#: The columns of the theme ``segments`` besides :data:`EDGE_KEYS` and :data:`TRAFFIC_COLUMNS`.
_SEGMENT_COLUMNS = ["maxspeed", "proposed_maxspeed", "regime", "regime_tier", "regime_reason", "toets_pass",
                    "toets_bike", "toets_walk", "school_route_children", "in_area"]
_SITE_COLUMNS = ["kind", "subkind", "name", "primary_school", "osm_type", "osm_id"]


def theme_layers(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame | None,
    *,
    parking: gpd.GeoDataFrame | None = None,
    school_wijken: gpd.GeoDataFrame | None = None,
    school_scores: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Split the evaluated network into one GeoDataFrame per theme (for ``layers.gpkg``).

    Parameters
    ----------
    edges, nodes, features : GeoDataFrame
        The evaluated network frames (data model + verdict columns). Missing verdict columns
        give empty themes, never an error; ``features`` may be ``None``.
    parking : GeoDataFrame, optional
        Street space freed by the parking step.
    school_wijken : GeoDataFrame, optional
        Child-safe share per wijk before and after (:func:`mobisim.schools.share_change`).
    school_scores : GeoDataFrame, optional
        The same per primary school (the children for whom it is the nearest school).

    Returns
    -------
    dict of str to GeoDataFrame
        ``segments`` (every street segment with the key verdicts and the traffic model's volumes,
        :data:`TRAFFIC_COLUMNS`, used by ``mobisim compare``),
        ``speed_regime``, ``toets_segments``, ``toets_crossings``, ``school_routes``,
        ``weakest_links_segments``, ``weakest_links_crossings``, ``junction_fixes``,
        ``driven_speed`` (the lowered roads with their driven speed, its basis and reason, and
        the calming plan's redesign year: :data:`DRIVEN_SPEED_COLUMNS`),
        ``parking_freed``, ``school_wijken``, ``school_scores``, ``sites``.
    """
    e = edges_frame(edges)
    n = nodes.copy()
    n["node_id"] = n.index.to_numpy()
    out = {
        "segments": select(e, EDGE_KEYS + _SEGMENT_COLUMNS + TRAFFIC_COLUMNS),
        "speed_regime": select(e, EDGE_KEYS + REGIME_COLUMNS, road_mask(e)),
        "toets_segments": select(e, EDGE_KEYS + TOETS_COLUMNS, toets_mask(e)),
        "toets_crossings": select(n, CROSSING_COLUMNS, flag(n, "is_crossing") & in_area(n)),
        "school_routes": select(e, EDGE_KEYS + TOETS_COLUMNS, children(e, "school_route_children") > 0),
        "weakest_links_segments": select(e, EDGE_KEYS + TOETS_COLUMNS,
                                         (children(e, "weakest_link_children") > 0) & in_area(e)),
        "weakest_links_crossings": select(n, CROSSING_COLUMNS,
                                          (children(n, "weakest_link_children") > 0) & in_area(n)),
        "junction_fixes": select(n, CROSSING_COLUMNS, column_text(n, "junction_fix") != ""),
        "driven_speed": select(e, EDGE_KEYS + DRIVEN_SPEED_COLUMNS, lowered_mask(e)),
    }
    if parking is not None and not parking.empty:
        out["parking_freed"] = parking
    if school_wijken is not None and not school_wijken.empty:
        out["school_wijken"] = school_wijken.reset_index()
    if school_scores is not None and not school_scores.empty:
        out["school_scores"] = school_scores.reset_index()
    if features is not None and not features.empty and "kind" in features.columns:
        sites = features[features["kind"].isin(list(SITE_KINDS))]
        out["sites"] = select(sites, _SITE_COLUMNS)
    return out
