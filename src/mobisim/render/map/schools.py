"""The school layers: children per segment on their school route, the weakest links, the child-safe
share per wijk, and the sites (schools, kindergartens, playgrounds, care)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from mobisim.frames import column
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.selection import in_area, rows
from mobisim.render.map.styles import (
    RED,
    SCHOOL_BINS,
    SITE_COLOURS,
    SITE_KINDS,
    SITE_SHAPES,
    WIJK_BINS,
    area,
    dot,
    line,
    shape,
)
from mobisim.render.map.values import bin_labels, children, column_text, street, text

__all__ = ["school_route_layer", "weakest_layer", "school_wijk_layer", "sites_layer"]


def school_route_layer(e: gpd.GeoDataFrame) -> MapLayer:
    """Children per segment on their shortest school route, in the classes of :data:`SCHOOL_BINS`."""
    kids = children(e, "school_route_children")
    mask = (kids > 0).to_numpy()
    sub, k = rows(e, mask), kids[mask]
    # bins start at 1 child; a fraction of a child (from estimated counts) falls in the lowest bin
    cat = bin_labels(k, SCHOOL_BINS)
    safe = children(sub, "school_route_children_safe")
    on_safe = (text(safe, decimals=0) if "school_route_children_safe" in sub.columns
               else pd.Series("", index=sub.index, dtype="string"))
    verdict = column_text(sub, "toets_pass").map({"True": "pass", "False": "fail"}).astype("string").fillna("")
    return MapLayer(
        key="school_routes",
        title="School routes by intensity",
        frame=sub,
        category=cat,
        styles={b.label: line(b.colour, b.weight, 0.8, label=b.label) for b in SCHOOL_BINS},
        fields=[("Street", street(sub)), ("Children", text(k, decimals=0)), ("On child-safe routes", on_safe),
                ("Toets", verdict)],
        show=False,
    )


def _weakest_frame(e: gpd.GeoDataFrame, n: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Failing segments and crossings on children's routes, as one frame (``what``, ``kids``,
    ``why``, ``fix``, ``kind``) in the CRS of ``e``."""
    es = rows(e, (children(e, "weakest_link_children") > 0) & in_area(e))
    ns = rows(n, (children(n, "weakest_link_children") > 0) & in_area(n))
    bike_fails = column_text(es, "toets_bike") == "fail"
    reason_e = column_text(es, "toets_bike_reason").where(bike_fails, column_text(es, "toets_walk_reason"))
    fix_e = column_text(es, "toets_bike_fix").where(bike_fails, column_text(es, "toets_walk_fix"))
    return gpd.GeoDataFrame(
        pd.concat([
            pd.DataFrame({"what": street(es), "kids": children(es, "weakest_link_children"),
                          "why": reason_e, "fix": fix_e, "kind": "segment"}),
            pd.DataFrame({"what": "crossing " + column_text(ns, "crossing_kind"),
                          "kids": children(ns, "weakest_link_children"),
                          "why": column_text(ns, "toets_crossing_reason"),
                          "fix": column_text(ns, "toets_crossing_fix"), "kind": "crossing"}),
        ], ignore_index=True),
        geometry=list(es.geometry.to_crs(e.crs)) + list(ns.geometry.to_crs(e.crs) if len(ns) else []),
        crs=e.crs,
    )


def weakest_layer(e: gpd.GeoDataFrame, n: gpd.GeoDataFrame) -> MapLayer:
    """Failing segments and crossings that break children's safe school routes (on at start)."""
    frame = _weakest_frame(e, n)
    return MapLayer(
        key="weakest_links",
        title="Weakest links on school routes",
        frame=frame,
        category=frame["kind"],
        styles={"segment": line(RED, 6, 0.9, label="segment breaking safe school routes"),
                "crossing": dot(RED, 7, "crossing breaking safe school routes")},
        fields=[("Weakest link", frame["what"].astype("string")),
                ("Verdict", pd.Series("fail", index=frame.index, dtype="string")),
                ("Children whose safe route it breaks", text(frame["kids"], decimals=0)),
                ("Why", frame["why"].astype("string")), ("Fix", frame["fix"].astype("string"))],
        show=True,
    )


def school_wijk_layer(wijken: gpd.GeoDataFrame) -> MapLayer:
    """Wijk polygons coloured by the share of children with a child-safe school route (after)."""
    pct = 100.0 * pd.to_numeric(column(wijken, "share_safe"), errors="coerce")
    before = 100.0 * pd.to_numeric(column(wijken, "share_safe_before"), errors="coerce")
    cat = bin_labels(pct.fillna(0.0), WIJK_BINS)
    code = pd.Series(wijken.index.astype(str), index=wijken.index, dtype="string")
    return MapLayer(
        key="school_wijken",
        title="Child-safe school routes per wijk",
        frame=wijken,
        category=cat,
        styles={b.label: area(b.colour, b.label) for b in WIJK_BINS},
        fields=[("Wijk", column_text(wijken, "name") + " (" + code + ")"),
                ("Children", column_text(wijken, "children", decimals=0)),
                ("Child-safe route", text(pct, decimals=1, suffix=" %")),
                ("Today", text(before, decimals=1, suffix=" %"))],
        show=False,
    )


def sites_layer(features: gpd.GeoDataFrame) -> MapLayer:
    """Schools, kindergartens, playgrounds and care sites as points (on at start)."""
    sub = features[features["kind"].isin(list(SITE_KINDS))]
    pts = gpd.GeoDataFrame(sub.drop(columns=sub.geometry.name), geometry=sub.geometry.representative_point(),
                           crs=sub.crs)
    return MapLayer(
        key="sites",
        title="Schools, playgrounds and care sites",
        frame=pts,
        category=pts["kind"].astype("string"),
        styles={k: shape(SITE_COLOURS[k], SITE_SHAPES[k], SITE_KINDS[k]) for k in SITE_KINDS},
        fields=[("Name", column_text(pts, "name")), ("Kind", pts["kind"].map(SITE_KINDS).astype("string")),
                ("Type", column_text(pts, "subkind"))],
        show=True,
    )
