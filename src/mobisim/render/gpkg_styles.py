"""QGIS styles stored in ``layers.gpkg``: the ``layer_styles`` table, one default style per layer.

QGIS opens a GeoPackage layer with the row of ``layer_styles`` marked ``useAsDefault`` for it
(the table QGIS itself writes with *Save style → in database*). Each style is a categorized
renderer (QML) whose categories, colours, widths and marks are those of the map: they are read
from the map layers of the same run (:class:`mobisim.render.map.MapLayer` ``styles``), so a
palette change on the map reaches QGIS with no second copy. The category of a feature is a
QGIS expression over the layer's columns that gives the map's category key
(:data:`LAYER_STYLES`). Each layer also gets a title in plain words (``gpkg_contents.identifier``)
and a description.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.map.styles import LIGHTGREY, SCHOOL_BINS, TRAFFIC_BINS, WIJK_BINS, Bin, line
from mobisim.render.map.themes import ThemeLayers, explanation_columns
from mobisim.render.outputs import write_gpkg_to

__all__ = ["LayerStyle", "LAYER_STYLES", "STYLES_TABLE", "bins_expression", "layer_qml", "write_layer_styles",
           "write_run_layers"]

#: The table QGIS reads the styles of a GeoPackage's layers from.
STYLES_TABLE = "layer_styles"
_QGIS_VERSION = "3.34.0"
_GREY = "#8c8c8c"


class LayerStyle(NamedTuple):
    """How a GeoPackage layer is styled and named.

    Attributes
    ----------
    title : str
        The layer's name in plain words (``gpkg_contents.identifier``, the style's name).
    description : str
        What one feature is and what the colours say.
    sources : tuple of (tuple of str, str)
        Tried in order: the keys of the map layers whose styles it takes, and the QGIS
        expression that gives each feature's category key in those styles.
    rest : Style, optional
        The style of the features in no category (QGIS's "all other values"); ``None``: not drawn.
    """

    title: str
    description: str
    sources: tuple[tuple[tuple[str, ...], str], ...]
    rest: Style | None = None


def _quote(text: str) -> str:
    """A QGIS expression string literal."""
    return "'" + text.replace("'", "''") + "'"


def bins_expression(value: str, bins: Sequence[Bin]) -> str:
    """A QGIS expression giving the label of the bin ``value`` falls in (as
    :func:`mobisim.render.map.values.bin_labels`: from a bin's lower bound up; below the first
    bound the first bin; a missing value no bin, so it is not drawn)."""
    whens = [f"WHEN {value} >= {b.lower!r} THEN {_quote(b.label)}" for b in reversed(bins[1:])]
    return f"CASE WHEN {value} IS NULL THEN NULL {' '.join(whens)} ELSE {_quote(bins[0].label)} END"


_TOETS = ("CASE WHEN \"toets_bike\" = 'fail' AND \"toets_walk\" = 'fail' THEN 'both' "
          "WHEN \"toets_bike\" = 'fail' THEN 'bike' WHEN \"toets_walk\" = 'fail' THEN 'walk' ELSE 'pass' END")
_CROSSING = "CASE WHEN coalesce(\"toets_crossing\", '') = '' THEN 'n/a' ELSE \"toets_crossing\" END"
_WIJK_SHARE = bins_expression('coalesce(100 * "share_safe", 0)', WIJK_BINS)
_REGIME = (("speed_regime",), '"regime_category"')

#: The style and title of every layer a run writes (layer name → :class:`LayerStyle`).
LAYER_STYLES: dict[str, LayerStyle] = {
    "segments": LayerStyle(
        "All street segments (every verdict; traffic with the scenario)",
        "Every street segment once, with every column of the themes; coloured by modelled vehicles a day "
        "(the 30/50 regime when the run has no traffic model). The theme layers are views of this one.",
        ((("traffic_after",), bins_expression('"daily_traffic"', TRAFFIC_BINS)), _REGIME),
        line(LIGHTGREY, 1, 0.8, label="no modelled traffic (paths, cycleways, footways; or no traffic model)")),
    "speed_regime": LayerStyle(
        "30-50 regime: which roads keep 50 and why",
        "Motor roads with their proposed limit, tier, deciding criterion and the evidence per criterion.",
        (_REGIME,)),
    "toets_segments": LayerStyle(
        "8-year-old test: streets",
        "Streets judged by the 8-year-old test (8-jarigen-toets) for cycling and walking, with reason and fix.",
        ((("toets_fail", "toets_pass"), _TOETS),)),
    "toets_crossings": LayerStyle(
        "8-year-old test: crossings",
        "Crossings judged by the 8-year-old test, with reason and fix.",
        ((("toets_crossings",), _CROSSING),)),
    "school_routes": LayerStyle(
        "School routes: children per street",
        "Streets on children's shortest routes to their primary school (estimated children per street).",
        ((("school_routes",), bins_expression('"school_route_children"', SCHOOL_BINS)),)),
    "weakest_links_segments": LayerStyle(
        "School routes: weakest links (streets)",
        "Streets that are the only failure on some children's school route.",
        ((("weakest_links",), "'segment'"),)),
    "weakest_links_crossings": LayerStyle(
        "School routes: weakest links (crossings)",
        "Crossings that are the only failure on some children's school route.",
        ((("weakest_links",), "'crossing'"),)),
    "junction_fixes": LayerStyle(
        "Busy 50 junctions to redesign",
        "Junctions of busy 50-roads that need a roundabout, narrowing or chicane.",
        ((("junction_fixes",), "'fix'"),)),
    "driven_speed": LayerStyle(
        "Driven speed on the lowered roads",
        "Roads whose limit is lowered: the speed driven at the horizon and why (redesign, design, sign only).",
        ((("driven_speed",), '"driven_speed_basis"'),)),
    "plan": LayerStyle(
        "The plan to 100 %: street fixes by year",
        "The plan's street fixes (cycle track, 30-redesign, fietsstraat, modal filter) in order, with the budget "
        "year that pays them, the cost (low/central/high €) and the children they make safe.",
        ((("plan",), '"when"'),)),
    "plan_crossings": LayerStyle(
        "The plan to 100 %: crossing fixes by year",
        "The plan's crossing fixes (refuge island, signals, raised crossing) in order, with the budget year, "
        "the cost and the children they make safe.",
        ((("plan_crossings",), '"when"'),)),
    "plan_wijken": LayerStyle(
        "The plan to 100 %: children safe per wijk",
        "Per wijk: children, the share safe today, with the plan's budget (share_checked: with the traffic of "
        "the budget's modal filters re-assigned) and at the end of the plan, and the fixes located in the wijk "
        "with their cost.",
        ((("school_wijken",), bins_expression('coalesce(100 * "share_checked", 100 * "share_budget", 0)',
                                              WIJK_BINS)),)),
    "parking_freed": LayerStyle(
        "Parking: street space freed",
        "Street parking freed by the permit cap.",
        ((("parking_freed",), "'freed'"),)),
    "school_wijken": LayerStyle(
        "School routes: child-safe share per wijk",
        "Share of the wijk's children with a child-safe route to school, after and today.",
        ((("school_wijken",), _WIJK_SHARE),)),
    "school_scores": LayerStyle(
        "School routes: child-safe share per primary school",
        "Share of the children for whom it is the nearest school with a child-safe route (wijk colours).",
        ((("school_wijken",), _WIJK_SHARE),)),
    "sites": LayerStyle(
        "Schools, playgrounds and care sites",
        "The sensitive sites of criterion C2 and the schools of the school routes.",
        ((("sites",), '"kind"'),)),
    "site_areas": LayerStyle(
        "Schools, playgrounds and care sites: their areas",
        "The sites mapped as areas (school grounds, playgrounds), in the colours of their points.",
        ((("sites",), '"kind"'),)),
}


def _rgba(colour: object, opacity: object = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS ``r,g,b,a``."""
    c = str(colour or _GREY).lstrip("#")
    alpha = round(255 * float(opacity if isinstance(opacity, (int, float)) else 1.0))
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def _number(style: Style, key: str, default: float) -> float:
    value = style.get(key)
    return float(value) if isinstance(value, (int, float)) else default


def _symbol_props(kind: str, style: Style) -> dict[str, str]:
    """QGIS symbol-layer properties of a map style (Leaflet pixels become QGIS pixels); a point
    style drawn as an area is translucent, as the map's areas."""
    if kind == "line":
        props = {"line_color": _rgba(style.get("color"), _number(style, "opacity", 1.0)),
                 "line_width": f"{_number(style, 'weight', 1.0):g}", "line_width_unit": "Pixel",
                 "line_style": "solid", "capstyle": "round", "joinstyle": "round"}
        dash = style.get("dashArray")
        if isinstance(dash, str) and dash.strip():
            props |= {"use_custom_dash": "1", "customdash": ";".join(dash.split()), "customdash_unit": "Pixel"}
        return props
    opaque = 0.45 if kind == "fill" and _style_kind(style) != "fill" else 1.0
    fill = _rgba(style.get("fillColor") or style.get("color"), _number(style, "fillOpacity", opaque))
    outline = _number(style, "weight", 1.0)
    props = {"color": fill, "outline_color": _rgba(style.get("color") if style.get("fillColor") else "#222222"),
             "outline_width": f"{outline:g}", "outline_width_unit": "Pixel",
             "outline_style": "solid" if outline > 0 else "no"}
    if kind == "marker":
        size = _number(style, "size", 2 * _number(style, "radius", 4.0))
        props |= {"name": str(style.get("shape") or "circle"), "size": f"{size:g}", "size_unit": "Pixel"}
    return props


def _symbol(parent: ET.Element, name: str, kind: str, style: Style) -> None:
    """One ``<symbol>`` (a single simple layer) with both property forms QGIS 3 reads."""
    symbol = ET.SubElement(parent, "symbol", {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1",
                                              "force_rhr": "0"})
    cls = {"line": "SimpleLine", "marker": "SimpleMarker", "fill": "SimpleFill"}[kind]
    layer = ET.SubElement(symbol, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    props = _symbol_props(kind, style)
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})


def _style_kind(style: Style) -> str:
    """The geometry a map style draws: ``marker`` (dots, shapes), ``fill`` (areas) or ``line``."""
    if "radius" in style or "shape" in style:
        return "marker"
    return "fill" if "fillColor" in style else "line"


def layer_qml(kind: str, expression: str, styles: Mapping[str, Style], rest: Style | None = None) -> str:
    """A QML document: a categorized renderer over ``expression`` with one symbol per map style.

    Parameters
    ----------
    kind : {"line", "marker", "fill"}
        The layer's symbol type (from its geometry).
    expression : str
        A QGIS expression (or a quoted field name) giving each feature's category key.
    styles : mapping of str to Style
        Category key → map style (legend ``label``, colours, width, dash, radius or shape). Styles
        of another geometry (a map layer mixing lines and dots) are left out when some fit.
    rest : Style, optional
        The style of every other value (an empty category value: QGIS's "all other values").

    Returns
    -------
    str
        The QML text (``<!DOCTYPE qgis …>``).
    """
    fitting = {k: v for k, v in styles.items() if _style_kind(v) == kind} or dict(styles)
    if rest is not None:
        fitting[""] = rest
    root = ET.Element("qgis", {"version": _QGIS_VERSION, "styleCategories": "Symbology"})
    renderer = ET.SubElement(root, "renderer-v2", {"type": "categorizedSymbol", "attr": expression,
                                                   "symbollevels": "0", "enableorderby": "0", "forceraster": "0"})
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (key, style) in enumerate(fitting.items()):
        ET.SubElement(categories, "category", {"value": key, "symbol": str(i), "label": str(style.get("label") or key),
                                               "render": "true", "type": "string"})
        _symbol(symbols, str(i), kind, style)
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def _map_styles(spec: LayerStyle, by_key: Mapping[str, MapLayer]) -> tuple[str, dict[str, Style]]:
    """The first source of ``spec`` the map draws: its expression and the styles of its map layers."""
    for keys, expression in spec.sources:
        styles: dict[str, Style] = {}
        for key in keys:
            if key in by_key:
                styles |= by_key[key].styles
        if styles:
            return expression, styles
    return "'all'", {"all": {"color": _GREY, "weight": 2, "fillColor": _GREY, "radius": 3,
                             "label": "not drawn on the map of this run"}}


_KINDS = {"POINT": "marker", "MULTIPOINT": "marker", "LINESTRING": "line", "MULTILINESTRING": "line",
          "POLYGON": "fill", "MULTIPOLYGON": "fill"}
_CREATE = (f'CREATE TABLE IF NOT EXISTS "{STYLES_TABLE}" (id INTEGER PRIMARY KEY AUTOINCREMENT, '
           "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
           "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, "
           "description TEXT, owner TEXT(30), ui TEXT(30), "
           "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))")


def write_layer_styles(path: str | Path, map_layers: Iterable[MapLayer],
                       specs: Mapping[str, LayerStyle] | None = None) -> list[str]:
    """Store a default QGIS style and a plain title for every layer of ``path`` that ``specs`` names.

    Parameters
    ----------
    path : str or Path
        A GeoPackage (written by :func:`mobisim.render.outputs.write_gpkg_to`), changed in place.
    map_layers : iterable of MapLayer
        The map layers of the same run: the colours come from their ``styles``.
    specs : mapping of str to LayerStyle, optional
        Layer name → style and title; :data:`LAYER_STYLES` when omitted.

    Returns
    -------
    list of str
        The layers styled.
    """
    specs = LAYER_STYLES if specs is None else specs
    by_key = {layer.key: layer for layer in map_layers}
    with closing(sqlite3.connect(path)) as con, con:
        layers = con.execute("SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns").fetchall()
        con.execute(_CREATE)
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES (?, 'attributes', ?, ?)", (STYLES_TABLE, STYLES_TABLE, "QGIS styles of the layers"))
        done = []
        for name, geom, gtype in layers:
            spec = specs.get(name)
            if spec is None:
                continue
            expression, styles = _map_styles(spec, by_key)
            qml = layer_qml(_KINDS.get(str(gtype).upper(), "marker"), expression, styles, spec.rest)
            con.execute(f'INSERT INTO "{STYLES_TABLE}" (f_table_catalog, f_table_schema, f_table_name, '
                        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                        "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'mobisim', '')",
                        (name, geom, spec.title, qml, spec.description))
            con.execute("UPDATE gpkg_contents SET identifier = ?, description = ? WHERE table_name = ?",
                        (spec.title, spec.description, name))
            done.append(name)
    return done


def write_run_layers(path: str | Path, themes: ThemeLayers, map_layers: Iterable[MapLayer]) -> Path:
    """Write a run's ``layers.gpkg`` (not atomic; inside the run's output set).

    The tables of ``themes``, the line themes as views of ``segments`` (every explanation text
    stored once, :func:`mobisim.render.map.themes.explanation_columns`), and a default QGIS style
    and plain title per layer (:func:`write_layer_styles`).

    Parameters
    ----------
    path : str or Path
        The new GeoPackage.
    themes : ThemeLayers
        :func:`mobisim.render.map.themes.gpkg_themes` of the run.
    map_layers : iterable of MapLayer
        The run's map layers (their colours become the QGIS styles).

    Returns
    -------
    Path
        ``path``.
    """
    segments = themes.tables.get("segments")
    shared = explanation_columns(segments.columns) if segments is not None else []
    write_gpkg_to(path, themes.tables, views=themes.views, shared_texts=shared)
    write_layer_styles(path, map_layers)
    return Path(path)
