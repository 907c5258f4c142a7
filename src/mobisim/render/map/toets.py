"""The 8-jarigen-toets layers: failing and passing segments, crossings, and the junctions to redesign.

Only segments and nodes inside the area judged (``in_area``): outside it nothing is judged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.render.map.layer import MapLayer
from mobisim.render.map.selection import in_area, rows, toets_mask
from mobisim.render.map.styles import BLACK, GREEN, GREY, PURPLE, RED, WINE, dot, line
from mobisim.render.map.values import children, column_text, flag, street, text

__all__ = ["toets_fail_layer", "toets_pass_layer", "crossing_layer", "junction_layer"]


def _verdict_rows(frame: pd.DataFrame, mode: str) -> list[tuple[str, pd.Series]]:
    """The tooltip rows of one mode (``bike`` or ``walk``): verdict, why, fix (failures) and rule."""
    verdict = column_text(frame, f"toets_{mode}")
    return [
        (f"Toets {mode}", verdict.where(verdict != "n/a", "")),
        (f"Why ({mode})", column_text(frame, f"toets_{mode}_reason").where(verdict != "n/a", "")),
        (f"Fix ({mode})", column_text(frame, f"toets_{mode}_fix").where(verdict == "fail", "")),
        (f"Rule ({mode})", column_text(frame, f"toets_{mode}_rule").where(verdict != "n/a", "")),
    ]


def toets_fail_layer(e: gpd.GeoDataFrame) -> MapLayer:
    """Segments failing the toets for cycling, walking or both (on at start)."""
    bike, walk = column_text(e, "toets_bike") == "fail", column_text(e, "toets_walk") == "fail"
    mask = ((bike | walk) & in_area(e)).to_numpy()
    sub = rows(e, mask)
    which = pd.Series(np.select([bike[mask] & walk[mask], bike[mask]], ["both", "bike"], "walk"), index=sub.index)
    kids = children(sub, "school_route_children")
    return MapLayer(
        key="toets_fail",
        title="8-jarigen-toets: failing segments",
        frame=sub,
        category=which,
        styles={"bike": line(RED, 4, label="fails for cycling"),
                "walk": line(PURPLE, 4, label="fails for walking"),
                "both": line(WINE, 5, label="fails for cycling and walking")},
        fields=[("Street", street(sub)),
                ("Verdict", "fail (" + which.astype("string").str.replace("both", "bike and walk") + ")"),
                ("LTS bike", column_text(sub, "lts_bike")),
                ("Children on route", text(kids, decimals=0).where(kids > 0, ""))]
        + _verdict_rows(sub, "bike") + _verdict_rows(sub, "walk"),
        show=True,
    )


def toets_pass_layer(e: gpd.GeoDataFrame) -> MapLayer:
    """Segments the toets judged that pass for both modes (off at start)."""
    bike, walk = column_text(e, "toets_bike"), column_text(e, "toets_walk")
    mask = (toets_mask(e) & (bike != "fail") & (walk != "fail")).to_numpy()
    sub = rows(e, mask)
    return MapLayer(
        key="toets_pass",
        title="8-jarigen-toets: passing segments",
        frame=sub,
        category=pd.Series("pass", index=sub.index),
        styles={"pass": line(GREEN, 1.5, 0.6, label="passes the toets")},
        fields=[("Street", street(sub)), ("Verdict", pd.Series("pass", index=sub.index, dtype="string"))],
        show=False,
    )


def crossing_layer(n: gpd.GeoDataFrame) -> MapLayer:
    """The toets per crossing node: fail, pass or not assessed (on at start)."""
    sub = rows(n, flag(n, "is_crossing") & in_area(n))
    verdict = column_text(sub, "toets_crossing").replace("", "n/a")
    return MapLayer(
        key="toets_crossings",
        title="8-jarigen-toets: crossings",
        frame=sub,
        category=verdict,
        # thousands of crossings: passing ones small and without outline so failures stand out
        styles={"fail": dot(RED, 3.5, "crossing fails"),
                "pass": {**dot(GREEN, 2.2, "crossing passes", stroke=False), "fillOpacity": 0.55},
                "n/a": {**dot(GREY, 2, "crossing not assessed", stroke=False), "fillOpacity": 0.55}},
        fields=[("Crossing", column_text(sub, "crossing_kind")), ("Verdict", verdict),
                ("Lanes crossed", column_text(sub, "lanes_crossed")),
                ("Speed crossed", column_text(sub, "crossed_speed", suffix=" km/h")),
                ("Why", column_text(sub, "toets_crossing_reason")),
                ("Fix", column_text(sub, "toets_crossing_fix").where(verdict == "fail", "")),
                ("Rule", column_text(sub, "toets_crossing_rule"))],
        show=True,
    )


def junction_layer(n: gpd.GeoDataFrame) -> MapLayer:
    """Busy 50-road junctions that need a roundabout, narrowing or chicane (off at start)."""
    sub = rows(n, column_text(n, "junction_fix") != "")
    return MapLayer(
        key="junction_fixes",
        title="Busy 50-road junctions to redesign",
        frame=sub,
        category=pd.Series("fix", index=sub.index),
        styles={"fix": dot(BLACK, 6, "junction needs a roundabout / narrowing / chicane")},
        fields=[("Junction fix", column_text(sub, "junction_fix")), ("Why", column_text(sub, "junction_fix_reason"))],
        show=False,
    )
