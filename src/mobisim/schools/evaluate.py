"""The school step on a network: places, routes, per-wijk figures and the result columns."""

from __future__ import annotations

import geopandas as gpd

from mobisim.frames import CRS
from mobisim.network import Network
from mobisim.schools.inputs import clip_origins, home_origins, safe_masks, school_points
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.routes import route_to_schools
from mobisim.schools.settings import SchoolSettings
from mobisim.schools.summary import scores_per_wijk


def evaluate_school_routes(
    net: Network,
    settings: SchoolSettings | None = None,
    *,
    schools: gpd.GeoDataFrame | None = None,
    origins: gpd.GeoDataFrame | None = None,
    wijken: gpd.GeoDataFrame | None = None,
    register: gpd.GeoDataFrame | None = None,
    school_list: gpd.GeoDataFrame | None = None,
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
        Override the schools (:func:`~mobisim.schools.school_points`) or homes
        (:func:`~mobisim.schools.home_origins`).
    wijken : geopandas.GeoDataFrame, optional
        Wijk polygons (:func:`mobisim.load.register.load_wijken_optional`) for the per-wijk scores
        and, with ``clip_homes_to_wijken``, the municipality the homes are clipped to; ``None``:
        neither.
    register, school_list : geopandas.GeoDataFrame, optional
        The files the settings name (``school_register``, ``schools_csv``), read by
        :mod:`mobisim.load.register`, for :func:`~mobisim.schools.school_points` when ``schools``
        is not given.
    write_columns : bool
        Add the result columns to ``net.edges`` / ``net.nodes``.
    """
    s = settings or SchoolSettings()
    notes: list[str] = []
    schools = school_points(net, s, register=register, school_list=school_list) if schools is None else schools
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
        _note_schools_outside(result, wijken)
    if write_columns:
        add_route_columns(net, result)
    return result


def _note_schools_outside(result: SchoolRoutes, wijken: gpd.GeoDataFrame) -> None:
    """Note the schools without homes that lie outside the wijken (the municipality)."""
    empty = result.schools[result.schools["children"] <= 0]
    outside = int((~empty.geometry.within(wijken.to_crs(CRS).geometry.union_all())).sum()) if len(empty) else 0
    if outside:
        result.notes.append(f"{outside} of the schools without homes lie outside the wijken (the municipality)")


def add_route_columns(net: Network, result: SchoolRoutes) -> None:
    """Write the school-route columns of the data contract onto ``net.edges`` / ``net.nodes``."""
    net.edges["school_route_children"] = result.edge_children.to_numpy()
    net.edges["school_route_children_safe"] = result.edge_children_safe.to_numpy()
    net.edges["weakest_link_children"] = result.edge_weakest.to_numpy()
    net.nodes["weakest_link_children"] = result.node_weakest.to_numpy()
