"""What a run judges: the area (clip and ``in_area``) and the schools (the register's buildings)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mobisim.errors import InputFileError
from mobisim.load.areas import mark_area, select_areas
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.scenario import Scenario

__all__ = ["clip_to_area", "mark_scope", "municipal_share", "use_school_register"]


def clip_to_area(net: Network, scenario: Scenario, inputs: Inputs) -> Network:
    """Clip the network to the scenario's ``area.wijken`` (unchanged when the list is empty).

    Parameters
    ----------
    net
        The network as loaded.
    scenario
        ``area.wijken`` names the wijken.
    inputs
        ``wijken`` holds their polygons (:func:`mobisim.load.load_inputs`).
    """
    names = list(scenario.area.wijken)
    if not names or inputs.wijken is None:
        return net
    chosen = select_areas(inputs.wijken, names)
    return net.clip(chosen.geometry.union_all(), label=f"wijken {', '.join(chosen['name'])}")


def _area(scenario: Scenario, inputs: Inputs, notes: list[str] | None) -> tuple[shapely.Geometry | None, str | None]:
    """The area judged and its label (``None`` for the municipality's wijken; no area at all when they
    are absent, with a note)."""
    names = list(scenario.area.wijken)
    if inputs.boundary is not None:
        return inputs.boundary.geometry.union_all(), str(scenario.area.boundary)
    if names and inputs.wijken is not None:
        return select_areas(inputs.wijken, names).geometry.union_all(), f"the wijken {', '.join(names)}"
    if inputs.wijken is not None:
        return inputs.wijken.geometry.union_all(), None
    if notes is not None:
        notes.append(f"municipal boundary not found ({inputs.wijken_path}): every segment of the input "
                     "is judged, also any outside the municipality")
    return None, None


def mark_scope(net: Network, scenario: Scenario, inputs: Inputs, notes: list[str] | None = None) -> Network:
    """Mark the segments the scenario judges (``in_area``, :func:`mobisim.load.areas.mark_area`).

    The area is ``area.boundary`` (a polygon file), else the scenario's ``area.wijken``, else
    the municipality: the union of the 44 wijken. A boundary the scenario names must overlap the
    network (else :class:`~mobisim.errors.InputFileError`); when the wijken are missing or lie
    elsewhere (another city's file), every segment is judged and a note says so.

    Parameters
    ----------
    net
        The network (changed in place and returned).
    scenario
        ``area`` says what is judged.
    inputs
        ``boundary`` and ``wijken`` (:func:`mobisim.load.load_inputs`).
    notes
        Receives a sentence when the area falls back to the whole input.
    """
    geom, label = _area(scenario, inputs, notes)
    sources = ", ".join(map(str, net.sources)) or "input"
    if geom is not None and not geom.intersects(shapely.box(*net.edges.total_bounds)):
        if label is not None:
            raise InputFileError(f"{label}: the area does not overlap the network ({sources})")
        geom = None
        if notes is not None:
            notes.append("the input lies outside Den Haag's wijken: every segment of the input is judged "
                         "(set area.boundary to judge a part of it)")
    net = mark_area(net, geom, tolerance_m=float(scenario.area.boundary_tolerance_m))
    inside = net.edges["in_area"].to_numpy(dtype=bool)
    if geom is not None and not (inside & net.edges["is_road"].to_numpy(dtype=bool)).any():
        raise InputFileError(f"{label or inputs.wijken_path}: no street of the network lies inside the area "
                             f"({sources})")
    net.area_label = label or ("the municipality (the 44 wijken)" if geom is not None else "the whole input")
    municipality = inputs.wijken.geometry.union_all() if inputs.wijken is not None else None
    net.area_share = municipal_share(geom, net, municipality)
    return net


def municipal_share(area: shapely.Geometry | None, net: Network,
                    municipality: shapely.Geometry | None) -> float | None:
    """The share of the municipality's area that ``area`` covers *and* the network reaches.

    The network's reach is the convex hull of its segments (a small extract is a small part of the
    city). ``None`` when there is no area, no municipality or no overlap; ``1.0`` from 99 % (the
    whole municipality, to the outline's precision).
    """
    if area is None or municipality is None or municipality.area <= 0:
        return None
    hull = shapely.multipoints(shapely.get_coordinates(net.edges.geometry.to_numpy())).convex_hull
    share = float(area.intersection(municipality).intersection(hull).area / municipality.area)
    if share <= 0:
        return None
    return 1.0 if share >= 0.99 else share


def use_school_register(net: Network, scenario: Scenario, inputs: Inputs,
                        notes: list[str] | None = None) -> Network:
    """Put the register's primary-school buildings in place of OSM's primary schools.

    With ``[schools] school_register``, the register's schools replace the primary schools OSM
    gives in ``net.features`` (:func:`mobisim.schools.register_schools`), so that criterion C2 and
    the school routes judge the same schools. OSM schools that are not primary stay as they are.

    Parameters
    ----------
    net
        The network (its ``features`` are replaced; returned).
    scenario
        ``schools`` settings.
    inputs
        ``school_register`` (:func:`mobisim.load.load_inputs`).
    notes
        Receives the register's notes and a sentence on the replacement.
    """
    from mobisim import schools

    s = scenario.schools
    if s.school_register is None:
        return net
    points = schools.school_points(net, s, register=inputs.school_register)
    f = net.features
    osm_primary = ((f["kind"].eq("school") & f["primary_school"].astype(bool)).to_numpy() if len(f)
                   else np.zeros(0, dtype=bool))
    kept = f[~osm_primary]
    added = gpd.GeoDataFrame({
        "kind": "school", "subkind": pd.array(["register"] * len(points), dtype="string"),
        "name": pd.array(points["name"].astype(str).to_numpy(), dtype="string"),
        "osm_type": "register", "osm_id": -1 - pd.RangeIndex(len(points)).to_numpy(),
        "brin": pd.array(points["brin"].astype(str).to_numpy(), dtype="string"),
        "capacity": pd.array(points["pupils"].round().astype("int64").to_numpy(), dtype="Int64"),
        "primary_school": True, "primary_source": points["source"].to_numpy(),
    }, geometry=points.geometry.to_numpy(), crs=f.crs or points.crs)
    net.features = gpd.GeoDataFrame(pd.concat([kept, added], ignore_index=True), geometry="geometry", crs=added.crs)
    if notes is not None:
        notes.extend(points.attrs.get("notes", []))
        notes.append(f"primary schools: the {len(points)} primary-school buildings of the register "
                     f"({Path(s.school_register).name}) replace OSM's {int(osm_primary.sum())} for criterion C2 "
                     "and the school routes")
    return net
