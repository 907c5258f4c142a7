"""Colours, line/dot/area/shape styles and the class bins of the map layers (the legend reads them).

Colours: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design") for categories, and
ColorBrewer Blues / PuOr / YlOrRd (colorbrewer2.org) for classes: both stay apart in the common
forms of colour blindness. Within one view (:mod:`mobisim.render.map.views`) no colour and mark
mean two things; points of interest are squares, triangles and diamonds, verdict dots are
circles. Every style carries its legend ``label`` (:mod:`mobisim.render.map.legend`).
"""

from __future__ import annotations

from typing import NamedTuple

from mobisim.render.map.layer import Style

__all__ = [
    "GREEN", "RED", "GREY", "PURPLE", "MAGENTA", "BLACK", "WINE", "KEEP50", "SHOWN50", "TO30", "ALREADY30", "LIGHTGREY",
    "REDESIGNED", "DESIGNED", "SIGN_ONLY", "Bin", "line", "dot", "area", "shape", "SITE_SHAPES",
    "REGIME_STYLES", "REGIME_DRAW_ORDER", "SCHOOL_BINS", "WIJK_BINS", "SITE_KINDS", "SITE_COLOURS",
    "TRAFFIC_BINS", "CHANGE_STYLES", "RAT_RUN_STYLE", "DRIVEN_SPEED_STYLES",
]

# Okabe–Ito: bluish green (passes), vermillion (fails), reddish purple (fails for walking, weakest
# links' second mark), greys for what is not judged; wine for a failure on both modes.
GREEN, RED, GREY, PURPLE = "#009E73", "#D55E00", "#8c8c8c", "#CC79A7"
MAGENTA, BLACK, WINE = "#AA3377", "#252525", "#882255"
# The speed-regime tiers: warm for 50 (brown solid: keeps 50; orange dashed: 50 only if shown;
# reddish purple: 50 today, a road no tier judged), cool for 30 (blue: lowered to 30; sky blue: 30 or
# less already), greys for what is not judged. Vermillion stays the toets failures' colour.
KEEP50, SHOWN50, TO30, ALREADY30, LIGHTGREY = "#8c510a", "#E69F00", "#0072B2", "#56B4E9", "#c4c4c4"
# Driven speed on the lowered roads (a layer off at start, drawn over the regime's "to 30" blue):
# navy (redesigned) and teal (design enforces) for a limit that is kept, orange for a sign only.
# The three stay apart in deuteranopia, protanopia and tritanopia (CIELAB ΔE ≥ 45 after the
# Machado 2009 simulation; lightness navy < teal < orange). Navy is darker and wider than the
# regime's blue; no red (toets failures), purple or magenta (weakest links). The nearest
# existing colours mean something else with another mark: teal ~ crossing-pass green (dots) and
# parking (off at start), orange ~ "50 if shown" gold (dashed).
REDESIGNED, DESIGNED, SIGN_ONLY = "#08275e", "#1b9e77", "#f28e2b"


class Bin(NamedTuple):
    """One class of a binned layer: values from ``lower`` up belong to it (until the next bin)."""

    lower: float
    label: str
    colour: str
    weight: float = 0.0  # line width; unused for areas


def line(color: str, weight: float, opacity: float = 0.85, label: str | None = None,
         dash: str | None = None) -> Style:
    """A line style (``dash``: a Leaflet ``dashArray`` such as ``"7 5"``)."""
    style: Style = {"color": color, "weight": weight, "opacity": opacity, "label": label}
    if dash:
        style["dashArray"] = dash
    return style


def dot(color: str, radius: float, label: str | None = None, *, stroke: bool = True) -> Style:
    """A circle-marker style for points (a dark outline unless ``stroke`` is false)."""
    return {"color": "#222222", "weight": 1 if stroke else 0, "fillColor": color, "fillOpacity": 0.9,
            "radius": radius, "label": label}


def shape(color: str, kind: str, label: str, size: float = 11) -> Style:
    """A point-of-interest marker: a ``square``, ``triangle`` or ``diamond`` with a dark outline."""
    return {"shape": kind, "fillColor": color, "color": "#222222", "size": size, "label": label}


def area(color: str, label: str) -> Style:
    """A polygon style: a thin grey outline and a translucent fill."""
    return {"color": "#555555", "weight": 1, "fillColor": color, "fillOpacity": 0.45, "label": label}


#: Speed-regime map categories, in legend order. Drawn bottom to top in :data:`REGIME_DRAW_ORDER`,
#: so the thin grey context never covers a judged road.
REGIME_STYLES: dict[str, Style] = {
    "keep_50": line(KEEP50, 4.5, 0.9, label="keeps 50: all four criteria pass"),
    "50_if_shown": line(SHOWN50, 4, 0.95, label="50 if shown: none fails, evidence missing (30 until shown)",
                        dash="7 5"),
    "to_30": line(TO30, 3, 0.85, label="to 30: a criterion fails"),
    "50_today": line(PURPLE, 3.5, 0.85, label="50 km/h today (no 30/50 programme)"),
    "already_30": line(ALREADY30, 2, 0.85, label="30 or less already (incl. woonerven)"),
    "out_of_scope": line(GREY, 2.5, 0.7, label="out of scope (motorway, national route): unchanged"),
    "outside_area": line(LIGHTGREY, 1.2, 0.8, label="outside the municipality — not judged"),
}
REGIME_DRAW_ORDER = ["outside_area", "out_of_scope", "already_30", "to_30", "50_today", "50_if_shown", "keep_50"]

#: Children on their school route per segment (ColorBrewer Blues); from 1 child up.
SCHOOL_BINS = [Bin(1, "1–9 children", "#c6dbef", 2), Bin(10, "10–49 children", "#6baed6", 3),
               Bin(50, "50–199 children", "#2171b5", 5), Bin(200, "200+ children", "#08306b", 7)]

#: Child-safe share per wijk (lower bound in %, ColorBrewer PuOr: orange low, purple high).
WIJK_BINS = [Bin(0.0, "under 70 % of children safe", "#e66101"), Bin(70.0, "70–85 %", "#fdb863"),
             Bin(85.0, "85–95 %", "#b2abd2"), Bin(95.0, "95 % or more", "#5e3c99")]

#: The sites drawn (feature ``kind`` → legend label), their colours and marker shapes (not circles:
#: circles are verdicts).
SITE_KINDS = {"school": "School", "kindergarten": "Kindergarten", "playground": "Playground", "care": "Care site"}
SITE_COLOURS = {"school": "#F0E442", "kindergarten": "#E69F00", "playground": "#009E73", "care": "#CC79A7"}
SITE_SHAPES = {"school": "square", "kindergarten": "square", "playground": "triangle", "care": "diamond"}

#: Volume classes of the traffic layers (lower bound in vehicles a day, label, colour, weight):
#: ColorBrewer YlOrRd, a sequential scale that reads in every common form of colour blindness.
TRAFFIC_BINS = [Bin(0, "under 500 vehicles/day", "#fed976", 1.2), Bin(500, "500–2,000", "#feb24c", 2.0),
                Bin(2000, "2,000–5,000", "#fd8d3c", 3.0), Bin(5000, "5,000–15,000", "#e31a1c", 4.0),
                Bin(15000, "over 15,000", "#800026", 5.5)]
#: Change classes (orange gains, blue losses: diverging and colour-blind safe).
CHANGE_STYLES: dict[str, Style] = {
    "loss_large": line("#2166ac", 5, 0.9, label="1,000 or more vehicles/day fewer"),
    "loss": line("#92c5de", 3, 0.9, label="300–1,000 fewer"),
    "gain": line("#fdb863", 3, 0.9, label="300–1,000 more"),
    "gain_large": line("#e66101", 5, 0.9, label="1,000 or more vehicles/day more"),
}
RAT_RUN_STYLE = line(BLACK, 4.5, 0.9, label="rat run: busy access road, mostly through traffic", dash="8 5")

#: Styles of the driven-speed layer by ``driven_speed_basis``, in legend order (sign only drawn on top).
DRIVEN_SPEED_STYLES: dict[str, Style] = {
    "redesign": line(REDESIGNED, 4.5, 0.9, label="redesigned by the calming plan by the horizon"),
    "design": line(DESIGNED, 3.5, 0.9, label="design already enforces the new limit"),
    "sign only": line(SIGN_ONLY, 4, 0.95,
                      label="sign only: driven above the new limit (redesign, if planned, after the horizon)"),
}
