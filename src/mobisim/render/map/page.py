"""The map page: the folium map holding the page script (``templates/map_app.js``) with the
segment table, the layers, the views and the offline basemap; the control box (search, view
switcher, legends), the side panel and the attribution; rendered to one HTML page
(self-contained or linking its libraries).

Scripts and styles of our own come from the jinja2 templates ``templates/map_*``
(:mod:`mobisim.render.templating`) and are added to folium's page verbatim (:class:`_Raw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement

from mobisim.frames import OSM_ATTRIBUTION
from mobisim.render.map.basemap import Basemap, basemap_data
from mobisim.render.map.encode import COORD_DECIMALS, SIMPLIFY_TOLERANCE_M, layer_data
from mobisim.render.map.inline import SELF_CONTAINED_CSS, SELF_CONTAINED_JS, inline_assets
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.legend import legend_html
from mobisim.render.map.segments import segment_table
from mobisim.render.map.views import View, map_views
from mobisim.render.outputs import write_text
from mobisim.render.templating import render

__all__ = ["TILE_ATTRIBUTION", "OSM_TILES", "map_data", "build_map", "render_html", "save_map"]

TILE_ATTRIBUTION = "Map tiles © OpenStreetMap contributors"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Where the map opens before it fits the layers (Den Haag).
_CENTRE, _ZOOM = [52.07, 4.30], 13


def _figure(element: Element) -> Figure:
    """The page (branca ``Figure``) an element belongs to."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{type(element).__name__} is not part of a page (branca Figure)")
    return root


def _parent_name(element: Element) -> str:
    """The JavaScript name of the element's parent (the map)."""
    if element._parent is None:
        raise TypeError(f"{type(element).__name__} has not been added to a map")
    return element._parent.get_name()


class _Raw(Element):
    """A piece of HTML/JS added verbatim.

    branca wraps every rendered script in a new Jinja template; text derived from OSM (street
    names) must never pass through Jinja (``{{ … }}`` in a name would be evaluated), and compiling
    megabytes of GeoJSON as a template is slow. This element renders its text as is.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        """The text, as given."""
        return self._text


class _MapApp(MacroElement):
    """The map's data and script (``templates/map_app.js``), added after the map is defined."""

    def __init__(self, data: dict[str, object], attribution: str, self_contained: bool):
        super().__init__()
        self._name = "MapApp"
        self.data, self.attribution, self.self_contained = data, attribution, self_contained

    def render(self, **kwargs: object) -> str:
        """Add the script to the page (verbatim: OSM names never pass through a template)."""
        script = render("map_app.js", map=_parent_name(self), data=self.data, attribution=self.attribution,
                        tiles=OSM_TILES, tile_attribution=TILE_ATTRIBUTION, offline=self.self_contained) + "\n"
        _figure(self).script.add_child(_Raw(script), name=self.get_name())
        return ""


def _layer_bounds(layers: Sequence[MapLayer]) -> tuple[float, float, float, float] | None:
    """WGS84 bounds ``(minx, miny, maxx, maxy)`` of the layers' features; ``None`` when empty."""
    boxes = [gpd.GeoSeries([shapely.box(*layer.frame.total_bounds)], crs=layer.frame.crs).to_crs(4326).total_bounds
             for layer in layers if len(layer.frame) and layer.frame.crs]
    if not boxes:
        return None
    b = np.array(boxes)
    return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()


def map_data(layers: Sequence[MapLayer], views: Sequence[View], basemap: Basemap | None = None,
             *, tolerance: float = SIMPLIFY_TOLERANCE_M, decimals: int = COORD_DECIMALS) -> dict[str, object]:
    """Everything the page script draws: the segment table, the layers, the views and the basemap.

    Returns
    -------
    dict
        ``segments`` (:meth:`SegmentTable.data`), ``layers`` (:func:`layer_data` each),
        ``views`` (``key``, ``title``, ``layers``) and ``basemap`` (:func:`basemap_data`).
    """
    table = segment_table(layers)
    return {"segments": table.data(tolerance, decimals),
            "layers": [layer_data(layer, table.position, tolerance=tolerance, decimals=decimals) for layer in layers],
            "views": [{"key": v.key, "title": v.title, "layers": list(v.layers)} for v in views],
            "basemap": basemap_data(basemap, table.frame)}


def build_map(
    layers: Sequence[MapLayer],
    *,
    title: str = "mobisim",
    self_contained: bool = False,
    attribution: str = OSM_ATTRIBUTION,
    bounds: Sequence[float] | None = None,
    basemap: Basemap | None = None,
    views: Sequence[View] | None = None,
) -> folium.Map:
    """Build the folium map of ``layers``: views, legends, search, permalink, panel and basemap.

    Parameters
    ----------
    layers : sequence of MapLayer
        Layers in drawing order (later ones on top).
    title : str
        Title of the control box (escaped).
    self_contained : bool
        Start on the offline basemap (no tile requests) with OpenStreetMap tiles as a switchable
        base layer; the scripts are inlined by :func:`render_html`.
    attribution : str
        Data attribution, always shown (OSM-derived data must credit its contributors;
        :func:`mobisim.frames.attribution`).
    bounds : (minx, miny, maxx, maxy), optional
        WGS84 bounds to fit; from the layers when omitted.
    basemap : Basemap, optional
        What the offline basemap is drawn from (street names come from the layers' segments).
    views : sequence of View, optional
        :func:`mobisim.render.map.views.map_views` of the layers when omitted.

    Returns
    -------
    folium.Map
    """
    views = map_views(layers) if views is None else list(views)
    m = folium.Map(location=_CENTRE, zoom_start=_ZOOM, tiles=None, control_scale=True, prefer_canvas=True)
    page = _figure(m)
    page.header.add_child(_Raw(render("map_head.html")), name="mobisim_helpers")
    note = (basemap or Basemap()).note
    page.html.add_child(_Raw(legend_html(title, layers, views=views, basemap_note=note)), name="mobisim_legend")
    _MapApp(map_data(layers, views, basemap), attribution, self_contained).add_to(m)
    if bounds is None:
        bounds = _layer_bounds(layers)
    if bounds is not None and np.all(np.isfinite(bounds)):
        # the control box covers the map's right edge
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding_bottom_right=(300, 0))
    return m


def render_html(m: folium.Map, *, self_contained: bool = False) -> str:
    """Render the map as one HTML page; inline Leaflet and jQuery when ``self_contained``."""
    if self_contained:
        m.default_js = list(SELF_CONTAINED_JS)
        m.default_css = list(SELF_CONTAINED_CSS)
    page = m.get_root().render()
    return inline_assets(page) if self_contained else page


def save_map(m: folium.Map, path: str | Path, *, self_contained: bool = False) -> Path:
    """Render ``m`` and write it atomically to ``path``."""
    return write_text(path, render_html(m, self_contained=self_contained))
