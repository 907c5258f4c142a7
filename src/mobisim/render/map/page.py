"""The map page: the folium map with its base layers, the compact layers, the layer control, the
legend and the attribution; rendered to one HTML page (self-contained or linking its libraries).

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
from folium.elements import ElementAddToElement

from mobisim.frames import OSM_ATTRIBUTION
from mobisim.render.map.encode import COORD_DECIMALS, GEOMETRY_CODES, SIMPLIFY_TOLERANCE_M, layer_data
from mobisim.render.map.inline import SELF_CONTAINED_CSS, SELF_CONTAINED_JS, inline_assets
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.legend import legend_html
from mobisim.render.outputs import write_text
from mobisim.render.templating import render

__all__ = ["TILE_ATTRIBUTION", "OSM_TILES", "CompactGeoJson", "build_map", "render_html", "save_map"]

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
        return render("map_layer.js", name=self.get_name(), key=self.layer.key, title=self.layer.title,
                      styles=styles, lookups=lookups, labels=[label for label, _ in self.layer.fields],
                      data=data) + "\n"

    def render(self, **kwargs: object) -> str:
        """Add the layer's script to the page (and to the map when it is on at start)."""
        if self.show:
            self.add_child(ElementAddToElement(element_name=self.get_name(), element_parent_name=_parent_name(self)),
                           name=self.get_name() + "_add")
        _figure(self).script.add_child(_Raw(self.script()), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""  # rendered into the page's script, like folium's own layers


class _MapExtras(MacroElement):
    """The data attribution, ``window.mobisimMap`` and the legend sync, after the map is defined."""

    def __init__(self, attribution: str):
        super().__init__()
        self._name = "MapExtras"
        self.attribution = attribution

    def render(self, **kwargs: object) -> str:
        """Add the script of ``templates/map_extras.js`` to the page."""
        script = render("map_extras.js", map=_parent_name(self), attribution=self.attribution) + "\n"
        _figure(self).script.add_child(_Raw(script), name=self.get_name())
        return ""


def _add_base_layers(m: folium.Map, self_contained: bool) -> None:
    """OpenStreetMap tiles and a plain background, one of them on at start (plain: no requests)."""
    osm = folium.TileLayer(OSM_TILES, attr=TILE_ATTRIBUTION, name="OpenStreetMap tiles (online)", max_zoom=19,
                           show=not self_contained)
    plain = folium.FeatureGroup(name="Plain background (offline)", overlay=False, show=self_contained)
    for base in ([plain, osm] if self_contained else [osm, plain]):
        base.add_to(m)


def _layer_bounds(layers: Sequence[MapLayer]) -> tuple[float, float, float, float] | None:
    """WGS84 bounds ``(minx, miny, maxx, maxy)`` of the layers' features; ``None`` when empty."""
    boxes = [gpd.GeoSeries([shapely.box(*layer.frame.total_bounds)], crs=layer.frame.crs).to_crs(4326).total_bounds
             for layer in layers if len(layer.frame) and layer.frame.crs]
    if not boxes:
        return None
    b = np.array(boxes)
    return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()


def build_map(
    layers: Sequence[MapLayer],
    *,
    title: str = "mobisim",
    self_contained: bool = False,
    attribution: str = OSM_ATTRIBUTION,
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
        as a switchable base layer; the scripts are inlined by :func:`render_html`.
    attribution : str
        Data attribution, always shown (OSM-derived data must credit its contributors;
        :func:`mobisim.frames.attribution`).
    bounds : (minx, miny, maxx, maxy), optional
        WGS84 bounds to fit; from the layers when omitted.

    Returns
    -------
    folium.Map
    """
    m = folium.Map(location=_CENTRE, zoom_start=_ZOOM, tiles=None, control_scale=True, prefer_canvas=True)
    _add_base_layers(m, self_contained)
    for layer in layers:
        CompactGeoJson(layer).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    page = _figure(m)
    page.header.add_child(_Raw(render("map_head.html", geometry_types={v: k for k, v in GEOMETRY_CODES.items()})),
                          name="mobisim_helpers")
    page.html.add_child(_Raw(legend_html(title, layers)), name="mobisim_legend")
    _MapExtras(attribution).add_to(m)
    if bounds is None:
        bounds = _layer_bounds(layers)
    if bounds is not None and np.all(np.isfinite(bounds)):
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
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
