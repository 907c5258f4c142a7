"""The result of the school-route analysis (:class:`SchoolRoutes`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd


@dataclass
class SchoolRoutes:
    """Result of :func:`mobisim.schools.route_to_schools`.

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
        Failing segments and crossings ranked by ``children``
        (see :func:`mobisim.schools.rank_weakest_links`).
    scores : dict
        City-wide figures (see :func:`mobisim.schools.city_scores`): numbers, and the mode's name.
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
