"""The places of the analysis: the schools (OSM, a register or a list) and the homes (origins).

Everything here takes frames; the files are read by :mod:`mobisim.load.register`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.frames import CRS, column
from mobisim.load.homes import residential_origins
from mobisim.network import Network
from mobisim.schools.settings import SchoolSettings

#: Why an OSM school is not primary, by its ``primary_source`` (:func:`mobisim.load.features.is_primary_school`).
EXCLUDED_BECAUSE = {"tag:isced:level": "isced:level", "tag:school": "school=*",
                    "name:secondary": "name"}

#: How far around the network's convex hull a register building still counts as reachable (m).
REGISTER_REACH_M = 300.0


def school_frame(name: Sequence[object] | np.ndarray | pd.Series, source: Sequence[object] | np.ndarray,
                 osm_type: Sequence[object] | np.ndarray, osm_id: Sequence[object] | np.ndarray,
                 geometry: Sequence[object] | np.ndarray) -> gpd.GeoDataFrame:
    """The schools frame every source gives: one row per school, index ``school_id`` 0..n-1.

    Parameters
    ----------
    name, source, osm_type, osm_id
        Per school (stored as object columns).
    geometry
        Per school: a point in EPSG:28992.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``source``, ``osm_type``, ``osm_id`` and the point.
    """
    out = gpd.GeoDataFrame(
        {"name": pd.array(list(name), dtype=object), "source": pd.array(list(source), dtype=object),
         "osm_type": pd.array(list(osm_type), dtype=object), "osm_id": pd.array(list(osm_id), dtype=object)},
        geometry=list(geometry), crs=CRS,
    )
    out.index.name = "school_id"
    return out


def primary_schools(features: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Primary schools from ``net.features`` as points.

    Parameters
    ----------
    features
        ``net.features`` (``kind``, ``primary_school``, ``primary_source``, ``name``, …).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``source`` (the ``primary_source`` provenance), ``osm_type``, ``osm_id``,
        point geometry (representative point of areas), index ``school_id`` 0..n-1.
        ``attrs["excluded"]`` holds :func:`excluded_schools`, ``attrs["notes"]`` names them.
    """
    if features is None or len(features) == 0 or "kind" not in features.columns:
        return school_frame([], [], [], [], [])
    sel = features["kind"].eq("school").to_numpy(dtype=bool, na_value=False)
    if "primary_school" in features.columns:
        sel = sel & features["primary_school"].to_numpy(dtype=bool, na_value=False)
    f = features.loc[sel]
    out = school_frame(
        column(f, "name", None).to_numpy(), column(f, "primary_source", "osm").to_numpy(),
        column(f, "osm_type", None).to_numpy(), column(f, "osm_id", None).to_numpy(),
        f.geometry.representative_point().to_numpy(),
    )
    left_out = excluded_schools(features)
    if len(left_out):
        names = [f"{n} ({why})" for n, why in zip(left_out["name"], left_out["why"])]
        out.attrs["notes"] = [f"{len(left_out)} OSM school(s) are not primary schools and are left out of the school "
                              f"routes and criterion C2: " + "; ".join(names)]
    out.attrs["excluded"] = left_out
    return out


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


def listed_schools(school_list: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A scenario's own school list (:func:`mobisim.load.register.read_schools_csv`) as schools.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`primary_schools`, with ``source`` ``csv``.
    """
    n = len(school_list)
    return school_frame(school_list["name"], np.full(n, "csv", dtype=object), [None] * n, [None] * n,
                        school_list.geometry.to_numpy())


def register_schools(register: gpd.GeoDataFrame, net: Network | None, settings: SchoolSettings,
                     source: str = "register") -> gpd.GeoDataFrame:
    """The primary-school buildings of a school register (:func:`mobisim.load.read_school_register`).

    Buildings whose use is in ``register_uses`` and that lie within the network's reach (its
    convex hull grown by 300 m) are kept; the others — the register's defective coordinates, or
    buildings beyond the extract — are skipped and named in ``attrs["notes"]``; without a network
    (``None``) every building is kept. ``pupils`` is the building's classrooms × ``class_size``
    (the median where missing), scaled to ``children_total``: a capacity, for the per-school table.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`primary_schools`, plus ``brin`` and ``pupils``.
    """
    bo = register[register["use"].isin(settings.register_uses).to_numpy()]
    reached = _within_reach(bo, net.edges if net is not None else None)
    notes: list[str] = []
    if (~reached).any():
        out = bo[~reached]
        named = ", ".join(f"{n} (record {r})" for n, r in zip(out["name"].astype(str), out["row"]))
        notes.append(f"{int((~reached).sum())} primary-school building(s) of the register lie outside the network's "
                     f"area (a defective coordinate, or beyond the extract), skipped: {named}")
    kept = _one_per_building(bo[reached])
    out = school_frame(_building_names(kept).to_numpy(dtype=object), np.full(len(kept), source, dtype=object),
                       [None] * len(kept), [None] * len(kept), kept.geometry.to_numpy())
    out["brin"] = kept["brin"].to_numpy(dtype=object)
    out["pupils"] = np.round(_pupils(kept["classrooms"].to_numpy(dtype=float), settings))
    out.attrs["notes"] = notes
    return out


def _within_reach(buildings: gpd.GeoDataFrame, edges: gpd.GeoDataFrame | None) -> np.ndarray:
    """Per building: inside the network's convex hull grown by :data:`REGISTER_REACH_M` (all
    ``True`` without segments)."""
    if edges is None or not len(edges):
        return np.ones(len(buildings), dtype=bool)
    hull = shapely.multipoints(shapely.get_coordinates(edges.geometry.to_numpy())).convex_hull
    return buildings.geometry.within(hull.buffer(REGISTER_REACH_M)).to_numpy()


def _pupils(classrooms: np.ndarray, settings: SchoolSettings) -> np.ndarray:
    """Pupils per building: classrooms (the median where missing) × ``class_size``, scaled to
    ``children_total``."""
    fill = np.nanmedian(classrooms) if np.isfinite(classrooms).any() else 1.0
    rooms = np.where(np.isfinite(classrooms) & (classrooms > 0), classrooms, fill)
    pupils = rooms * settings.class_size
    if pupils.sum() > 0:
        pupils = pupils * settings.children_total / pupils.sum()
    return pupils


def _building_names(buildings: gpd.GeoDataFrame) -> pd.Series:
    """A school with several buildings: each building is a destination, named with its address."""
    names = buildings["name"].astype("string")
    address = column(buildings, "address", pd.NA).astype("string")
    repeated = names.duplicated(keep=False).to_numpy() & address.notna().to_numpy()
    return names.where(~repeated, names + " (" + address + ")")


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


def register_in_features(features: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The register's schools where :func:`mobisim.pipeline.use_school_register` put them into
    ``net.features`` (``osm_type`` ``register``), as :func:`register_schools` gives them; ``None``
    when there are none."""
    if features is None or len(features) == 0 or "osm_type" not in features.columns:
        return None
    f = features[features["osm_type"].eq("register").to_numpy(dtype=bool, na_value=False)]
    if f.empty:
        return None
    out = school_frame(f["name"].to_numpy(dtype=object), f["primary_source"].to_numpy(dtype=object),
                       [None] * len(f), [None] * len(f), f.geometry.to_numpy())
    out["brin"] = f["brin"].to_numpy(dtype=object) if "brin" in f.columns else None
    out["pupils"] = pd.to_numeric(f["capacity"], errors="coerce").to_numpy(dtype=float)
    out.attrs["notes"] = []  # said once, when the register was read
    return out


def school_points(net: Network, settings: SchoolSettings, *, register: gpd.GeoDataFrame | None = None,
                  school_list: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The schools of a run, by the settings.

    The register's primary-school buildings when ``school_register`` is set (those
    :func:`mobisim.pipeline.use_school_register` put into ``net.features``, else
    :func:`register_schools` of ``register``), else the scenario's list when ``schools_csv`` is set
    (:func:`listed_schools` of ``school_list``), else the primary schools in ``net.features``.

    Parameters
    ----------
    net
        The network (its ``features`` and, for the register, its ``edges``).
    settings
        ``school_register`` / ``schools_csv`` choose the source.
    register
        The register (:func:`mobisim.load.read_school_register`); needed when ``school_register``
        is set and ``net.features`` does not hold its schools yet.
    school_list
        The scenario's list (:func:`mobisim.load.register.read_schools_csv`); needed when
        ``schools_csv`` is set.

    Raises
    ------
    ValueError
        When the settings name a file whose frame was not given.
    """
    if settings.school_register is not None:
        placed = register_in_features(net.features)
        if placed is not None:  # already read (pipeline.use_school_register): not again
            return placed
        if register is None:
            raise ValueError("school_points: schools.school_register is set; pass the register "
                             "(mobisim.load.read_school_register) as `register`")
        return register_schools(register, net, settings, source=f"register:{Path(settings.school_register).name}")
    if settings.schools_csv is not None:
        if school_list is None:
            raise ValueError("school_points: schools.schools_csv is set; pass the list "
                             "(mobisim.load.register.read_schools_csv) as `school_list`")
        return listed_schools(school_list)
    return primary_schools(net.features)


def home_origins(net: Network, settings: SchoolSettings) -> gpd.GeoDataFrame:
    """Origins for the network's buildings and residential landuse (see :mod:`mobisim.load.homes`)."""
    return residential_origins(
        net.buildings, net.landuse,
        children_total=settings.children_total, min_building_area_m2=settings.min_building_area_m2,
        default_levels=settings.default_levels, generic_buildings=settings.generic_buildings,
        storey_height_m=settings.storey_height_m,
        grid_spacing_m=settings.grid_spacing_m, grid_floor_area_ratio=settings.grid_floor_area_ratio,
    )


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


def safe_masks(net: Network, mode: str = "bike") -> tuple[np.ndarray | None, np.ndarray | None]:
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
