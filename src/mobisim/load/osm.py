"""Read any input the network is built from: OSM files, osmnx GraphML, feature files; their data date.

Every reader returns a :class:`~mobisim.load.osmread.RawOSM` (tags and WGS84 coordinates, before
segments are cut): :func:`read_any` picks the reader by the file's suffix — pyosmium
(:func:`mobisim.load.osmread.read_osm`) for OSM XML, ``.osm.bz2``/``.gz`` and ``.osm.pbf``,
:func:`read_graphml` for an osmnx graph, :func:`read_feature_file` for a GeoPackage or GeoJSON of
points of interest. :func:`data_date` tells the date of an OSM file's data.
"""

from __future__ import annotations

import bz2
import gzip
import re
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.load.messages import first_line
from mobisim.load.osmread import NODE_KEYS, WAY_KEYS, RawOSM, read_osm
from mobisim.load.vector import read_vector

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T[\d:]+Z?)?")
#: What :func:`data_date` says when a file states no date.
NO_DATE = "not stated in the file"


def read_any(path: Path) -> RawOSM:
    """Read an OSM (XML/bz2/gz/PBF), GraphML, or feature (GeoPackage/GeoJSON) file.

    Raises
    ------
    mobisim.errors.InputFileError
        When the file is missing or unreadable.
    """
    suffix = path.suffix.lower()
    if suffix in (".graphml", ".gpkg", ".geojson") and not path.is_file():
        raise InputFileError(f"{path}: file not found")
    if suffix == ".graphml":
        return read_graphml(path)
    if suffix in (".gpkg", ".geojson"):
        return read_feature_file(path)
    return read_osm(path)


def _first(value: object) -> object:
    """The first element of an osmnx merged list (``[123, 456]``), else the value."""
    return value[0] if isinstance(value, list) else value


def _graphml_way_nodes(edges: pd.DataFrame) -> pd.DataFrame:
    """The shape points of every edge as way nodes; inner points get synthetic ids (never shared)."""
    coords = shapely.get_coordinates(edges.geometry.to_numpy())
    counts = shapely.get_num_coordinates(edges.geometry.to_numpy())
    wn_ids = np.full(len(coords), -1, dtype=np.int64)
    ends_first = np.cumsum(counts) - counts
    wn_ids[ends_first] = edges["u"].to_numpy()
    wn_ids[np.cumsum(counts) - 1] = edges["v"].to_numpy()
    inner = wn_ids == -1
    wn_ids[inner] = -(np.arange(inner.sum()) + 1)
    return pd.DataFrame({"way_idx": np.repeat(np.arange(len(edges)), counts), "node_id": wn_ids,
                         "lon": coords[:, 0], "lat": coords[:, 1]})


def read_graphml(path: Path) -> RawOSM:
    """Read an osmnx GraphML file (e.g. a drive graph) as raw OSM-like frames.

    Merged edges keep the first ``osmid``; list-valued tags (``['30', '50']``) are parsed by the tag
    step. The two directions of a two-way street become one segment.

    Raises
    ------
    mobisim.errors.InputFileError
        When the file cannot be read as GraphML or holds no edge.
    """
    import osmnx as ox

    try:
        G = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx/lxml raise many kinds
        raise InputFileError(f"{path}: cannot read GraphML ({first_line(exc)})") from None
    if G.number_of_edges() == 0:
        raise InputFileError(f"{path}: no highway ways in the file")
    nodes, edges = ox.graph_to_gdfs(G)
    edges = edges.reset_index()
    a, b = np.minimum(edges["u"], edges["v"]), np.maximum(edges["u"], edges["v"])
    edges = edges.assign(_a=a, _b=b, _len=edges["length"].round(1)).drop_duplicates(["_a", "_b", "_len"])
    # osmnx leaves out the attributes a graph does not carry: an absent key is an untagged way
    tags = pd.DataFrame({k: edges[k].map(_first) if k in edges else pd.NA for k in WAY_KEYS}, dtype=object)
    for k in ("maxspeed", "lanes", "width"):
        if k in edges:
            tags[k] = edges[k].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
    tags["oneway"] = np.where(edges["oneway"].astype(bool), "yes", "no")
    tags.insert(0, "way_id", edges["osmid"].map(_first).astype(np.int64).to_numpy())
    node_tags = pd.DataFrame({"node_id": nodes.index.astype(np.int64), "lon": nodes["x"], "lat": nodes["y"]})
    for k in NODE_KEYS:
        node_tags[k] = nodes[k].to_numpy() if k in nodes else pd.NA
    node_tags = node_tags[node_tags["highway"].notna()].reset_index(drop=True)
    return RawOSM(path=str(path), ways=tags.reset_index(drop=True), way_nodes=_graphml_way_nodes(edges),
                  nodes=node_tags, areas=pd.DataFrame(columns=["osm_type", "osm_id", "wkb", *NODE_KEYS]),
                  counts={"highway_ways": len(tags)})


def read_feature_file(path: Path) -> RawOSM:
    """Read points of interest, landuse and buildings from a GeoPackage or GeoJSON file.

    Columns named like OSM keys (``amenity``, ``leisure``, ``building``, ``name``, … see
    :data:`~mobisim.load.osmread.NODE_KEYS`) are read as tags; points become tagged nodes, polygons areas.
    This is how an osmnx place download's ``features.gpkg`` is loaded; any such layer works.
    """
    frame = read_vector(path, "features").to_crs("EPSG:4326").reset_index(drop=True)
    # any layer works: a key the file does not carry is untagged, ids and types have defaults
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


def _header(path: Path) -> tuple[str | None, str] | None:
    """The header's timestamp and generator of an OSM file, or ``None`` when it cannot be read."""
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        header = reader.header()
        stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp")
        generator = header.get("generator") or ""
        reader.close()
    except Exception:  # noqa: BLE001 - a date is a courtesy: the file itself is read (and checked) elsewhere
        return None
    return stamp, generator


def _overpass_base(path: Path) -> str | None:
    """The ``osm_base`` of an Overpass response (``<meta osm_base=…>`` in the first 2 kB)."""
    opener = bz2.open if path.suffix == ".bz2" else gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            head = fh.read(2048)
    except OSError:
        head = ""
    base = re.search(r'osm_base="([^"]+)"', head)
    return base.group(1) if base else None


def data_date(path: Path | str) -> str:
    """The date of the OSM data in a file, and where it was read, or ``"not stated in the file"``.

    Reads, in order: the header's replication timestamp or timestamp (PBF and osmium-written
    files), the ``osm_base`` of an Overpass response (``<meta osm_base=…>``), a date in the
    ``generator`` string (``… tiles of 2021-08-06 …``). Only the header is read.
    """
    p = Path(path)
    if p.suffix == ".graphml":
        return NO_DATE
    header = _header(p)
    if header is None:
        return NO_DATE
    stamp, generator = header
    found = _DATE.search(stamp) if stamp else None
    if found:
        return f"{found.group(1)} (file header)"
    if p.name.endswith((".osm", ".osm.bz2", ".osm.gz")):
        base = _overpass_base(p)
        found = _DATE.search(base) if base else None
        if found:
            return f"{found.group(1)} (Overpass osm_base)"
    found = _DATE.search(generator)
    if found:
        return f"{found.group(1)} (named by the file's generator)"
    return NO_DATE
