"""All map layers of an evaluated network, in drawing order (later ones on top)."""

from __future__ import annotations

import geopandas as gpd

from mobisim.render.map.driven_speed import driven_speed_layer
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.parking import parking_layer
from mobisim.render.map.plan import plan_layers
from mobisim.render.map.regime import regime_layer
from mobisim.render.map.schools import school_route_layer, school_wijk_layer, sites_layer, weakest_layer
from mobisim.render.map.selection import edges_frame, select
from mobisim.render.map.themes import MAP_EDGE_COLUMNS, MAP_NODE_COLUMNS
from mobisim.render.map.toets import crossing_layer, junction_layer, toets_fail_layer, toets_pass_layer
from mobisim.render.map.traffic import traffic_layers

__all__ = ["map_layers"]


def map_layers(
    edges: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame | None = None,
    *,
    parking: gpd.GeoDataFrame | None = None,
    school_wijken: gpd.GeoDataFrame | None = None,
    plan: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
) -> list[MapLayer]:
    """Build the map layers of an evaluated network (themes with no features are left out).

    Parameters
    ----------
    edges, nodes, features : GeoDataFrame
        Evaluated network frames; ``features`` (the sites) may be ``None``.
    parking : GeoDataFrame, optional
        Street space freed by the parking step.
    school_wijken : GeoDataFrame, optional
        Child-safe share per wijk (:func:`mobisim.schools.share_change`), drawn underneath.
    plan : tuple of GeoDataFrame, optional
        The plan's street and crossing fixes (:func:`mobisim.plan.geometry.fix_frames`).

    Returns
    -------
    list of MapLayer
        In drawing order: wijken, regime, toets, crossings, school routes, weakest links,
        junctions, traffic, driven speed, the plan, parking, sites.
    """
    e = select(edges_frame(edges), MAP_EDGE_COLUMNS)  # only what the layers read: masks stay cheap
    n = select(nodes, MAP_NODE_COLUMNS)
    layers = [regime_layer(e), toets_fail_layer(e), toets_pass_layer(e), crossing_layer(n),
              school_route_layer(e), weakest_layer(e, n), junction_layer(n), *traffic_layers(e)]
    driven = driven_speed_layer(e)
    if driven is not None:
        layers.append(driven)
    if school_wijken is not None and not school_wijken.empty:
        layers.insert(0, school_wijk_layer(school_wijken))  # areas underneath the lines
    if plan is not None:
        layers += plan_layers(*plan)
    if parking is not None and not parking.empty:
        layers.append(parking_layer(parking))
    if features is not None and not features.empty and "kind" in features.columns:
        layers.append(sites_layer(features))
    return [layer for layer in layers if len(layer.frame)]
