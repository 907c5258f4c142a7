"""Read raw OpenStreetMap data with pyosmium (OSM XML, ``.osm.bz2``/``.gz``, ``.osm.pbf``).

This is the *load* step's parser. One streaming pass (two where areas are assembled) collects:

- the highway ways with the tags mobisim needs and their node references and locations;
- tagged nodes (crossings, signals, traffic calming, points of interest);
- areas (closed ways and multipolygon relations) that are points of interest, residential
  landuse or buildings.

pyosmium (libosmium) reads every format Geofabrik and BBBike serve, and is an order of magnitude
faster than parsing the XML in Python. Geometry assembly and projection happen afterwards on whole
arrays (:mod:`mobisim.load.segments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.load.messages import first_line

#: Way tags kept for street segments (everything the tag step and the rules read).
WAY_KEYS: tuple[str, ...] = (
    "highway", "name", "ref", "service", "access", "motor_vehicle", "motorcar", "bicycle", "foot",
    "bus", "psv",
    "maxspeed", "maxspeed:forward", "maxspeed:backward", "maxspeed:type", "zone:maxspeed",
    "source:maxspeed", "zone:traffic",
    "lanes", "lanes:forward", "lanes:backward", "width", "est_width", "oneway", "oneway:bicycle",
    "junction", "area",
    "cycleway", "cycleway:left", "cycleway:right", "cycleway:both",
    "cycleway:left:oneway", "cycleway:right:oneway", "cycleway:both:oneway",
    "cycleway:width", "cycleway:left:width", "cycleway:right:width", "cycleway:both:width",
    "bicycle_road", "cyclestreet", "segregated",
    "sidewalk", "sidewalk:left", "sidewalk:right", "sidewalk:both",
    "surface", "traffic_calming", "lit", "bridge", "tunnel", "motorroad",
    "parking:left", "parking:right", "parking:both",
    "parking:lane:left", "parking:lane:right", "parking:lane:both",
)

#: Node tags kept (crossings, signals, calming, roundabouts, POIs).
NODE_KEYS: tuple[str, ...] = (
    "highway", "crossing", "crossing:island", "crossing:signals", "crossing:markings", "crossing_ref",
    "traffic_calming", "railway", "junction", "amenity", "leisure", "healthcare", "social_facility",
    "school", "isced:level", "name", "capacity", "parking", "building", "building:levels", "height",
    "landuse", "shop", "office", "tourism",
)

#: Keys that let an object through the reader's filter at all.
_FILTER_KEYS: tuple[str, ...] = (
    "highway", "crossing", "traffic_calming", "amenity", "leisure", "healthcare", "landuse",
    "building", "railway", "shop", "office", "tourism",
)

#: Highway values that are not street segments.
NON_STREET_HIGHWAYS: frozenset[str] = frozenset(
    {"proposed", "construction", "abandoned", "platform", "raceway", "bus_stop", "elevator",
     "rest_area", "services", "corridor", "emergency_bay"}
)


@dataclass
class RawOSM:
    """What one OSM file holds, before geometry assembly and tagging (WGS84 coordinates)."""

    path: str
    ways: pd.DataFrame  #: one row per highway way: ``way_id`` + :data:`WAY_KEYS` columns
    #: ``way_idx`` (row in ``ways``), ``node_id``, ``lon``, ``lat`` in way order; optional ``part``:
    #: the run of located nodes within the way (a way cut where its nodes are missing)
    way_nodes: pd.DataFrame
    nodes: pd.DataFrame  #: tagged nodes: ``node_id``, ``lon``, ``lat`` + :data:`NODE_KEYS` columns
    areas: pd.DataFrame  #: ``osm_type``, ``osm_id``, ``wkb`` (hex) + :data:`NODE_KEYS` columns
    counts: dict[str, int] = field(default_factory=dict)
    #: ids of the highway ways that reference nodes the file does not hold (or holds only after the
    #: way: an unsorted file); ``counts["missing_nodes"]`` is the number of such nodes
    incomplete_ways: list[int] = field(default_factory=list)


def _tag_dict(tags: osmium.osm.TagList, keys: tuple[str, ...]) -> dict[str, object]:
    return {k: tags[k] for k in keys if k in tags}


def _is_area_of_interest(tags: osmium.osm.TagList) -> bool:
    return (
        "building" in tags
        or "amenity" in tags
        or "healthcare" in tags
        or tags.get("leisure") == "playground"
        or tags.get("landuse") in ("residential", "commercial", "retail", "industrial")
        or "shop" in tags
        or "office" in tags
        or "tourism" in tags
    )


@dataclass
class _Collector:
    """What one pass over an OSM file keeps, as lists (turned into frames by :meth:`raw`)."""

    ways: list[dict[str, object]] = field(default_factory=list)
    way_ids: list[int] = field(default_factory=list)
    wn_way: list[int] = field(default_factory=list)
    wn_ref: list[int] = field(default_factory=list)
    wn_lon: list[float] = field(default_factory=list)
    wn_lat: list[float] = field(default_factory=list)
    wn_part: list[int] = field(default_factory=list)
    missing_refs: set[int] = field(default_factory=set)
    incomplete: list[int] = field(default_factory=list)
    nodes: list[dict[str, object]] = field(default_factory=list)
    areas: list[dict[str, object]] = field(default_factory=list)
    missing_locations: int = 0
    wkb: osmium.geom.WKBFactory = field(default_factory=osmium.geom.WKBFactory)

    def add_node(self, obj: osmium.osm.Node) -> None:
        """A tagged node (the filter lets only tagged nodes through)."""
        row = _tag_dict(obj.tags, NODE_KEYS)
        row["node_id"] = obj.id
        row["lon"] = obj.location.lon
        row["lat"] = obj.location.lat
        self.nodes.append(row)

    def add_way(self, obj: osmium.osm.Way) -> None:
        """A highway way that is a street, with its located nodes; a gap starts a new part."""
        highway = obj.tags.get("highway")
        if highway is None or highway in NON_STREET_HIGHWAYS or obj.tags.get("area") == "yes":
            return
        idx = len(self.ways)
        part, located, gap, lost = 0, False, False, False
        for n in obj.nodes:
            loc = n.location
            if not loc.valid():
                self.missing_locations += 1
                self.missing_refs.add(n.ref)
                gap = lost = True
                continue
            if gap and located:  # a missing node: no segment may bridge it
                part += 1
            located, gap = True, False
            self.wn_way.append(idx)
            self.wn_ref.append(n.ref)
            self.wn_lon.append(loc.lon)
            self.wn_lat.append(loc.lat)
            self.wn_part.append(part)
        if lost:
            self.incomplete.append(obj.id)
        self.ways.append(_tag_dict(obj.tags, WAY_KEYS))
        self.way_ids.append(obj.id)

    def add_area(self, obj: osmium.osm.Area) -> None:
        """An area (closed way or multipolygon) that is a point of interest, landuse or a building."""
        if not _is_area_of_interest(obj.tags):
            return
        try:
            geom = self.wkb.create_multipolygon(obj)
        except RuntimeError:  # broken ring: skip the area, not the file
            return
        row = _tag_dict(obj.tags, NODE_KEYS)
        row["osm_type"] = "way" if obj.from_way() else "relation"
        row["osm_id"] = obj.orig_id()
        row["wkb"] = geom
        self.areas.append(row)

    def raw(self, path: Path) -> RawOSM:
        """The collected objects as frames."""
        way_frame = pd.DataFrame(self.ways, columns=list(WAY_KEYS), dtype=object)
        way_frame.insert(0, "way_id", np.asarray(self.way_ids, dtype=np.int64))
        way_nodes = pd.DataFrame(
            {
                "way_idx": np.asarray(self.wn_way, dtype=np.int64),
                "node_id": np.asarray(self.wn_ref, dtype=np.int64),
                "lon": np.asarray(self.wn_lon, dtype=np.float64),
                "lat": np.asarray(self.wn_lat, dtype=np.float64),
                "part": np.asarray(self.wn_part, dtype=np.int64),
            }
        )
        node_frame = pd.DataFrame(self.nodes, columns=["node_id", "lon", "lat", *NODE_KEYS])
        node_frame["node_id"] = node_frame["node_id"].astype(np.int64)
        area_frame = pd.DataFrame(self.areas, columns=["osm_type", "osm_id", "wkb", *NODE_KEYS])
        return RawOSM(
            path=str(path),
            ways=way_frame,
            way_nodes=way_nodes,
            nodes=node_frame,
            areas=area_frame,
            counts={
                "highway_ways": len(way_frame),
                "tagged_nodes": len(node_frame),
                "areas": len(area_frame),
                "missing_node_locations": self.missing_locations,
                "missing_nodes": len(self.missing_refs),
            },
            incomplete_ways=self.incomplete,
        )


def read_osm(path: str | Path, *, areas: bool = True) -> RawOSM:
    """Read one OSM file into raw frames.

    A way node whose location the file does not give (the node is missing, or comes after the way
    in an unsorted file) is left out and the way is cut there: ``way_nodes["part"]`` numbers the
    runs of located nodes of each way (0, 1, … from one gap to the next), so no segment bridges a
    gap. ``counts["missing_nodes"]`` counts the distinct missing nodes and
    :attr:`RawOSM.incomplete_ways` names the ways that lost nodes.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.
    areas
        Assemble areas (closed ways and multipolygons) for points of interest, landuse and buildings.

    Returns
    -------
    RawOSM

    Raises
    ------
    InputFileError
        When the file is missing, not readable as OSM data (e.g. coordinate text that is not a
        number), or truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: file not found")
    processor = osmium.FileProcessor(str(path)).with_locations()
    if areas:
        processor = processor.with_areas()
    processor = processor.with_filter(osmium.filter.KeyFilter(*_FILTER_KEYS))
    found = _Collector()
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                found.add_node(obj)
            elif isinstance(obj, osmium.osm.Way):
                found.add_way(obj)
            elif isinstance(obj, osmium.osm.Area):
                found.add_area(obj)
    except osmium.InvalidLocationError as exc:  # libosmium: coordinate text that is not a number
        raise InputFileError(f"{path}: not a valid OSM file: {first_line(exc)}") from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputFileError(f"{path}: cannot read OSM data ({first_line(exc)})") from None
    return found.raw(path)
