"""The map legend: one group per layer, one row per labelled style (``templates/map_legend.html``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.templating import render

__all__ = ["LegendRow", "LegendGroup", "legend_row", "legend_groups", "legend_html", "LEGEND_NOTE"]

LEGEND_NOTE = "Hover or click a line, dot or area for the verdict and the reason."


@dataclass(frozen=True)
class LegendRow:
    """One legend row: a swatch and its label.

    Parameters
    ----------
    label : str
        The style's label.
    swatch : str
        ``"dot"`` (points), ``"area"`` (polygons) or ``"line"``.
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
    if "radius" in style:
        return LegendRow(str(label), "dot", str(style["fillColor"]))
    if "fillOpacity" in style:
        return LegendRow(str(label), "area", str(style["fillColor"]))
    weight = style["weight"]
    width = max(2, int(weight)) if isinstance(weight, int | float) else 2
    return LegendRow(str(label), "line", str(style["color"]), width, "dashed" if style.get("dashArray") else "solid")


def legend_groups(layers: Sequence[MapLayer]) -> list[LegendGroup]:
    """One group per layer with the rows of its labelled styles."""
    groups = []
    for layer in layers:
        rows = [row for row in map(legend_row, layer.styles.values()) if row is not None]
        groups.append(LegendGroup(layer.key, layer.title, rows))
    return groups


def legend_html(title: str, layers: Sequence[MapLayer], note: str = LEGEND_NOTE) -> str:
    """The legend as HTML (every text escaped).

    Parameters
    ----------
    title
        Shown at the top (the legend folds away under it).
    layers
        The map's layers; a group each, dimmed by the page script while its layer is off.
    note
        A line of help under the groups.

    Returns
    -------
    str
        A ``<div id="mobisim-legend">``.
    """
    return render("map_legend.html", title=title, groups=legend_groups(layers), note=note)
