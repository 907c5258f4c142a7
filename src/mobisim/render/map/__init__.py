"""Render the evaluated network as map layers: a folium ``map.html`` and the GeoPackage themes.

The themes (one GeoPackage layer and one switchable map layer each):

- ``speed_regime``: the proposed 30/50 regime per road segment, coloured by its tier (keeps 50,
  50 if shown, to 30, already 30, out of scope, outside the municipality) and the reason;
- ``toets_fail`` / ``toets_pass``: the 8-jarigen-toets (8-year-old test) per segment;
- ``toets_crossings``: the toets per crossing node (the toets layers and the weakest links hold
  only segments and nodes inside the area judged, ``in_area``: the rest is not judged);
- ``school_routes``: children per segment on their shortest school route;
- ``weakest_links``: failing segments and crossings that break children's safe routes;
- ``junction_fixes``: busy 50-road junctions that need a roundabout, narrowing or chicane;
- ``parking_freed``: street space freed by the permit cap (when the parking step provides it);
- ``sites``: schools, kindergartens, playgrounds and care sites;
- ``school_wijken``: the share of children with a child-safe school route, per wijk;
- ``traffic_before`` / ``traffic_after``: the traffic model's vehicles a day per street, today and
  with the scenario; ``traffic_change``: the streets gaining and losing traffic; ``rat_runs``:
  access roads carrying mostly through traffic, with their fix (map layers, off at start; the
  volumes are columns of the GeoPackage layer ``segments``);
- ``driven_speed``: the roads whose limit the scenario lowers, by what keeps drivers at the new
  limit at the horizon — a redesign by the calming plan, a design that already enforces it, or
  the sign only (:mod:`mobisim.rules.driven_speed`; map layer off at start).

The map tells one story per **view** (:mod:`~mobisim.render.map.views`: 30/50, the 8-year-old
test, school routes, parking, traffic, driven speed), one at a time with its own compact legend;
a street **search** (the CLI's folding, :func:`mobisim.names.fold_name`, ported to the page), a
**permalink** in the URL hash (view, centre, zoom, selected street) and a **side panel** with the
selected street's verdict, reason and fix (tooltips stay two lines).

The map stays small for the whole city (:mod:`~mobisim.render.map.encode`): each segment's
geometry is stored once (:mod:`~mobisim.render.map.segments`) and the views refer to it; text
values sit in lookup tables; coordinates are integers of about 1 m, stored as differences.
Tooltips and the panel are built in the browser with ``textContent``, so OSM names are never
interpreted as HTML.

With ``self_contained=True`` every script and stylesheet (Leaflet, jQuery, vendored in
:mod:`mobisim.render.assets`) is inlined and the map opens on the **offline basemap** drawn from
the run's own data (:mod:`~mobisim.render.map.basemap`: built-up areas, wijk outlines, street
names); OpenStreetMap tiles can be switched on when online, so the file works offline by
double-click.

Modules
-------
- :mod:`~mobisim.render.map.layer`: :class:`MapLayer`, the unit every builder returns;
- :mod:`~mobisim.render.map.styles`: colours, styles and class bins (the legend reads them);
- :mod:`~mobisim.render.map.values`, :mod:`~mobisim.render.map.selection`: tooltip texts, row
  and column selection;
- :mod:`~mobisim.render.map.themes`: the GeoPackage themes (:func:`theme_layers`);
- one module per layer family: :mod:`~mobisim.render.map.regime`, :mod:`~mobisim.render.map.toets`,
  :mod:`~mobisim.render.map.schools`, :mod:`~mobisim.render.map.traffic`,
  :mod:`~mobisim.render.map.driven_speed`, :mod:`~mobisim.render.map.parking`,
  :mod:`~mobisim.render.map.diff`; :mod:`~mobisim.render.map.layers` puts them together
  (:func:`map_layers`);
- :mod:`~mobisim.render.map.encode`, :mod:`~mobisim.render.map.segments`: the compact shape
  tables and layers (:func:`layer_data`) and the shared segment table;
- :mod:`~mobisim.render.map.views`, :mod:`~mobisim.render.map.basemap`: the views and the
  offline basemap;
- :mod:`~mobisim.render.map.legend`, :mod:`~mobisim.render.map.page`: the control box (search,
  view switcher, legends) and the folium page (:func:`build_map`, :func:`render_html`; scripts
  and styles from the jinja2 templates ``mobisim/render/templates/map_*``);
- :mod:`~mobisim.render.map.inline`: the vendored libraries inlined (:func:`inline_assets`).
"""

from mobisim.render.map.basemap import Basemap, basemap_data, street_labels
from mobisim.render.map.diff import diff_layers
from mobisim.render.map.driven_speed import driven_speed_layer
from mobisim.render.map.encode import COORD_DECIMALS, GEOMETRY_CODES, SIMPLIFY_TOLERANCE_M, layer_data, shape_table
from mobisim.render.map.inline import ASSET_SCHEME, inline_assets
from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.map.layers import map_layers
from mobisim.render.map.legend import legend_html
from mobisim.render.map.page import OSM_TILES, TILE_ATTRIBUTION, build_map, map_data, render_html, save_map
from mobisim.render.map.regime import CRITERIA_SHORT, regime_category
from mobisim.render.map.segments import ROAD_WEIGHTS, SegmentTable, segment_table
from mobisim.render.map.styles import (
    ALREADY30,
    BLACK,
    CHANGE_STYLES,
    DESIGNED,
    DRIVEN_SPEED_STYLES,
    GREEN,
    GREY,
    KEEP50,
    LIGHTGREY,
    MAGENTA,
    PURPLE,
    RAT_RUN_STYLE,
    RED,
    REDESIGNED,
    REGIME_DRAW_ORDER,
    REGIME_STYLES,
    SCHOOL_BINS,
    SHOWN50,
    SIGN_ONLY,
    SITE_COLOURS,
    SITE_KINDS,
    SITE_SHAPES,
    TO30,
    TRAFFIC_BINS,
    WIJK_BINS,
    WINE,
)
from mobisim.render.map.themes import (
    CROSSING_COLUMNS,
    DRIVEN_SPEED_COLUMNS,
    EDGE_KEYS,
    MAP_EDGE_COLUMNS,
    MAP_NODE_COLUMNS,
    REGIME_COLUMNS,
    TOETS_COLUMNS,
    TRAFFIC_COLUMNS,
    theme_layers,
)
from mobisim.render.map.traffic import TRAFFIC_CHANGE_MIN, traffic_layers
from mobisim.render.map.views import VIEWS, View, map_views

__all__ = [
    # layers and themes
    "MapLayer", "Style", "theme_layers", "map_layers", "traffic_layers", "driven_speed_layer", "diff_layers",
    "regime_category", "layer_data", "shape_table", "SegmentTable", "segment_table", "ROAD_WEIGHTS",
    # views and basemap
    "View", "VIEWS", "map_views", "Basemap", "basemap_data", "street_labels",
    # the page
    "build_map", "map_data", "render_html", "save_map", "inline_assets", "legend_html",
    # constants
    "SIMPLIFY_TOLERANCE_M", "COORD_DECIMALS", "GEOMETRY_CODES", "ASSET_SCHEME", "TILE_ATTRIBUTION", "OSM_TILES",
    "TRAFFIC_CHANGE_MIN", "CRITERIA_SHORT",
    "EDGE_KEYS", "REGIME_COLUMNS", "TOETS_COLUMNS", "CROSSING_COLUMNS", "TRAFFIC_COLUMNS", "DRIVEN_SPEED_COLUMNS",
    "MAP_EDGE_COLUMNS", "MAP_NODE_COLUMNS",
    # colours and styles
    "GREEN", "RED", "GREY", "PURPLE", "MAGENTA", "BLACK", "WINE", "SITE_COLOURS", "SITE_SHAPES", "KEEP50", "SHOWN50", "TO30", "ALREADY30", "LIGHTGREY",
    "REDESIGNED", "DESIGNED", "SIGN_ONLY", "REGIME_STYLES", "REGIME_DRAW_ORDER", "SCHOOL_BINS", "WIJK_BINS",
    "SITE_KINDS", "TRAFFIC_BINS", "CHANGE_STYLES", "RAT_RUN_STYLE", "DRIVEN_SPEED_STYLES",
]
