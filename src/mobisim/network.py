"""The street network model: segments, nodes and points of interest in EPSG:28992.

See ``docs/data-model.md`` for every column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError

CRS = "EPSG:28992"  #: RD New, metres


def empty_frame(columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame in :data:`CRS` with the given columns."""
    return gpd.GeoDataFrame({c: [] for c in (columns or [])}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


@dataclass
class Network:
    """A street network with the points of interest the rules need.

    Attributes
    ----------
    edges
        Street segments (one row per part of an OSM way between two graph nodes).
    nodes
        Graph nodes, indexed by OSM node id.
    features
        Points of interest (schools, kindergartens, playgrounds, care sites, parking).
    buildings
        Building outlines (``levels``, ``area``); empty when no buildings were loaded.
    landuse
        Residential landuse polygons.
    activities
        Destinations of car trips (:func:`mobisim.load.features.activities`): shops, offices, services,
        hotels, schools as points, and commercial, retail and industrial landuse as points with
        their area; what the traffic model's attractions are made of.
    sources
        The inputs (files or place) this network was built from.
    coverage
        What the data carries per tag family (:func:`mobisim.load.coverage.data_coverage`), measured
        when the network is loaded, before any intervention; empty when not measured.
    source_dates
        Per input file, the date of its OSM data and where it was read (:func:`mobisim.load.data_date`).
    area_share
        The share of the municipality's area that the area judged covers (1.0 for the whole
        municipality; ``None`` when the input lies outside it): the traffic model's residents.
    traffic
        The traffic model run whose volumes the segments carry
        (:class:`mobisim.traffic.TrafficModel`), or ``None`` (class table).
    area_label
        The area judged (``in_area``, :func:`mobisim.pipeline.mark_scope`), for reports.
    notes
        What loading had to leave out (e.g. ways whose nodes are missing from the file), one
        sentence each naming the file; also printed as warnings when the network is loaded.
    """

    edges: gpd.GeoDataFrame
    nodes: gpd.GeoDataFrame
    features: gpd.GeoDataFrame = field(default_factory=empty_frame)
    buildings: gpd.GeoDataFrame = field(default_factory=empty_frame)
    landuse: gpd.GeoDataFrame = field(default_factory=empty_frame)
    activities: gpd.GeoDataFrame = field(default_factory=empty_frame)
    sources: list[str] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)
    source_dates: dict = field(default_factory=dict)
    area_label: str = ""
    area_share: float | None = 1.0
    traffic: Any = None
    notes: list[str] = field(default_factory=list)

    def copy(self) -> Network:
        """A deep copy of the frames (geometries are immutable and shared)."""
        return replace(
            self,
            edges=self.edges.copy(),
            nodes=self.nodes.copy(),
            features=self.features.copy(),
            buildings=self.buildings.copy(),
            landuse=self.landuse.copy(),
            activities=self.activities.copy(),
            sources=list(self.sources),
            coverage=dict(self.coverage),
            source_dates=dict(self.source_dates),
            notes=list(self.notes),
        )

    def graph(self, mode: str | None = None) -> nx.MultiDiGraph:
        """An osmnx-compatible directed multigraph of the segments.

        Parameters
        ----------
        mode
            ``"walk"``, ``"bike"`` or ``"drive"`` keeps the segments open to that mode; ``drive``
            respects ``oneway``. ``None`` keeps every segment in both directions.

        Returns
        -------
        networkx.MultiDiGraph
            Nodes with ``x``/``y`` (RD New), edges with the segment attributes, ``G.graph["crs"]``.
        """
        edges = self.edges
        if mode is not None:
            edges = edges[edges[f"mode_{mode}"]]
        forward = edges.reset_index()
        backward = forward if mode != "drive" else forward[~forward["oneway"]]
        backward = backward.rename(columns={"u": "v", "v": "u"}).assign(
            geometry=shapely.reverse(backward.geometry.to_numpy())
        )
        both = pd.concat([forward.assign(reversed=False), backward.assign(reversed=True)], ignore_index=True)
        both["key"] = both.groupby(["u", "v"]).cumcount()
        both["osmid"] = both["way_id"]  # osmnx's name for the way id
        G = nx.MultiDiGraph(crs=CRS)
        node_ids = np.unique(np.concatenate([both["u"].to_numpy(), both["v"].to_numpy()]))
        xy = self.nodes.loc[node_ids]
        G.add_nodes_from(
            (int(n), {"x": x, "y": y, "street_count": int(c)})
            for n, x, y, c in zip(node_ids, xy.geometry.x, xy.geometry.y, xy["street_count"])
        )
        attrs = both.drop(columns=["u", "v", "key"]).to_dict("records")
        G.add_edges_from(
            (int(u), int(v), int(k), a) for u, v, k, a in zip(both["u"], both["v"], both["key"], attrs)
        )
        return G

    def clip(self, area: shapely.Geometry, *, label: str = "the requested area") -> Network:
        """Keep what lies inside ``area`` (EPSG:28992): segments that intersect it, their nodes,
        and the features, buildings and landuse that intersect it.

        Raises
        ------
        InputFileError
            When no street segment lies inside the area.
        """
        keep = self.edges.intersects(area)
        if not keep.any():
            raise InputFileError(f"{', '.join(self.sources) or 'network'}: no streets inside {label}")
        edges = self.edges[keep]
        node_ids = pd.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
        return replace(
            self,
            edges=edges,
            nodes=self.nodes.loc[self.nodes.index.isin(node_ids)],
            features=self.features[self.features.intersects(area)],
            buildings=self.buildings[self.buildings.intersects(area)] if len(self.buildings) else self.buildings,
            landuse=self.landuse[self.landuse.intersects(area)] if len(self.landuse) else self.landuse,
            activities=(self.activities[self.activities.intersects(area)] if len(self.activities)
                        else self.activities),
        )


def network_summary(net: Network) -> dict:
    """Figures that describe a loaded network.

    Returns
    -------
    dict
        ``segments``, ``nodes``, ``km`` (all segments), ``km_roads``; ``km_by_highway``;
        ``km_by_maxspeed`` (roads, by limit) and ``km_by_maxspeed_source``; ``cycle_separation``
        (share of road length with a separated cycle path on the left / right / both / either side,
        and by source); ``crossing_nodes``, ``signal_nodes``; ``poi_counts`` by kind (plus
        ``primary_school``); ``buildings``; ``sources``.
    """
    e = net.edges
    km = e["length"] / 1000.0
    roads = e["is_road"].to_numpy()
    km_roads = km[roads]
    left = e["cycle_separated_left"].to_numpy()[roads]
    right = e["cycle_separated_right"].to_numpy()[roads]
    total_roads = float(km_roads.sum()) or 1.0
    speed_key = e.loc[roads, "maxspeed"].astype("string").fillna("unknown")
    features = net.features
    poi = features["kind"].value_counts().to_dict() if len(features) else {}
    poi["primary_school"] = int(features["primary_school"].sum()) if len(features) else 0
    nodes = net.nodes
    return {
        "sources": list(net.sources),
        "segments": int(len(e)),
        "nodes": int(len(nodes)),
        "km": round(float(km.sum()), 1),
        "km_roads": round(float(km_roads.sum()), 1),
        "km_by_highway": km.groupby(e["highway"]).sum().round(2).sort_values(ascending=False).to_dict(),
        "km_by_maxspeed": km_roads.groupby(speed_key).sum().round(2).to_dict(),
        "km_by_maxspeed_source": km_roads.groupby(e.loc[roads, "maxspeed_source"]).sum().round(2)
        .sort_values(ascending=False).to_dict(),
        "cycle_separation": {
            "share_left": round(float(km_roads[left].sum()) / total_roads, 3),
            "share_right": round(float(km_roads[right].sum()) / total_roads, 3),
            "share_both": round(float(km_roads[left & right].sum()) / total_roads, 3),
            "share_either": round(float(km_roads[left | right].sum()) / total_roads, 3),
            "km_by_source": km_roads.groupby(e.loc[roads, "cycle_separated_source"]).sum().round(2).to_dict(),
        },
        "crossing_nodes": int(nodes["highway"].eq("crossing").fillna(False).sum() + nodes["crossing"].notna().sum()
                              - (nodes["highway"].eq("crossing").fillna(False) & nodes["crossing"].notna()).sum()),
        "signal_nodes": int(nodes["signals"].sum()),
        "poi_counts": {k: int(v) for k, v in poi.items()},
        "buildings": int(len(net.buildings)),
    }
