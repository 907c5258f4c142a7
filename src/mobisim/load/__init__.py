"""Load a street network: OSM files, GraphML, osmnx downloads, and the processed-network cache.

This is the *load* step. :func:`load_network` is the entry point every command uses:

1. read the files with pyosmium (:mod:`mobisim.load.osmread`) — OSM XML, ``.osm.bz2``/``.gz``,
   ``.osm.pbf`` — or an osmnx GraphML file;
2. cut the highway ways into segments at graph nodes (way ends, nodes shared by several ways, and
   crossing/signal nodes) and project everything to EPSG:28992 on whole arrays;
3. tag the segments (:mod:`mobisim.load.tags`), detect parallel cycle paths (:mod:`mobisim.load.cycleways`),
   classify the points of interest (:mod:`mobisim.load.features`);
4. store the result in a cache keyed by the sha256 of the input files' content, so the next run
   reads a few GeoParquet files instead of the XML. The cache repairs or bypasses itself: a damaged
   entry is rebuilt and replaced, an unusable cache folder is skipped, each with one warning on
   stderr (see ``_write_entry``/``_read_entry``); it never stops a run.

A place name (``--place "Den Haag, Netherlands"``) is downloaded once with osmnx (network and points
of interest) into ``data/osm/places/<slug>/`` and then loaded like a file.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from io import BytesIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import Transformer

from mobisim import __version__
from mobisim.errors import InputFileError
from mobisim.load.coverage import data_coverage
from mobisim.load.cycleways import ParallelSettings, dual_carriageways, parallel_cycle_paths, separated_sides
from mobisim.load.features import activities, classify, is_primary_school
from mobisim.load.osmread import NODE_KEYS, WAY_KEYS, RawOSM, read_osm
from mobisim.load.paths import cache_dir, data_dir, shared_osm_dir  # re-exported (listed in __all__)
from mobisim.load.speedlimits import SpeedLimitLayer, parse_limits
from mobisim.load.tags import tag_ways
from mobisim.names import fold_names
from mobisim.network import CRS, Network, empty_frame

#: Bump when the processed layout changes: old cache entries are then ignored.
CACHE_FORMAT = "5"
_TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_SPLIT_NODE_HIGHWAY = ("crossing", "traffic_signals")
_FRAMES = ("edges", "nodes", "features", "buildings", "landuse", "activities")


# --------------------------------------------------------------------------------------- paths
# data_dir, cache_dir and shared_osm_dir live in mobisim.load.paths (re-exported here).


def file_digest(path: Path) -> str:
    """sha256 of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------------------ segments

def _project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x, y = _TO_RD.transform(lon, lat)
    return np.column_stack([x, y])


def build_segments(raw: RawOSM) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cut highway ways into segments between graph nodes.

    Graph nodes are way ends, nodes used more than once by the highway ways (junctions, loops) and
    nodes tagged as crossings or traffic signals (so the rules see every crossing). Ways tagged
    ``oneway=-1`` are reversed so that ``oneway`` always reads from ``u`` to ``v``. A way whose
    nodes are partly missing from the file is cut at each gap (``raw.way_nodes["part"]``): no
    segment bridges a missing node, and a part with a single node makes no segment.

    Returns
    -------
    edges, nodes : geopandas.GeoDataFrame
        Segments with ``u``, ``v``, ``way_id``, ``length``, the raw way tags and ``geometry``;
        nodes with the raw node tags, ``street_count``, ``roundabout`` and ``geometry``.
    """
    wn = raw.way_nodes
    way_idx = wn["way_idx"].to_numpy()
    reverse = raw.ways["oneway"].astype("string").str.strip().eq("-1").fillna(False).to_numpy()
    pos = np.arange(len(wn))
    order = np.lexsort((np.where(reverse[way_idx], -pos, pos), way_idx))
    way_idx = way_idx[order]
    node_id = wn["node_id"].to_numpy()[order]
    xy = _project(wn["lon"].to_numpy()[order], wn["lat"].to_numpy()[order])
    part = (wn["part"].to_numpy(dtype=np.int64)[order] if "part" in wn.columns
            else np.zeros(len(order), dtype=np.int64))
    # drop repeated consecutive nodes within a way
    keep = np.ones(len(node_id), dtype=bool)
    keep[1:] = ~((node_id[1:] == node_id[:-1]) & (way_idx[1:] == way_idx[:-1]) & (part[1:] == part[:-1]))
    way_idx, node_id, xy, part = way_idx[keep], node_id[keep], xy[keep], part[keep]
    n = len(node_id)

    # a run of nodes is one way, or one part of a way cut where its nodes are missing
    new_run = (way_idx[1:] != way_idx[:-1]) | (part[1:] != part[:-1])
    first = np.ones(n, dtype=bool)
    first[1:] = new_run
    last = np.ones(n, dtype=bool)
    last[:-1] = new_run
    uniq, inverse, counts = np.unique(node_id, return_inverse=True, return_counts=True)
    tagged = raw.nodes
    split_ids = tagged.loc[
        tagged["highway"].isin(_SPLIT_NODE_HIGHWAY) | tagged["crossing"].notna()
        | tagged["railway"].isin(["level_crossing", "crossing"]),
        "node_id",
    ].to_numpy()
    is_break = first | last | (counts[inverse] >= 2) | np.isin(node_id, split_ids)
    breaks = np.flatnonzero(is_break)
    same_way = (way_idx[breaks[:-1]] == way_idx[breaks[1:]]) & (part[breaks[:-1]] == part[breaks[1:]])
    start, end = breaks[:-1][same_way], breaks[1:][same_way]
    sizes = end - start + 1
    offsets = np.cumsum(sizes) - sizes
    coord_idx = np.repeat(start, sizes) + (np.arange(sizes.sum()) - np.repeat(offsets, sizes))
    geometry = shapely.linestrings(xy[coord_idx], indices=np.repeat(np.arange(len(start)), sizes))

    seg_way = way_idx[start]
    edges = raw.ways.iloc[seg_way].reset_index(drop=True)
    edges.insert(0, "u", node_id[start])
    edges.insert(1, "v", node_id[end])
    edges["length"] = shapely.length(geometry)
    edges = gpd.GeoDataFrame(edges, geometry=geometry, crs=CRS)
    edges.index.name = "edge_id"

    # traffic calming nodes inside a segment mark the segment as calmed
    calm = tagged.loc[tagged["traffic_calming"].notna(), ["node_id", "traffic_calming"]]
    if len(calm):
        at = np.flatnonzero(np.isin(node_id, calm["node_id"].to_numpy()) & ~last)
        seg_of = np.searchsorted(start, at, side="right") - 1
        valid = (seg_of >= 0) & (at < end[np.clip(seg_of, 0, None)])
        kinds = calm.drop_duplicates("node_id").set_index("node_id")["traffic_calming"]
        values = pd.Series(kinds.reindex(node_id[at[valid]]).to_numpy(), index=seg_of[valid])
        values = values.groupby(level=0).first()
        edges["node_traffic_calming"] = pd.Series(values, index=edges.index, dtype="string")
    else:
        edges["node_traffic_calming"] = pd.Series(pd.NA, index=edges.index, dtype="string")

    # nodes: every segment end
    ends = np.concatenate([start, end])
    end_ids = node_id[ends]
    ids, first_at, street_count = np.unique(end_ids, return_index=True, return_counts=True)
    node_xy = xy[ends[first_at]]
    nodes = pd.DataFrame({"node_id": ids, "street_count": street_count})
    nodes = nodes.merge(tagged.drop(columns=["lon", "lat"]).drop_duplicates("node_id"), on="node_id", how="left")
    roundabout_ways = raw.ways["junction"].isin(["roundabout", "circular"]).to_numpy()
    roundabout_ids = np.unique(node_id[roundabout_ways[way_idx]])
    nodes["roundabout"] = np.isin(nodes["node_id"].to_numpy(), roundabout_ids)
    nodes = gpd.GeoDataFrame(
        nodes, geometry=shapely.points(node_xy), crs=CRS
    ).set_index("node_id")
    return edges, nodes


def tag_network(edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, *, parallel: ParallelSettings) -> tuple[
        gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The *tag* step: typed columns with provenance, parallel cycle paths, crossing node flags."""
    typed = tag_ways(edges)
    # ``oneway=-1`` ways were reversed in build_segments: their side and direction tags flip too
    rev = typed["oneway_reverse"].to_numpy()
    if rev.any():
        for a, b in [("cycleway_left", "cycleway_right"), ("parking_left", "parking_right"),
                     ("cycleway_width_left", "cycleway_width_right"),
                     ("cycleway_width_left_source", "cycleway_width_right_source")]:
            typed.loc[rev, [a, b]] = typed.loc[rev, [b, a]].to_numpy()
        by_dir = rev & typed["lanes_source"].eq("tag:lanes:forward/backward").to_numpy()
        cols = ["lanes_forward", "lanes_backward"]
        typed.loc[by_dir, cols] = typed.loc[by_dir, cols[::-1]].to_numpy()
        side = typed.loc[rev, "sidewalk"]
        typed.loc[rev, "sidewalk"] = side.replace({"left": "right", "right": "left"})
    calm_node = edges["node_traffic_calming"].astype("string")
    typed["traffic_calming"] = typed["traffic_calming"].fillna(calm_node)
    out = gpd.GeoDataFrame(
        pd.concat([edges[["u", "v", "way_id", "length"]], typed], axis=1), geometry=edges.geometry, crs=CRS
    )
    roads = out["is_road"].to_numpy()
    cycle = out["is_cycleway"].to_numpy()
    par = parallel_cycle_paths(out.geometry[roads], out.geometry[cycle], parallel)
    par = par.reindex(out.index)
    for column in par.columns:
        fill = 0.0 if "coverage" in column else False
        out[column] = par[column].fillna(fill).astype(float if "coverage" in column else bool)
    out = pd.concat([out, separated_sides(out)], axis=1)
    out["dual_carriageway"] = dual_carriageways(out)

    hw = nodes["highway"].astype("string")
    crossing = nodes["crossing"].astype("string")
    node_out = nodes[["street_count", "roundabout", "geometry"]].copy()
    node_out["highway"] = hw
    node_out["crossing"] = crossing
    node_out["crossing_island"] = (
        nodes["crossing:island"].astype("string").eq("yes").fillna(False) | crossing.eq("island").fillna(False)
    ).astype(bool)
    node_out["signals"] = (
        hw.eq("traffic_signals").fillna(False) | crossing.eq("traffic_signals").fillna(False)
        | nodes["crossing:signals"].astype("string").eq("yes").fillna(False)
    ).astype(bool)
    node_out["zebra"] = (
        crossing.eq("zebra").fillna(False) | nodes["crossing_ref"].astype("string").eq("zebra").fillna(False)
        | nodes["crossing:markings"].astype("string").eq("zebra").fillna(False)
    ).astype(bool)
    node_out["traffic_calming"] = nodes["traffic_calming"].astype("string")
    node_out["railway"] = nodes["railway"].astype("string")
    return out, gpd.GeoDataFrame(node_out, geometry="geometry", crs=CRS)


# ------------------------------------------------------------------------------ features

def build_features(raws: Sequence[RawOSM]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                    gpd.GeoDataFrame]:
    """Points of interest, buildings, residential landuse and trip destinations from every input file.

    Returns
    -------
    features, buildings, landuse, activities : geopandas.GeoDataFrame
        In EPSG:28992; see ``docs/data-model.md``.
    """
    point_frames, area_frames = [], []
    for raw in raws:
        pts = raw.nodes
        point_frames.append(
            pts.assign(osm_type="node", osm_id=pts["node_id"],
                       geometry=gpd.points_from_xy(pts["lon"], pts["lat"], crs="EPSG:4326"))
        )
        ar = raw.areas
        area_frames.append(ar.assign(geometry=gpd.GeoSeries.from_wkb(ar["wkb"].tolist(), crs="EPSG:4326")
                                     if len(ar) else gpd.GeoSeries([], crs="EPSG:4326")))
    columns = ["osm_type", "osm_id", *NODE_KEYS, "geometry"]
    allobj = pd.concat([f.reindex(columns=columns) for f in point_frames + area_frames], ignore_index=True)
    allobj = gpd.GeoDataFrame(allobj, geometry="geometry", crs="EPSG:4326").to_crs(CRS)

    kinds = classify(allobj)
    poi = allobj[kinds["kind"].notna().to_numpy()]
    features = gpd.GeoDataFrame(
        {
            "kind": kinds.loc[poi.index, "kind"].astype(str),
            "subkind": kinds.loc[poi.index, "subkind"].astype("string"),
            "name": poi["name"].astype("string"),
            "osm_type": poi["osm_type"].astype(str),
            "osm_id": poi["osm_id"].astype(np.int64),
            "capacity": pd.to_numeric(poi["capacity"], errors="coerce").astype("Int64"),
        },
        geometry=poi.geometry, crs=CRS,
    )
    primary = is_primary_school(poi)
    is_school = features["kind"].eq("school").to_numpy()
    features["primary_school"] = primary["primary_school"].to_numpy() & is_school
    features["primary_source"] = np.where(is_school, primary["primary_source"].to_numpy(), "not_a_school")
    features = features.reset_index(drop=True)

    is_building = allobj["building"].notna() & allobj.geom_type.isin(["Polygon", "MultiPolygon"])
    b = allobj[is_building.to_numpy()]
    buildings = gpd.GeoDataFrame(
        {
            "osm_id": b["osm_id"].astype(np.int64).to_numpy(),
            "building": b["building"].astype("string").to_numpy(),
            "levels": pd.to_numeric(b["building:levels"], errors="coerce").round().astype("Int64").to_numpy(),
            "height": pd.to_numeric(b["height"].astype("string").str.extract(r"([\d.]+)")[0],
                                    errors="coerce").to_numpy(),
            "area": b.geometry.area.to_numpy(),
        },
        geometry=b.geometry.to_numpy(), crs=CRS,
    )
    is_res = allobj["landuse"].eq("residential").fillna(False) & allobj.geom_type.isin(["Polygon", "MultiPolygon"])
    lu = allobj[is_res.to_numpy()]
    landuse = gpd.GeoDataFrame(
        {"osm_id": lu["osm_id"].astype(np.int64).to_numpy(), "landuse": "residential"},
        geometry=lu.geometry.to_numpy(), crs=CRS,
    )
    return features, buildings, landuse, activities(allobj)


# ------------------------------------------------------------------------------ graphml

def read_graphml(path: Path) -> RawOSM:
    """Read an osmnx GraphML file (e.g. a drive graph) as raw OSM-like frames.

    Merged edges keep the first ``osmid``; list-valued tags (``['30', '50']``) are parsed by the tag
    step. The two directions of a two-way street become one segment.
    """
    import osmnx as ox

    try:
        G = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx/lxml raise many kinds
        raise InputFileError(f"{path}: cannot read GraphML ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if G.number_of_edges() == 0:
        raise InputFileError(f"{path}: no highway ways in the file")
    nodes, edges = ox.graph_to_gdfs(G)
    edges = edges.reset_index()
    a, b = np.minimum(edges["u"], edges["v"]), np.maximum(edges["u"], edges["v"])
    edges = edges.assign(_a=a, _b=b, _len=edges["length"].round(1)).drop_duplicates(["_a", "_b", "_len"])

    def first(value: object) -> object:
        return value[0] if isinstance(value, list) else value

    tags = pd.DataFrame({k: edges[k].map(first) if k in edges else pd.NA for k in WAY_KEYS}, dtype=object)
    for k in ("maxspeed", "lanes", "width"):
        if k in edges:
            tags[k] = edges[k].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
    tags["oneway"] = np.where(edges["oneway"].astype(bool), "yes", "no")
    tags.insert(0, "way_id", edges["osmid"].map(first).astype(np.int64).to_numpy())
    coords = shapely.get_coordinates(edges.geometry.to_numpy())
    counts = shapely.get_num_coordinates(edges.geometry.to_numpy())
    wn_ids = np.full(len(coords), -1, dtype=np.int64)
    ends_first = np.cumsum(counts) - counts
    wn_ids[ends_first] = edges["u"].to_numpy()
    wn_ids[np.cumsum(counts) - 1] = edges["v"].to_numpy()
    inner = wn_ids == -1
    wn_ids[inner] = -(np.arange(inner.sum()) + 1)  # synthetic ids for shape points (never shared)
    way_nodes = pd.DataFrame({"way_idx": np.repeat(np.arange(len(edges)), counts), "node_id": wn_ids,
                              "lon": coords[:, 0], "lat": coords[:, 1]})
    node_tags = pd.DataFrame({"node_id": nodes.index.astype(np.int64), "lon": nodes["x"], "lat": nodes["y"]})
    for k in NODE_KEYS:
        node_tags[k] = nodes[k].to_numpy() if k in nodes else pd.NA
    node_tags = node_tags[node_tags["highway"].notna()].reset_index(drop=True)
    return RawOSM(path=str(path), ways=tags.reset_index(drop=True), way_nodes=way_nodes, nodes=node_tags,
                  areas=pd.DataFrame(columns=["osm_type", "osm_id", "wkb", *NODE_KEYS]),
                  counts={"highway_ways": len(tags)})


def read_any(path: Path) -> RawOSM:
    """Read an OSM (XML/bz2/gz/PBF), GraphML, or feature (GeoPackage/GeoJSON) file."""
    suffix = path.suffix.lower()
    if suffix in (".graphml", ".gpkg", ".geojson") and not path.is_file():
        raise InputFileError(f"{path}: file not found")
    if suffix == ".graphml":
        return read_graphml(path)
    if suffix in (".gpkg", ".geojson"):
        return read_feature_file(path)
    return read_osm(path)


# ------------------------------------------------------------------------------ place download

def place_slug(place: str) -> str:
    """File-system name for a place (``"Den Haag, Netherlands"`` → ``den-haag-netherlands``)."""
    return re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-") or "place"


#: Points of interest, landuse and buildings a place download asks Overpass for (what the rules,
#: school routes and parking read; see :mod:`mobisim.load.features`).
PLACE_FEATURE_TAGS: dict[str, object] = {
    "amenity": ["school", "kindergarten", "childcare", "hospital", "clinic", "nursing_home",
                "social_facility", "doctors", "parking", "parking_space", "bicycle_parking"],
    "healthcare": ["hospital", "clinic", "nursing_home"],
    "leisure": ["playground"],
    "landuse": ["residential"],
    "building": True,
}


def _osmnx_failure(place: str, exc: Exception) -> InputFileError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputFileError(f"place '{place}': download with osmnx failed ({reason[:200]})")


def download_place(place: str, *, folder: Path | None = None) -> list[Path]:
    """Download a place's street network and points of interest with osmnx, once.

    Two files are written under ``data/osm/places/<slug>/`` (each to a temporary name, then
    renamed, so an interrupted download leaves nothing half-written) and reused by later calls:

    - ``network.graphml``: every way (``network_type="all"``), unsimplified, with the way and node
      tags mobisim reads (:data:`~mobisim.load.osmread.WAY_KEYS`, :data:`~mobisim.load.osmread.NODE_KEYS`);
    - ``features.gpkg``: the points of interest, residential landuse and buildings
      (:data:`PLACE_FEATURE_TAGS`), read back by :func:`read_feature_file`.

    Returns
    -------
    list of Path
        The files to load: the network first.

    Raises
    ------
    InputFileError
        When the place is unknown or the download fails (e.g. offline).
    """
    import osmnx as ox

    target = (folder or data_dir() / "places") / place_slug(place)
    graph_file, feature_file = target / "network.graphml", target / "features.gpkg"
    if graph_file.exists() and feature_file.exists():
        return [graph_file, feature_file]
    old_way, old_node = list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node)
    ox.settings.useful_tags_way = old_way + [t for t in WAY_KEYS if t not in old_way]
    ox.settings.useful_tags_node = old_node + [t for t in NODE_KEYS if t not in old_node]
    try:
        G = ox.graph_from_place(place, network_type="all", simplify=False, retain_all=True)
        features = ox.features_from_place(place, tags=PLACE_FEATURE_TAGS)
    except Exception as exc:  # noqa: BLE001 - requests/osmnx errors of every kind
        raise _osmnx_failure(place, exc) from None
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = old_way, old_node
    target.mkdir(parents=True, exist_ok=True)
    tmp = graph_file.with_suffix(".graphml.tmp")
    ox.save_graphml(G, tmp)
    keep = [c for c in NODE_KEYS if c in features.columns]
    features = features.reset_index()[["element", "id", *keep, "geometry"]]
    features = features.rename(columns={"element": "osm_type", "id": "osm_id"})
    tmp_features = feature_file.with_suffix(".tmp.gpkg")
    features.to_file(tmp_features, driver="GPKG", engine="pyogrio")
    os.replace(tmp, graph_file)
    os.replace(tmp_features, feature_file)
    return [graph_file, feature_file]


_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T[\d:]+Z?)?")


def data_date(path: Path | str) -> str:
    """The date of the OSM data in a file, and where it was read, or ``"not stated in the file"``.

    Reads, in order: the header's replication timestamp or timestamp (PBF and osmium-written
    files), the ``osm_base`` of an Overpass response (``<meta osm_base=…>``), a date in the
    ``generator`` string (``… tiles of 2021-08-06 …``). Only the header is read.
    """
    p = Path(path)
    if p.suffix == ".graphml":
        return "not stated in the file"
    try:
        reader = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING)
        header = reader.header()
        stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp")
        generator = header.get("generator") or ""
        reader.close()
    except Exception:  # noqa: BLE001 - a date is a courtesy: the file itself is read (and checked) elsewhere
        return "not stated in the file"
    if stamp and _DATE.search(stamp):
        return f"{_DATE.search(stamp).group(1)} (file header)"
    if p.name.endswith((".osm", ".osm.bz2", ".osm.gz")):
        opener = bz2.open if p.suffix == ".bz2" else gzip.open if p.suffix == ".gz" else open
        try:
            with opener(p, "rt", encoding="utf-8", errors="replace") as fh:
                head = fh.read(2048)
        except OSError:
            head = ""
        base = re.search(r'osm_base="([^"]+)"', head)
        if base and _DATE.search(base.group(1)):
            return f"{_DATE.search(base.group(1)).group(1)} (Overpass osm_base)"
    if _DATE.search(generator):
        return f"{_DATE.search(generator).group(1)} (named by the file's generator)"
    return "not stated in the file"


def read_vector(path: Path | str, what: str, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file with GDAL (pyogrio); a file without a CRS is taken as WGS84 (GeoJSON).

    ``layer`` names the layer of a multi-layer file (GeoPackage); the first layer by default.
    Raises :class:`~mobisim.errors.InputFileError` naming the file and ``what`` it should hold
    when GDAL cannot read it.
    """
    try:
        frame = gpd.read_file(path, engine="pyogrio", layer=layer)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: cannot read {what} ({reason})") from None
    return frame.set_crs("EPSG:4326") if frame.crs is None else frame


def read_feature_file(path: Path) -> RawOSM:
    """Read points of interest, landuse and buildings from a GeoPackage or GeoJSON file.

    Columns named like OSM keys (``amenity``, ``leisure``, ``building``, ``name``, … see
    :data:`~mobisim.load.osmread.NODE_KEYS`) are read as tags; points become tagged nodes, polygons areas.
    This is how an osmnx place download's ``features.gpkg`` is loaded; any such layer works.
    """
    frame = read_vector(path, "features").to_crs("EPSG:4326").reset_index(drop=True)
    tags = pd.DataFrame({k: frame[k].astype(object) if k in frame else pd.NA for k in NODE_KEYS}, dtype=object)
    osm_id = pd.to_numeric(frame.get("osm_id", pd.Series(np.arange(len(frame)))), errors="coerce").fillna(-1)
    osm_type = frame.get("osm_type", pd.Series("node", index=frame.index)).astype(str)
    points = frame.geom_type.eq("Point").to_numpy()
    areas = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    point_geoms = frame.geometry[points].to_numpy()
    nodes = pd.concat(
        [pd.DataFrame({"node_id": osm_id[points].astype(np.int64).to_numpy(),
                       "lon": shapely.get_x(point_geoms), "lat": shapely.get_y(point_geoms)}),
         tags[points].reset_index(drop=True)], axis=1)
    area_frame = pd.concat(
        [pd.DataFrame({"osm_type": osm_type[areas].to_numpy(), "osm_id": osm_id[areas].astype(np.int64).to_numpy(),
                       "wkb": shapely.to_wkb(frame.geometry[areas].to_numpy(), hex=True)}),
         tags[areas].reset_index(drop=True)], axis=1)
    empty_ways = pd.DataFrame(columns=["way_id", *WAY_KEYS])
    return RawOSM(path=str(path), ways=empty_ways,
                  way_nodes=pd.DataFrame({"way_idx": [], "node_id": [], "lon": [], "lat": []}),
                  nodes=nodes, areas=area_frame, counts={"features": len(frame)})


def read_value_layer(path: Path | str, column: str) -> gpd.GeoDataFrame:
    """Read a layer of measured or modelled values (e.g. annual-mean NO2) from a vector file.

    Parameters
    ----------
    path : pathlib.Path or str
        GeoJSON, GeoPackage or any file GDAL reads: polygons (grid cells, zones) or points
        (receptor points, monitoring stations). A file without a CRS is taken as WGS84 (the
        GeoJSON standard).
    column : str
        The numeric column to read.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``value`` (float) and ``geometry`` in EPSG:28992; rows without a number or a
        geometry are dropped.

    Raises
    ------
    mobisim.errors.InputFileError
        One line naming the file: missing, unreadable, no such column (with the columns it has),
        or no numeric value at all.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: value layer not found")
    frame = read_vector(path, "the layer")
    if column not in frame.columns:
        have = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise InputFileError(f"{path}: no column {column!r} (columns: {have})")
    value = pd.to_numeric(frame[column], errors="coerce")
    keep = value.notna() & frame.geometry.notna() & ~frame.geometry.is_empty
    if not keep.any():
        raise InputFileError(f"{path}: column {column!r} holds no numbers")
    return gpd.GeoDataFrame({"value": value[keep].astype("float64").to_numpy()},
                            geometry=frame.geometry[keep].to_crs(CRS).to_numpy(), crs=CRS)


def _columns_text(columns: Sequence[object]) -> str:
    return ", ".join(str(c) for c in columns) or "none"


_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")


def _speed_layer_name(path: Path, column: str) -> str | None:
    """The layer of a multi-layer file (GeoPackage) that holds ``column``: the first such layer
    with lines, else the first with the column; ``None`` (GDAL's first layer) otherwise."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # noqa: BLE001 - read_vector reports the unreadable file
        return None
    if len(layers) <= 1:
        return None
    with_column = []
    for name, kind in layers:
        try:
            fields = pyogrio.read_info(path, layer=name)["fields"]
        except Exception:  # noqa: BLE001 - a layer GDAL cannot describe is skipped
            continue
        if column in list(fields):
            with_column.append((str(name), str(kind)))
    lines = [name for name, kind in with_column if "LineString" in kind]
    if lines or with_column:
        return (lines or [with_column[0][0]])[0]
    names = ", ".join(str(name) for name, _ in layers)
    raise InputFileError(f"{path}: no layer has a column {column!r} with the speed limit (layers: {names})")


def _read_speed_osm(path: Path) -> SpeedLimitLayer:
    """Tagged limits of an OSM extract (e.g. a newer one than the network's) as lines.

    The ways are cut into segments and read by :func:`mobisim.load.tags.maxspeed` like the network
    itself; only segments whose limit comes from a tag (``maxspeed``, ``zone:maxspeed``,
    ``maxspeed:type``) are kept, never a class default. ``row`` is the OSM way id.
    """
    from mobisim.load.tags import maxspeed

    raw = read_osm(path)
    if raw.ways.empty:
        raise InputFileError(f"{path}: no highway ways in the file (is it a street network?)")
    edges, _ = build_segments(raw)
    limits = maxspeed(edges)
    tagged = (limits["maxspeed_source"].str.startswith("tag").to_numpy(dtype=bool)
              & limits["maxspeed"].notna().to_numpy(dtype=bool))
    if not tagged.any():
        raise InputFileError(f"{path}: no way with a maxspeed tag in the file")
    lines = gpd.GeoDataFrame(
        {"maxspeed": limits.loc[tagged, "maxspeed"].astype("Int64").to_numpy(),
         "row": edges.loc[tagged, "way_id"].to_numpy(dtype=np.int64)},
        geometry=edges.geometry[tagged].to_numpy(), crs=CRS,
    )
    return SpeedLimitLayer(path=path, frame=lines, by_name=False)


def _read_speed_csv(path: Path, column: str) -> SpeedLimitLayer:
    """A CSV of street names and limits (``,``, ``;`` or tab separated; UTF-8, with or without BOM)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
        sep = max((",", ";", "\t"), key=header.count)
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: cannot read the speed-limit list ({reason})") from None
    table.columns = [str(c).strip() for c in table.columns]
    lower = {c.lower(): c for c in table.columns}
    if "name" not in lower or column.lower() not in lower:
        raise InputFileError(f"{path}: a speed-limit list needs the columns 'name' and {column!r} "
                             f"(columns: {_columns_text(table.columns)})")
    names = table[lower["name"]].astype("string").str.strip()
    limits = parse_limits(table[lower[column.lower()]], path=path, column=column, line_offset=2)
    frame = pd.DataFrame({"name": names, "maxspeed": limits, "row": np.arange(1, len(table) + 1)})
    frame = frame[frame["maxspeed"].notna() & names.fillna("").ne("")]
    if frame.empty:
        raise InputFileError(f"{path}: no street with a speed limit in the list")
    frame = frame.assign(_key=fold_names(frame["name"]).to_numpy())
    spread = frame.groupby("_key")["maxspeed"].transform("nunique").to_numpy() > 1
    if spread.any():
        clash = frame[spread]
        first = clash[clash["_key"].eq(clash["_key"].iloc[0])].head(2)
        a, b = first["row"].tolist()
        va, vb = first["maxspeed"].tolist()
        raise InputFileError(f"{path}: rows {a} and {b}: street {first['name'].iloc[0]!r} has two limits "
                             f"({va} and {vb} km/h); give one limit per street, or lines for a street "
                             f"whose limit changes along it")
    frame = frame.drop_duplicates("_key").drop(columns="_key").reset_index(drop=True)
    return SpeedLimitLayer(path=path, frame=frame, by_name=True)


def read_speed_limits(path: Path | str, column: str = "maxspeed") -> SpeedLimitLayer:
    """Read a speed-limit layer: lines with a limit column, or a CSV of street names and limits.

    Parameters
    ----------
    path : pathlib.Path or str
        A vector file GDAL reads (GeoPackage, GeoJSON, shapefile …) of lines — a municipal speed
        map, NDW's *wegkenmerken*, a newer OSM extract — or a ``.csv`` with the columns ``name``
        and ``column`` (street name → limit). A vector file without a CRS is taken as WGS84.
    column : str
        The column holding the limit in km/h (default ``maxspeed``).

    Returns
    -------
    mobisim.load.speedlimits.SpeedLimitLayer
        Lines in EPSG:28992 (``maxspeed``, ``row``, ``geometry``) or names (``name``, ``maxspeed``,
        ``row``). Rows with an empty limit (or, for lines, no geometry) are left out.

    Raises
    ------
    mobisim.errors.InputFileError
        One line naming the file: missing or unreadable; no such column (with the columns it has);
        a CSV without ``name``/``column``; a value that is not a whole number of km/h from 5 to 130
        (naming the row); geometry that is not a line; two limits for one street name; no row with
        a limit.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: speed-limit file not found")
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return _read_speed_csv(path, column)
    if path.name.lower().endswith(_OSM_SUFFIXES):
        return _read_speed_osm(path)
    frame = read_vector(path, "speed limits", layer=_speed_layer_name(path, column)).reset_index(drop=True)
    if column not in frame.columns:
        have = [c for c in frame.columns if c != frame.geometry.name]
        raise InputFileError(f"{path}: no column {column!r} with the speed limit (columns: {_columns_text(have)})")
    limits = parse_limits(frame[column], path=path, column=column)
    geom = frame.geometry
    has_geom = (geom.notna() & ~geom.is_empty).to_numpy(dtype=bool)
    kind = geom.geom_type.astype("string").fillna("")
    not_line = has_geom & ~kind.isin(["LineString", "MultiLineString"]).to_numpy(dtype=bool)
    if not_line.any():
        at = int(np.flatnonzero(not_line)[0])
        raise InputFileError(f"{path}: row {at + 1}: expected a line (LineString), got a {kind.iloc[at]}")
    keep = has_geom & limits.notna().to_numpy(dtype=bool)
    if not keep.any():
        raise InputFileError(f"{path}: no line with a speed limit in column {column!r}")
    lines = gpd.GeoDataFrame(
        {"maxspeed": limits[keep].to_numpy(), "row": np.flatnonzero(keep) + 1},
        geometry=geom[keep].to_crs(CRS).to_numpy(), crs=CRS,
    )
    lines["maxspeed"] = lines["maxspeed"].astype("Int64")
    return SpeedLimitLayer(path=path, frame=lines, by_name=False)


# ------------------------------------------------------------------------------ cache + entry point

def _code_digest() -> str:
    """Digest of the load package's code: a change to any of its modules invalidates the cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for module in sorted(here.glob("*.py")):
        h.update(module.name.encode())
        h.update(module.read_bytes())
    return h.hexdigest()


#: The processing code as imported (read once, when this module is imported with the modules it
#: imports): a file edited while a run is under way must not key the running, older code's result.
_CODE_DIGEST = _code_digest()


def _cache_key(paths: Sequence[Path], parallel: ParallelSettings) -> str:
    h = hashlib.sha256()
    h.update(f"mobisim {__version__} cache {CACHE_FORMAT} {parallel!r}".encode())
    h.update(_CODE_DIGEST.encode())
    for p in paths:
        h.update(file_digest(p).encode())
    return h.hexdigest()[:32]


# The cache never stops a run and is never trusted blindly. An entry is a folder written under a
# unique temporary name and renamed into place (two runs writing one entry cannot mix their files);
# its meta file lists the sha256 of every data file. An entry that exists but cannot be trusted (a
# file missing, truncated or garbled, a meta file that is not JSON or not what this version writes)
# is rebuilt from the input and replaced, with one warning. A cache folder that is not a directory,
# not writable or full is bypassed with one warning: the run goes on without the cache.

class _DamagedEntry(Exception):
    """A cache entry exists but cannot be trusted; the message says why."""


class _CacheUnusable(Exception):
    """The cache folder cannot be read or written at all; ``error`` is the :class:`OSError`."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


#: Warnings given during this load (each is printed once per :func:`load_network` call).
_warned: set[str] = set()
#: What is already in the way of a new entry (os.replace of a folder onto it fails).
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR}
#: Leftovers of a killed run (``.tmp-*``, ``.old-*``) older than this are removed by the next write.
_STALE_S = 3600.0


def _warn(message: str) -> None:
    """One line ``mobisim: warning: <message>`` on stderr, once per load."""
    if message in _warned:
        return
    _warned.add(message)
    print(f"mobisim: warning: {message}", file=sys.stderr, flush=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _os_problem(exc: BaseException, root: Path, shown: Path) -> str:
    """What is wrong with the cache folder ``root`` (in the cache ``shown``), in words."""
    try:
        blocked = next((p for p in (root, *root.parents) if p.exists() and not p.is_dir()), None)
    except OSError:
        blocked = None
    if blocked is not None:
        return "not a directory" if blocked == shown else f"not a directory ({blocked} is a file)"
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return "not writable (permission denied)"
    if code == errno.EROFS:
        return "not writable (read-only file system)"
    if code == errno.ENOSPC:
        return "the disk is full (no space left on device)"
    if code == errno.EDQUOT:
        return "the disk quota is exceeded"
    reason = getattr(exc, "strerror", None) or _first_line(exc)
    return f"cannot be written ({reason[:1].lower() + reason[1:]})"


def _cache_unusable(root: Path, exc: BaseException) -> None:
    """The one warning of a cache that cannot be used; it names the cache folder (``cache_dir()``)
    even for the traffic cache in it, so that a run says it once."""
    shown = cache_dir()
    _warn(f"cache {shown}: {_os_problem(exc, root, shown)}; running without the cache")


def _remove(path: Path) -> None:
    """Remove a file or folder, whatever is left of it."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _sweep(root: Path) -> None:
    """Remove what killed runs left in ``root``: temporary and set-aside entries older than an hour."""
    now = time.time()
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.name.startswith((".tmp-", ".old-")):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_S:
                            _remove(Path(entry.path))
                    except OSError:
                        continue
    except OSError:
        pass


def _read_entry(folder: Path, meta_name: str, names: Sequence[str],
                check: Callable[[dict], bool]) -> tuple[dict, dict[str, bytes]] | None:
    """The meta data and the checked bytes of the data files ``names`` of a cache entry.

    ``check`` tells whether the meta data holds what the reader needs (the format and the
    checksums are checked here). Returns ``None`` when there is no entry. Raises
    :class:`_DamagedEntry` when there is one that cannot be trusted, :class:`_CacheUnusable` when
    the cache cannot be read (permission denied).
    """
    try:
        os.lstat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise _CacheUnusable(exc) from None
    try:
        text = (folder / meta_name).read_bytes()
    except FileNotFoundError:
        raise _DamagedEntry(f"{meta_name} is missing") from None
    except NotADirectoryError:
        raise _DamagedEntry("a file, not a folder") from None
    except PermissionError as exc:
        raise _CacheUnusable(exc) from None
    except OSError as exc:
        raise _DamagedEntry(f"{meta_name} cannot be read: {exc.strerror or _first_line(exc)}") from None
    try:
        meta = json.loads(text)
    except ValueError:
        raise _DamagedEntry(f"{meta_name} is not valid JSON") from None
    digests = meta.get("files") if isinstance(meta, dict) else None
    if (not isinstance(digests, dict) or meta.get("format") != CACHE_FORMAT
            or any(not isinstance(digests.get(name), str) for name in names) or not check(meta)):
        raise _DamagedEntry(f"{meta_name} is malformed: not a mobisim cache entry of format {CACHE_FORMAT}")
    blobs: dict[str, bytes] = {}
    for name in names:
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            raise _DamagedEntry(f"{name} is missing") from None
        except PermissionError as exc:
            raise _CacheUnusable(exc) from None
        except OSError as exc:
            raise _DamagedEntry(f"{name} cannot be read: {exc.strerror or _first_line(exc)}") from None
        if hashlib.sha256(data).hexdigest() != digests[name]:
            raise _DamagedEntry(f"{name} is damaged: its checksum does not match")
        blobs[name] = data
    return meta, blobs


def _install(tmp: Path, folder: Path, meta_name: str, names: Sequence[str], check: Callable[[dict], bool]) -> None:
    """Rename the complete entry ``tmp`` to ``folder``.

    When ``folder`` is taken: an intact entry (a concurrent run's) is kept and ``tmp`` dropped; a
    damaged one (or a file) is set aside under a unique name, replaced, then removed.
    """
    try:
        os.replace(tmp, folder)
        return
    except OSError as exc:
        if exc.errno not in _TAKEN:
            raise
    try:
        intact = _read_entry(folder, meta_name, names, check) is not None
    except (_DamagedEntry, _CacheUnusable):
        intact = False
    if intact:
        _remove(tmp)
        return
    aside: Path | None = folder.with_name(f".old-{folder.name}-{uuid.uuid4().hex[:12]}")
    try:
        os.replace(folder, aside)
    except FileNotFoundError:  # a concurrent run set it aside first
        aside = None
    try:
        os.replace(tmp, folder)
    except OSError as exc:
        if exc.errno not in _TAKEN:
            raise
        _remove(tmp)  # a concurrent run's fresh entry is in place: keep it
    finally:
        if aside is not None:
            _remove(aside)


def _write_entry(root: Path, name: str, meta_name: str, meta: dict, frames: dict[str, pd.DataFrame],
                 check: Callable[[dict], bool]) -> None:
    """Store ``frames`` (file name → frame) and ``meta`` as the cache entry ``root/name``.

    Written to a unique temporary folder, then renamed into place (:func:`_install`). Never
    raises for the cache's sake: a cache that cannot be written is bypassed with one warning.
    """
    tmp: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        _sweep(root)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        digests = {}
        for file_name, frame in frames.items():
            frame.to_parquet(tmp / file_name)
            digests[file_name] = file_digest(tmp / file_name)
        (tmp / meta_name).write_text(json.dumps({**meta, "format": CACHE_FORMAT, "files": digests}))
        _install(tmp, root / name, meta_name, list(frames), check)
        tmp = None
    except OSError as exc:
        _cache_unusable(root, exc)
    except Exception as exc:  # noqa: BLE001 - pyarrow's own errors: the cache is a convenience
        _warn(f"cache {cache_dir()}: cannot write an entry ({_first_line(exc)}); running without the cache")
    finally:
        if tmp is not None:
            _remove(tmp)


_META = "meta.json"


def _network_meta_ok(meta: dict) -> bool:
    notes = meta.get("notes")
    return isinstance(meta.get("sources"), list) and isinstance(notes, list) and all(
        isinstance(n, list) and len(n) == 2 and isinstance(n[0], int) and isinstance(n[1], str) for n in notes)


def _traffic_meta_ok(meta: dict) -> bool:
    notes = meta.get("notes")
    return (isinstance(meta.get("summary"), dict) and isinstance(notes, list)
            and all(isinstance(n, str) for n in notes))


def _read_cache(folder: Path, files: Sequence[Path]) -> Network | None:
    """The cached network of ``files``, or ``None`` when there is no entry.

    The cached data is the content of the files (the key is their sha256), not their names: the
    network names the files given for this run (``sources``, notes). Raises :class:`_DamagedEntry`
    or :class:`_CacheUnusable` (see :func:`_read_entry`).
    """
    entry = _read_entry(folder, _META, [f"{name}.parquet" for name in _FRAMES], _network_meta_ok)
    if entry is None:
        return None
    meta, blobs = entry
    try:
        frames = {name: gpd.read_parquet(BytesIO(blobs[f"{name}.parquet"])) for name in _FRAMES}
        notes = [f"{files[int(at)]}: {str(text)}" for at, text in meta.get("notes", [])]
    except Exception as exc:  # noqa: BLE001 - a file that matches its checksum but pyarrow rejects
        raise _DamagedEntry(f"cannot be read ({_first_line(exc)})") from None
    return Network(**frames, sources=[str(f) for f in files], notes=notes)


def _write_cache(folder: Path, net: Network, notes: Sequence[tuple[int, str]] = ()) -> None:
    """Store a processed network; ``notes`` are (input file number, text without the file name)."""
    _write_entry(folder.parent, folder.name, _META,
                 {"sources": net.sources, "notes": [list(n) for n in notes]},
                 {f"{name}.parquet": getattr(net, name) for name in _FRAMES}, _network_meta_ok)


def _missing_nodes_note(raw: RawOSM, edges: gpd.GeoDataFrame) -> str | None:
    """What a street file whose ways lack some of their nodes lost, or ``None`` (nothing lost)."""
    if not raw.incomplete_ways:
        return None
    ids = np.asarray(raw.incomplete_ways, dtype=np.int64)
    built = np.isin(ids, edges["way_id"].to_numpy(dtype=np.int64))
    missing = int(raw.counts.get("missing_nodes", 0))
    return (f"{len(ids)} of {len(raw.ways)} highway ways reference {_count(missing, 'node')} that "
            f"{'is' if missing == 1 else 'are'} not in the file (an extract cut at its edge, or an unsorted "
            f"file: `osmium sort`): {_count(int((~built).sum()), 'way')} dropped (fewer than two of its "
            f"nodes left), {_count(int(built.sum()), 'way')} kept without the missing nodes (cut at each gap)")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def load_network(
    paths: Sequence[str | Path] = (),
    *,
    place: str | None = None,
    cache: bool = True,
    progress: bool = False,
    parallel: ParallelSettings | None = None,
) -> Network:
    """Load, tag and cache a street network.

    Parameters
    ----------
    paths
        The street file first (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf`` or ``.graphml``),
        then any extra files whose features (buildings, landuse, points of interest) are added.
    place
        A place name to download with osmnx (once, into ``data/osm/places``) when no path is given.
    cache
        Read and write the processed-network cache (keyed by the files' sha256).
    progress
        Show the steps on the terminal.
    parallel
        Thresholds of the parallel cycle path detection.

    Returns
    -------
    Network

    Raises
    ------
    InputFileError
        Missing, corrupt or empty input.
    """
    from rich.console import Console

    parallel = parallel or ParallelSettings()
    files = [Path(p) for p in paths]
    if not files:
        if not place:
            raise InputFileError("no input: give an OSM file (--osm FILE) or a place (--place NAME)")
        files = download_place(place)
    for f in files:
        if not f.is_file():
            raise InputFileError(f"{f}: file not found")
    console = Console(stderr=True)

    def step(text: str):  # noqa: ANN202
        return console.status(text) if progress else nullcontext()

    _warned.clear()
    key = _cache_key(files, parallel)
    root = cache_dir()
    folder = root / key
    if cache and root.exists() and not root.is_dir():
        _cache_unusable(root, NotADirectoryError(errno.ENOTDIR, "Not a directory"))
        cache = False
    if cache:
        try:
            hit = _read_cache(folder, files)
        except _DamagedEntry as exc:
            _warn(f"cache {folder}: damaged entry ({exc}); reading the input again and replacing it")
            hit = None
        except _CacheUnusable as exc:
            _cache_unusable(root, exc.error)
            hit, cache = None, False
        if hit is not None:
            for note in hit.notes:
                _warn(note)
            hit.coverage = data_coverage(hit)
            hit.source_dates = {str(f): data_date(f) for f in files}
            return hit

    raws = []
    for f in files:
        with step(f"reading {f.name}"):
            raws.append(read_any(f))
    street = raws[0]
    if street.ways.empty:
        raise InputFileError(f"{files[0]}: no highway ways in the file (is it a street network?)")
    with step("cutting ways into segments"):
        edges, nodes = build_segments(street)
    missing = int(street.counts.get("missing_nodes", 0))
    if edges.empty:
        if missing:
            raise InputFileError(
                f"{files[0]}: no street could be built: its ways reference {_count(missing, 'node')} that "
                f"{'is' if missing == 1 else 'are'} not in the file (an extract cut without its nodes, or ways "
                "before nodes — sort the file with `osmium sort`)")
        raise InputFileError(f"{files[0]}: no street could be built: no highway way has two distinct nodes")
    notes: list[tuple[int, str]] = []
    lost = _missing_nodes_note(street, edges)
    if lost:
        notes.append((0, lost))
        _warn(f"{files[0]}: {lost}")
    with step("tagging segments and detecting parallel cycle paths"):
        edges, nodes = tag_network(edges, nodes, parallel=parallel)
    with step("classifying points of interest, buildings and landuse"):
        features, buildings, landuse, activities = build_features(raws)
    net = Network(edges=edges, nodes=nodes, features=features, buildings=buildings, landuse=landuse,
                  activities=activities, sources=[str(f) for f in files],
                  notes=[f"{files[at]}: {text}" for at, text in notes])
    if cache:
        with step("writing the network cache"):
            _write_cache(folder, net, notes)
    net.coverage = data_coverage(net)
    net.source_dates = {str(f): data_date(f) for f in files}
    return net


#: Fields a school register must carry (the municipality's "schoolgebouwen" names).
SCHOOL_REGISTER_FIELDS = ("bestemming", "brinnummer", "school", "lesruimte")


def read_school_register(path: Path | str) -> gpd.GeoDataFrame:
    """A register of school buildings: Den Haag's open data "schoolgebouwen", or any point file with
    the same fields (:data:`SCHOOL_REGISTER_FIELDS`: ``bestemming`` the building's use, ``BO`` =
    primary school; ``brinnummer`` the school's national id; ``school`` its name; ``lesruimte``
    classrooms; optional ``adres``, the building's address).

    Returns
    -------
    geopandas.GeoDataFrame
        ``use``, ``brin``, ``name``, ``classrooms`` (float, NaN where missing), ``row`` (record
        number, from 1), point geometry in EPSG:28992 (a file without a CRS is taken as WGS84).

    Raises
    ------
    mobisim.errors.InputFileError
        Missing or unreadable file, missing fields (named, with the fields it has), no record, or
        geometries that are not points.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: school register not found")
    frame = read_vector(path, "the school register")
    missing = [c for c in SCHOOL_REGISTER_FIELDS if c not in frame.columns]
    if missing:
        have = _columns_text([c for c in frame.columns if c != frame.geometry.name])
        raise InputFileError(f"{path}: the school register lacks the field(s) {', '.join(missing)} (fields: {have})")
    frame = frame[frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()]
    if frame.empty:
        raise InputFileError(f"{path}: the school register holds no building with a location")
    if not frame.geom_type.eq("Point").all():
        raise InputFileError(f"{path}: the school register must hold points (found {frame.geom_type.iloc[0]})")
    return gpd.GeoDataFrame({
        "use": frame["bestemming"].astype("string").str.strip().to_numpy(),
        "brin": frame["brinnummer"].astype("string").str.strip().to_numpy(),
        "name": frame["school"].astype("string").str.strip().to_numpy(),
        "classrooms": pd.to_numeric(frame["lesruimte"], errors="coerce").astype("float64").to_numpy(),
        # optional: the building's address tells apart the buildings of one school
        "address": (frame["adres"].astype("string").str.strip() if "adres" in frame.columns
                    else pd.Series(pd.NA, index=frame.index, dtype="string")).to_numpy(),
        "row": np.arange(1, len(frame) + 1),
    }, geometry=frame.geometry.to_crs(CRS).to_numpy(), crs=CRS)


def read_traffic_counts(path: Path | str) -> pd.DataFrame:
    """Traffic counts per street: a CSV with the columns ``name`` and ``daily`` (motor vehicles a
    day, both directions; ``,``, ``;`` or tab separated, UTF-8). A count wins over the traffic
    model on every car segment of the street (:func:`mobisim.traffic.apply_counts`).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``daily`` (float), ``row`` (line in the file, from 2).

    Raises
    ------
    mobisim.errors.InputFileError
        Missing or unreadable file, missing columns, a count that is not a non-negative number,
        or a street counted twice with two figures.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: traffic-count list not found")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
        sep = max((",", ";", "\t"), key=header.count)
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: cannot read the traffic-count list ({reason})") from None
    lower = {str(c).strip().lower(): c for c in table.columns}
    if "name" not in lower or "daily" not in lower:
        raise InputFileError(f"{path}: a traffic-count list needs the columns 'name' and 'daily' "
                             f"(columns: {_columns_text(table.columns)})")
    names = table[lower["name"]].astype("string").str.strip()
    raw = table[lower["daily"]].astype("string").str.strip().str.replace(r"[\s_]", "", regex=True)
    daily = pd.to_numeric(raw, errors="coerce")
    bad = names.fillna("").ne("") & (daily.isna() | ~np.isfinite(daily.fillna(0)) | (daily < 0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(f"{path}: row {i + 2}: count {table[lower['daily']].iloc[i]!r} is not a number of "
                             "vehicles a day (0 or more)")
    frame = pd.DataFrame({"name": names, "daily": daily.astype("float64"), "row": np.arange(2, len(table) + 2)})
    frame = frame[names.fillna("").ne("").to_numpy()]
    if frame.empty:
        raise InputFileError(f"{path}: no street with a count in the list")
    key = fold_names(frame["name"])
    twice = key.duplicated(keep=False) & frame.groupby(key)["daily"].transform("nunique").gt(1)
    if twice.any():
        clash = frame[twice.to_numpy()].head(2)
        raise InputFileError(f"{path}: rows {clash['row'].iloc[0]} and {clash['row'].iloc[1]}: street "
                             f"{clash['name'].iloc[0]!r} has two counts; give one per street")
    return frame.drop_duplicates("name").reset_index(drop=True)


def read_traffic_cache(key: str) -> Any:
    """A cached traffic model run (:class:`mobisim.traffic.TrafficModel`) or ``None``.

    A damaged entry gives ``None`` with one warning (the model is run again and
    :func:`write_traffic_cache` replaces the entry); an unreadable cache, ``None`` with one warning.
    """
    from mobisim.traffic import TrafficModel

    if not key:
        return None
    root = cache_dir() / "traffic"
    folder = root / key
    try:
        entry = _read_entry(folder, "summary.json", ["edges.parquet"], _traffic_meta_ok)
        if entry is None:
            return None
        meta, blobs = entry
        try:
            edges = pd.read_parquet(BytesIO(blobs["edges.parquet"]))
        except Exception as exc:  # noqa: BLE001 - matches its checksum, but pyarrow rejects it
            raise _DamagedEntry(f"edges.parquet cannot be read ({_first_line(exc)})") from None
        return TrafficModel(key=key, edges=edges, summary=meta["summary"], notes=list(meta["notes"]))
    except _DamagedEntry as exc:
        _warn(f"cache {folder}: damaged entry ({exc}); running the traffic model again and replacing it")
    except _CacheUnusable as exc:
        _cache_unusable(root, exc.error)
    return None


def write_traffic_cache(model: Any) -> None:
    """Store a traffic model run under its key (atomically; a concurrent writer's intact entry is
    kept, a damaged one replaced; a cache that cannot be written is bypassed with one warning)."""
    if not model.key:
        return
    _write_entry(cache_dir() / "traffic", model.key, "summary.json",
                 {"summary": model.summary, "notes": [str(n) for n in model.notes]}, {"edges.parquet": model.edges},
                 _traffic_meta_ok)


__all__ = ["load_network", "read_school_register", "read_traffic_counts", "read_traffic_cache", "write_traffic_cache", "download_place", "cache_dir", "data_dir", "shared_osm_dir", "empty_frame",
           "read_speed_limits"]
