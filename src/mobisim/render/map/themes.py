"""The GeoPackage themes (``layers.gpkg``): one frame per theme with its full attributes.

Every street segment's geometry is stored once, in the table ``segments`` (every verdict column
and a true/false column per theme); the line themes (``speed_regime``, ``toets_segments``,
``school_routes``, ``weakest_links_segments``, ``driven_speed``) are views of it that pick the
segments of their theme (:data:`SEGMENT_VIEWS`, attribute filters showing every column, each
explanation text stored once). The point and area themes have their own geometry and stay tables.

The column lists here are also what the map layers read (:data:`MAP_EDGE_COLUMNS`,
:data:`MAP_NODE_COLUMNS`): evidence texts and provenance stay in the GeoPackage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from mobisim.render.map.regime import regime_category
from mobisim.render.map.selection import edges_frame, in_area, lowered_mask, road_mask, select, toets_mask
from mobisim.render.map.styles import SITE_KINDS
from mobisim.render.map.values import children, column_text, flag
from mobisim.render.outputs import GpkgView

__all__ = [
    "EDGE_KEYS", "REGIME_COLUMNS", "TOETS_COLUMNS", "CROSSING_COLUMNS", "TRAFFIC_COLUMNS", "DRIVEN_SPEED_COLUMNS",
    "MAP_EDGE_COLUMNS", "MAP_NODE_COLUMNS", "SEGMENT_VIEWS", "SEGMENT_FLAGS", "THEME_COLUMNS", "ThemeLayers",
    "explanation_columns", "segment_table", "gpkg_themes", "theme_layers",
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
_NOT_ON_MAP = ("noise_lden_db", "c3_noise", "c3_air", "no2_low_ugm3", "no2_high_ugm3")
#: The edge columns the map layers read.
MAP_EDGE_COLUMNS = list(dict.fromkeys(
    EDGE_KEYS + [c for c in REGIME_COLUMNS if not c.endswith("_evidence") and c not in _NOT_ON_MAP]
    + TOETS_COLUMNS + ["is_road", "in_area", "mode_drive"] + TRAFFIC_COLUMNS + _DRIVEN_MAP_COLUMNS))
#: The node columns the map layers read.
MAP_NODE_COLUMNS = ["is_crossing", "in_area"] + CROSSING_COLUMNS
_SITE_COLUMNS = ["kind", "subkind", "name", "primary_school", "osm_type", "osm_id"]
#: The true/false columns of ``segments`` that pick the segments of each line theme.
SEGMENT_FLAGS = {
    "judged_road": "a motor road with a 30/50 regime (those outside the area judged included, greyed on the map)",
    "toets_judged": "judged by the 8-year-old test (inside the area judged)",
    "on_school_route": "on at least one child's shortest school route",
    "weakest_link": "a weakest link: the only failure on some children's school route (inside the area judged)",
    "lowered": "the scenario lowers its limit (inside the area judged)",
}
#: The line themes as views of ``segments``: the rows where a flag of :data:`SEGMENT_FLAGS` is true.
SEGMENT_VIEWS = (
    GpkgView("speed_regime", "segments", "judged_road"),
    GpkgView("toets_segments", "segments", "toets_judged"),
    GpkgView("school_routes", "segments", "on_school_route"),
    GpkgView("weakest_links_segments", "segments", "weakest_link"),
    GpkgView("driven_speed", "segments", "lowered"),
)
#: The columns of each line theme as a frame (:func:`theme_layers`); its view in ``layers.gpkg``
#: shows every column of ``segments``.
THEME_COLUMNS = {
    "speed_regime": EDGE_KEYS + ["regime_category"] + REGIME_COLUMNS,
    "toets_segments": EDGE_KEYS + TOETS_COLUMNS,
    "school_routes": EDGE_KEYS + TOETS_COLUMNS,
    "weakest_links_segments": EDGE_KEYS + TOETS_COLUMNS,
    "driven_speed": EDGE_KEYS + DRIVEN_SPEED_COLUMNS,
}
#: Suffixes of the explanation columns: long texts repeated on many segments.
_EXPLANATION_SUFFIXES = ("_reason", "_evidence", "_fix", "_missing")


def explanation_columns(columns: list[str] | pd.Index) -> list[str]:
    """The explanation texts among ``columns`` (``*_reason``, ``*_evidence``, ``*_fix``, ``*_missing``):
    ``layers.gpkg`` stores each distinct text once and the views show it in full."""
    return [str(c) for c in columns if str(c).endswith(_EXPLANATION_SUFFIXES)]


@dataclass(frozen=True)
class ThemeLayers:
    """The GeoPackage layers of a run: tables with their own geometry and views of ``segments``.

    Attributes
    ----------
    tables : dict of str to GeoDataFrame
        ``segments`` (every segment, every verdict column, :data:`SEGMENT_FLAGS`) and the point
        and area themes.
    views : tuple of GpkgView
        The line themes (:data:`SEGMENT_VIEWS`).
    """

    tables: dict[str, gpd.GeoDataFrame]
    views: tuple[GpkgView, ...] = field(default=SEGMENT_VIEWS)

    def frames(self) -> dict[str, gpd.GeoDataFrame]:
        """Every theme as a frame: the tables and each view's rows and columns, in layer order."""
        seg = self.tables["segments"]
        out = {"segments": seg}
        for view in self.views:
            out[view.name] = select(seg, THEME_COLUMNS[view.name], seg[view.where].to_numpy(dtype=bool))
        return out | {k: v for k, v in self.tables.items() if k != "segments"}


def segment_table(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every segment with every verdict column, its map class (``regime_category``, the 30/50
    map's category) and the theme flags (:data:`SEGMENT_FLAGS`)."""
    e = edges_frame(edges)
    columns = list(dict.fromkeys(EDGE_KEYS + REGIME_COLUMNS + TOETS_COLUMNS + TRAFFIC_COLUMNS
                                 + DRIVEN_SPEED_COLUMNS))
    flags = {
        "judged_road": road_mask(e),
        "toets_judged": toets_mask(e),
        "on_school_route": children(e, "school_route_children") > 0,
        "weakest_link": (children(e, "weakest_link_children") > 0) & in_area(e),
        "lowered": lowered_mask(e),
    }
    category = regime_category(e).where(column_text(e, "regime") != "", None)
    out = select(e, columns).assign(regime_category=category.to_numpy())
    return out.assign(**{k: v.to_numpy(dtype=bool) for k, v in flags.items()})


def gpkg_themes(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame | None,
    *,
    parking: gpd.GeoDataFrame | None = None,
    school_wijken: gpd.GeoDataFrame | None = None,
    school_scores: gpd.GeoDataFrame | None = None,
    plan: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
    plan_wijken: gpd.GeoDataFrame | None = None,
) -> ThemeLayers:
    """Split the evaluated network into the layers of ``layers.gpkg``: tables and views of ``segments``.

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
    plan : tuple of GeoDataFrame, optional
        The plan's street and crossing fixes (:func:`mobisim.plan.geometry.fix_frames`).
    plan_wijken : GeoDataFrame, optional
        The plan per wijk (:func:`mobisim.plan.geometry.wijk_frame`).

    Returns
    -------
    ThemeLayers
        Tables: ``segments`` (:func:`segment_table`; read by ``mobisim compare``),
        ``toets_crossings``, ``weakest_links_crossings``, ``junction_fixes``, ``parking_freed``,
        ``school_wijken``, ``school_scores``, ``plan``, ``plan_crossings`` and ``plan_wijken`` (the
        plan's fixes and its figures per wijk, when the run made a plan), ``sites`` (a point per site, as on the map) and
        ``site_areas`` (the sites mapped as areas, their outline); views: :data:`SEGMENT_VIEWS`.
    """
    n = nodes.copy()
    n["node_id"] = n.index.to_numpy()
    out = {
        "segments": segment_table(edges),
        "toets_crossings": select(n, CROSSING_COLUMNS, flag(n, "is_crossing") & in_area(n)),
        "weakest_links_crossings": select(n, CROSSING_COLUMNS,
                                          (children(n, "weakest_link_children") > 0) & in_area(n)),
        "junction_fixes": select(n, CROSSING_COLUMNS, column_text(n, "junction_fix") != ""),
    }
    if parking is not None and not parking.empty:
        out["parking_freed"] = parking
    if school_wijken is not None and not school_wijken.empty:
        out["school_wijken"] = school_wijken.reset_index()
    if school_scores is not None and not school_scores.empty:
        out["school_scores"] = school_scores.reset_index()
    if plan is not None:
        out |= {name: frame for name, frame in zip(("plan", "plan_crossings"), plan) if len(frame)}
    if plan_wijken is not None and not plan_wijken.empty:
        out["plan_wijken"] = plan_wijken
    if features is not None and not features.empty and "kind" in features.columns:
        sites = select(features[features["kind"].isin(list(SITE_KINDS))], _SITE_COLUMNS)
        areas = sites.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        # points, as the map draws them (one geometry type per layer: QGIS styles it at once)
        out["sites"] = sites.set_geometry(sites.geometry.representative_point())
        if areas.any():
            out["site_areas"] = sites.iloc[areas.nonzero()[0]]
    return ThemeLayers(out)


def theme_layers(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame | None,
    *,
    parking: gpd.GeoDataFrame | None = None,
    school_wijken: gpd.GeoDataFrame | None = None,
    school_scores: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Every theme of ``layers.gpkg`` as one GeoDataFrame (:func:`gpkg_themes`, views materialised).

    Returns
    -------
    dict of str to GeoDataFrame
        ``segments`` (every street segment with every verdict column, the traffic model's volumes
        and the theme flags), ``speed_regime``, ``toets_segments``, ``school_routes``,
        ``weakest_links_segments``, ``driven_speed`` (the lowered roads with their driven speed,
        its basis and reason, and the calming plan's redesign year), ``toets_crossings``,
        ``weakest_links_crossings``, ``junction_fixes``, ``parking_freed``, ``school_wijken``,
        ``school_scores``, ``sites``, ``site_areas``.
    """
    return gpkg_themes(edges, nodes, features, parking=parking, school_wijken=school_wijken,
                       school_scores=school_scores).frames()
