"""The map's control box: the street search, the view switcher and one compact legend per view
(one group per layer of the view, one row per labelled style; ``templates/map_legend.html``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.map.views import View, map_views
from mobisim.render.templating import render

__all__ = ["LegendRow", "LegendGroup", "LegendView", "legend_row", "legend_groups", "legend_views", "legend_html",
           "LEGEND_NOTE"]

LEGEND_NOTE = "Hover a line or mark for its verdict; click it for the reason and the fix."


@dataclass(frozen=True)
class LegendRow:
    """One legend row: a swatch and its label.

    Parameters
    ----------
    label : str
        The style's label.
    swatch : str
        ``"dot"`` (verdict points), ``"square"``, ``"triangle"``, ``"diamond"`` (points of
        interest), ``"area"`` (polygons) or ``"line"``.
    colour : str
        Fill colour of a dot or area, the line colour of a line.
    width : int
        Line width in pixels (at least 2, so a thin line still shows its colour).
    line : str
        ``"solid"`` or ``"dashed"``.
    """

    label: str
    swatch: str
    colour: str
    width: int = 0
    line: str = "solid"


@dataclass(frozen=True)
class LegendGroup:
    """The legend rows of one layer (``key`` ties the group to the layer switch)."""

    key: str
    title: str
    rows: list[LegendRow]


def legend_row(style: Style) -> LegendRow | None:
    """The legend row of a style (``None`` for a style without a label)."""
    label = style.get("label")
    if not label:
        return None
    if "shape" in style:
        return LegendRow(str(label), str(style["shape"]), str(style["fillColor"]))
    if "radius" in style:
        return LegendRow(str(label), "dot", str(style["fillColor"]))
    if "fillOpacity" in style:
        return LegendRow(str(label), "area", str(style["fillColor"]))
    weight = style["weight"]
    width = max(2, int(weight)) if isinstance(weight, int | float) else 2
    return LegendRow(str(label), "line", str(style["color"]), width, "dashed" if style.get("dashArray") else "solid")


def legend_groups(layers: Sequence[MapLayer]) -> list[LegendGroup]:
    """One group per layer with the rows of its labelled styles that the layer draws."""
    groups = []
    for layer in layers:
        drawn = set(layer.category.astype("string").fillna("")) if len(layer.frame) else set(layer.styles)
        rows = [row for key, style in layer.styles.items() if key in drawn and (row := legend_row(style)) is not None]
        groups.append(LegendGroup(layer.key, layer.title, rows))
    return groups


@dataclass(frozen=True)
class LegendView:
    """The legend of one view: its key, title and the groups of its layers."""

    key: str
    title: str
    groups: list[LegendGroup]


def legend_views(layers: Sequence[MapLayer], views: Sequence[View]) -> list[LegendView]:
    """One legend per view, with the groups of the view's layers in its order."""
    by_key = {layer.key: layer for layer in layers}
    return [LegendView(v.key, v.title, legend_groups([by_key[k] for k in v.layers])) for v in views]


def legend_html(title: str, layers: Sequence[MapLayer], note: str = LEGEND_NOTE, *,
                views: Sequence[View] | None = None, basemap_note: str = "") -> str:
    """The control box as HTML (every text escaped): search, view switcher, legends, notes.

    Parameters
    ----------
    title
        Shown at the top (the box folds away under it).
    layers
        The map's layers.
    note
        A line of help under the legend.
    views
        The map's views (:func:`mobisim.render.map.views.map_views` of the layers when omitted);
        the page script shows the legend of the view chosen only.
    basemap_note
        What the offline basemap is drawn from.

    Returns
    -------
    str
        A ``<div id="mobisim-legend">``.
    """
    views = map_views(layers) if views is None else views
    return render("map_legend.html", title=title, views=legend_views(layers, views), note=note,
                  basemap_note=basemap_note)
