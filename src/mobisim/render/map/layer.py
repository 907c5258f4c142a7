"""The map layer: features, a style per category and the tooltip fields."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

__all__ = ["MapLayer", "Style"]

#: Leaflet path options of one category (``color``, ``weight``, ``opacity``, ``dashArray``,
#: ``fillColor``, ``fillOpacity``, ``radius`` for points) and its legend ``label`` (``None``: no row).
Style = dict[str, str | float | None]


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
    styles : dict of str to Style
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
    styles: dict[str, Style]
    fields: list[tuple[str, pd.Series]] = field(default_factory=list)
    show: bool = True
