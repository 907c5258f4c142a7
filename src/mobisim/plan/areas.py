"""The plan per wijk: children, the share safe today, with the budget's fixes and at the end, and the
fixes located in each wijk with their cost.

Children are assigned to a wijk by the location of their home
(:func:`mobisim.schools.summary.scores_per_wijk`, the same assignment as the per-wijk school
scores); a fix by its location: a street fix at its segment's midpoint, a crossing fix at its node
(:func:`mobisim.plan.geometry.fix_frames`). A fix on a wijk boundary counts for the first wijk by
code, so every fix counts once.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from mobisim.frames import CRS
from mobisim.network import Network
from mobisim.plan.geometry import fix_frames
from mobisim.plan.results import PlanResult
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.summary import scores_per_wijk

__all__ = ["WIJK_COLUMNS", "empty_wijken", "fix_points", "per_wijk"]

#: Columns of :attr:`PlanResult.wijken` (index: wijk ``code``).
WIJK_COLUMNS = ["name", "children", "share_today", "share_budget", "share_end", "fixes", "cost_low", "cost_central",
                "cost_high"]

_COSTS = ["cost_low", "cost_central", "cost_high"]


def empty_wijken() -> pd.DataFrame:
    """:attr:`PlanResult.wijken` without wijk polygons: no rows, the columns of :data:`WIJK_COLUMNS`."""
    cols = {c: pd.Series(dtype=object if c == "name" else float) for c in WIJK_COLUMNS}
    return pd.DataFrame(cols, index=pd.Index([], dtype=object, name="code"))


def fix_points(plan: PlanResult, net: Network) -> gpd.GeoDataFrame:
    """Every fix of ``plan`` as a point (segment midpoint or crossing node) with its three costs."""
    streets, crossings = fix_frames(plan, net)
    points = pd.concat([streets.geometry.interpolate(0.5, normalized=True), crossings.geometry], ignore_index=True)
    costs = pd.concat([streets[_COSTS], crossings[_COSTS]], ignore_index=True)
    return gpd.GeoDataFrame(costs, geometry=points.to_numpy(), crs=net.edges.crs or CRS)


def _fixes_per_wijk(points: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count and cost of the fixes in each wijk (index ``code``; wijken without fixes absent)."""
    w = wijken.to_crs(points.crs)[["code", "geometry"]].sort_values("code", kind="stable")
    joined = gpd.sjoin(points, w, how="inner", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]  # on a boundary: the first wijk by code
    grouped = joined.groupby("code")
    return grouped[_COSTS].sum().assign(fixes=grouped.size().astype(float))


def per_wijk(wijken: gpd.GeoDataFrame | None, net: Network, plan: PlanResult, today: SchoolRoutes,
             at_budget: SchoolRoutes, final: SchoolRoutes) -> pd.DataFrame:
    """The plan per wijk (:attr:`PlanResult.wijken`).

    Parameters
    ----------
    wijken : geopandas.GeoDataFrame or None
        Wijk polygons with ``code`` and ``name`` (:attr:`mobisim.load.inputs.Inputs.wijken`);
        ``None`` or empty gives :func:`empty_wijken`.
    net : mobisim.network.Network
        The network the plan was made on (the fixes' geometry).
    plan : PlanResult
    today, at_budget, final : SchoolRoutes
        The school routes today, with the fixes the whole budget pays, and at the end of the plan.

    Returns
    -------
    pandas.DataFrame
        :data:`WIJK_COLUMNS`, index ``code`` (every wijk; zero children and NaN shares where no
        child lives, zero fixes where none is located).
    """
    if wijken is None or not len(wijken):
        return empty_wijken()
    base = scores_per_wijk(today.origins, wijken)
    out = pd.DataFrame({
        "name": base["name"], "children": base["children"], "share_today": base["share_safe"],
        "share_budget": scores_per_wijk(at_budget.origins, wijken)["share_safe"],
        "share_end": scores_per_wijk(final.origins, wijken)["share_safe"],
    })
    fixes = _fixes_per_wijk(fix_points(plan, net), wijken).reindex(out.index, fill_value=0.0)
    out[["fixes", *_COSTS]] = fixes[["fixes", *_COSTS]].to_numpy(float)
    out.index.name = "code"
    return out[WIJK_COLUMNS]
