"""Den Haag wijken (districts): load the polygons, select them by name or CBS code, tag frames.

The wijk polygons are ``den-haag-wijken.geojson`` (44 wijken, CBS-style codes ``WK0518nn``,
boundaries of 2018; see ``shared/osm/README.md``). Without a path they are read from
``$MOBISIM_SHARED_OSM``, else ``../shared/osm`` from the working directory
(:func:`mobisim.load.paths.default_wijken_path`); no copy ships with mobisim (the source states no licence).

Examples
--------
>>> wijken = load_wijken()                                   # doctest: +SKIP
>>> select_areas(wijken, ["Centrum", "WK051822", "zeeheldenkwartier"])  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError, NotFoundError
from mobisim.frames import CRS as CRS  # re-exported (importers of the wijken's CRS)
from mobisim.frames import column
from mobisim.load.paths import WIJKEN_FILE as WIJKEN_FILE  # re-exported (the paths live in mobisim.load.paths)
from mobisim.load.paths import default_wijken_path as default_wijken_path
from mobisim.load.paths import missing_wijken_hint
from mobisim.load.paths import shared_osm_dir as shared_osm_dir
from mobisim.load.vector import read_vector
from mobisim.names import fold_name, fold_names
from mobisim.network import Network

WIJK_COLUMNS = ["code", "name", "wijk_nr", "stadsdeel"]
"""Attribute columns every wijk frame carries (besides ``geometry``)."""

_CODE_RE = re.compile(r"^wk0518\d{2}$")


def load_wijken(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Load the wijk polygons in EPSG:28992.

    Parameters
    ----------
    path : pathlib.Path or str, optional
        A GeoJSON/GeoPackage with the wijk polygons and the fields ``code``, ``name``,
        ``wijk_nr``, ``stadsdeel``. Default: :func:`default_wijken_path`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per wijk, columns ``code``, ``name``, ``wijk_nr``, ``stadsdeel``, ``geometry``,
        in EPSG:28992, ordered by ``code``.

    Raises
    ------
    mobisim.errors.InputFileError
        When the file is missing, unreadable or lacks the ``code``/``name`` fields. A file without
        a CRS is taken as WGS84 (:func:`mobisim.load.vector.read_vector`).
    """
    p = Path(path) if path is not None else default_wijken_path()
    if not p.exists():
        hint = "" if path is not None else f" ({missing_wijken_hint()})"
        raise InputFileError(f"wijk polygons not found: {p}{hint}")
    gdf = read_vector(p, "the wijk polygons")
    missing = [c for c in ("code", "name") if c not in gdf.columns]
    if missing:
        raise InputFileError(f"wijk polygons {p} lack the field(s) {', '.join(missing)}")
    if gdf.empty:
        raise InputFileError(f"wijk polygons {p} hold no features")
    for col in ("wijk_nr", "stadsdeel"):  # optional fields of the file
        if col not in gdf.columns:
            gdf[col] = pd.NA
    gdf = gdf.to_crs(CRS)[WIJK_COLUMNS + ["geometry"]]
    return gdf.sort_values("code").reset_index(drop=True)


def normalize_name(text: str) -> str:
    """Case- and accent-insensitive key of a wijk name or code (:func:`mobisim.names.fold_name`):
    ``"Geuzen- en Statenkwartier"`` and ``"geuzen en statenkwartier"`` give the same key."""
    return fold_name(text)


def select_areas(wijken: gpd.GeoDataFrame, names_or_codes: Iterable[str] | str) -> gpd.GeoDataFrame:
    """Select wijken by name or CBS code.

    Parameters
    ----------
    wijken : geopandas.GeoDataFrame
        From :func:`load_wijken`.
    names_or_codes : iterable of str, or str
        Wijk names (``"Zeeheldenkwartier"``) or codes (``"WK051822"``); case and accents do
        not matter. A code wins over a name; duplicates are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        The selected rows, in the order asked.

    Raises
    ------
    mobisim.errors.NotFoundError
        For the first entry that names no wijk; the message lists the closest names.
    """
    if isinstance(names_or_codes, str):
        names_or_codes = [names_or_codes]
    entries = list(names_or_codes)
    # fold every name at once (one vectorised pass instead of one per name)
    codes = fold_names(wijken["code"].astype("string")).str.replace(" ", "", regex=False)
    by_code = dict(zip(codes.to_numpy(dtype=object), wijken.index))
    by_name = dict(zip(fold_names(wijken["name"].astype("string")).to_numpy(dtype=object), wijken.index))
    keys = fold_names(pd.Series(entries, dtype="string")).to_numpy(dtype=object) if entries else []
    picked: list = []
    for entry, key in zip(entries, keys):
        idx = by_code.get(key.replace(" ", "")) if _CODE_RE.match(key.replace(" ", "")) else None
        if idx is None:
            idx = by_name.get(key)
        if idx is None:
            close = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.5)
            names = [wijken.at[by_name[c], "name"] for c in close]
            hint = f"; closest: {', '.join(names)}" if names else ""
            raise NotFoundError(f"unknown wijk {entry!r} (not a Den Haag wijk name or WK0518nn code){hint}")
        if idx not in picked:
            picked.append(idx)
    return wijken.loc[picked]


def assign_areas(gdf: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, column: str = "code") -> pd.Series:
    """The wijk each feature lies in (by its representative point).

    Lines are placed by their midpoint, polygons by a point inside them, so a street on a
    wijk border belongs to exactly one wijk.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any features (points, lines, polygons).
    wijken : geopandas.GeoDataFrame
        Wijk polygons (:func:`load_wijken` or :func:`select_areas`).
    column : str
        The wijken column to return (``code`` or ``name``).

    Returns
    -------
    pandas.Series
        Indexed like ``gdf``; NA where the feature lies in none of ``wijken``.
    """
    if gdf.empty:
        return pd.Series(pd.NA, index=gdf.index, dtype="string", name=column)
    geom = gdf.geometry.to_crs(wijken.crs) if gdf.crs != wijken.crs else gdf.geometry
    points = midpoints(geom)
    pts = gpd.GeoDataFrame({"_row": range(len(gdf))}, geometry=points.values, crs=wijken.crs)
    joined = gpd.sjoin(pts, wijken[[column, "geometry"]], how="left", predicate="within")
    joined = joined[~joined["_row"].duplicated()]
    values = pd.Series(joined[column].to_numpy(), index=gdf.index, name=column)
    return values.astype("string")


def load_boundary(path: Path | str) -> gpd.GeoDataFrame:
    """Read a boundary file (polygons: GeoJSON, GeoPackage, shapefile) in EPSG:28992.

    Raises
    ------
    mobisim.errors.InputFileError
        When the file is missing, unreadable, empty or holds no polygon.
    """
    frame = read_vector(path, "boundary")
    polys = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if polys.empty:
        raise InputFileError(f"{path}: the boundary file holds no polygon")
    return polys.to_crs(CRS)


def inside(frame: pd.DataFrame) -> np.ndarray:
    """The ``in_area`` column (:func:`mark_area`) as a boolean mask; all true when not marked.

    ``in_area`` is an optional column of the data model (:data:`mobisim.network.SCHEMA`): a frame
    not yet marked, or a missing value, counts as inside.
    """
    return column(frame, "in_area", True).fillna(True).to_numpy(dtype=bool)


def midpoints(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """A point per feature: the middle of a line, a point inside a polygon, the point itself."""
    is_line = geoms.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    points = geoms.interpolate(0.5, normalized=True) if is_line.all() else geoms.representative_point()
    if is_line.any() and not is_line.all():
        points = points.where(~is_line, geoms[is_line].interpolate(0.5, normalized=True))
    return points


def mark_area(net: Network, area: shapely.Geometry | None, *, tolerance_m: float = 0.0,
              close_gaps_m: float = 10.0) -> Network:
    """Mark which segments and nodes lie in the area the scenario judges (``in_area``).

    A segment belongs to the area when its midpoint lies within ``area`` (its gaps narrower than
    ``close_gaps_m`` closed first: neighbouring wijk outlines, drawn to about 10 m, leave slivers
    along the streets on their borders), grown by ``tolerance_m``. A segment whose midpoint lies
    within ``close_gaps_m`` of the outline (the outlines' precision) takes the side where most of its
    street lies (:func:`_street_side`), so a street on the boundary belongs to one side only. A node
    is inside when a segment inside ends there. Segments outside stay in the network (routes may
    cross the border, maps draw them greyed) but are not judged, scored or listed.

    Parameters
    ----------
    net : mobisim.network.Network
        The loaded network (EPSG:28992).
    area : shapely geometry or None
        The area (e.g. the union of the wijken); ``None`` marks everything inside.
    tolerance_m : float
        Buffer around the area outline.
    close_gaps_m : float
        Gaps narrower than this are closed, and the band along the outline where a segment takes
        its street's side.

    Returns
    -------
    Network
        ``net`` with boolean ``in_area`` columns on ``edges`` and ``nodes``.
    """
    if area is None:
        net.edges["in_area"] = True
        net.nodes["in_area"] = True
        return net
    grown = area
    if close_gaps_m > 0:
        grown = shapely.buffer(shapely.buffer(grown, close_gaps_m / 2), -close_gaps_m / 2)
    if tolerance_m > 0:
        grown = shapely.buffer(grown, tolerance_m)
    shapely.prepare(grown)
    edges, nodes = net.edges, net.nodes
    mid = midpoints(edges.geometry).to_numpy()
    inside = shapely.contains(grown, mid)
    if close_gaps_m > 0:
        outline = shapely.boundary(grown)
        shapely.prepare(outline)
        near = shapely.dwithin(outline, mid, close_gaps_m)
        inside = np.where(near, _street_side(edges, inside), inside)
    edges["in_area"] = inside
    # a node is inside when a segment inside ends there (else, without segments, by its position)
    ends = np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()])  # one per segment end
    node_in = pd.Series(np.concatenate([inside, inside]), index=ends).groupby(level=0).any()
    by_point = pd.Series(shapely.contains(grown, nodes.geometry.to_numpy()), index=nodes.index)
    nodes["in_area"] = node_in.reindex(nodes.index).fillna(by_point).astype(bool).to_numpy()
    return net


def _street_side(edges: pd.DataFrame, inside: np.ndarray) -> np.ndarray:
    """For every segment, whether most of its street lies inside: the length-weighted majority of
    ``inside`` over the connected run of segments with the same name (case-insensitive; an unnamed
    segment is a run of its own). Border segments take their street's side, so a short stub of a
    street across the border (Haagweg, Rijswijk) is not judged on its own, while a namesake
    elsewhere in the file does not count."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = len(edges)
    name = edges["name"].astype("string").str.strip().str.casefold().fillna("")
    key = np.where(name.to_numpy(dtype=object) == "", "#" + pd.Series(np.arange(n)).astype(str).to_numpy(),
                   name.to_numpy(dtype=object))
    # segments meet when they share a node and a name: components of the (name, node) graph
    key_code, _ = pd.factorize(key)
    node = np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]).astype("int64")
    node_code, node_ids = pd.factorize(node)
    code, uniques = pd.factorize(np.concatenate([key_code, key_code]).astype("int64") * len(node_ids) + node_code)
    m = len(uniques)
    graph = sparse.coo_matrix((np.ones(n), (code[:n], code[n:])), shape=(m, m))
    _, comp = connected_components(graph, directed=False)
    run = comp[code[:n]]
    length = edges["length"].to_numpy(dtype="float64")
    inside_len = pd.Series(np.where(inside, length, 0.0)).groupby(run).transform("sum").to_numpy()
    total = pd.Series(length).groupby(run).transform("sum").to_numpy()
    return inside_len * 2 > total
