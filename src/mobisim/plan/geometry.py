"""The plan's fixes on the map: each fix with the geometry of its street segment or crossing.

Street fixes (cycle track, 30-redesign, fietsstraat, modal filter) are lines, crossing fixes
(refuge island, signals, raised crossing) points; they go to two layers because a GeoPackage layer
holds one geometry type (``plan`` and ``plan_crossings`` in ``layers.gpkg``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS
from mobisim.network import Network
from mobisim.plan.results import PlanResult

__all__ = ["FIX_LAYER_COLUMNS", "fix_frames", "wijk_frame", "year_label"]

#: The columns of both fix layers (besides the geometry and the element's own id columns).
FIX_LAYER_COLUMNS = ["order", "year", "when", "street", "fix_type", "fix", "cost_low", "cost_central", "cost_high",
                     "children_made_safe", "share_after", "round"]


def year_label(year: pd.Series, budget_years: list[int]) -> pd.Series:
    """The budget year of each fix as text, ``"after <last year>"`` beyond the budget."""
    after = f"after {max(budget_years)}" if budget_years else "beyond the budget"
    text = year.astype("Int64").astype("string")
    return text.fillna(after).astype(object)


def fix_frames(plan: PlanResult, net: Network) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The plan's fixes as two frames with geometry: street segments (lines) and crossings (points).

    Parameters
    ----------
    plan : PlanResult
        :attr:`PlanResult.fixes` names each fix's element (``segment``/``crossing``) and its ``id``
        (``edge_id`` / ``node_id`` of ``net``).
    net : mobisim.network.Network
        The network the plan was made on.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``(streets, crossings)`` in the network's CRS: :data:`FIX_LAYER_COLUMNS` plus ``edge_id``,
        ``way_id``, ``u``, ``v`` (streets) or ``node_id`` (crossings); ``when`` is the budget year
        as text (``"after 2030"`` beyond the budget).
    """
    f = plan.fixes.assign(when=year_label(plan.fixes["year"], sorted(plan.budget)))
    seg = f[f["element"].eq("segment").to_numpy()]
    crs = f[f["element"].eq("crossing").to_numpy()]
    edges = net.edges.reindex(seg["id"].to_numpy())
    streets = gpd.GeoDataFrame(
        seg[FIX_LAYER_COLUMNS].assign(edge_id=seg["id"].to_numpy(), way_id=edges["way_id"].to_numpy(),
                                      u=edges["u"].to_numpy(), v=edges["v"].to_numpy()).reset_index(drop=True),
        geometry=np.asarray(edges.geometry.to_numpy(), dtype=object), crs=net.edges.crs or CRS)
    nodes = net.nodes.reindex(crs["id"].to_numpy())
    crossings = gpd.GeoDataFrame(
        crs[FIX_LAYER_COLUMNS].assign(node_id=crs["id"].to_numpy()).reset_index(drop=True),
        geometry=np.asarray(nodes.geometry.to_numpy(), dtype=object), crs=net.nodes.crs or CRS)
    return streets, crossings


def wijk_frame(plan: PlanResult, wijken: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The plan per wijk with the wijk polygons (the ``plan_wijken`` layer), or ``None``.

    Parameters
    ----------
    plan : PlanResult
        :attr:`PlanResult.wijken` (index: wijk code).
    wijken : GeoDataFrame or None
        Wijk polygons indexed by the same code (:attr:`mobisim.schools.SchoolRoutes.per_wijk`).

    Returns
    -------
    GeoDataFrame or None
        ``code`` and the plan's per-wijk columns with the polygon; ``None`` without either frame.
    """
    per_wijk = getattr(plan, "wijken", None)
    if per_wijk is None or per_wijk.empty or wijken is None or wijken.empty:
        return None
    geometry = wijken.geometry.reindex(per_wijk.index)
    keep = geometry.notna().to_numpy()
    out = per_wijk.iloc[keep.nonzero()[0]].copy()
    out.index.name = "code"
    return gpd.GeoDataFrame(out.reset_index(), geometry=geometry.iloc[keep.nonzero()[0]].to_numpy(), crs=wijken.crs)
