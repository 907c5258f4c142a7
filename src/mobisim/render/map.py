"""Render the evaluated network as map layers: a folium ``map.html`` and the GeoPackage themes.

The themes (one GeoPackage layer and one switchable map layer each):

- ``speed_regime``: the proposed 30/50 regime per road segment, coloured by its tier (keeps 50,
  50 if shown, to 30, already 30, out of scope, outside the municipality) and the reason;
- ``toets_fail`` / ``toets_pass``: the 8-jarigen-toets (8-year-old test) per segment;
- ``toets_crossings``: the toets per crossing node (the toets layers and the weakest links hold
  only segments and nodes inside the area judged, ``in_area``: the rest is not judged);
- ``school_routes``: children per segment on their shortest school route;
- ``weakest_links``: failing segments and crossings that break children's safe routes;
- ``junction_fixes``: busy 50-road junctions that need a roundabout, narrowing or chicane;
- ``parking_freed``: street space freed by the permit cap (when the parking step provides it);
- ``sites``: schools, kindergartens, playgrounds and care sites;
- ``school_wijken``: the share of children with a child-safe school route, per wijk;
- ``traffic_before`` / ``traffic_after``: the traffic model's vehicles a day per street, today and
  with the scenario; ``traffic_change``: the streets gaining and losing traffic; ``rat_runs``:
  access roads carrying mostly through traffic, with their fix (map layers, off at start; the
  volumes are columns of the GeoPackage layer ``segments``);
- ``driven_speed``: the roads whose limit the scenario lowers, by what keeps drivers at the new
  limit at the horizon — a redesign by the calming plan, a design that already enforces it, or
  the sign only (:mod:`mobisim.rules.driven_speed`; map layer off at start).

The map stays small enough for the whole city: geometries are simplified in RD New (metres),
coordinates rounded to 5 decimals (about 1 m), every text value is stored once per layer in a
lookup table and features carry only indexes into it, and each feature is one compact row
(:func:`layer_data`; about 9 MB for the whole city instead of 20 MB as plain GeoJSON). Tooltips and popups are built in the browser
with ``textContent``, so OSM names are never interpreted as HTML.

With ``self_contained=True`` every script and stylesheet (Leaflet, jQuery, vendored in
:mod:`mobisim.render.assets`) is inlined, no tile layer is shown at start (the layers sit on a plain
background; an OpenStreetMap tile layer can be switched on when online), so the file works
offline by double-click.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement

from mobisim import ATTRIBUTION
from mobisim.load.areas import inside
from mobisim.render.outputs import write_text
from mobisim.rules import CRITERION_LABELS, TIER_LABELS
from mobisim.rules.driven_speed import LOWERED_BASES

__all__ = [
    "MapLayer",
    "theme_layers",
    "map_layers",
    "traffic_layers",
    "driven_speed_layer",
    "build_map",
    "render_html",
    "save_map",
    "inline_assets",
    "diff_layers",
    "SIMPLIFY_TOLERANCE_M",
    "COORD_DECIMALS",
]

SIMPLIFY_TOLERANCE_M = 2.0
"""Douglas-Peucker tolerance (metres, RD New) for map geometries; GeoPackage keeps the originals."""

COORD_DECIMALS = 5
"""Decimals kept for WGS84 coordinates in ``map.html`` (1e-5° ≈ 0.7–1.1 m in Den Haag)."""

TILE_ATTRIBUTION = "Map tiles © OpenStreetMap contributors"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

# Colours: ColorBrewer RdYlGn / Set1 / Blues (colorbrewer2.org), readable on a grey background.
GREEN, RED, GREY, PURPLE = "#1a9850", "#d73027", "#8c8c8c", "#7b3294"
# weakest links: magenta (orange would read as the amber "50 if shown"); junction fixes: near-black
MAGENTA, BLACK = "#e7298a", "#252525"
# The speed-regime tiers: warm for 50 (brown solid: keeps 50; gold dashed: 50 only if shown), cool
# for 30 (blue: lowered to 30; light blue: 30 or less already), greys for what is not judged. Red
# stays reserved for the toets failures drawn on top.
KEEP50, SHOWN50, TO30, ALREADY30, LIGHTGREY = "#8c510a", "#e6ab02", "#2166ac", "#92c5de", "#c4c4c4"
# Driven speed on the lowered roads (a layer off at start, drawn over the regime's "to 30" blue):
# navy (redesigned) and teal (design enforces) for a limit that is kept, orange for a sign only.
# The three stay apart in deuteranopia, protanopia and tritanopia (CIELAB ΔE ≥ 45 after the
# Machado 2009 simulation; lightness navy < teal < orange). Navy is darker and wider than the
# regime's blue; no red (toets failures), purple or magenta (weakest links). The nearest
# existing colours mean something else with another mark: teal ~ crossing-pass green (dots) and
# parking (off at start), orange ~ "50 if shown" gold (dashed).
REDESIGNED, DESIGNED, SIGN_ONLY = "#08275e", "#1b9e77", "#f28e2b"


@dataclass
class MapLayer:
    """One switchable map layer: features, a style per category and the tooltip fields.

    Parameters
    ----------
    key : str
        Short id (also the GeoPackage layer name of the theme).
    title : str
        Name shown in the layer control and the legend.
    frame : GeoDataFrame
        Features in any CRS (reprojected to WGS84 for the map).
    category : pandas.Series
        Category label per feature (aligned with ``frame``); selects the style.
    styles : dict
        Category label → Leaflet path options (``color``, ``weight``, ``radius`` for points …).
    fields : list of (str, pandas.Series)
        Tooltip rows: label and the text value per feature (empty text hides the row).
    show : bool
        Whether the layer is switched on when the map opens.
    """

    key: str
    title: str
    frame: gpd.GeoDataFrame
    category: pd.Series
    styles: dict[str, dict[str, Any]]
    fields: list[tuple[str, pd.Series]] = field(default_factory=list)
    show: bool = True


# --------------------------------------------------------------------------------------------
# column helpers (vectorised)
# --------------------------------------------------------------------------------------------


def _col(frame: pd.DataFrame, name: str, default: Any = pd.NA) -> pd.Series:
    """Return ``frame[name]`` or a column of ``default`` when the column is absent."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(default, index=frame.index, dtype=object)


def _text(values: pd.Series, *, decimals: int | None = None, suffix: str = "") -> pd.Series:
    """Format a column as display text; missing values become ``""``."""
    s = values
    if decimals is not None and pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce").round(decimals)
        if decimals == 0:
            s = s.astype("Int64")
    out = s.astype("string").fillna("")
    if suffix:
        out = out.where(out == "", out + suffix)
    return out


def _street(frame: pd.DataFrame) -> pd.Series:
    """Street name, or ``(unnamed <highway>)``."""
    name = _text(_col(frame, "name"))
    highway = _text(_col(frame, "highway"))
    return name.where(name != "", "(unnamed " + highway.where(highway != "", "way") + ")")


def _children(frame: pd.DataFrame, column: str) -> pd.Series:
    """Children count as a float column (0 when absent)."""
    return pd.to_numeric(_col(frame, column, 0.0), errors="coerce").fillna(0.0).astype(float)


def _rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> pd.DataFrame:
    """Rows where ``mask`` is true, by position (several times faster than boolean indexing on
    Arrow-backed string columns)."""
    return frame.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]


def _bool(frame: pd.DataFrame, column: str, default: bool = False) -> pd.Series:
    return _col(frame, column, default).astype("boolean").fillna(default).astype(bool)


# --------------------------------------------------------------------------------------------
# themes (GeoPackage layers; full attributes)
# --------------------------------------------------------------------------------------------

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
#: ``driven_speed_basis`` of a lowered limit (``"limit"``: unchanged), in legend order.
_DRIVEN_MAP_COLUMNS = ["limit_before", "driven_speed", "driven_speed_basis", "driven_speed_reason", "redesign_year"]
# what the map layers read (evidence texts and provenance stay in layers.gpkg)
_NOT_ON_MAP = ("maxspeed_source", "noise_lden_db", "c3_noise", "c3_air", "no2_low_ugm3", "no2_high_ugm3")
MAP_EDGE_COLUMNS = list(dict.fromkeys(
    EDGE_KEYS + [c for c in REGIME_COLUMNS if not c.endswith("_evidence") and c not in _NOT_ON_MAP]
    + TOETS_COLUMNS + ["is_road", "in_area", "mode_drive"] + TRAFFIC_COLUMNS + _DRIVEN_MAP_COLUMNS))
MAP_NODE_COLUMNS = ["is_crossing", "in_area"] + CROSSING_COLUMNS
SITE_KINDS = {"school": "School", "kindergarten": "Kindergarten", "playground": "Playground", "care": "Care site"}


def _edges_frame(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Edges with ``edge_id`` as a column (the index is ``edge_id`` in the data model)."""
    return edges.assign(edge_id=edges.index.to_numpy())  # copy-on-write: no deep copy


def _select(frame: gpd.GeoDataFrame, columns: Sequence[str], mask: pd.Series | None = None) -> gpd.GeoDataFrame:
    """``columns`` (those present) and the geometry of the rows in ``mask``.

    Columns are picked before rows: masking a frame of ~100 Arrow-backed columns is slow.
    """
    cols = [c for c in columns if c in frame.columns and c != frame.geometry.name]
    sub = frame[cols + [frame.geometry.name]]
    if mask is not None:
        sub = _rows(sub, mask)
    return gpd.GeoDataFrame(sub, geometry=frame.geometry.name, crs=frame.crs)


def _road_mask(edges: pd.DataFrame) -> pd.Series:
    """Motor roads with a regime, those outside the area judged included (drawn greyed)."""
    regime = _text(_col(edges, "regime"))
    return regime.isin(["30", "50", "out_of_scope"]) | ((regime == "outside_area") & _bool(edges, "is_road", True))


def _in_area(frame: pd.DataFrame) -> pd.Series:
    """Whether a segment or node lies in the area judged (:func:`mobisim.load.areas.inside`)."""
    return pd.Series(inside(frame), index=frame.index)


def _toets_mask(edges: pd.DataFrame) -> pd.Series:
    """Segments the toets judged, inside the area (outside it nothing is judged or listed)."""
    bike, walk = _text(_col(edges, "toets_bike")), _text(_col(edges, "toets_walk"))
    return (bike.isin(["pass", "fail"]) | walk.isin(["pass", "fail"])) & _in_area(edges)


def _lowered_mask(edges: pd.DataFrame) -> pd.Series:
    """Segments whose limit the scenario lowers (``driven_speed_basis`` in :data:`LOWERED_BASES`),
    inside the area judged; none when the edges carry no driven speeds."""
    return _text(_col(edges, "driven_speed_basis")).isin(LOWERED_BASES) & _in_area(edges)


def theme_layers(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame,
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
        give empty themes, never an error.
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
    e = _edges_frame(edges)
    out: dict[str, gpd.GeoDataFrame] = {}
    out["segments"] = _select(
        e, EDGE_KEYS + ["maxspeed", "proposed_maxspeed", "regime", "regime_tier", "regime_reason", "toets_pass",
                        "toets_bike", "toets_walk", "school_route_children", "in_area"] + TRAFFIC_COLUMNS
    )
    out["speed_regime"] = _select(e, EDGE_KEYS + REGIME_COLUMNS, _road_mask(e))
    out["toets_segments"] = _select(e, EDGE_KEYS + TOETS_COLUMNS, _toets_mask(e))
    n = nodes.copy()
    n["node_id"] = n.index.to_numpy()
    out["toets_crossings"] = _select(n, CROSSING_COLUMNS, _bool(n, "is_crossing") & _in_area(n))
    out["school_routes"] = _select(e, EDGE_KEYS + TOETS_COLUMNS, _children(e, "school_route_children") > 0)
    out["weakest_links_segments"] = _select(e, EDGE_KEYS + TOETS_COLUMNS,
                                            (_children(e, "weakest_link_children") > 0) & _in_area(e))
    out["weakest_links_crossings"] = _select(n, CROSSING_COLUMNS,
                                             (_children(n, "weakest_link_children") > 0) & _in_area(n))
    out["junction_fixes"] = _select(n, CROSSING_COLUMNS, _text(_col(n, "junction_fix")) != "")
    out["driven_speed"] = _select(e, EDGE_KEYS + DRIVEN_SPEED_COLUMNS, _lowered_mask(e))
    if parking is not None and not parking.empty:
        out["parking_freed"] = parking
    if school_wijken is not None and not school_wijken.empty:
        out["school_wijken"] = school_wijken.reset_index()
    if school_scores is not None and not school_scores.empty:
        out["school_scores"] = school_scores.reset_index()
    if features is not None and not features.empty and "kind" in features.columns:
        f = features[features["kind"].isin(list(SITE_KINDS))]
        out["sites"] = _select(f, ["kind", "subkind", "name", "primary_school", "osm_type", "osm_id"])
    return out


# --------------------------------------------------------------------------------------------
# map layers (styles and tooltips)
# --------------------------------------------------------------------------------------------


def _bin_labels(values: pd.Series, bins: Sequence[tuple]) -> pd.Series:
    """Label of the bin each value falls in; ``bins`` are rows ``(lower bound, label, …)`` in
    ascending order (values below the first bound fall in the first bin)."""
    bounds = [b[0] for b in bins][1:]
    labels = np.array([b[1] for b in bins])
    return pd.Series(labels[np.searchsorted(bounds, values.to_numpy(), side="right")], index=values.index)


def _line(color: str, weight: float, opacity: float = 0.85, label: str | None = None,
          dash: str | None = None) -> dict[str, Any]:
    style = {"color": color, "weight": weight, "opacity": opacity, "label": label}
    if dash:
        style["dashArray"] = dash
    return style


def _dot(color: str, radius: float, label: str | None = None, *, stroke: bool = True) -> dict[str, Any]:
    return {"color": "#222222", "weight": 1 if stroke else 0, "fillColor": color, "fillOpacity": 0.9,
            "radius": radius, "label": label}


def _verdict_rows(frame: pd.DataFrame, mode: str) -> list[tuple[str, pd.Series]]:
    verdict = _text(_col(frame, f"toets_{mode}"))
    return [
        (f"Toets {mode}", verdict.where(verdict != "n/a", "")),
        (f"Why ({mode})", _text(_col(frame, f"toets_{mode}_reason")).where(verdict != "n/a", "")),
        (f"Fix ({mode})", _text(_col(frame, f"toets_{mode}_fix")).where(verdict == "fail", "")),
        (f"Rule ({mode})", _text(_col(frame, f"toets_{mode}_rule")).where(verdict != "n/a", "")),
    ]


#: Speed-regime map categories, in legend order: (key, label, style). Drawn bottom to top in
#: :data:`REGIME_DRAW_ORDER`, so the thin grey context never covers a judged road.
REGIME_STYLES: dict[str, dict[str, Any]] = {
    "keep_50": _line(KEEP50, 4.5, 0.9, label="keeps 50: all four criteria pass"),
    "50_if_shown": _line(SHOWN50, 4, 0.95, label="50 if shown: none fails, evidence missing (30 until shown)",
                         dash="7 5"),
    "to_30": _line(TO30, 3, 0.85, label="to 30: a criterion fails"),
    "50_today": _line(KEEP50, 3.5, 0.85, label="50 km/h today (no 30/50 programme)"),
    "already_30": _line(ALREADY30, 2, 0.85, label="30 or less already (incl. woonerven)"),
    "out_of_scope": _line(GREY, 2.5, 0.7, label="out of scope (motorway, national route): unchanged"),
    "outside_area": _line(LIGHTGREY, 1.2, 0.8, label="outside the municipality — not judged"),
}
REGIME_DRAW_ORDER = ["outside_area", "out_of_scope", "already_30", "to_30", "50_today", "50_if_shown", "keep_50"]
CRITERIA_SHORT = CRITERION_LABELS


def regime_category(frame: pd.DataFrame) -> pd.Series:
    """Map category (a key of :data:`REGIME_STYLES`) of each segment from ``regime`` and ``regime_tier``.

    Without a tier column (a run without the 30/50 programme: today's limits) a 50-road is
    ``50_today`` and a 30-road ``already_30``.
    """
    regime, tier = _text(_col(frame, "regime")), _text(_col(frame, "regime_tier"))
    cat = np.select(
        [regime == "outside_area", regime == "out_of_scope", tier == "keep_50", tier == "50_if_shown",
         tier == "to_30", regime == "50", regime == "30"],
        ["outside_area", "out_of_scope", "keep_50", "50_if_shown", "to_30", "50_today", "already_30"],
        "out_of_scope")
    return pd.Series(cat, index=frame.index, dtype=object)


def _deciding_text(deciding: pd.Series, tier: pd.Series) -> pd.Series:
    """``"C2 sensitive sites, C4 crossable: fail"`` from ``regime_deciding`` ``"C2+C4"``."""
    names = deciding.str.replace("+", ", ", regex=False)
    for code, label in CRITERIA_SHORT.items():
        names = names.str.replace(code, label, regex=False)
    suffix = tier.map({"to_30": ": fail", "50_if_shown": ": unknown"}).astype("string").fillna("")
    return (names + suffix).where((deciding != "") & (suffix != ""), "")


def _regime_layer(e: gpd.GeoDataFrame) -> MapLayer:
    sub = _rows(e, _road_mask(e))
    cat = regime_category(sub)
    order = np.argsort(cat.map({k: i for i, k in enumerate(REGIME_DRAW_ORDER)}).to_numpy(), kind="stable")
    sub, cat = sub.iloc[order], cat.iloc[order]
    regime, tier = _text(_col(sub, "regime")), _text(_col(sub, "regime_tier"))
    crit = pd.Series("", index=sub.index, dtype="string")
    for col, code in [("c1_cycle_path", "C1"), ("c2_sensitive_sites", "C2"), ("c3_air_noise", "C3"),
                      ("c4_crossable", "C4")]:
        v = _text(_col(sub, col))
        crit = crit + v.where(v == "", code + " " + v + " · ")
    today, proposed = _text(_col(sub, "maxspeed")), _text(_col(sub, "proposed_maxspeed"))
    limit = (today.where(today != "", "?") + " → " + proposed + " km/h").where(
        today != proposed, today + " km/h, unchanged").where(proposed != "", "")
    tier_text = tier.map(TIER_LABELS).astype("string").fillna("")
    reason = _text(_col(sub, "regime_reason"))
    outside = (cat == "outside_area").to_numpy()
    styles = {k: v for k, v in REGIME_STYLES.items() if (cat == k).any()}
    return MapLayer(
        key="speed_regime",
        title="Speed regime 30/50 and why",
        frame=sub,
        category=cat,
        styles=styles or {"out_of_scope": REGIME_STYLES["out_of_scope"]},
        fields=[
            ("Street", _street(sub)),
            ("Regime", regime.map({"30": "30 km/h", "50": "50 km/h", "out_of_scope": "out of scope",
                                   "outside_area": "outside the municipality — not judged"})
             .astype("string").fillna("")),
            ("Tier", tier_text),
            ("Limit", limit.where(~outside, "")),
            ("Deciding", _deciding_text(_text(_col(sub, "regime_deciding")), tier)),
            ("To decide", _text(_col(sub, "regime_missing")).where(tier == "50_if_shown", "")),
            # the reason only where the tier rows do not already say it
            ("Why", reason.where(~tier.isin(["to_30", "50_if_shown"]) & ~outside, "")),
            ("Criteria", crit.str.rstrip("· ").str.strip().where(tier != "", "")),  # judged roads only
            ("Rule", _text(_col(sub, "regime_rule"))),
            ("Calming", _text(_col(sub, "calming"))),
            ("Calming why", _text(_col(sub, "calming_reason"))),
        ],
        show=True,
    )


def _toets_fail_layer(e: gpd.GeoDataFrame) -> MapLayer:
    bike, walk = _text(_col(e, "toets_bike")) == "fail", _text(_col(e, "toets_walk")) == "fail"
    mask = ((bike | walk) & _in_area(e)).to_numpy()
    sub = _rows(e, mask)
    which = pd.Series(np.select([bike[mask] & walk[mask], bike[mask]], ["both", "bike"], "walk"), index=sub.index)
    return MapLayer(
        key="toets_fail",
        title="8-jarigen-toets: failing segments",
        frame=sub,
        category=which,
        styles={"bike": _line(RED, 4, label="fails for cycling"),
                "walk": _line(PURPLE, 4, label="fails for walking"),
                "both": _line("#67000d", 5, label="fails for cycling and walking")},
        fields=[("Street", _street(sub)), ("Verdict", "fail (" + which.astype("string").str.replace("both", "bike and walk") + ")"),
                ("LTS bike", _text(_col(sub, "lts_bike"))),
                ("Children on route", _text(_children(sub, "school_route_children"), decimals=0).where(_children(sub, "school_route_children") > 0, ""))]
        + _verdict_rows(sub, "bike") + _verdict_rows(sub, "walk"),
        show=True,
    )


def _toets_pass_layer(e: gpd.GeoDataFrame) -> MapLayer:
    bike, walk = _text(_col(e, "toets_bike")), _text(_col(e, "toets_walk"))
    mask = (_toets_mask(e) & (bike != "fail") & (walk != "fail")).to_numpy()
    sub = _rows(e, mask)
    return MapLayer(
        key="toets_pass",
        title="8-jarigen-toets: passing segments",
        frame=sub,
        category=pd.Series("pass", index=sub.index),
        styles={"pass": _line("#66bd63", 1.5, 0.6, label="passes the toets")},
        fields=[("Street", _street(sub)), ("Verdict", pd.Series("pass", index=sub.index, dtype="string"))],
        show=False,
    )


def _crossing_layer(n: gpd.GeoDataFrame) -> MapLayer:
    sub = _rows(n, _bool(n, "is_crossing") & _in_area(n))
    verdict = _text(_col(sub, "toets_crossing")).replace("", "n/a")
    return MapLayer(
        key="toets_crossings",
        title="8-jarigen-toets: crossings",
        frame=sub,
        category=verdict,
        # thousands of crossings: passing ones small and without outline so failures stand out
        styles={"fail": _dot(RED, 4.5, "crossing fails"),
                "pass": {**_dot(GREEN, 2.2, "crossing passes", stroke=False), "fillOpacity": 0.55},
                "n/a": {**_dot(GREY, 2, "crossing not assessed", stroke=False), "fillOpacity": 0.55}},
        fields=[("Crossing", _text(_col(sub, "crossing_kind"))), ("Verdict", verdict),
                ("Lanes crossed", _text(_col(sub, "lanes_crossed"))),
                ("Speed crossed", _text(_col(sub, "crossed_speed"), suffix=" km/h")),
                ("Why", _text(_col(sub, "toets_crossing_reason"))),
                ("Fix", _text(_col(sub, "toets_crossing_fix")).where(verdict == "fail", "")),
                ("Rule", _text(_col(sub, "toets_crossing_rule")))],
        show=True,
    )


SCHOOL_BINS = [(1, "1–9 children", "#c6dbef", 2), (10, "10–49 children", "#6baed6", 3),
               (50, "50–199 children", "#2171b5", 5), (200, "200+ children", "#08306b", 7)]


def _school_route_layer(e: gpd.GeoDataFrame) -> MapLayer:
    kids = _children(e, "school_route_children")
    mask = (kids > 0).to_numpy()
    sub, k = _rows(e, mask), kids[mask]
    # bins start at 1 child; a fraction of a child (from estimated counts) falls in the lowest bin
    cat = _bin_labels(k, SCHOOL_BINS)
    safe = _children(sub, "school_route_children_safe")
    return MapLayer(
        key="school_routes",
        title="School routes by intensity",
        frame=sub,
        category=cat,
        styles={lab: _line(col, w, 0.8, label=lab) for _, lab, col, w in SCHOOL_BINS},
        fields=[("Street", _street(sub)), ("Children", _text(k, decimals=0)),
                ("On child-safe routes", _text(safe, decimals=0) if "school_route_children_safe" in sub.columns
                 else pd.Series("", index=sub.index, dtype="string")),
                ("Toets", _text(_col(sub, "toets_pass")).map({"True": "pass", "False": "fail"}).astype("string").fillna(""))],
        show=False,
    )


def _weakest_layer(e: gpd.GeoDataFrame, n: gpd.GeoDataFrame) -> MapLayer:
    es = _rows(e, (_children(e, "weakest_link_children") > 0) & _in_area(e))
    ns = _rows(n, (_children(n, "weakest_link_children") > 0) & _in_area(n))
    reason_e = _text(_col(es, "toets_bike_reason")).where(_text(_col(es, "toets_bike")) == "fail", _text(_col(es, "toets_walk_reason")))
    fix_e = _text(_col(es, "toets_bike_fix")).where(_text(_col(es, "toets_bike")) == "fail", _text(_col(es, "toets_walk_fix")))
    frame = gpd.GeoDataFrame(
        pd.concat([
            pd.DataFrame({"what": _street(es), "kids": _children(es, "weakest_link_children"),
                          "why": reason_e, "fix": fix_e, "kind": "segment"}),
            pd.DataFrame({"what": "crossing " + _text(_col(ns, "crossing_kind")), "kids": _children(ns, "weakest_link_children"),
                          "why": _text(_col(ns, "toets_crossing_reason")), "fix": _text(_col(ns, "toets_crossing_fix")),
                          "kind": "crossing"}),
        ], ignore_index=True),
        geometry=list(es.geometry.to_crs(e.crs)) + list(ns.geometry.to_crs(e.crs) if len(ns) else []),
        crs=e.crs,
    )
    return MapLayer(
        key="weakest_links",
        title="Weakest links on school routes",
        frame=frame,
        category=frame["kind"],
        styles={"segment": _line(MAGENTA, 6, 0.9, label="segment breaking safe school routes"),
                "crossing": _dot(MAGENTA, 7, "crossing breaking safe school routes")},
        fields=[("Weakest link", frame["what"].astype("string")), ("Verdict", pd.Series("fail", index=frame.index, dtype="string")),
                ("Children whose safe route it breaks", _text(frame["kids"], decimals=0)),
                ("Why", frame["why"].astype("string")), ("Fix", frame["fix"].astype("string"))],
        show=True,
    )


def _junction_layer(n: gpd.GeoDataFrame) -> MapLayer:
    sub = _rows(n, _text(_col(n, "junction_fix")) != "")
    return MapLayer(
        key="junction_fixes",
        title="Busy 50-road junctions to redesign",
        frame=sub,
        category=pd.Series("fix", index=sub.index),
        styles={"fix": _dot(BLACK, 6, "junction needs a roundabout / narrowing / chicane")},
        fields=[("Junction fix", _text(_col(sub, "junction_fix"))), ("Why", _text(_col(sub, "junction_fix_reason")))],
        show=False,
    )


def _parking_layer(parking: gpd.GeoDataFrame) -> MapLayer:
    """Segments giving up street parking (``mobisim.parking.allocate_freed``)."""
    freed = pd.to_numeric(_col(parking, "freed_spaces", 0.0), errors="coerce").fillna(0.0)
    return MapLayer(
        key="parking_freed",
        title="Parking space freed",
        frame=parking,
        category=pd.Series("freed", index=parking.index),
        styles={"freed": _line("#35978f", 5, 0.9, label="street parking freed by the permit cap")},
        fields=[("Street", _text(_col(parking, "street"))), ("Wijk", _text(_col(parking, "wijk"))),
                ("Spaces freed", _text(freed, decimals=1)),
                ("Of spaces", _text(_col(parking, "parking_spaces"), decimals=1)),
                ("From year", _text(_col(parking, "first_year"))),
                ("Why here", _text(_col(parking, "priority_reason")))],
        show=False,
    )


# child-safe share bins (lower bound in %, label, ColorBrewer RdYlGn)
WIJK_BINS = [(0.0, "under 70 % of children safe", "#d7191c"), (70.0, "70–85 %", "#fdae61"),
             (85.0, "85–95 %", "#a6d96a"), (95.0, "95 % or more", "#1a9641")]


def _area(color: str, label: str) -> dict[str, Any]:
    return {"color": "#555555", "weight": 1, "fillColor": color, "fillOpacity": 0.45, "label": label}


def _school_wijk_layer(wijken: gpd.GeoDataFrame) -> MapLayer:
    """Wijk polygons coloured by the share of children with a child-safe school route (after)."""
    pct = 100.0 * pd.to_numeric(_col(wijken, "share_safe"), errors="coerce")
    before = 100.0 * pd.to_numeric(_col(wijken, "share_safe_before"), errors="coerce")
    cat = _bin_labels(pct.fillna(0.0), WIJK_BINS)
    code = pd.Series(wijken.index.astype(str), index=wijken.index, dtype="string")
    return MapLayer(
        key="school_wijken",
        title="Child-safe school routes per wijk",
        frame=wijken,
        category=cat,
        styles={lab: _area(col, lab) for _, lab, col in WIJK_BINS},
        fields=[("Wijk", _text(_col(wijken, "name")) + " (" + code + ")"),
                ("Children", _text(_col(wijken, "children"), decimals=0)),
                ("Child-safe route", _text(pct, decimals=1, suffix=" %")),
                ("Today", _text(before, decimals=1, suffix=" %"))],
        show=False,
    )


def _sites_layer(features: gpd.GeoDataFrame) -> MapLayer:
    sub = features[features["kind"].isin(list(SITE_KINDS))]
    pts = gpd.GeoDataFrame(sub.drop(columns=sub.geometry.name), geometry=sub.geometry.representative_point(), crs=sub.crs)
    colors = {"school": "#1f78b4", "kindergarten": "#a6cee3", "playground": "#33a02c", "care": "#e31a1c"}
    return MapLayer(
        key="sites",
        title="Schools, playgrounds and care sites",
        frame=pts,
        category=pts["kind"].astype("string"),
        styles={k: _dot(colors[k], 5, SITE_KINDS[k]) for k in SITE_KINDS},
        fields=[("Name", _text(_col(pts, "name"))), ("Kind", pts["kind"].map(SITE_KINDS).astype("string")),
                ("Type", _text(_col(pts, "subkind")))],
        show=True,
    )


# ---- traffic (mobisim.traffic): volumes, change, rat runs

#: Volume classes of the traffic layers (lower bound in vehicles a day, label, colour, weight):
#: ColorBrewer YlOrRd, a sequential scale that reads in every common form of colour blindness.
TRAFFIC_BINS = [(0, "under 500 vehicles/day", "#fed976", 1.2), (500, "500–2,000", "#feb24c", 2.0),
                (2000, "2,000–5,000", "#fd8d3c", 3.0), (5000, "5,000–15,000", "#e31a1c", 4.0),
                (15000, "over 15,000", "#800026", 5.5)]
#: Change classes (orange gains, blue losses: diverging and colour-blind safe; not purple, which
#: the diff map's "now fails the toets" uses).
CHANGE_STYLES: dict[str, dict[str, Any]] = {
    "loss_large": _line("#2166ac", 5, 0.9, label="1,000 or more vehicles/day fewer"),
    "loss": _line("#92c5de", 3, 0.9, label="300–1,000 fewer"),
    "gain": _line("#fdb863", 3, 0.9, label="300–1,000 more"),
    "gain_large": _line("#e66101", 5, 0.9, label="1,000 or more vehicles/day more"),
}
RAT_RUN_STYLE = _line(BLACK, 4.5, 0.9, label="rat run: busy access road, mostly through traffic", dash="8 5")
TRAFFIC_CHANGE_MIN = 300.0
"""Smallest change (vehicles a day) the change layer draws: ``TrafficSettings.displacement_min_daily``."""
#: Classes the assignment leaves out (driveways, parking aisles, tracks): only a floor of destination
#: traffic, so they are not drawn on the volume layers (their figures are in the GeoPackage).
_UNASSIGNED = ("service", "track")
_MINUS = "\u2212"


def _vehicles_text(values: Any, step: float | None = None) -> pd.Series:
    """Vehicles a day as text: to the nearest ``step``, by default 10 below 1,000 and 100 above
    (``""`` when missing)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    step = np.where(v.abs() < 1000, 10.0, 100.0) if step is None else step
    r = np.sign(v) * np.floor(np.abs(v) / step + 0.5) * step  # half away from zero: 1,250 → 1,300
    out = pd.Series([f"{x:,.0f}" if np.isfinite(x) else "" for x in r], index=v.index, dtype="string")
    return out.str.replace("-", _MINUS, regex=False)


def _source_text(source: pd.Series) -> pd.Series:
    """``daily_traffic_source`` in words: ``traffic model``, ``class table``, ``set by intervention x``."""
    src = _text(source)
    return (src.where(~src.str.startswith("intervention:"), "set by intervention " + src.str.slice(13))
            .replace({"model": "traffic model", "default:class": "class table", "default": "class table"}))


def _merge_runs(frame: gpd.GeoDataFrame, keys: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments with equal ``keys`` (one array per key) merged into one line each (``line_merge``).

    A street drawn as one feature per volume class instead of one per segment takes a third of the
    bytes (no feature row and no shared end point per segment). Returns the group code of each segment,
    the row of each group's first segment, and the merged geometries (group order).
    """
    codes, _ = pd.factorize(pd.MultiIndex.from_arrays([np.asarray(k) for k in keys]))
    order = np.argsort(codes, kind="stable")
    parts, which = shapely.get_parts(frame.geometry.to_numpy()[order], return_index=True)
    line = shapely.get_type_id(parts) == 1
    multi = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=object)
    shapely.multilinestrings(parts[line], indices=codes[order][which[line]], out=multi)
    first = order[np.unique(codes[order], return_index=True)[1]]
    return codes, first, np.asarray(shapely.line_merge(multi), dtype=object)


def _traffic_volume_layer(e: gpd.GeoDataFrame, *, today: bool) -> MapLayer | None:
    """Vehicles a day per street (merged per street and volume class), today or with the scenario."""
    column = "daily_traffic_before" if today else "daily_traffic"
    if column not in e.columns:
        return None
    q = pd.to_numeric(e[column], errors="coerce").astype(float)
    hw = _text(_col(e, "highway"))
    mask = (q.notna() & _bool(e, "mode_drive", True) & _in_area(e) & ~hw.isin(_UNASSIGNED)).to_numpy()
    sub = _rows(e, mask)
    key = "traffic_before" if today else "traffic_after"
    title = ("Traffic today (vehicles/day, modelled)" if today
             else "Traffic with the scenario (vehicles/day, modelled)")
    styles = {lab: _line(col, w, 0.85, label=lab) for _, lab, col, w in TRAFFIC_BINS}
    if sub.empty:
        return MapLayer(key=key, title=title, frame=sub, category=pd.Series(dtype=object), styles=styles, show=False)
    qs, hw = q[mask], hw[mask]
    source = _source_text(_col(sub, "daily_traffic_source"))
    if today:  # today's run has no interventions: what one sets today is the model's figure
        source = source.where(~source.str.startswith("set by intervention"), "traffic model")
    cat = _bin_labels(qs, TRAFFIC_BINS)
    name = _street(sub)
    # one feature per street, volume class and source (an unnamed road: per way); the tooltip gives
    # the range of its segments' volumes, every segment's own figure is in layers.gpkg
    named = _text(_col(sub, "name")) != ""
    street_key = name.where(named, "way " + _text(_col(sub, "way_id")))
    codes, first, geoms = _merge_runs(sub, [street_key.to_numpy(), cat.to_numpy(), source.to_numpy()])
    lo = qs.groupby(codes).min().to_numpy()
    hi = qs.groupby(codes).max().to_numpy()
    lo_t, hi_t = _vehicles_text(lo), _vehicles_text(hi)
    frame = gpd.GeoDataFrame({"street": name.to_numpy()[first], "highway": hw.to_numpy()[first],
                              "source": source.to_numpy()[first], "q": hi, "category": cat.to_numpy()[first],
                              "vehicles": lo_t.where(lo_t == hi_t, lo_t + "–" + hi_t).to_numpy()},
                             geometry=geoms, crs=sub.crs)
    frame = frame.iloc[np.argsort(frame["q"].to_numpy(), kind="stable")].reset_index(drop=True)  # busiest on top
    return MapLayer(
        key=key, title=title, frame=frame, category=frame["category"], styles=styles,
        fields=[("Street", frame["street"].astype("string")),
                ("Vehicles/day" + (" today" if today else ""), frame["vehicles"].astype("string")),
                ("Road class", frame["highway"].astype("string")), ("Source", frame["source"].astype("string"))],
        show=False,
    )


def _traffic_change_layer(e: gpd.GeoDataFrame, minimum: float = TRAFFIC_CHANGE_MIN) -> MapLayer | None:
    """Segments whose traffic changes by at least ``minimum`` vehicles a day and 10 % of their
    volume (:func:`mobisim.traffic.results.moved`: beyond the assignment's noise): gains, losses."""
    if "traffic_change" not in e.columns:
        return None
    from mobisim.traffic.results import moved
    from mobisim.traffic.settings import TrafficSettings

    d = pd.to_numeric(e["traffic_change"], errors="coerce").astype(float)
    share = TrafficSettings().displacement_min_share
    mask = moved(e, minimum, share) & _in_area(e).fillna(False).to_numpy(dtype=bool)
    sub, ds = _rows(e, mask), d[mask]
    cat = pd.Series(np.where(ds > 0, np.where(ds >= 1000, "gain_large", "gain"),
                             np.where(ds <= -1000, "loss_large", "loss")), index=sub.index, dtype=object)
    order = np.argsort(ds.abs().to_numpy(), kind="stable")  # the largest changes on top
    sub, ds, cat = sub.iloc[order], ds.iloc[order], cat.iloc[order]
    # the three figures to the same 10 vehicles, so that after − before = the change shown
    change = _vehicles_text(ds, 10.0)
    change = change.where(ds <= 0, "+" + change)
    before = _vehicles_text(_col(sub, "daily_traffic_before"), 10.0)
    after = _vehicles_text(_col(sub, "daily_traffic"), 10.0)
    return MapLayer(
        key="traffic_change", title="Traffic change (vehicles/day, scenario − today)", frame=sub, category=cat,
        styles=dict(CHANGE_STYLES),
        fields=[("Street", _street(sub)),
                ("Change", change + " veh/day (before " + before.where(before != "", "?") + " → after "
                 + after.where(after != "", "?") + ")"),
                ("Source", _source_text(_col(sub, "daily_traffic_source")))],
        show=False,
    )


def _rat_run_layer(e: gpd.GeoDataFrame) -> MapLayer | None:
    """Access roads the traffic model flags as rat runs (``rat_run``), with the fix."""
    if "rat_run" not in e.columns:
        return None
    sub = _rows(e, _bool(e, "rat_run") & _in_area(e))
    through = pd.to_numeric(_col(sub, "traffic_through_min"), errors="coerce").astype(float)
    share = pd.Series([f"at least {100 * t:.0f} %" if np.isfinite(t) else "" for t in through], index=sub.index,
                      dtype="string")
    return MapLayer(
        key="rat_runs", title="Rat runs (through traffic on access roads)", frame=sub,
        category=pd.Series("rat_run", index=sub.index), styles={"rat_run": RAT_RUN_STYLE},
        fields=[("Street", _street(sub)), ("Vehicles/day", _vehicles_text(_col(sub, "daily_traffic"))),
                ("Through traffic", share), ("Today", _vehicles_text(_col(sub, "daily_traffic_before"))),
                ("Fix", _text(_col(sub, "rat_run_fix")))],
        show=False,
    )


def traffic_layers(edges: gpd.GeoDataFrame, *, change_min: float = TRAFFIC_CHANGE_MIN) -> list[MapLayer]:
    """The traffic model's map layers (off at start): volumes today and with the scenario, the
    change (segments changing by at least ``change_min`` vehicles a day) and the rat runs.

    Only segments inside the area judged; none when the edges carry no traffic columns.
    """
    layers = [_traffic_volume_layer(edges, today=True), _traffic_volume_layer(edges, today=False),
              _traffic_change_layer(edges, change_min), _rat_run_layer(edges)]
    return [layer for layer in layers if layer is not None]


# ---- driven speed (mobisim.rules.driven_speed): signs or redesign on the lowered roads

#: Styles of :func:`driven_speed_layer` by ``driven_speed_basis``, in legend order (sign only drawn on top).
DRIVEN_SPEED_STYLES: dict[str, dict[str, Any]] = {
    "redesign": _line(REDESIGNED, 4.5, 0.9, label="redesigned by the calming plan by the horizon"),
    "design": _line(DESIGNED, 3.5, 0.9, label="design already enforces the new limit"),
    "sign only": _line(SIGN_ONLY, 4, 0.95,
                       label="sign only: driven above the new limit (redesign, if planned, after the horizon)"),
}
_BASIS_TEXT = {"redesign": "redesign (calming plan)", "design": "design (already enforces the limit)",
               "sign only": "sign only"}


def _kmh_text(values: pd.Series) -> pd.Series:
    """Speeds as ``"40"`` (whole km/h) or ``"42.5"``; ``""`` when missing."""
    v = pd.to_numeric(values, errors="coerce").astype("Float64").round(1)
    whole = (v == v.round(0)).fillna(False)
    text = v.astype("string").where(~whole, v.round(0).astype("Int64").astype("string"))
    return text.fillna("")


def driven_speed_layer(edges: gpd.GeoDataFrame) -> MapLayer | None:
    """The roads whose limit the scenario lowers, coloured by what keeps drivers at it at the horizon.

    ``driven_speed_basis``: ``redesign`` (redesigned by the calming plan by the horizon),
    ``design`` (the street's design already enforces the new limit) or ``sign only`` (only the
    sign changed; the calming plan's later redesign year, if any, in the tooltip). Only segments
    inside the area judged; segments of one street with the same texts are drawn as one line
    (:func:`_merge_runs`). Off at start.

    Parameters
    ----------
    edges : GeoDataFrame
        Evaluated scenario edges with the columns of :func:`mobisim.pipeline.driven_speed_step`.

    Returns
    -------
    MapLayer or None
        ``None`` when the edges carry no ``driven_speed_basis``.
    """
    if "driven_speed_basis" not in edges.columns:
        return None
    sub = _rows(edges, _lowered_mask(edges))
    title = "Signs or redesign (driven speed)"
    if sub.empty:
        return MapLayer(key="driven_speed", title=title, frame=sub, category=pd.Series(dtype=object),
                        styles=dict(DRIVEN_SPEED_STYLES), show=False)
    basis = _text(sub["driven_speed_basis"])
    before = _kmh_text(_col(sub, "limit_before"))
    # the limit drivers see after: the programme's (``proposed_maxspeed``; with the programme on,
    # ``maxspeed`` stays today's), else ``maxspeed`` (a run with interventions only)
    after = _kmh_text(_col(sub, "proposed_maxspeed"))
    after = after.where(after != "", _kmh_text(_col(sub, "maxspeed")))
    limit = before.where(before != "", "?") + " → " + after.where(after != "", "?") + " km/h"
    speed = _kmh_text(_col(sub, "driven_speed"))
    year = _text(_col(sub, "redesign_year"), decimals=0)
    redesign = pd.Series(np.select(
        [(year != "") & (basis == "redesign"), (year != "") & (basis == "sign only"), basis == "sign only"],
        ["redesigned in " + year + " (by the horizon)", "redesign planned in " + year + " (after the horizon)",
         "not in the calming plan"], ""), index=sub.index, dtype="string")
    name = _street(sub)
    named = _text(_col(sub, "name")) != ""
    street_key = name.where(named, "way " + _text(_col(sub, "way_id")))
    texts = {"street": name, "limit": limit, "speed": speed.where(speed == "", speed + " km/h"),
             "basis": basis.map(_BASIS_TEXT).astype("string").fillna(basis),
             "reason": _text(_col(sub, "driven_speed_reason")), "redesign": redesign}
    # one line per street and tooltip: the segments of a street mostly share every text
    _, first, geoms = _merge_runs(sub, [street_key.to_numpy()] + [t.to_numpy() for t in texts.values()])
    columns = {k: t.to_numpy()[first] for k, t in texts.items()}
    frame = gpd.GeoDataFrame(columns | {"category": basis.to_numpy()[first]}, geometry=geoms, crs=sub.crs)
    draw = {k: i for i, k in enumerate(["design", "redesign", "sign only"])}  # sign only on top
    frame = frame.iloc[np.argsort(frame["category"].map(draw).to_numpy(), kind="stable")].reset_index(drop=True)
    return MapLayer(
        key="driven_speed", title=title, frame=frame, category=frame["category"],
        styles=dict(DRIVEN_SPEED_STYLES),
        fields=[("Street", frame["street"].astype("string")), ("Limit today → after", frame["limit"].astype("string")),
                ("Driven speed", frame["speed"].astype("string")), ("Basis", frame["basis"].astype("string")),
                ("Why", frame["reason"].astype("string")), ("Redesign", frame["redesign"].astype("string"))],
        show=False,
    )


def map_layers(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame | None = None,
    *,
    parking: gpd.GeoDataFrame | None = None,
    school_wijken: gpd.GeoDataFrame | None = None,
) -> list[MapLayer]:
    """Build the map layers of an evaluated network (themes with no features are left out).

    Parameters
    ----------
    edges, nodes, features : GeoDataFrame
        Evaluated network frames.
    parking : GeoDataFrame, optional
        Street space freed by the parking step.
    school_wijken : GeoDataFrame, optional
        Child-safe share per wijk (:func:`mobisim.schools.share_change`), drawn underneath.

    Returns
    -------
    list of MapLayer
    """
    e = _select(_edges_frame(edges), MAP_EDGE_COLUMNS)  # only what the layers read: masks stay cheap
    n = _select(nodes, MAP_NODE_COLUMNS)
    layers = [_regime_layer(e), _toets_fail_layer(e), _toets_pass_layer(e), _crossing_layer(n),
              _school_route_layer(e), _weakest_layer(e, n), _junction_layer(n), *traffic_layers(e)]
    driven = driven_speed_layer(e)
    if driven is not None:
        layers.append(driven)
    if school_wijken is not None and not school_wijken.empty:
        layers.insert(0, _school_wijk_layer(school_wijken))  # areas underneath the lines
    if parking is not None and not parking.empty:
        layers.append(_parking_layer(parking))
    if features is not None and not features.empty and "kind" in features.columns:
        layers.append(_sites_layer(features))
    return [layer for layer in layers if len(layer.frame)]


def _plain(label: str) -> str:
    """A label without template/markup characters (layer names pass through folium's Jinja)."""
    return re.sub(r"[{}%<>&\"'\\]", "", str(label))


def diff_layers(changed: gpd.GeoDataFrame, name_a: str, name_b: str) -> list[MapLayer]:
    """Map layers of :func:`mobisim.render.report.changed_segments` (regime and/or toets changed)."""
    if changed.empty:
        return []

    def verdict(col: str) -> pd.Series:
        v = _text(_col(changed, col))
        return v.replace({"True": "pass", "False": "fail", "true": "pass", "false": "fail"})

    name_a, name_b = _plain(name_a), _plain(name_b)
    layers = []
    for key, title, mask, color in [
        ("diff_regime", f"Speed regime changed ({name_a} → {name_b})", changed["change"].str.contains("regime"), RED),
        ("diff_toets", f"Toets verdict changed ({name_a} → {name_b})", changed["change"].str.contains("toets"), PURPLE),
    ]:
        sub = changed[mask.to_numpy()]
        if sub.empty:
            continue
        ta, tb = verdict("toets_pass_a")[mask.to_numpy()], verdict("toets_pass_b")[mask.to_numpy()]
        improved = (ta == "fail") & (tb == "pass")
        if key == "diff_regime":
            sa = pd.to_numeric(_col(sub, "proposed_maxspeed_a"), errors="coerce")
            sb = pd.to_numeric(_col(sub, "proposed_maxspeed_b"), errors="coerce")
            cat = pd.Series(np.where(sb < sa, "lower", np.where(sb > sa, "higher", "other")), index=sub.index)
            styles = {"lower": _line(GREEN, 4, label="limit lowered"), "higher": _line(RED, 4, label="limit raised"),
                      "other": _line(color, 3, label="regime changed")}
        else:
            cat = pd.Series(np.where(improved, "better", "worse"), index=sub.index)
            styles = {"better": _line(GREEN, 4, label="now passes the toets"),
                      "worse": _line(PURPLE, 4, label="now fails the toets")}
        layers.append(MapLayer(
            key=key, title=title, frame=sub, category=cat, styles=styles,
            fields=[("Street", _street(sub)),
                    (f"Regime {name_a}", _text(_col(sub, "regime_a"))), (f"Regime {name_b}", _text(_col(sub, "regime_b"))),
                    (f"Limit {name_a}", _text(_col(sub, "proposed_maxspeed_a"), suffix=" km/h")),
                    (f"Limit {name_b}", _text(_col(sub, "proposed_maxspeed_b"), suffix=" km/h")),
                    (f"Toets {name_a}", ta), (f"Toets {name_b}", tb)],
            show=True,
        ))
    return layers


# --------------------------------------------------------------------------------------------
# compact GeoJSON layer
# --------------------------------------------------------------------------------------------


def _js_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``<``, ``>``, ``&`` or ``'``)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _wgs84_geometries(frame: gpd.GeoDataFrame, tolerance: float, decimals: int) -> np.ndarray:
    """Simplified WGS84 GeoJSON geometry strings (``""`` for empty ones)."""
    geom = frame.geometry
    if geom.crs is not None and geom.crs.is_projected and tolerance > 0:
        geom = geom.simplify(tolerance, preserve_topology=False)
    geom = geom.to_crs(4326) if geom.crs is not None else geom
    arr = shapely.transform(geom.to_numpy(), lambda xy: np.round(xy, decimals))  # one numpy call
    out = np.asarray(shapely.to_geojson(arr), dtype=object)
    out[shapely.is_empty(arr) | shapely.is_missing(arr)] = ""
    return out


# short codes for the GeoJSON geometry types in the compact rows (decoded by mobisimFeatures)
GEOMETRY_CODES = {"Point": "P", "LineString": "L", "Polygon": "A", "MultiPoint": "MP",
                  "MultiLineString": "ML", "MultiPolygon": "MA"}
_GEOJSON_PARTS = re.compile(r'^\{"type":"(\w+)","coordinates":(.*)\}$', re.S)


def layer_data(layer: MapLayer, *, tolerance: float = SIMPLIFY_TOLERANCE_M,
               decimals: int = COORD_DECIMALS) -> tuple[str, list[list[str]], list[dict[str, Any]]]:
    """Encode a layer compactly.

    A GeoJSON ``Feature`` wrapper costs about 80 bytes, more than the coordinates of a typical
    street segment; the whole-city map holds some 135,000 features. So each feature is one row
    ``[s, [p…], t, coordinates]``: the style index, one lookup index per tooltip field, a short
    geometry type code (:data:`GEOMETRY_CODES`) and the GeoJSON coordinates. The map's
    ``mobisimFeatures`` script turns the rows back into GeoJSON features (properties ``s`` and
    ``p``). A geometry of another type (a collection) is kept whole with the type code ``""``.

    Returns
    -------
    rows_json : str
        A JSON array with one row per non-empty feature.
    lookups : list of list of str
        Distinct values per tooltip field.
    styles : list of dict
        Leaflet path options per style index.
    """
    geoms = pd.Series(_wgs84_geometries(layer.frame, tolerance, decimals), dtype=object)
    keep = (geoms != "").to_numpy()
    parts = geoms.str.extract(_GEOJSON_PARTS)
    short = parts[0].map(GEOMETRY_CODES)
    typed = short.notna()
    code = '"' + short.fillna("") + '"'
    coords = parts[1].where(typed, geoms)
    style_names = list(layer.styles)
    s_codes = pd.Categorical(layer.category.astype("string").fillna(""), categories=style_names).codes
    s_codes = np.where(s_codes < 0, 0, s_codes)
    lookups: list[list[str]] = []
    codes_txt = []
    for _, values in layer.fields:
        codes, uniques = pd.factorize(values.astype("string").fillna("").to_numpy())
        lookups.append([str(u) for u in uniques])
        codes_txt.append(pd.Series(codes).astype(str).to_numpy())
    joined = pd.Series("", index=geoms.index, dtype=object)
    for i, c in enumerate(codes_txt):
        joined = joined + ("," if i else "") + pd.Series(c, dtype=object)
    rows = "[" + pd.Series(s_codes).astype(str).to_numpy() + ",[" + joined + "]," + code + "," + coords + "]"
    styles = [{k: v for k, v in layer.styles[name].items() if k != "label"} for name in style_names]
    return "[" + ",".join(rows[keep].tolist()) + "]", lookups, styles


class _Raw(Element):
    """A piece of HTML/JS added verbatim.

    branca wraps every rendered script in a new Jinja template; text derived from OSM (street
    names) must never pass through Jinja (``{{ … }}`` in a name would be evaluated), and compiling
    megabytes of GeoJSON as a template is slow. This element renders its text as is.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class CompactGeoJson(folium.map.Layer):
    """A folium layer holding a :class:`MapLayer` encoded by :func:`layer_data`.

    Styles come from a per-layer table; tooltips and popups are built with ``textContent`` by the
    ``mobisimTable`` helper, so no property value is ever parsed as HTML (nor as a Jinja template:
    the script is added verbatim, see :class:`_Raw`).
    """

    def __init__(self, layer: MapLayer, *, tolerance: float = SIMPLIFY_TOLERANCE_M, decimals: int = COORD_DECIMALS):
        super().__init__(name=layer.title, overlay=True, control=True, show=layer.show)
        self._name = "CompactGeoJson"
        self.layer = layer
        self.tolerance, self.decimals = tolerance, decimals
        self.n_features = len(layer.frame)

    def script(self) -> str:
        """The JavaScript defining this layer (a global ``var`` named like the element)."""
        data, lookups, styles = layer_data(self.layer, tolerance=self.tolerance, decimals=self.decimals)
        name = self.get_name()
        return (
            f"var {name}_styles = {_js_json(styles)};\n"
            f"var {name}_lookups = {_js_json(lookups)};\n"
            f"var {name}_labels = {_js_json([label for label, _ in self.layer.fields])};\n"
            f"var {name} = L.geoJson(null, {{\n"
            f"  renderer: mobisimRenderer(),\n"
            f"  style: function(f) {{ return {name}_styles[f.properties.s]; }},\n"
            f"  pointToLayer: function(f, latlng) {{ return L.circleMarker(latlng, "
            f"L.extend({{renderer: mobisimRenderer()}}, {name}_styles[f.properties.s])); }},\n"
            f"  onEachFeature: function(f, layer) {{\n"
            f"    var make = function() {{ return mobisimTable({_js_json(self.layer.title)}, {name}_labels, "
            f"{name}_lookups, f.properties.p || []); }};\n"
            f"    layer.bindTooltip(make, {{sticky: true, className: 'mobisim-tooltip'}});\n"
            f"    layer.bindPopup(make, {{maxWidth: 420}});\n"
            f"  }}\n}});\n"
            # data: numbers and GeoJSON geometry only, no characters that need escaping
            f"{name}.addData(mobisimFeatures({data}));\n"
            f"{name}.mobisimLabels = {name}_labels;\n"
            f"{name}.mobisimLookups = {name}_lookups;\n"
            f"window.mobisimLayers = window.mobisimLayers || {{}};\n"
            f"window.mobisimLayers[{_js_json(self.layer.key)}] = {name};\n"
        )

    def render(self, **kwargs: Any) -> None:
        if self.show:
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        self.get_root().script.add_child(_Raw(self.script()), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


def _map_extras(map_name: str, attribution: str) -> str:
    """Script adding the data attribution and exposing the map as ``window.mobisimMap`` (tests)."""
    return (f"{map_name}.attributionControl.addAttribution({_js_json(html.escape(attribution))});\n"
            f"window.mobisimMap = {map_name};\n"
            f"{map_name}.on('overlayadd overlayremove', mobisimLegendSync);\n"
            f"setTimeout(mobisimLegendSync, 0);\n")


class _MapExtras(MacroElement):
    """Adds :func:`_map_extras` after the map is defined (verbatim, never through Jinja)."""

    def __init__(self, attribution: str):
        super().__init__()
        self._name = "MapExtras"
        self.attribution = attribution

    def render(self, **kwargs: Any) -> None:
        self.get_root().script.add_child(_Raw(_map_extras(self._parent.get_name(), self.attribution)),
                                         name=self.get_name())


_HELPER_JS = """
<script>
function mobisimTable(title, labels, lookups, p) {
    var div = document.createElement("div");
    div.className = "mobisim-tip";
    var head = document.createElement("div");
    head.className = "mobisim-tip-title";
    head.textContent = title;
    div.appendChild(head);
    var table = document.createElement("table");
    for (var i = 0; i < labels.length; i++) {
        var value = lookups[i][p[i]];
        if (value === undefined || value === "") { continue; }
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.textContent = labels[i];
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(th);
        tr.appendChild(td);
        table.appendChild(tr);
    }
    div.appendChild(table);
    return div;
}
var mobisimCanvas = null;
function mobisimRenderer() {
    // one canvas for every layer, as preferCanvas gives, but with a hover tolerance: thin lines
    // (the greyed roads outside the area, 30-streets) are hard to hit at their own width
    if (mobisimCanvas === null) { mobisimCanvas = L.canvas({tolerance: 4}); }
    return mobisimCanvas;
}
function mobisimLegendSync() {
    // dim the legend group of a layer that is switched off, and hide its rows
    var map = window.mobisimMap, layers = window.mobisimLayers || {};
    if (!map) { return; }
    var groups = document.querySelectorAll("#mobisim-legend [data-layer]");
    for (var i = 0; i < groups.length; i++) {
        var layer = layers[groups[i].getAttribute("data-layer")];
        groups[i].classList.toggle("off", !!layer && !map.hasLayer(layer));
    }
}
var mobisimGeometryTypes = {P: "Point", L: "LineString", A: "Polygon", MP: "MultiPoint",
                            ML: "MultiLineString", MA: "MultiPolygon"};
function mobisimFeatures(rows) {
    // rows of [style, [lookup indices], geometry type code, coordinates] (see maps.layer_data)
    var features = new Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var geometry = r[2] ? {type: mobisimGeometryTypes[r[2]], coordinates: r[3]} : r[3];
        features[i] = {type: "Feature", geometry: geometry, properties: {s: r[0], p: r[1]}};
    }
    return {type: "FeatureCollection", features: features};
}
</script>
<style>
.mobisim-tip { width: max-content; max-width: 380px; white-space: normal; font: 12px/1.35 sans-serif; }
.mobisim-tip-title { font-weight: bold; margin-bottom: 2px; }
.mobisim-tip th { text-align: left; padding-right: 6px; vertical-align: top; color: #444; }
.mobisim-tip td { vertical-align: top; }
.mobisim-tooltip { white-space: normal; }
.mobisim-legend { position: absolute; bottom: 60px; left: 10px; z-index: 1000; background: rgba(255,255,255,0.92);
  padding: 6px 9px; font: 12px/1.4 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  max-height: 55vh; overflow-y: auto; max-width: 300px; }
.mobisim-legend h4 { margin: 2px 0 4px; font-size: 13px; display: inline; }
.mobisim-legend summary { cursor: pointer; }
.mobisim-legend .grp { margin-top: 4px; font-weight: bold; }
.mobisim-legend .off .grp { font-weight: normal; color: #888; }
.mobisim-legend .off .grp::after { content: " (off)"; }
.mobisim-legend .off .row { display: none; }
.mobisim-legend .sw { display: inline-block; width: 18px; margin-right: 5px; vertical-align: middle; }
.mobisim-legend .area { display: inline-block; width: 14px; height: 10px; margin: 0 7px 0 2px; opacity: 0.7;
  border: 1px solid #555; vertical-align: middle; }
.mobisim-legend .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin: 0 9px 0 4px;
  border: 1px solid #222; vertical-align: middle; }
.leaflet-container { background: #f2efe9; }
</style>
"""


def _legend_html(title: str, layers: Sequence[MapLayer], note: str) -> str:
    parts = [f'<div class="mobisim-legend" id="mobisim-legend"><details open><summary><h4>{html.escape(title)}</h4>'
             "</summary>"]
    for layer in layers:
        # one group per layer; the map script dims a switched-off layer's group and hides its rows
        parts.append(f'<div class="mobisim-lg" data-layer="{html.escape(layer.key)}">'
                     f'<div class="grp">{html.escape(layer.title)}</div>')
        for style in layer.styles.values():
            label = style.get("label")
            if not label:
                continue
            if "radius" in style:
                swatch = f'<span class="dot" style="background:{style["fillColor"]}"></span>'
            elif "fillOpacity" in style:
                swatch = f'<span class="area" style="background:{style["fillColor"]}"></span>'
            else:
                line = "dashed" if style.get("dashArray") else "solid"
                swatch = (f'<span class="sw" style="border-top:{max(2, int(style["weight"]))}px {line} '
                          f'{style["color"]}"></span>')
            parts.append(f'<div class="row">{swatch}{html.escape(label)}</div>')
        parts.append("</div>")
    parts.append(f'<div style="margin-top:5px;color:#555">{html.escape(note)}</div></details></div>')
    return "".join(parts)


def build_map(
    layers: Sequence[MapLayer],
    *,
    title: str = "mobisim",
    self_contained: bool = False,
    attribution: str = ATTRIBUTION,
    bounds: Sequence[float] | None = None,
) -> folium.Map:
    """Build the folium map of ``layers`` with a layer control, a legend and the attribution.

    Parameters
    ----------
    layers : sequence of MapLayer
        Layers in drawing order (later ones on top).
    title : str
        Legend title (escaped).
    self_contained : bool
        Start on a plain background (no tile requests; for offline use) with OpenStreetMap tiles
        as a switchable base layer; the scripts are inlined by :func:`save_map`.
    attribution : str
        Data attribution, always shown (OSM-derived data must credit its contributors).
    bounds : (minx, miny, maxx, maxy), optional
        WGS84 bounds to fit; from the layers when omitted.

    Returns
    -------
    folium.Map
    """
    m = folium.Map(location=[52.07, 4.30], zoom_start=13, tiles=None, control_scale=True, prefer_canvas=True)
    osm = folium.TileLayer(OSM_TILES, attr=TILE_ATTRIBUTION, name="OpenStreetMap tiles (online)", max_zoom=19,
                           show=not self_contained)
    plain = folium.FeatureGroup(name="Plain background (offline)", overlay=False, show=self_contained)
    if self_contained:
        plain.add_to(m)
        osm.add_to(m)
    else:
        osm.add_to(m)
        plain.add_to(m)
    for layer in layers:
        CompactGeoJson(layer).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root()
    root.header.add_child(_Raw(_HELPER_JS), name="mobisim_helpers")
    note = "Hover or click a line, dot or area for the verdict and the reason."
    root.html.add_child(_Raw(_legend_html(title, layers, note)), name="mobisim_legend")
    _MapExtras(attribution).add_to(m)
    if bounds is None:
        frames = [gpd.GeoSeries([shapely.box(*layer.frame.total_bounds)], crs=layer.frame.crs).to_crs(4326).total_bounds
                  for layer in layers if len(layer.frame) and layer.frame.crs]
        if frames:
            b = np.array(frames)
            bounds = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    if bounds is not None and np.all(np.isfinite(bounds)):
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    m._mobisim_self_contained = self_contained  # type: ignore[attr-defined]
    return m


# --------------------------------------------------------------------------------------------
# self-contained HTML
# --------------------------------------------------------------------------------------------

ASSET_SCHEME = "mobisim-asset:"
_SC_JS = [("leaflet", ASSET_SCHEME + "leaflet.js"), ("jquery", ASSET_SCHEME + "jquery.min.js")]
_SC_CSS = [("leaflet_css", ASSET_SCHEME + "leaflet.css")]
_SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc\s*=\s*"([^"]+)"[^>]*>\s*</script>', re.I)
_LINK_CSS = re.compile(r'<link\b[^>]*\bhref\s*=\s*"([^"]+)"[^>]*>', re.I)


def _asset(name: str) -> bytes:
    return resources.files("mobisim.render.assets").joinpath(name).read_bytes()


def _asset_text(name: str) -> str:
    text = _asset(name).decode("utf-8")
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    if name.endswith(".css"):  # Leaflet's control/marker images as data URIs
        def data_uri(match: re.Match[str]) -> str:
            png = base64.b64encode(_asset("leaflet-" + match.group(1))).decode("ascii")
            return f"url(data:image/png;base64,{png})"

        text = re.sub(r"url\(images/([\w\-]+\.png)\)", data_uri, text)
    return text


def inline_assets(page: str) -> str:
    """Inline every ``mobisim-asset:`` script/stylesheet of ``page``; fail on any other external one.

    Raises
    ------
    ValueError
        When a script or stylesheet still points to a URL after inlining (a folium element whose
        library is not vendored in :mod:`mobisim.render.assets`).
    """

    def script(match: re.Match[str]) -> str:
        src = match.group(1)
        if not src.startswith(ASSET_SCHEME):
            return match.group(0)
        return "<script>" + _asset_text(src[len(ASSET_SCHEME):]).replace("</script", "<\\/script") + "</script>"

    def link(match: re.Match[str]) -> str:
        tag, href = match.group(0), match.group(1)
        if "stylesheet" not in tag.lower() or not href.startswith(ASSET_SCHEME):
            return tag
        return "<style>" + _asset_text(href[len(ASSET_SCHEME):]) + "</style>"

    page = _SCRIPT_SRC.sub(script, page)
    page = _LINK_CSS.sub(link, page)
    left = [m.group(1) for m in _SCRIPT_SRC.finditer(page)]
    left += [m.group(1) for m in _LINK_CSS.finditer(page) if "stylesheet" in m.group(0).lower()]
    if left:
        raise ValueError(f"map.html still loads external files after inlining: {', '.join(left)}")
    return page


def render_html(m: folium.Map, *, self_contained: bool = False) -> str:
    """Render the map as one HTML page; inline Leaflet and jQuery when ``self_contained``."""
    if self_contained:
        m.default_js = list(_SC_JS)
        m.default_css = list(_SC_CSS)
    page = m.get_root().render()
    return inline_assets(page) if self_contained else page


def save_map(m: folium.Map, path: str | Path, *, self_contained: bool = False) -> Path:
    """Render ``m`` and write it atomically to ``path``."""
    return write_text(path, render_html(m, self_contained=self_contained))
