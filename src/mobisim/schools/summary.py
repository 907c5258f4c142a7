"""Figures of a school-route analysis: city-wide, per wijk, and the change between two runs.

See the package docstring (:mod:`mobisim.schools`), "Scores".
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.settings import SchoolSettings


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean of the finite ``values`` with a positive weight (NaN when there is none)."""
    ok = np.isfinite(values) & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` of the finite ``values`` with a positive weight (the value where the
    cumulative weight share first reaches ``q``; NaN when there is none)."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok])
    v, w = values[ok][order], weights[ok][order]
    cum = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cum, q)])


def city_scores(result: SchoolRoutes, settings: SchoolSettings) -> dict[str, Any]:
    """City-wide figures of a :class:`SchoolRoutes`.

    ``share_safe`` is the headline: children who can reach their nearest school on a fully
    child-safe route (within the detour limit), as a share of the children with any route to a
    school. ``share_safe_any_detour`` drops the detour limit.

    Returns
    -------
    dict
        ``mode`` (text) and numbers: children (total, routed, without route, safe), the shares,
        the detour mean/median/p90, the median distance and the counts.
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
        "detour_mean": weighted_mean(det, c),
        "detour_median": weighted_quantile(det, c, 0.5),
        "detour_p90": weighted_quantile(det, c, 0.9),
        "dist_median_m": weighted_quantile(o["dist_m"].to_numpy(float), c, 0.5),
        "n_origins": int(len(o)),
        "n_schools": int(len(result.schools)),
        "n_schools_without_children": int((result.schools["children"] <= 0).sum()),
        "n_failing_links_on_routes": int(len(result.weakest_links)),
    }


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
    return gpd.GeoDataFrame(out, geometry=w.set_index("code").geometry.reindex(out.index), crs=CRS).sort_index()


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
