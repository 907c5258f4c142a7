"""The plan layers: the fixes of the plan to 100 %, coloured by the budget year that pays them
(:mod:`mobisim.plan`; the view "The plan")."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.map.styles import dot, line
from mobisim.render.map.values import column_text, text

__all__ = ["YEAR_COLOURS", "plan_layers", "year_styles"]

#: Colours of the budget years in order (Okabe–Ito: first year vermillion … fourth blue); the
#: fixes beyond the budget are grey.
YEAR_COLOURS = ("#D55E00", "#E69F00", "#009E73", "#0072B2", "#CC79A7", "#56B4E9")
BEYOND = "#8c8c8c"


def year_styles(whens: pd.Series, *, points: bool) -> dict[str, Style]:
    """A style per budget year (in year order) and a grey one for the fixes beyond the budget."""
    values = sorted(set(whens.dropna().astype(str)))
    years = [v for v in values if v.isdigit()]
    beyond = [v for v in values if not v.isdigit()]
    styles: dict[str, Style] = {}
    for i, year in enumerate(years):
        colour = YEAR_COLOURS[i % len(YEAR_COLOURS)]
        styles[year] = dot(colour, 6, label=f"paid in {year}") if points else line(colour, 5, 0.9,
                                                                                    label=f"paid in {year}")
    for v in beyond:
        styles[v] = dot(BEYOND, 4, label=f"{v} (beyond the budget)") if points else line(
            BEYOND, 3, 0.7, label=f"{v} (beyond the budget)", dash="6 4")
    return styles


def _fields(frame: gpd.GeoDataFrame) -> list[tuple[str, pd.Series]]:
    cost = (text(frame["cost_central"] / 1e3, decimals=0) + " k€ (" + text(frame["cost_low"] / 1e3, decimals=0)
            + "–" + text(frame["cost_high"] / 1e3, decimals=0) + ")")
    return [("Street", column_text(frame, "street")), ("Year", column_text(frame, "when")),
            ("Fix", column_text(frame, "fix_type").str.replace("_", " ")), ("What", column_text(frame, "fix")),
            ("Cost (estimate unless sourced)", cost),
            ("Children made safe (step)", text(frame["children_made_safe"], decimals=1)),
            ("Share safe after the step", text(100 * frame["share_after"], decimals=1) + " %"),
            ("Step", column_text(frame, "order"))]


def plan_layers(streets: gpd.GeoDataFrame, crossings: gpd.GeoDataFrame) -> list[MapLayer]:
    """The plan's street fixes (lines, on the shared segments) and crossing fixes (points).

    Parameters
    ----------
    streets, crossings : GeoDataFrame
        :func:`mobisim.plan.geometry.fix_frames`.
    """
    s = streets.assign(name=streets["street"].astype(object))
    return [
        MapLayer(key="plan", title="The plan: street fixes by year", frame=s, category=s["when"].astype(str),
                 styles=year_styles(s["when"], points=False), fields=_fields(s), show=False),
        MapLayer(key="plan_crossings", title="The plan: crossing fixes by year", frame=crossings,
                 category=crossings["when"].astype(str), styles=year_styles(crossings["when"], points=True),
                 fields=_fields(crossings), show=False),
    ]
