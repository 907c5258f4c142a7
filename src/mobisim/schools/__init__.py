"""School routes and child connectivity: can children get to their primary school on their own?

The programme gives the highest priority to school routes. This module derives them from the
network and measures how many children can cycle (or walk) to school on a route that passes the
8-jarigen-toets (the "8-year-old test": would you let an 8-year-old use it alone?).

Method
------
1. **Schools**: primary schools (basisscholen) from ``net.features`` (``kind == "school"`` and
   ``primary_school``; how primary is told is documented in ``mobisim.load.features``), or a scenario's
   own CSV list (``name, lat, lon``). Areas are represented by their representative point.
2. **Homes** (:mod:`mobisim.load.homes`): residential floor area, weighted to the city's number of
   primary-school children (:attr:`SchoolSettings.children_total`).
3. **Graph** (:mod:`mobisim.schools.routing`): one undirected CSR graph of the segments the mode may use
   (``mode_bike`` by default), weight = length. *Undirected on purpose*: ``oneway`` is the
   motor-traffic direction (data model); many Dutch one-way streets are two-way for bikes, and
   the 2021 city file has no ``oneway:bicycle``, so children are assumed to be able to ride (or
   walk their bike) both ways.
   **Attachment** (:func:`start_nodes`): origins and schools attach to the network where a child
   starts, the nearest graph node (k-d tree on whole arrays) that does not lie on a main road
   (:attr:`SchoolSettings.start_avoid_classes`: primary, secondary, tertiary, trunk, motorway,
   their links, busway). Every node of a main road is a crossing or a junction the child would
   first have to cross, or a point in the carriageway; a home along a main road starts from the
   nearest side street or separate cycle path instead (where there is none within
   :attr:`SchoolSettings.max_snap_distance_m`, the nearest node of any kind). Origins attach only
   to nodes from which a school can be reached, so a home next to a stray footway fragment is
   not counted as having no route at all.
   The attachment depends on the network's geometry, the mode's access and the highway classes
   only, **never on the toets verdicts** (nor on crossing tags an intervention may add): an
   improvement (a segment or crossing that now passes) only adds links and nodes to the
   child-safe network, so ``share_safe`` can never drop when a crossing gets signals or an
   island, a limit goes down or a cycle track is added (no intervention changes a class or a
   mode). Snapping away from *failing* crossings only, as before, moved homes onto a crossing
   once it passed: a home snapped to a newly signalised mid-block crossing with no safe way
   onward and the share fell (tests/test_schools_monotone.py).
4. **Nearest school**: ONE multi-source Dijkstra from all school nodes over the full graph
   gives every node its nearest school, the distance and the route (predecessor tree).
5. **Child-safe network**: only segments whose ``toets_<mode>`` is ``pass``, and no node whose
   ``toets_crossing`` is ``fail`` (a crossing that passes, or ``n/a``, never blocks). By default
   (``crossing_rule="any_use"``) a route *passes through* a failing crossing when it uses that
   node at all — also when it only runs along the crossed road past it (conservative: the
   network does not say which way a route turns).
   ``crossing_rule="along_road_passes"`` lets a route run along the crossed road through the node
   (segment ends of the same street re-attached to a virtual node) and blocks only turns and
   crossings there; on the 2021 city data this moves the share by about 0.5 points. A second
   multi-source Dijkstra on this subgraph gives every node its nearest safely reachable school.
6. **A child can go on their own** (``safe``) when a child-safe route to *their nearest school*
   exists and is at most :attr:`SchoolSettings.max_detour_factor` times the shortest route.
   Where the nearest safe school is the nearest school, the safe distance comes from step 5;
   where it is another school but the nearest school lies in the same safe component, a bounded
   Dijkstra from those schools only (a few, batched; never one per origin) gives the exact safe
   distance.
7. **School-route intensity**: children per segment, by pushing the children per node down the
   predecessor trees (:func:`mobisim.schools.routing.tree_flow`): ``school_route_children`` on the
   shortest routes, ``school_route_children_safe`` on the safe routes of children who have one.
8. **Weakest links**: for every failing segment and crossing, the children whose *shortest*
   route uses it and who cannot go on their own (``weakest_link_children``); ranked, with the fix
   the toets proposes (``toets_<mode>_fix`` / ``toets_crossing_fix``): the council's priority list.
   :func:`weakest_stretches` joins them into street stretches (connected failing elements of
   one street). :func:`fix_weakest_links` marks the top N elements (or stretches) as passing so
   the share can be recomputed.
9. **Homes outside the municipality**: the OSM extract has a 300 m margin; when the wijk
   polygons are available the homes are clipped to them and ``children_total`` is spread over
   the rest (schools outside stay valid destinations).

Scores (:func:`city_scores`): ``share_safe`` (headline), ``share_safe_any_detour``, detour
mean/median/p90, per school (``SchoolRoutes.schools``) and per wijk (``SchoolRoutes.per_wijk``).

Schools that snap to the same node (co-located schools) share it: the origins carry the first
school's id, and the per-school figures split the node's children equally among them.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse.csgraph as csgraph
import shapely
from pydantic import Field

from mobisim.errors import InputFileError
from mobisim.load.areas import inside
from mobisim.load.homes import residential_origins
from mobisim.schools import routing
from mobisim.settings_base import Settings

CRS = "EPSG:28992"


class SchoolSettings(Settings):
    """Settings of the school-route analysis (every field has a documented default)."""

    mode: Literal["bike", "walk"] = Field(
        "bike",
        description=(
            "Travel mode of the children: the graph uses mode_<mode> and the safe network "
            "toets_<mode>. Source: programme text (children cycling to school on their own)."
        ),
    )
    children_total: float = Field(
        46_000.0,
        gt=0, le=10_000_000,
        description=(
            "Primary-school children living in the area, spread over residential floor area. "
            "Default for Den Haag is an ESTIMATE: about 8-9 % of ~548,000 inhabitants (CBS "
            "StatLine, bevolking 1 januari 2021, gemeente 's-Gravenhage) are aged 4-11; Den Haag "
            "in Cijfers reports pupil numbers of the same order (~45-50 thousand in basisonderwijs). "
            "Set it per scenario from Den Haag in Cijfers / DUO when exact figures matter."
        ),
    )
    schools_csv: Path | None = Field(
        None,
        description=(
            "Optional CSV with the scenario's own primary schools (columns name, lat, lon in "
            "WGS84); replaces the schools found in OSM. Source: scenario input."
        ),
    )
    school_register: Path | None = Field(
        None,
        description=(
            "The municipality's register of school buildings (Den Haag open data "
            "\"schoolgebouwen\", or any point file with the fields bestemming, brinnummer, school, "
            "lesruimte): its primary-school buildings (`register_uses`) replace the schools found "
            "in OSM, which mix in music schools, lyceums and hotel schools. Relative to the "
            "scenario file. Source: ../shared/osm/den-haag-schoolgebouwen.geojson (© Gemeente Den Haag)."
        ),
    )
    register_uses: list[str] = Field(
        default_factory=lambda: ["BO"], min_length=1,
        description="Values of the register's `bestemming` that are primary-school buildings (BO = "
        "basisonderwijs; `BO-Voorschool` is a pre-school at one). Source: the register's README.",
    )
    class_size: float = Field(
        23.0, gt=0, le=40,
        description="Pupils per classroom, for a register building's pupils (classrooms × this, then "
        "scaled to children_total). Source: DUO/CBS, mean group size in Dutch primary schools ≈ 23. "
        "A building without a classroom count gets the median.",
    )
    wijken_path: Path | None = Field(
        None,
        description=(
            "Wijk polygons (fields code, name) for per-wijk scores. None: den-haag-wijken.geojson "
            "from $MOBISIM_SHARED_OSM when set (per-wijk scores are skipped with a note when it is "
            "not there), else ../shared/osm from the working directory (mobisim.load.paths); missing: "
            "skipped with a note. Source: shared/osm/README.md."
        ),
    )
    max_detour_factor: float = Field(
        1.5,
        ge=1.0, le=10,
        description=(
            "A child-safe route counts only when it is at most this many times the shortest "
            "route to the nearest school. Source: project assumption (no published norm); PCT "
            "school model (Goodman et al. 2019) shows cycling falling off steeply with distance."
        ),
    )
    crossing_rule: Literal["any_use", "along_road_passes"] = Field(
        "any_use",
        description=(
            "When a route is blocked by a failing crossing node. 'any_use': any route that uses the "
            "node (conservative; also a child riding along the crossed road's cycle track past a "
            "side street). 'along_road_passes': only routes that cross there — entering or leaving "
            "by an edge that is not the crossed road (the fastest road at the node, same street); "
            "riding along that road through the node is allowed when its segments pass the toets. "
            "Source: 8-jarigen-toets asks whether a child can cross the road; project choice."
        ),
    )
    max_snap_distance_m: float = Field(
        300.0,
        gt=0, le=5000,
        description=(
            "Homes farther than this from any usable network node are left out (no route). "
            "Source: project assumption (the city file covers the municipality + 300 m)."
        ),
    )
    start_avoid_classes: list[str] = Field(
        default=["primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
                 "trunk", "trunk_link", "motorway", "motorway_link", "busway"],
        description=(
            "Homes and schools never attach to a node of a segment of these highway classes (main "
            "roads: their nodes are crossings or junctions a child would first have to cross); they "
            "attach to the nearest node of a side street or path, or to the nearest node of any kind "
            "when none lies within max_snap_distance_m. Class-based on purpose: the attachment must "
            "not depend on the toets verdicts, or a safety improvement could move homes and lower "
            "the safe share. Source: project choice (the classes with a centre line, ToetsSettings)."
        ),
    )
    min_building_area_m2: float = Field(
        30.0,
        ge=0, le=100_000,
        description="Smaller building footprints (sheds, garages) are not homes. Source: project assumption.",
    )
    default_levels: float = Field(
        1.0,
        gt=0, le=100,
        description=(
            "Levels assumed where building:levels is missing (1,408 of 188,493 buildings in the "
            "2021 file carry it; shared/osm/README.md). Source: conservative default."
        ),
    )
    storey_height_m: float = Field(
        3.0,
        ge=1, le=10,
        description=(
            "Floor-to-floor height that turns a building height into levels where building:levels "
            "is missing. Source: Bouwbesluit 2012 minimum clear height 2.6 m plus floor ≈ 3 m "
            "(typical Dutch housing)."
        ),
    )
    generic_buildings: Literal["landuse", "all"] = Field(
        "landuse",
        description=(
            "Where a generic building (building=yes) counts as a home: inside residential "
            "landuse, or everywhere. Source: project assumption (the 2021 file has no building types)."
        ),
    )
    grid_spacing_m: float = Field(
        50.0,
        ge=5, le=1000,
        description="Grid spacing for residential landuse without buildings (5–1000 m: the grid has "
        "area / spacing² points, and a run refuses more than 10 million). Source: project assumption.",
    )
    grid_floor_area_ratio: float = Field(
        1.0,
        gt=0, le=20,
        description=(
            "Floor area per m² of residential land where no buildings are mapped (floor space "
            "index; Dutch urban residential areas range ~0.5-2). Source: project assumption."
        ),
    )
    clip_homes_to_wijken: bool = Field(
        True,
        description=(
            "Keep only homes inside the wijk polygons (the municipality) when they are available: "
            "children_total counts the municipality's children, the OSM extract has a 300 m "
            "margin. Schools outside stay valid destinations. Source: shared/osm/README.md."
        ),
    )
    top_n: int = Field(
        10,
        ge=1, le=1000,
        description="Weakest links listed and fixed in the what-if. Source: issue 4 (top 10).",
    )


# --------------------------------------------------------------------------- schools


def primary_schools(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Primary schools from ``net.features`` as points.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``source`` (the ``primary_source`` provenance), ``osm_type``, ``osm_id``,
        point geometry (representative point of areas), index ``school_id`` 0..n-1.
    """
    if features is None or len(features) == 0 or "kind" not in features.columns:
        return _school_frame([], [], [], [], [])
    sel = features["kind"].eq("school").to_numpy(dtype=bool, na_value=False)
    if "primary_school" in features.columns:
        sel = sel & features["primary_school"].to_numpy(dtype=bool, na_value=False)
    f = features.loc[sel]
    col = lambda c, default: f[c].to_numpy() if c in f.columns else np.full(len(f), default, dtype=object)  # noqa: E731
    out = _school_frame(
        col("name", None), col("primary_source", "osm"), col("osm_type", None), col("osm_id", None),
        f.geometry.representative_point().to_numpy(),
    )
    left_out = excluded_schools(features)
    if len(left_out):
        names = [f"{n} ({why})" for n, why in zip(left_out["name"], left_out["why"])]
        out.attrs["notes"] = [f"{len(left_out)} OSM school(s) are not primary schools and are left out of the school "
                              f"routes and criterion C2: " + "; ".join(names)]
    out.attrs["excluded"] = left_out
    return out


#: Why an OSM school is not primary, by its ``primary_source`` (:func:`mobisim.load.features.is_primary_school`).
EXCLUDED_BECAUSE = {"tag:isced:level": "isced:level", "tag:school": "school=*",
                    "name:secondary": "name"}


def excluded_schools(features: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The OSM schools (``amenity=school``) that are not primary schools, and why.

    Returns
    -------
    pandas.DataFrame
        ``name`` (``"(unnamed)"`` when missing) and ``why`` (``primary_source``: by
        ``isced:level``, ``school=*`` or the name), sorted by name.
    """
    if features is None or len(features) == 0 or "primary_school" not in features.columns:
        return pd.DataFrame({"name": pd.Series(dtype=object), "why": pd.Series(dtype=object)})
    school = features["kind"].eq("school").to_numpy(dtype=bool, na_value=False)
    primary = features["primary_school"].to_numpy(dtype=bool, na_value=False)
    f = features.loc[school & ~primary]
    names = f["name"].astype("string").fillna("(unnamed)") if "name" in f.columns \
        else pd.Series("(unnamed)", index=f.index, dtype="string")
    why = f["primary_source"].astype("string").map(EXCLUDED_BECAUSE).fillna("") if "primary_source" in f.columns \
        else pd.Series("", index=f.index, dtype="string")
    return pd.DataFrame({"name": names.to_numpy(dtype=object), "why": why.to_numpy(dtype=object)}) \
        .sort_values("name", kind="stable").reset_index(drop=True)


def _school_frame(name, source, osm_type, osm_id, geometry) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(
        {"name": pd.array(list(name), dtype=object), "source": pd.array(list(source), dtype=object),
         "osm_type": pd.array(list(osm_type), dtype=object), "osm_id": pd.array(list(osm_id), dtype=object)},
        geometry=list(geometry), crs=CRS,
    )
    out.index.name = "school_id"
    return out


def read_schools_csv(path: str | Path) -> gpd.GeoDataFrame:
    """A scenario's own school list: CSV with ``name``, ``lat``, ``lon`` (WGS84).

    Raises
    ------
    mobisim.errors.InputFileError
        Missing file, missing columns, or a row whose coordinates are not numbers in range.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: school list not found")
    try:
        df = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the school list as CSV ({str(exc).splitlines()[0]})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("name", "lat", "lon") if c not in df.columns]
    if missing:
        raise InputFileError(f"{path}: school list lacks column(s) {', '.join(missing)} (need name, lat, lon)")
    lat = pd.to_numeric(df["lat"], errors="coerce")
    lon = pd.to_numeric(df["lon"], errors="coerce")
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(
            f"{path}: row {row + 2}: lat/lon must be numbers in WGS84 degrees "
            f"(got lat={df['lat'].iloc[row]!r}, lon={df['lon'].iloc[row]!r})"
        )
    if len(df) == 0:
        raise InputFileError(f"{path}: school list is empty")
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(CRS)
    return _school_frame(df["name"], np.full(len(df), "csv", dtype=object), [None] * len(df),
                         [None] * len(df), pts.to_numpy())


# --------------------------------------------------------------------------- result


@dataclass
class SchoolRoutes:
    """Result of :func:`route_to_schools`.

    Attributes
    ----------
    origins : geopandas.GeoDataFrame
        Per origin: ``children``, ``node_id`` (snapped), ``snap_m``, ``school_id`` (nearest,
        -1 none), ``dist_m`` (shortest), ``safe_school_id`` / ``safe_dist_m`` (safe route to the
        nearest school, NaN when none within the detour limit), ``safe_reachable`` (nearest school
        in the same child-safe component, any length), ``safe`` (can go on their own),
        ``detour`` (safe / shortest).
    schools : geopandas.GeoDataFrame
        Per school: ``name``, ``node_id``, ``snap_m``, ``colocated_schools``, ``children``,
        ``children_safe``, ``share_safe``, ``mean_dist_m``, ``mean_detour``.
    edge_children, edge_children_safe, edge_weakest : pandas.Series
        Per ``net.edges`` row (index ``edge_id``).
    node_weakest : pandas.Series
        Per ``net.nodes`` row (index ``node_id``).
    weakest_links : pandas.DataFrame
        Failing segments and crossings ranked by ``children`` (see :func:`rank_weakest_links`).
    scores : dict
        City-wide figures (see :func:`city_scores`).
    per_wijk : geopandas.GeoDataFrame or None
        Per-wijk figures with the wijk polygons (``None`` when no wijk polygons were available).
    notes : list of str
        Caveats met during the run.
    """

    origins: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    edge_children: pd.Series
    edge_children_safe: pd.Series
    edge_weakest: pd.Series
    node_weakest: pd.Series
    weakest_links: pd.DataFrame
    scores: dict[str, Any]
    per_wijk: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- core


def _node_xy(net: Any, node_ids: np.ndarray) -> np.ndarray:
    """``(n, 2)`` coordinates of graph nodes, from ``net.nodes``."""
    pos = routing.node_positions(node_ids, net.nodes.index)
    if (pos < 0).any():
        raise InputFileError(
            f"network: {int((pos < 0).sum())} node id(s) used by net.edges are missing from net.nodes "
            f"(e.g. {int(node_ids[pos < 0][0])})"
        )
    geom = net.nodes.geometry.to_numpy()[pos]
    return shapely.get_coordinates(geom)


def _wmean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")


def _wquantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok])
    v, w = values[ok][order], weights[ok][order]
    cum = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cum, q)])


def along_road_ends(net: Any, failing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which segment ends at failing crossings run *along* the crossed road.

    At a failing crossing node, the crossed road is the fastest motor road there (the toets'
    ``crossed_speed``); a segment end counts as along that road when the segment is a road at
    that speed (or of unknown speed). Ends are grouped per street (``name``, else ``way_id``),
    so moving from one street's segment to the same street's next segment is "along", while a
    turn onto another street or a path is a crossing.

    Parameters
    ----------
    net : mobisim.network.Network
        With the toets columns (``crossed_speed`` on nodes, the speed column named in
        ``edges.attrs["toets_speed_column"]``, default ``maxspeed``).
    failing : numpy.ndarray of bool
        Per ``net.nodes`` row: the crossing fails the toets.

    Returns
    -------
    along_u, along_v : numpy.ndarray
        Per ``net.edges`` row and end: a label shared by the ends along the same street through
        the same failing node (0..k-1), or -1.
    """
    edges, nodes = net.edges, net.nodes
    m = len(edges)
    speed_col = edges.attrs.get("toets_speed_column", "maxspeed")
    speed = pd.to_numeric(edges[speed_col], errors="coerce").to_numpy(float, na_value=np.nan) if speed_col in edges.columns else np.full(m, np.nan)
    is_road = edges["is_road"].to_numpy(bool, na_value=False) if "is_road" in edges.columns else np.zeros(m, bool)
    crossed = (
        pd.to_numeric(nodes["crossed_speed"], errors="coerce").to_numpy(float, na_value=np.nan)
        if "crossed_speed" in nodes.columns else np.full(len(nodes), np.nan)
    )
    way = edges["way_id"] if "way_id" in edges.columns else pd.Series(np.arange(m), index=edges.index)
    key = "way:" + way.astype("string")
    if "name" in edges.columns:
        key = ("name:" + edges["name"].astype("string")).fillna(key)
    key = key.to_numpy(dtype=object)
    ends = pd.DataFrame({
        "row": np.concatenate([np.arange(m), np.arange(m)]),
        "end": np.repeat([0, 1], m),
        "node": np.concatenate([edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)]),
        "key": np.concatenate([key, key]),
        "speed": np.concatenate([speed, speed]),
        "road": np.concatenate([is_road, is_road]),
    })
    pos = nodes.index.get_indexer(ends["node"])
    fail = np.where(pos >= 0, failing[np.maximum(pos, 0)], False)
    cs = np.where(pos >= 0, crossed[np.maximum(pos, 0)], np.nan)
    sp = ends["speed"].to_numpy()
    along = fail & ends["road"].to_numpy() & (np.isnan(sp) | np.isnan(cs) | (sp >= cs - 1e-9))
    label = np.full(len(ends), -1, dtype=np.int64)
    if along.any():
        codes, _ = pd.factorize(pd.MultiIndex.from_arrays([ends["node"].to_numpy()[along], ends["key"].to_numpy()[along]]))
        label[along] = codes
    return label[:m], label[m:]


def start_nodes(edges: pd.DataFrame, graph: routing.Graph, usable: np.ndarray, avoid_classes: list[str]) -> np.ndarray:
    """Per graph node: may a home or school attach there (a place where a child starts)?

    ``False`` for every node of a usable segment whose ``highway`` is in ``avoid_classes`` (main
    roads: their nodes are crossings, junctions or points in the carriageway), ``True`` for the
    rest (nodes of side streets and paths only). Decided on the network's classes alone, never on
    the toets verdicts, so that a safety improvement cannot move an origin (see the module
    docstring, step 3). Without a ``highway`` column every node may be used.
    """
    ok = np.ones(graph.n, dtype=bool)
    if "highway" not in edges.columns or graph.n == 0 or not avoid_classes:
        return ok
    main = usable & edges["highway"].isin(list(avoid_classes)).to_numpy(dtype=bool, na_value=False)
    ids = np.unique(np.concatenate([edges["u"].to_numpy(np.int64)[main], edges["v"].to_numpy(np.int64)[main]]))
    ok[np.searchsorted(graph.node_ids, ids[np.isin(ids, graph.node_ids)])] = False
    return ok


def attach(points: np.ndarray, xy: np.ndarray, allowed: np.ndarray, preferred: np.ndarray,
           max_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest ``preferred`` node within ``max_m``, else the nearest ``allowed`` node.

    ``preferred`` should be a subset of ``allowed``; returns graph index (-1: none) and distance.
    """
    node, dist = routing.snap(points, xy, allowed & preferred)
    fallback = (node < 0) | (dist > max_m)
    if fallback.any():
        node_f, dist_f = routing.snap(np.asarray(points)[fallback], xy, allowed)
        node[fallback], dist[fallback] = node_f, dist_f
    return node, dist


def _safe_graph(
    u: np.ndarray, v: np.ndarray, length: np.ndarray, usable: np.ndarray, node_ids: np.ndarray,
    node_ok: np.ndarray, along_u: np.ndarray, along_v: np.ndarray,
) -> routing.Graph:
    """The child-safe graph; segment ends running along the crossed road through a failing
    crossing are re-attached to a virtual node per (node, street), appended after ``node_ids``,
    so a route can pass along the road but not turn or cross there."""
    k = int(max(along_u.max(initial=-1), along_v.max(initial=-1))) + 1
    if k == 0:
        return routing.build_graph(u, v, length, usable, node_ids=node_ids, node_usable=node_ok)
    base = int(node_ids.max()) + 1 if len(node_ids) else 0
    u2 = np.where(along_u >= 0, base + along_u, u)
    v2 = np.where(along_v >= 0, base + along_v, v)
    ids = np.concatenate([node_ids, base + np.arange(k)])
    ok = np.concatenate([node_ok, np.ones(k, dtype=bool)])
    return routing.build_graph(u2, v2, length, usable, node_ids=ids, node_usable=ok)


def _crossing_flow(
    full: routing.Graph, pred: np.ndarray, flow: np.ndarray, edges: pd.DataFrame,
    along_u: np.ndarray, along_v: np.ndarray, failing: np.ndarray,
) -> np.ndarray:
    """Per failing node, the flow that *crosses* there (not along the crossed road).

    A child arriving at failing node X over tree edge (c, X) and leaving over (X, pred[X])
    passes along the road when both ends carry the same along-label; everything else crosses.
    """
    out = np.zeros(full.n)
    child = np.flatnonzero(pred >= 0)
    x = pred[child]
    sel = failing[x] & (pred[x] >= 0)
    child, x = child[sel], x[sel]
    u_ids = edges["u"].to_numpy(np.int64)

    def label(rows: np.ndarray, node: np.ndarray) -> np.ndarray:
        at_u = u_ids[rows] == full.node_ids[node]
        return np.where(rows < 0, -1, np.where(at_u, along_u[np.maximum(rows, 0)], along_v[np.maximum(rows, 0)]))

    l_in = label(full.edge_of(child, x), x)
    l_out = label(full.edge_of(x, pred[x]), x)
    crossing = ~((l_in >= 0) & (l_in == l_out))
    np.add.at(out, x[crossing], flow[child[crossing]])
    return out


def _safe_to_other_school(
    safe: routing.Graph,
    mismatch: np.ndarray,
    nearest: np.ndarray,
    on: np.ndarray,
    dist: np.ndarray,
    children: np.ndarray,
    school_node_of: np.ndarray,
    safe_dist: np.ndarray,
    max_detour: float,
) -> list[np.ndarray]:
    """Safe distance to the nearest school for origins whose nearest *safe* school is another.

    One bounded Dijkstra per such school (batched, 32 sources per call), never one per origin;
    fills ``safe_dist`` in place for the ``mismatch`` origins and returns the children per
    ``net.edges`` position on the safe routes of those within the detour limit, as
    ``[edge_pos, children]`` arrays.
    """
    flows: list[np.ndarray] = []
    if not mismatch.any():
        return flows
    n = safe.n
    limit = max_detour * float(np.nanmax(dist[mismatch])) + 1.0
    targets = np.unique(nearest[mismatch])
    for chunk in np.array_split(targets, int(np.ceil(len(targets) / 32))):
        d_mat, p_mat = csgraph.dijkstra(
            safe.csr, directed=True, indices=school_node_of[chunk], return_predecessors=True, limit=limit
        )
        for row, sch in enumerate(chunk):
            sel = mismatch & (nearest == sch)
            safe_dist[sel] = d_mat[row, on[sel]]
            ok = sel & (safe_dist <= max_detour * dist + 1e-9)
            if ok.any():
                flow = routing.tree_flow(p_mat[row], np.bincount(on[ok], weights=children[ok], minlength=n))
                nodes_i = np.flatnonzero((p_mat[row] >= 0) & (flow > 0))
                flows.append(np.column_stack([safe.edge_of(p_mat[row][nodes_i], nodes_i), flow[nodes_i]]))
    return flows


def route_to_schools(
    net: Any,
    schools: gpd.GeoDataFrame,
    origins: gpd.GeoDataFrame,
    *,
    safe_edges: np.ndarray | None,
    safe_nodes: np.ndarray | None,
    settings: SchoolSettings | None = None,
) -> SchoolRoutes:
    """Nearest school, shortest and child-safe route for all origins at once.

    Parameters
    ----------
    net : mobisim.network.Network
        Uses ``edges`` (``u``, ``v``, ``length``, ``mode_<mode>``; optional ``name`` and the
        toets fix columns for the ranking) and ``nodes`` (geometry).
    schools : geopandas.GeoDataFrame
        Points (EPSG:28992), e.g. from :func:`primary_schools`; ``name`` optional.
    origins : geopandas.GeoDataFrame
        Points with a ``children`` column (:func:`mobisim.load.homes.residential_origins`).
    safe_edges : numpy.ndarray of bool or None
        Per ``net.edges`` row: does the segment pass the 8-jarigen-toets. ``None``: all pass.
    safe_nodes : numpy.ndarray of bool or None
        Per ``net.nodes`` row: may a child-safe route pass the node (``False`` at failing
        crossings). ``None``: all may.
    settings : SchoolSettings, optional

    Returns
    -------
    SchoolRoutes

    Raises
    ------
    mobisim.errors.InputFileError
        When no school can be placed on the network.
    """
    s = settings or SchoolSettings()
    edges, nodes = net.edges, net.nodes
    notes: list[str] = []
    mode_col = f"mode_{s.mode}"
    usable = (
        edges[mode_col].to_numpy(dtype=bool, na_value=False)
        if mode_col in edges.columns
        else np.ones(len(edges), dtype=bool)
    )
    if mode_col not in edges.columns:
        notes.append(f"net.edges has no {mode_col}: every segment taken as usable")
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    length = edges["length"].to_numpy(np.float64)
    full = routing.build_graph(u, v, length, usable)
    n = full.n
    node_pos = routing.node_positions(full.node_ids, nodes.index)

    edge_ok = np.ones(len(edges), dtype=bool) if safe_edges is None else np.asarray(safe_edges, dtype=bool)
    node_ok_frame = np.ones(len(nodes), dtype=bool) if safe_nodes is None else np.asarray(safe_nodes, dtype=bool)
    node_ok = np.where(node_pos >= 0, node_ok_frame[np.maximum(node_pos, 0)], True) if n else np.zeros(0, bool)
    along_u = along_v = np.full(len(edges), -1, dtype=np.int64)
    if s.crossing_rule == "along_road_passes" and not node_ok_frame.all():
        along_u, along_v = along_road_ends(net, ~node_ok_frame)
    safe = _safe_graph(u, v, length, usable & edge_ok, full.node_ids, node_ok, along_u, along_v)

    xy = _node_xy(net, full.node_ids) if n else np.zeros((0, 2))
    # ---- schools → nodes (unique sources for the multi-source search)
    schools = schools.reset_index(drop=True)  # school_id = row position
    schools.index.name = "school_id"
    # attachment: the same for every verdict (module docstring, step 3)
    start_ok = start_nodes(edges, full, usable, s.start_avoid_classes)
    school_node, school_snap = attach(
        schools.geometry.to_numpy(), xy, np.ones(n, dtype=bool), start_ok, s.max_snap_distance_m
    )
    src_nodes, first_school = np.unique(school_node[school_node >= 0], return_index=True)
    src_school = np.flatnonzero(school_node >= 0)[first_school]  # school row behind each source
    if len(src_nodes) == 0:
        raise InputFileError(
            f"{', '.join(map(str, getattr(net, 'sources', []) or [])) or 'network'}: no primary school could be "
            f"placed on the {s.mode} network ({len(schools)} school point(s); check amenity=school or schools_csv)"
        )
    if len(schools) and (school_node < 0).any():
        notes.append(f"{int((school_node < 0).sum())} school(s) could not be placed on the network")
    shared = len(school_node[school_node >= 0]) - len(src_nodes)
    if shared:
        notes.append(f"{shared} school(s) share a network node with another school (they share its children equally)")

    tree = routing.multi_source(full, src_nodes)
    safe_src = src_nodes[node_ok[src_nodes]] if len(src_nodes) else src_nodes
    safe_src_school = src_school[node_ok[src_nodes]] if len(src_nodes) else src_school
    tree_s = routing.multi_source(safe, safe_src)

    # ---- origins → nodes reachable from a school, preferably not on a main road
    origins = origins.copy()
    children = origins["children"].to_numpy(np.float64)
    o_node, o_snap = attach(origins.geometry.to_numpy(), xy, np.isfinite(tree.dist), start_ok, s.max_snap_distance_m)
    routed = (o_node >= 0) & (o_snap <= s.max_snap_distance_m)
    on = np.where(routed, o_node, 0)
    nearest = np.where(routed, np.where(tree.source[on] >= 0, src_school[np.maximum(tree.source[on], 0)], -1), -1)
    dist = np.where(routed, tree.dist[on], np.nan)
    s_src = tree_s.source[on] if n else np.zeros(len(on), np.int64)
    safe_school = np.where(routed & (s_src >= 0), safe_src_school[np.maximum(s_src, 0)] if len(safe_src_school) else -1, -1)
    same = routed & (safe_school == nearest) & (nearest >= 0)
    safe_dist = np.where(same, tree_s.dist[on] if n else np.nan, np.nan)

    # same child-safe component as the nearest school?
    if n:
        _, comp = csgraph.connected_components(safe.csr, directed=False)
    else:
        comp = np.zeros(0, np.int64)
    school_node_of = np.full(len(schools), -1, dtype=np.int64)
    school_node_of[src_school] = src_nodes
    nn = school_node_of[np.maximum(nearest, 0)]
    reachable = routed & (nearest >= 0) & (nn >= 0)
    reachable = reachable & np.where(reachable, node_ok[on] & node_ok[np.maximum(nn, 0)] & (comp[on] == comp[np.maximum(nn, 0)]), False)
    mismatch = reachable & ~same

    extra_flows = _safe_to_other_school(
        safe, mismatch, nearest, on, dist, children, school_node_of, safe_dist, s.max_detour_factor
    )
    safe_dist = np.where(np.isfinite(safe_dist), safe_dist, np.nan)
    is_safe = reachable & (safe_dist <= s.max_detour_factor * dist + 1e-9)
    detour = np.where(is_safe, np.where(dist > 0, safe_dist / np.where(dist > 0, dist, 1.0), 1.0), np.nan)

    # ---- flows: children per node pushed down the trees
    def edge_series(graph: routing.Graph, pred: np.ndarray, weight: np.ndarray, extra=()) -> tuple[pd.Series, np.ndarray]:
        flow = routing.tree_flow(pred, weight) if n else np.zeros(0)
        out = np.zeros(len(edges))
        if n:
            nodes_i = np.flatnonzero(pred >= 0)
            extra = [np.column_stack([graph.edge_of(pred[nodes_i], nodes_i), flow[nodes_i]]), *extra]
        for arr in extra:
            pos = arr[:, 0].astype(np.int64)
            np.add.at(out, pos[pos >= 0], arr[pos >= 0, 1])
        return pd.Series(out, index=edges.index), flow

    w_all = np.bincount(on[routed], weights=children[routed], minlength=n)
    w_safe_same = np.bincount(on[is_safe & same], weights=children[is_safe & same], minlength=safe.n)
    w_unsafe = np.bincount(on[routed & ~is_safe], weights=children[routed & ~is_safe], minlength=n)
    edge_children, flow_all = edge_series(full, tree.pred, w_all)
    node_all = np.zeros(len(nodes))
    in_frame = np.flatnonzero(node_pos >= 0)
    node_all[node_pos[in_frame]] = flow_all[in_frame]
    node_children = pd.Series(node_all, index=nodes.index)
    edge_children_safe, _ = edge_series(safe, tree_s.pred, w_safe_same, extra_flows)
    edge_unsafe, node_unsafe = edge_series(full, tree.pred, w_unsafe)
    edge_weakest = edge_unsafe.where(~edge_ok & usable, 0.0)
    node_weak = np.zeros(len(nodes))
    failing_graph_nodes = np.flatnonzero(~node_ok & (node_pos >= 0))
    if (along_u >= 0).any() or (along_v >= 0).any():
        node_unsafe = _crossing_flow(full, tree.pred, node_unsafe, edges, along_u, along_v, ~node_ok)
    node_weak[node_pos[failing_graph_nodes]] = node_unsafe[failing_graph_nodes]
    node_weakest = pd.Series(node_weak, index=nodes.index)

    # ---- frames
    origins["node_id"] = np.where(o_node >= 0, full.node_ids[np.maximum(o_node, 0)] if n else -1, -1)
    origins["snap_m"] = o_snap
    origins["routed"] = routed
    origins["school_id"] = nearest
    origins["dist_m"] = dist
    origins["safe_school_id"] = np.where(is_safe, nearest, -1)
    origins["safe_dist_m"] = np.where(is_safe, safe_dist, np.nan)
    origins["safe_reachable"] = reachable
    origins["safe"] = is_safe
    origins["detour"] = detour

    schools["node_id"] = np.where(school_node >= 0, full.node_ids[np.maximum(school_node, 0)] if n else -1, -1)
    schools["snap_m"] = school_snap
    # per school; schools sharing a node (co-located) share its children equally
    per = pd.DataFrame({
        "school_id": nearest, "children": children, "safe_children": np.where(is_safe, children, 0.0),
        "cd": children * np.nan_to_num(dist), "det": np.where(is_safe, children * np.nan_to_num(detour), 0.0),
    })[routed & (nearest >= 0)].groupby("school_id").sum()
    placed = school_node >= 0
    rep = np.full(len(schools), -1, dtype=np.int64)  # the school whose id the node's origins carry
    rep[placed] = src_school[np.searchsorted(src_nodes, school_node[placed])]
    n_at_node = np.bincount(np.maximum(rep, 0), minlength=len(schools))[np.maximum(rep, 0)]
    per = per.reindex(rep, fill_value=0.0)
    split = np.where(placed, 1.0 / np.maximum(n_at_node, 1), 0.0)
    schools["colocated_schools"] = np.where(placed, n_at_node, 0)
    schools["children"] = per["children"].to_numpy() * split
    schools["children_safe"] = per["safe_children"].to_numpy() * split
    with np.errstate(invalid="ignore", divide="ignore"):
        schools["share_safe"] = np.where(per["children"] > 0, per["safe_children"] / per["children"], np.nan)
        schools["mean_dist_m"] = np.where(per["children"] > 0, per["cd"] / per["children"], np.nan)
        schools["mean_detour"] = np.where(per["safe_children"] > 0, per["det"] / per["safe_children"], np.nan)
    no_homes = int((schools["children"] <= 0).sum())
    if no_homes:
        notes.append(f"{no_homes} school(s) have no homes for which they are the nearest reachable school")

    weakest = rank_weakest_links(net, edge_weakest, node_weakest, edge_children, node_children, s.mode)
    result = SchoolRoutes(
        origins=origins, schools=schools, edge_children=edge_children,
        edge_children_safe=edge_children_safe, edge_weakest=edge_weakest, node_weakest=node_weakest,
        weakest_links=weakest, scores={}, notes=notes,
    )
    result.scores = city_scores(result, s)
    return result


def city_scores(result: SchoolRoutes, settings: SchoolSettings) -> dict[str, Any]:
    """City-wide figures of a :class:`SchoolRoutes`.

    ``share_safe`` is the headline: children who can reach their nearest school on a fully
    child-safe route (within the detour limit), as a share of the children with any route to a
    school. ``share_safe_any_detour`` drops the detour limit.
    """
    o = result.origins
    c = o["children"].to_numpy(float)
    routed = o["routed"].to_numpy(bool) & (o["school_id"].to_numpy() >= 0)
    safe = o["safe"].to_numpy(bool)
    reach = o["safe_reachable"].to_numpy(bool)
    total_routed = float(c[routed].sum())
    det = o["detour"].to_numpy(float)
    return {
        "mode": settings.mode,
        "children_total": float(c.sum()),
        "children_routed": total_routed,
        "children_without_route": float(c[~routed].sum()),
        "children_safe": float(c[safe].sum()),
        "share_safe": float(c[safe].sum() / total_routed) if total_routed else float("nan"),
        "share_safe_any_detour": float(c[reach].sum() / total_routed) if total_routed else float("nan"),
        "max_detour_factor": settings.max_detour_factor,
        "detour_mean": _wmean(det, c),
        "detour_median": _wquantile(det, c, 0.5),
        "detour_p90": _wquantile(det, c, 0.9),
        "dist_median_m": _wquantile(o["dist_m"].to_numpy(float), c, 0.5),
        "n_origins": int(len(o)),
        "n_schools": int(len(result.schools)),
        "n_schools_without_children": int((result.schools["children"] <= 0).sum()),
        "n_failing_links_on_routes": int(len(result.weakest_links)),
    }


def rank_weakest_links(
    net: Any,
    edge_weakest: pd.Series,
    node_weakest: pd.Series,
    edge_children: pd.Series,
    node_children: pd.Series,
    mode: str = "bike",
) -> pd.DataFrame:
    """Failing segments and crossings ranked by the children whose safe route they break.

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most children; also the index), ``element`` (``segment`` / ``crossing``),
        ``id`` (edge_id / node_id), ``name``,
        ``children`` (weakest-link children), ``school_route_children`` (all children whose
        shortest route uses the element), ``rule``, ``reason``,
        ``fix``, ``geometry``; sorted by ``children`` then ``school_route_children`` (descending).
        Elements outside the area judged (``in_area`` false) are not listed.
    """
    edges, nodes = net.edges, net.nodes

    def col(frame: pd.DataFrame, name: str, mask: np.ndarray) -> np.ndarray:
        if name in frame.columns:
            return frame[name].astype(object).to_numpy()[mask]
        return np.full(int(mask.sum()), None, dtype=object)

    # only what the area judges is listed (a failing street across the border is not the city's)
    em = (edge_weakest.to_numpy() > 0) & inside(edges)
    seg = pd.DataFrame({
        "element": "segment",
        "id": edges.index.to_numpy()[em],
        "name": col(edges, "name", em),
        "children": edge_weakest.to_numpy()[em],
        "school_route_children": edge_children.to_numpy()[em],
        "rule": col(edges, f"toets_{mode}_rule", em),
        "reason": col(edges, f"toets_{mode}_reason", em),
        "fix": col(edges, f"toets_{mode}_fix", em),
        "geometry": edges.geometry.to_numpy()[em],
    })
    nm = (node_weakest.to_numpy() > 0) & inside(nodes)
    # name a crossing by the streets that meet there
    ends = pd.DataFrame({
        "node": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
        "name": np.concatenate([col(edges, "name", np.ones(len(edges), bool))] * 2),
        "children": np.concatenate([edge_children.to_numpy()] * 2),
    })
    ends = ends[ends["node"].isin(nodes.index[nm]) & ends["name"].notna()]
    street = ends.drop_duplicates(["node", "name"]).groupby("node")["name"].agg(lambda x: " / ".join(sorted(map(str, x))))
    node_ids = nodes.index.to_numpy()[nm]
    crs = pd.DataFrame({
        "element": "crossing",
        "id": node_ids,
        "name": street.reindex(node_ids).to_numpy(dtype=object),
        "children": node_weakest.to_numpy()[nm],
        "school_route_children": node_children.to_numpy()[nm],
        "rule": col(nodes, "toets_crossing_rule", nm),
        "reason": col(nodes, "toets_crossing_reason", nm),
        "fix": col(nodes, "toets_crossing_fix", nm),
        "geometry": nodes.geometry.to_numpy()[nm],
    })
    parts = [p for p in (seg, crs) if len(p)]
    if not parts:
        return pd.DataFrame(columns=["rank", "element", "id", "name", "children", "school_route_children",
                                     "rule", "reason", "fix", "geometry"])
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["children", "school_route_children"], ascending=False, kind="stable", na_position="last")
    out.index = pd.RangeIndex(1, len(out) + 1)
    out.insert(0, "rank", out.index.to_numpy())
    return out


_AT_NODE = re.compile(r" at node \d+")


def weakest_stretches(net: Any, weakest_links: pd.DataFrame) -> pd.DataFrame:
    """Group the weakest links into street stretches: the council's list per street.

    A stretch is a connected run of failing segments of the same street (``name``) plus the
    failing crossings on it (a crossing joins the stretch of its busiest incident weakest
    segment; a crossing without one is a stretch of its own). Consecutive segments of one road
    usually block the same children, so the element list repeats a street; per stretch it does
    not.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``name``, ``children`` (the most children any member blocks: a lower bound of
        the children the stretch blocks), ``segments``, ``crossings``, ``length_m``, ``fix``
        (distinct fixes), ``edge_ids`` and ``node_ids`` (lists), ``geometry`` (union of the
        members); ranked by ``children``.
    """
    cols = ["rank", "name", "children", "segments", "crossings", "length_m", "fix", "edge_ids", "node_ids", "geometry"]
    if weakest_links is None or len(weakest_links) == 0:
        return pd.DataFrame(columns=cols)
    wl = weakest_links.reset_index(drop=True)
    seg = wl[wl["element"] == "segment"]
    crs = wl[wl["element"] == "crossing"]
    e = net.edges.loc[seg["id"].to_numpy()]
    name = seg["name"].astype(object).where(seg["name"].notna(), "(unnamed)").astype(str).to_numpy()
    label = np.zeros(len(seg), dtype=np.int64)
    if len(seg):
        # vertices are (node, street) pairs, so two streets meeting at a node stay apart
        codes, _ = pd.factorize(name)
        nkey = np.concatenate([e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64)]) * (codes.max() + 1) + np.concatenate([codes, codes])
        verts, inv = np.unique(nkey, return_inverse=True)
        a, b = inv[: len(seg)], inv[len(seg):]
        import scipy.sparse as sp

        adj = sp.coo_matrix((np.ones(len(seg)), (a, b)), shape=(len(verts), len(verts)))
        _, comp = csgraph.connected_components(adj, directed=False)
        label = comp[a]
    # crossings: join the stretch of the busiest weakest segment that ends at the node
    ends = pd.DataFrame({
        "node": np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()]),
        "label": np.concatenate([label, label]),
        "children": np.concatenate([seg["children"].to_numpy(float)] * 2),
    }).sort_values("children", ascending=False, kind="stable").drop_duplicates("node")
    c_label = ends.set_index("node")["label"].reindex(crs["id"].to_numpy()).to_numpy()
    n_lab = int(label.max()) + 1 if len(seg) else 0
    lone = np.isnan(c_label)
    c_label = np.where(lone, n_lab + np.cumsum(lone) - 1, c_label).astype(np.int64)
    members = pd.DataFrame({
        "stretch": np.concatenate([label, c_label]),
        "element": np.concatenate([np.full(len(seg), "segment"), np.full(len(crs), "crossing")]),
        "id": np.concatenate([seg["id"].to_numpy(), crs["id"].to_numpy()]),
        "name": np.concatenate([name, crs["name"].astype(object).where(crs["name"].notna(), "(unnamed)").astype(str).to_numpy()]),
        "children": np.concatenate([seg["children"].to_numpy(float), crs["children"].to_numpy(float)]),
        "length": np.concatenate([e["length"].to_numpy(float), np.zeros(len(crs))]),
        "fix": np.concatenate([seg["fix"].to_numpy(object), crs["fix"].to_numpy(object)]),
        "geometry": np.concatenate([seg["geometry"].to_numpy(), crs["geometry"].to_numpy()]),
    })
    is_seg = members["element"] == "segment"
    g = members.groupby("stretch")
    out = pd.DataFrame({
        # a stretch is named after its segments' street (crossings only: the crossing's streets)
        "name": members[is_seg].groupby("stretch")["name"].first().reindex(g.size().index)
                 .fillna(g["name"].first()),
        "children": g["children"].max(),
        "segments": is_seg.groupby(members["stretch"]).sum(),
        "crossings": (~is_seg).groupby(members["stretch"]).sum(),
        "length_m": g["length"].sum(),
        "fix": g["fix"].agg(lambda x: " | ".join(dict.fromkeys(
            _AT_NODE.sub("", str(v)) for v in x if v is not None and v == v))),
        "edge_ids": members[is_seg].groupby("stretch")["id"].agg(list).reindex(g.size().index),
        "node_ids": members[~is_seg].groupby("stretch")["id"].agg(list).reindex(g.size().index),
        "geometry": gpd.GeoSeries(members["geometry"].to_numpy(), crs=CRS).groupby(members["stretch"].to_numpy()).agg(
            lambda x: shapely.union_all(x.to_numpy())),
    })
    for c in ("edge_ids", "node_ids"):
        out[c] = out[c].apply(lambda x: x if isinstance(x, list) else [])
    out = out.sort_values(["children", "length_m"], ascending=[False, False], kind="stable").reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1)
    out.insert(0, "rank", out.index.to_numpy())
    return out[cols]


# --------------------------------------------------------------------------- per wijk


def scores_per_wijk(origins: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Children, safe share and detour per wijk (origins assigned by location).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``code``; ``name``, ``children``, ``children_safe``, ``share_safe``,
        ``mean_detour``, ``mean_dist_m`` and the wijk polygon (RD New), for the per-wijk map
        layer and GeoPackage export. Wijken without origins get zero children.
    """
    w = wijken.to_crs(CRS)[["code", "name", "geometry"]]
    routed = origins[origins["routed"] & (origins["school_id"] >= 0)]
    joined = gpd.sjoin(routed[["children", "safe", "detour", "dist_m", "geometry"]], w, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated()]
    c = joined["children"]
    frame = pd.DataFrame({
        "code": joined["code"], "children": c, "children_safe": c.where(joined["safe"], 0.0),
        "cd": c * joined["dist_m"], "det": (c * joined["detour"]).where(joined["safe"], 0.0),
    })
    g = frame.groupby("code").sum().reindex(w["code"], fill_value=0.0)
    out = pd.DataFrame({"name": w.set_index("code")["name"]})
    out["children"] = g["children"]
    out["children_safe"] = g["children_safe"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_safe"] = np.where(g["children"] > 0, g["children_safe"] / g["children"], np.nan)
        out["mean_detour"] = np.where(g["children_safe"] > 0, g["det"] / g["children_safe"], np.nan)
        out["mean_dist_m"] = np.where(g["children"] > 0, g["cd"] / g["children"], np.nan)
    out = gpd.GeoDataFrame(out, geometry=w.set_index("code").geometry.reindex(out.index), crs=CRS)
    return out.sort_index()


def share_change(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Child-safe share before and after a scenario, per wijk or per school, lowest after first.

    Parameters
    ----------
    before, after : geopandas.GeoDataFrame or None
        :attr:`SchoolRoutes.per_wijk` (index ``code``) or :attr:`SchoolRoutes.schools` (index
        ``school_id``) of the two runs; ``before`` may be ``None``. Both runs share the schools
        and homes (an intervention changes verdicts, not places), so the rows match by index.

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``name``, ``children``, ``children_safe`` and ``share_safe`` (after),
        ``share_safe_before``, ``change_points`` (percentage points) and the geometry; only rows
        with children. ``None`` without an ``after`` frame.
    """
    if after is None:
        return None
    out = after.loc[after["children"] > 0, ["name", "children", "children_safe", "share_safe", "geometry"]].copy()
    prior = before["share_safe"] if before is not None else pd.Series(np.nan, index=after.index)
    out["share_safe_before"] = prior.reindex(out.index)
    out["change_points"] = 100.0 * (out["share_safe"] - out["share_safe_before"])
    return out.sort_values(["share_safe", "children"], ascending=[True, False])


def load_wijken_optional(settings: SchoolSettings) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """The wijk polygons, or ``None`` and a note when the default file is absent.

    An explicitly configured path that is missing is an error (raised by the loader).
    """
    from mobisim.load.areas import load_wijken
    from mobisim.load.paths import default_wijken_path, missing_wijken_hint

    if settings.wijken_path is not None:
        return load_wijken(settings.wijken_path), None
    path = default_wijken_path()
    if not path.is_file():
        hint = f"set schools.wijken_path, or {missing_wijken_hint()}"
        return None, f"per-wijk scores skipped: {path} not found ({hint})"
    return load_wijken(path), None


# --------------------------------------------------------------------------- wrapper


def safe_masks(net: Any, mode: str = "bike") -> tuple[np.ndarray | None, np.ndarray | None]:
    """Child-safe masks from the toets columns of the frames (``None`` where a column is absent).

    A segment is safe when ``toets_<mode> == "pass"``; a node may be used unless
    ``toets_crossing == "fail"`` (``n/a`` = not a crossing).
    """
    col = f"toets_{mode}"
    edges = net.edges[col].eq("pass").to_numpy(dtype=bool, na_value=False) if col in net.edges.columns else None
    nodes = (
        ~net.nodes["toets_crossing"].eq("fail").to_numpy(dtype=bool, na_value=False)
        if "toets_crossing" in net.nodes.columns
        else None
    )
    return edges, nodes


def home_origins(net: Any, settings: SchoolSettings) -> gpd.GeoDataFrame:
    """Origins for the network's buildings and residential landuse (see :mod:`mobisim.load.homes`)."""
    return residential_origins(
        getattr(net, "buildings", None), getattr(net, "landuse", None),
        children_total=settings.children_total, min_building_area_m2=settings.min_building_area_m2,
        default_levels=settings.default_levels, generic_buildings=settings.generic_buildings,
        storey_height_m=settings.storey_height_m,
        grid_spacing_m=settings.grid_spacing_m, grid_floor_area_ratio=settings.grid_floor_area_ratio,
    )


def register_schools(register: gpd.GeoDataFrame, net: Any, settings: SchoolSettings,
                     source: str = "register") -> gpd.GeoDataFrame:
    """The primary-school buildings of a school register (:func:`mobisim.load.read_school_register`).

    Buildings whose use is in ``register_uses`` and that lie within the network's reach (its
    convex hull grown by 300 m) are kept; the others — the register's defective coordinates, or
    buildings beyond the extract — are skipped and named in ``attrs["notes"]``. ``pupils`` is the
    building's classrooms × ``class_size`` (the median where missing), scaled to
    ``children_total``: a capacity, for the per-school table.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`primary_schools`, plus ``brin`` and ``pupils``.
    """
    import shapely

    bo = register[register["use"].isin(settings.register_uses).to_numpy()]
    edges = getattr(net, "edges", None)
    if edges is not None and len(edges):
        reach = shapely.multipoints(shapely.get_coordinates(edges.geometry.to_numpy())).convex_hull.buffer(300.0)
        inside = bo.geometry.within(reach).to_numpy()
    else:
        inside = np.ones(len(bo), dtype=bool)
    notes: list[str] = []
    if (~inside).any():
        out = bo[~inside]
        named = ", ".join(f"{n} (record {r})" for n, r in zip(out["name"].astype(str), out["row"]))
        notes.append(f"{int((~inside).sum())} primary-school building(s) of the register lie outside the network's "
                     f"area (a defective coordinate, or beyond the extract), skipped: {named}")
    kept = _one_per_building(bo[inside])
    rooms = kept["classrooms"].to_numpy(dtype=float)
    fill = np.nanmedian(rooms) if np.isfinite(rooms).any() else 1.0
    rooms = np.where(np.isfinite(rooms) & (rooms > 0), rooms, fill)
    pupils = rooms * settings.class_size
    if pupils.sum() > 0:
        pupils = pupils * settings.children_total / pupils.sum()
    # a school with several buildings: each building is a destination, named with its address
    names = kept["name"].astype("string")
    address = kept["address"].astype("string") if "address" in kept.columns else pd.Series(pd.NA, index=kept.index)
    repeated = names.duplicated(keep=False).to_numpy() & address.notna().to_numpy()
    names = names.where(~repeated, names + " (" + address + ")")
    out = _school_frame(names.to_numpy(dtype=object), np.full(len(kept), source, dtype=object),
                        [None] * len(kept), [None] * len(kept), kept.geometry.to_numpy())
    out["brin"] = kept["brin"].to_numpy(dtype=object)
    out["pupils"] = np.round(pupils)
    out.attrs["notes"] = notes
    return out


def _one_per_building(register: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per school building: records of the same school (BRIN) at the same address — parts
    of one building registered separately — become one, with their classrooms summed (missing when
    none is known) at the first record's location."""
    if "address" not in register.columns or register.empty:
        return register
    key = register["brin"].astype("string").fillna("") + "|" + register["address"].astype("string").fillna(
        pd.Series(register["row"].astype(str), index=register.index))
    rooms = register["classrooms"].astype(float)
    first = ~key.duplicated().to_numpy()
    out = register[first].copy()
    summed = rooms.groupby(key.to_numpy()).sum(min_count=1)
    out["classrooms"] = summed.reindex(key[first].to_numpy()).to_numpy()
    return out


def _register_in_features(features: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The register's schools where :func:`mobisim.pipeline.use_school_register` put them into
    ``net.features`` (``osm_type`` ``register``), as :func:`register_schools` gives them."""
    if features is None or len(features) == 0 or "osm_type" not in features.columns:
        return None
    f = features[features["osm_type"].eq("register").to_numpy(dtype=bool, na_value=False)]
    if f.empty:
        return None
    out = _school_frame(f["name"].to_numpy(dtype=object), f["primary_source"].to_numpy(dtype=object),
                        [None] * len(f), [None] * len(f), f.geometry.to_numpy())
    out["brin"] = f["brin"].to_numpy(dtype=object) if "brin" in f.columns else None
    out["pupils"] = pd.to_numeric(f["capacity"], errors="coerce").to_numpy(dtype=float)
    out.attrs["notes"] = []  # said once, when the register was read
    return out


def school_points(net: Any, settings: SchoolSettings) -> gpd.GeoDataFrame:
    """The schools of a run: the register's primary-school buildings when ``school_register`` is
    set (:func:`register_schools`), else the scenario's CSV schools, else the primary schools in
    ``net.features``."""
    if settings.school_register is not None:
        placed = _register_in_features(getattr(net, "features", None))
        if placed is not None:  # already read (pipeline.use_school_register): not again
            return placed
        from mobisim.load import read_school_register

        path = Path(settings.school_register)
        return register_schools(read_school_register(path), net, settings, source=f"register:{path.name}")
    if settings.schools_csv is not None:
        return read_schools_csv(settings.schools_csv)
    return primary_schools(getattr(net, "features", None))


def clip_origins(origins: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, children_total: float) -> gpd.GeoDataFrame:
    """Keep the origins inside the wijken (the municipality) and re-spread ``children_total``.

    The city file covers the municipality plus a 300 m margin; the homes in that margin belong
    to the neighbouring municipalities, whose children are not in Den Haag's total.
    """
    area = wijken.to_crs(CRS).geometry.union_all()
    inside = origins.geometry.within(area).to_numpy()
    kept = origins.loc[inside].copy()
    total = kept["children"].sum()
    if total > 0:
        kept["children"] = kept["children"] * (children_total / total)
    return kept


def evaluate_school_routes(
    net: Any,
    settings: SchoolSettings | None = None,
    *,
    schools: gpd.GeoDataFrame | None = None,
    origins: gpd.GeoDataFrame | None = None,
    wijken: gpd.GeoDataFrame | None | Literal["auto"] = "auto",
    write_columns: bool = True,
) -> SchoolRoutes:
    """Run the school-route analysis on a network with toets verdicts and add its columns.

    Reads ``toets_<mode>`` / ``toets_crossing`` when present (without them every segment and
    crossing counts as child-safe, with a note). Adds ``school_route_children``,
    ``school_route_children_safe``, ``weakest_link_children`` to ``net.edges`` and
    ``weakest_link_children`` to ``net.nodes`` (unless ``write_columns=False``).

    Parameters
    ----------
    net : mobisim.network.Network
    settings : SchoolSettings, optional
    schools, origins : geopandas.GeoDataFrame, optional
        Override the schools (:func:`school_points`) or homes (:func:`home_origins`).
    wijken : geopandas.GeoDataFrame, None or "auto"
        Wijk polygons for per-wijk scores; ``"auto"`` loads them per the settings.
    write_columns : bool
        Add the result columns to ``net.edges`` / ``net.nodes``.
    """
    s = settings or SchoolSettings()
    notes: list[str] = []
    if isinstance(wijken, str) and wijken == "auto":
        wijken, note = load_wijken_optional(s)
        if note:
            notes.append(note)
    schools = school_points(net, s) if schools is None else schools
    notes.extend(schools.attrs.get("notes", []))
    if origins is None:
        origins = home_origins(net, s)
        if wijken is not None and s.clip_homes_to_wijken:
            origins = clip_origins(origins, wijken, s.children_total)
    safe_e, safe_n = safe_masks(net, s.mode)
    if safe_e is None:
        notes.append(f"net.edges has no toets_{s.mode} column: every segment counted as child-safe")
    if safe_n is None:
        notes.append("net.nodes has no toets_crossing column: every crossing counted as child-safe")
    result = route_to_schools(net, schools, origins, safe_edges=safe_e, safe_nodes=safe_n, settings=s)
    result.notes[:0] = notes
    if wijken is not None:
        result.per_wijk = scores_per_wijk(result.origins, wijken)
        empty = result.schools[result.schools["children"] <= 0]
        outside = int((~empty.geometry.within(wijken.to_crs(CRS).geometry.union_all())).sum()) if len(empty) else 0
        if outside:
            result.notes.append(f"{outside} of the schools without homes lie outside the wijken (the municipality)")
    if write_columns:
        add_route_columns(net, result)
    return result


def add_route_columns(net: Any, result: SchoolRoutes) -> None:
    """Write the school-route columns of the data contract onto ``net.edges`` / ``net.nodes``."""
    net.edges["school_route_children"] = result.edge_children.to_numpy()
    net.edges["school_route_children_safe"] = result.edge_children_safe.to_numpy()
    net.edges["weakest_link_children"] = result.edge_weakest.to_numpy()
    net.nodes["weakest_link_children"] = result.node_weakest.to_numpy()


def fix_weakest_links(
    net: Any, top_n: int, result: SchoolRoutes, *, mode: str = "bike", by: Literal["element", "stretch"] = "element"
) -> Any:
    """A copy of the network with the top-N weakest links marked as passing the toets.

    Segments get ``toets_<mode> = "pass"``, crossings ``toets_crossing = "pass"``, with the rule
    ``fixed:weakest_link`` and the applied fix as the reason. The original network is untouched.

    Parameters
    ----------
    net : mobisim.network.Network
    top_n : int
        How many links of ``result.weakest_links`` (by rank) to fix.
    result : SchoolRoutes
        The analysis whose ranking is used.
    mode : {"bike", "walk"}
    by : {"element", "stretch"}
        Fix the top-N elements of ``result.weakest_links`` or the top-N street stretches of
        :func:`weakest_stretches` (every member of each).
    """
    edges = net.edges.copy()
    nodes = net.nodes.copy()
    if by == "stretch":
        top_s = weakest_stretches(net, result.weakest_links).head(top_n)
        seg_ids = np.asarray([i for ids in top_s["edge_ids"] for i in ids], dtype=np.int64)
        node_ids = np.asarray([i for ids in top_s["node_ids"] for i in ids], dtype=np.int64)
    else:
        top = result.weakest_links.head(top_n)
        seg_ids = top.loc[top["element"] == "segment", "id"].to_numpy()
        node_ids = top.loc[top["element"] == "crossing", "id"].to_numpy()
    col = f"toets_{mode}"
    for frame, ids, c in ((edges, seg_ids, col), (nodes, node_ids, "toets_crossing")):
        if len(ids) == 0:
            continue
        if c not in frame.columns:
            frame[c] = pd.array(["pass"] * len(frame), dtype=object)
        fix_col = f"{c}_fix"
        reason = (
            "fixed (what-if): " + frame.loc[ids, fix_col].astype(object).fillna("fix").astype(str)
            if fix_col in frame.columns
            else pd.Series("fixed (what-if)", index=ids)
        )
        frame.loc[ids, c] = "pass"
        frame.loc[ids, f"{c}_rule"] = "fixed:weakest_link"
        frame.loc[ids, f"{c}_reason"] = reason.to_numpy()
    if dataclasses.is_dataclass(net):
        return dataclasses.replace(net, edges=edges, nodes=nodes)
    out = copy.copy(net)
    out.edges, out.nodes = edges, nodes
    return out
