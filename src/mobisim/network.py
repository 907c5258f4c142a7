"""The street network model: segments, nodes and points of interest in EPSG:28992, and their schema.

:class:`Network` holds the frames every step reads and adds columns to. The columns the load step
guarantees are listed here as data (:data:`SCHEMA`, one :class:`Column` per column, mirroring
``docs/data-model.md``): :func:`check_schema` checks a network against it once, at the end of
:func:`mobisim.load.load_network`, and :func:`conform` adds the *optional* columns a frame lacks,
so a step reads them without asking whether they are there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.frames import CRS, edge_ends

if TYPE_CHECKING:
    from mobisim.traffic import TrafficModel

__all__ = ["CRS", "FRAMES", "SCHEMA", "Column", "Network", "check_schema", "conform", "empty_frame",
           "network_summary"]

#: The frames of a :class:`Network`, in the order they are stored (the network cache).
FRAMES: tuple[str, ...] = ("edges", "nodes", "features", "buildings", "landuse", "activities")

#: The dtype families of the schema: ``int`` (int64 or Int64), ``float`` (float64 or Float64),
#: ``bool`` (bool or boolean), ``str`` (a string dtype or object), ``geometry``.
Kind = Literal["int", "float", "bool", "str", "geometry"]
#: The frames :data:`SCHEMA` describes.
Table = Literal["edges", "nodes", "features"]


@dataclass(frozen=True)
class Column:
    """One column of the data model.

    Attributes
    ----------
    name
        The column.
    kind
        Its dtype family (:data:`Kind`).
    required
        ``True``: every loaded network has it (:func:`check_schema`); ``False``: a later step adds it,
        and :func:`conform` adds it with a typed missing value where a frame lacks it.
    """

    name: str
    kind: Kind
    required: bool = True


def _columns(kind: Kind, *names: str, required: bool = True) -> tuple[Column, ...]:
    return tuple(Column(name, kind, required) for name in names)


#: ``edges``: one row per street segment (``docs/data-model.md``, "edges"); index ``edge_id``.
EDGE_COLUMNS: tuple[Column, ...] = (
    *_columns("int", "u", "v", "way_id"),
    *_columns("str", "highway", "name"),
    *_columns("float", "length"),
    *_columns("int", "maxspeed"),
    *_columns("str", "maxspeed_source"),
    *_columns("int", "lanes", "lanes_forward", "lanes_backward", "lanes_per_direction"),
    *_columns("str", "lanes_source"),
    *_columns("float", "width", "cycleway_width_left", "cycleway_width_right"),
    *_columns("str", "width_source", "cycleway_width_left_source", "cycleway_width_right_source"),
    *_columns("bool", "oneway", "oneway_reverse"),
    *_columns("str", "oneway_source", "cycleway_left", "cycleway_right"),
    *_columns("bool", "oneway_bicycle"),
    *_columns("str", "oneway_bicycle_source", "cycleway_source"),
    *_columns("bool", "cycle_parallel_left", "cycle_parallel_right"),
    *_columns("float", "cycle_parallel_coverage_left", "cycle_parallel_coverage_right"),
    *_columns("bool", "cycle_separated_left", "cycle_separated_right"),
    *_columns("str", "cycle_separated_source"),
    *_columns("bool", "dual_carriageway", "cycle_track_twoway", "is_cycleway", "bicycle_road"),
    *_columns("str", "sidewalk", "sidewalk_source", "segregated", "surface", "traffic_calming",
              "parking_left", "parking_right", "junction", "ref", "service"),
    *_columns("bool", "bridge", "tunnel", "motorroad"),
    *_columns("str", "lit", "zone_traffic"),
    *_columns("bool", "builtup"),
    *_columns("str", "builtup_source"),
    *_columns("bool", "mode_walk", "mode_bike", "mode_drive", "bike_use_sidepath", "bus_only", "is_road"),
    Column("geometry", "geometry"),
    # added by later steps
    Column("in_area", "bool", required=False),
    Column("daily_traffic", "float", required=False),
    Column("daily_traffic_source", "str", required=False),
)

#: ``nodes``: graph nodes (``docs/data-model.md``, "nodes"); index ``node_id``.
NODE_COLUMNS: tuple[Column, ...] = (
    *_columns("str", "highway", "crossing"),
    *_columns("bool", "crossing_island", "signals", "zebra"),
    *_columns("str", "traffic_calming", "railway"),
    *_columns("bool", "roundabout"),
    *_columns("int", "street_count"),
    Column("geometry", "geometry"),
    Column("in_area", "bool", required=False),
)

#: ``features``: points of interest (``docs/data-model.md``, "features").
FEATURE_COLUMNS: tuple[Column, ...] = (
    *_columns("str", "kind", "subkind"),
    *_columns("bool", "primary_school"),
    *_columns("str", "primary_source", "name", "osm_type"),
    *_columns("int", "osm_id", "capacity"),
    Column("geometry", "geometry"),
)

#: The columns of each frame the schema describes.
SCHEMA: dict[Table, tuple[Column, ...]] = {"edges": EDGE_COLUMNS, "nodes": NODE_COLUMNS, "features": FEATURE_COLUMNS}

#: The missing value :func:`conform` fills an absent optional column with, per kind.
_MISSING_DTYPE: dict[Kind, str] = {"int": "Int64", "float": "Float64", "bool": "boolean", "str": "string"}


def _kind_of(dtype: object) -> Kind | None:
    """The schema kind of a dtype (``None``: none of them)."""
    if isinstance(dtype, gpd.array.GeometryDtype):
        return "geometry"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
        return "str"
    return None


def _frame_problems(frame: pd.DataFrame, table: Table) -> list[str]:
    """What is wrong with one frame: missing required columns, then mistyped ones, then the index."""
    columns = SCHEMA[table]
    missing = [c.name for c in columns if c.required and c.name not in frame.columns]
    if missing:
        return [f"{table} lack the column(s) {', '.join(missing)}"]
    problems = []
    if len(frame):  # a column without values cannot be wrong
        for c in columns:
            if c.name in frame.columns and _kind_of(frame[c.name].dtype) != c.kind:
                problems.append(f"{table} column {c.name!r} is {frame[c.name].dtype}, expected {c.kind}")
        if table != "features" and not pd.api.types.is_integer_dtype(frame.index.dtype):
            problems.append(f"{table} index is {frame.index.dtype}, expected int (OSM ids)")
    return problems


def check_schema(net: Network) -> None:
    """Check that a network carries every required column of :data:`SCHEMA` with its dtype kind.

    Called once, at the end of :func:`mobisim.load.load_network` (a fresh or a cached network), so
    that a bad network fails at the boundary with one line instead of deep inside a step.

    Parameters
    ----------
    net
        The network as loaded.

    Raises
    ------
    mobisim.errors.InputFileError
        Naming the inputs, the frame and the missing or mistyped column(s).
    """
    problems = [p for table in SCHEMA for p in _frame_problems(getattr(net, table), table)]
    if problems:
        where = ", ".join(net.sources) or "network"
        raise InputFileError(f"{where}: not a mobisim network: {'; '.join(problems)} (see docs/data-model.md)")


def conform(frame: pd.DataFrame, table: Table = "edges") -> pd.DataFrame:
    """``frame`` with every optional column of :data:`SCHEMA` it lacks, holding a typed missing value.

    For reading: a step reads ``conform(net.edges)["in_area"]`` and fills the missing values with
    its own default, instead of asking whether the column is there. The network's own frames are
    not changed (a copy is returned when a column is added), so nothing is written that was not
    there.

    Parameters
    ----------
    frame
        ``net.edges``, ``net.nodes`` or ``net.features`` (or a selection of it).
    table
        Which frame it is.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when it has every optional column, else a copy with them (NA: ``Int64``,
        ``Float64``, ``boolean`` or ``string``). Same type as ``frame``.
    """
    absent = [c for c in SCHEMA[table] if not c.required and c.name not in frame.columns]
    if not absent:
        return frame
    return frame.assign(**{c.name: pd.array([pd.NA] * len(frame), dtype=_MISSING_DTYPE[c.kind]) for c in absent})


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
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_dates: dict[str, str] = field(default_factory=dict)
    area_label: str = ""
    area_share: float | None = 1.0
    traffic: TrafficModel | None = None
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

    def graph(self, mode: Literal["walk", "bike", "drive"] | None = None) -> nx.MultiDiGraph:
        """An osmnx-compatible directed multigraph of the segments.

        Built by :func:`osmnx.convert.graph_from_gdfs` from one edge per direction a segment may be
        travelled: both directions, or only ``u`` → ``v`` on a one-way street in ``drive`` mode. As in
        every osmnx graph, an edge carries only the attributes it has a value for.

        Parameters
        ----------
        mode
            ``"walk"``, ``"bike"`` or ``"drive"`` keeps the segments open to that mode; ``drive``
            respects ``oneway``. ``None`` keeps every segment in both directions.

        Returns
        -------
        networkx.MultiDiGraph
            Nodes with ``x``/``y`` (RD New) and ``street_count``; edges keyed ``(u, v, key)`` with
            the segment's columns, ``edge_id``, ``osmid`` (the way id), ``reversed`` (the edge runs
            ``v`` → ``u`` of its segment) and the geometry in the edge's direction;
            ``G.graph["crs"]``.
        """
        from osmnx.convert import graph_from_gdfs

        edges = self.edges if mode is None else self.edges[self.edges[f"mode_{mode}"]]
        forward = edges.reset_index()
        backward = forward if mode != "drive" else forward[~forward["oneway"]]
        backward = backward.rename(columns={"u": "v", "v": "u"}).assign(
            geometry=shapely.reverse(backward.geometry.to_numpy())
        )
        both = pd.concat([forward.assign(reversed=False), backward.assign(reversed=True)], ignore_index=True)
        both["key"] = both.groupby(["u", "v"]).cumcount()
        both["osmid"] = both["way_id"]  # osmnx's name for the way id
        at = self.nodes.loc[edge_ends(both)]
        nodes = gpd.GeoDataFrame({"x": at.geometry.x, "y": at.geometry.y, "street_count": at["street_count"]},
                                 geometry=at.geometry, crs=CRS)
        links = gpd.GeoDataFrame(both.set_index(["u", "v", "key"]), geometry="geometry", crs=CRS)
        return graph_from_gdfs(nodes, links, graph_attrs={"crs": CRS})

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
        node_ids = edge_ends(edges)
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
