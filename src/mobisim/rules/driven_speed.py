"""Driven speed: the speed drivers keep, beside the limit on the sign, and the calming plan.

Level of traffic stress, a crossing's safety and the Power Model all rest on the speed people
*drive*, not on the sign. A lower limit with nothing else changed lowers that speed only a little:
one year after 30 km/h became the norm in Amsterdam (8 Dec 2023), mean speed on the changed roads
fell about 5 % and about 20 % of drivers still drove 40 km/h or more (Gemeente Amsterdam,
*Evaluatie 30 km/u*, 2024; ``../shared/reference/safety-criteria.md``). The programme pairs the
limit with a redesign of every 30-road (humps, plateaus, planters, narrowings) so that speeding
becomes impossible: the redesign is what makes a 30-sign a 30-street.

Every segment gets a driven speed (:func:`driven_speeds`):

=====================================  =========================================================
where                                   driven speed (``driven_speed_basis``)
=====================================  =========================================================
limit not lowered by the scenario       the limit (``limit``: today's roads are taken to be
                                        driven at their limit — an assumption, stated)
lowered, and the design enforces it     the new limit (``design``): a living street, a
                                        fietsstraat, traffic calming present (``traffic_calming``
                                        on the segment or at its ends), a ``calm`` intervention,
                                        a tagged narrow carriageway
lowered, redesigned by the plan         the new limit (``redesign <year>``)
lowered, sign only                      new limit + ``sign_only_residual_kmh`` (``sign only``)
=====================================  =========================================================

The :class:`CalmingPlan` (``[calming_plan]``) orders the sign-only roads — school routes first
(most children), then the roads whose speed excess × traffic is highest — and redesigns
``km_per_year`` of them each year from ``start_year``, whole streets at a time
(:func:`plan_redesign`). The run scores the horizon year, the year-by-year path and the same
limits with signs only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.frames import column, flags, numbers
from mobisim.rules.settings import CalmingPlan, DrivenSpeedSettings, FactorRange, FractionRange, Range, SpeedRange
from mobisim.rules.textkit import or_none, strings

__all__ = [
    "CalmingPlan",  # the settings are defined in mobisim.rules.settings
    "DrivenSpeedSettings",
    "ENFORCED_BASES",
    "LOWERED_BASES",
    "FactorRange",
    "FractionRange",
    "Range",
    "SpeedRange",
    "basis_mask",
    "design_enforced",
    "driven_speeds",
    "plan_redesign",
    "redesigned_by",
]

#: Values of ``driven_speed_basis``.
BASIS_LIMIT = "limit"
BASIS_DESIGN = "design"
BASIS_SIGN_ONLY = "sign only"
BASIS_REDESIGN = "redesign"
#: Bases of a segment whose limit the scenario lowers.
LOWERED_BASES = (BASIS_SIGN_ONLY, BASIS_REDESIGN, BASIS_DESIGN)
#: Bases of a segment driven at its (lowered) limit: the design holds drivers to it.
ENFORCED_BASES = (BASIS_DESIGN, BASIS_REDESIGN)


# --------------------------------------------------------------------------------------------
# helpers


#: ``traffic_calming`` values that hold drivers near the limit (vertical or horizontal deflection;
#: ``redesign`` is the ``calm`` intervention's). Not: ``island``, ``rumble_strip``,
#: ``painted_table`` (no deflection). Source: SWOV fact sheet 30 km/h zones (humps, plateaus,
#: chicanes, narrowings).
ENFORCING_CALMING = ("yes", "bump", "hump", "mini_bumps", "table", "cushion", "chicane", "choker", "dip",
                     "redesign")


def _calming_tag(values: pd.Series) -> np.ndarray:
    """``traffic_calming`` is a measure that enforces the limit (:data:`ENFORCING_CALMING`)."""
    text = values.astype("string").str.strip().str.lower()
    return text.isin(ENFORCING_CALMING).fillna(False).to_numpy(dtype=bool)


def design_enforced(edges: pd.DataFrame, nodes: pd.DataFrame | None,
                    settings: DrivenSpeedSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where the street's design keeps drivers at its limit, and why.

    Parameters
    ----------
    edges : DataFrame
        Segments with ``highway`` and optionally ``traffic_calming``, ``bicycle_road``, ``width``
        (+ ``width_source``), ``u``/``v``.
    nodes : DataFrame, optional
        Graph nodes with ``traffic_calming`` (humps and plateaus are usually mapped on nodes).
    settings : DrivenSpeedSettings, optional

    Returns
    -------
    (numpy.ndarray of bool, numpy.ndarray of object)
        The mask and a short reason per segment (``None`` where not enforced).
    """
    s = settings or DrivenSpeedSettings()
    n = len(edges)
    hw = edges["highway"].astype("string").fillna("").to_numpy(dtype=object) if "highway" in edges \
        else np.full(n, "", dtype=object)
    calm = _calming_tag(edges["traffic_calming"]) if "traffic_calming" in edges else np.zeros(n, bool)
    if nodes is not None and "traffic_calming" in nodes.columns and {"u", "v"} <= set(edges.columns):
        at = nodes["traffic_calming"].dropna()  # most nodes carry none: tag only those that do
        calm_nodes = at.index[_calming_tag(at)]
        calm = calm | edges["u"].isin(calm_nodes).to_numpy() | edges["v"].isin(calm_nodes).to_numpy()
    width = numbers(edges, "width")
    tagged = edges["width_source"].astype("string").str.startswith("tag").fillna(False).to_numpy(bool) \
        if "width_source" in edges.columns else ~np.isnan(width)
    narrow = tagged & (width <= s.narrow_max_width_m)
    conds = [hw == "living_street", flags(edges, "bicycle_road"), calm, narrow]
    texts = ["living street (woonerf)", "fietsstraat", "traffic calming present",
             f"narrow carriageway (≤ {s.narrow_max_width_m:g} m)"]
    reason = np.select(conds, texts, default="")
    enforced = reason != ""
    return enforced, or_none(enforced, reason)


# --------------------------------------------------------------------------------------------
# the calming plan


def plan_street_keys(edges: pd.DataFrame) -> np.ndarray:
    """The street each segment belongs to in the calming plan: :func:`mobisim.rules.scope.street_key`
    (its folded name, else its OSM way), and the segment itself (``"edge:<id>"``) when it has
    neither."""
    from mobisim.rules.scope import street_key

    named = strings(edges, "name").str.strip().ne("").to_numpy()
    has_way = column(edges, "way_id", pd.NA).notna().to_numpy()
    own = ("edge:" + edges.index.astype(str)).to_numpy(dtype=object)
    return np.where(named | has_way, street_key(edges), own)


def plan_redesign(edges: pd.DataFrame, candidates: np.ndarray, plan: CalmingPlan, *,
                  children: np.ndarray | None = None, excess_kmh: np.ndarray | None = None,
                  traffic: np.ndarray | None = None, keys: np.ndarray | None = None) -> np.ndarray:
    """Year in which each candidate segment is redesigned by the plan (NaN: not a candidate).

    Streets (same name, else same OSM way) are taken whole, in order: most school-route
    children first (when ``plan.school_routes_first``), then the highest speed excess × daily
    traffic per km of street (vehicle-km above the limit per km redesigned); ties by street name,
    so the order is deterministic. The street that starts
    at cumulative length ``c`` (km) is redesigned in ``start_year + floor(c / km_per_year)``.

    Parameters
    ----------
    edges : DataFrame
        ``length`` (m), ``name``, ``way_id``.
    candidates : numpy.ndarray of bool
        Segments that need a redesign (limit lowered, design does not enforce it).
    plan : CalmingPlan
    children, excess_kmh, traffic : numpy.ndarray, optional
        Per segment: school-route children, driven speed − limit (km/h), vehicles a day.
    keys : numpy.ndarray, optional
        :func:`plan_street_keys` of ``edges``, when known (then only ``length`` is read).

    Returns
    -------
    numpy.ndarray of float
        The year, NaN where not planned (not a candidate, or the plan is off / has no pace).
    """
    n = len(edges)
    year = np.full(n, np.nan)
    if not plan.enabled or plan.km_per_year <= 0 or not candidates.any():
        return year
    zero = np.zeros(n)
    key = plan_street_keys(edges) if keys is None else np.asarray(keys, dtype=object)
    length_km = edges["length"].to_numpy(dtype=float) / 1000.0
    exc = np.nan_to_num(excess_kmh if excess_kmh is not None else zero)
    q = np.nan_to_num(traffic if traffic is not None else zero)
    frame = pd.DataFrame({
        "key": key, "km": length_km,
        "children": np.nan_to_num(children if children is not None else zero),
        "excess": exc * q * length_km,
    })[candidates]
    streets = frame.groupby("key", sort=True).agg(km=("km", "sum"), children=("children", "max"),
                                                  excess=("excess", "sum"))
    streets["excess"] = streets["excess"] / streets["km"].where(streets["km"] > 0, 1.0)  # per km redesigned
    by = (["children"] if plan.school_routes_first else []) + ["excess"]
    streets = streets.reset_index().sort_values(by + ["key"], ascending=[False] * len(by) + [True],
                                                kind="stable")
    start_km = streets["km"].cumsum().to_numpy() - streets["km"].to_numpy()
    streets["year"] = plan.start_year + np.floor(start_km / plan.km_per_year + 1e-9)
    year_of = pd.Series(streets["year"].to_numpy(), index=streets["key"].to_numpy())
    year[candidates] = year_of.reindex(key[candidates]).to_numpy(dtype=float)
    return year


def redesigned_by(redesign_year: pd.Series | np.ndarray, year: int | None) -> np.ndarray:
    """Mask of the segments redesigned by the end of ``year`` (``None``: none, signs only)."""
    y = pd.to_numeric(pd.Series(np.asarray(redesign_year)), errors="coerce").to_numpy(dtype=float)
    if year is None:
        return np.zeros(len(y), dtype=bool)
    return ~np.isnan(y) & (y <= year)


# --------------------------------------------------------------------------------------------
# driven speeds


def driven_speeds(edges: pd.DataFrame, nodes: pd.DataFrame | None, limit_before: np.ndarray,
                  limit_after: np.ndarray, settings: DrivenSpeedSettings | None = None, *,
                  redesigned: np.ndarray | None = None, case: str = "central",
                  reasons: bool = True) -> pd.DataFrame:
    """Driven speed per segment after a limit change (see the module docstring for the rules).

    Parameters
    ----------
    edges : DataFrame
        Segments (their design: :func:`design_enforced`).
    nodes : DataFrame, optional
        Graph nodes (``traffic_calming``).
    limit_before, limit_after : numpy.ndarray
        Limits (km/h) before and after the scenario, aligned with ``edges``; NaN = unknown.
    settings : DrivenSpeedSettings, optional
    redesigned : numpy.ndarray of bool, optional
        Segments redesigned by the calming plan (or a ``calm`` intervention).
    case : {"low", "central", "high"}
        Which residual (:attr:`DrivenSpeedSettings.sign_only_residual_kmh`); ``"low"`` is the
        *smallest* residual (the most optimistic case for safety).
    reasons : bool
        Write ``driven_speed_reason`` (skip it for in-process variants: speed only).

    Returns
    -------
    DataFrame
        Indexed like ``edges``: ``driven_speed`` (Float64 km/h), ``driven_speed_basis`` and
        ``driven_speed_reason`` (strings).
    """
    s = settings or DrivenSpeedSettings()
    n = len(edges)
    l0 = np.asarray(limit_before, dtype=float)
    l1 = np.asarray(limit_after, dtype=float)
    lowered = ~np.isnan(l0) & ~np.isnan(l1) & (l1 < l0)
    enforced, why = design_enforced(edges, nodes, s)
    redesign = np.zeros(n, bool) if redesigned is None else np.asarray(redesigned, dtype=bool)
    residual = s.sign_only_residual_kmh.value(case)
    sign_only = lowered & ~enforced & ~redesign
    speed = np.where(sign_only, np.minimum(l1 + residual, l0), l1)
    basis = np.select([~lowered, enforced, redesign], [BASIS_LIMIT, BASIS_DESIGN, BASIS_REDESIGN],
                      default=BASIS_SIGN_ONLY)
    unknown = np.isnan(l1)
    out = pd.DataFrame({
        "driven_speed": pd.array(np.where(unknown, np.nan, speed), dtype="Float64"),
        "driven_speed_basis": pd.array(or_none(~unknown, basis), dtype="string"),
    }, index=edges.index)
    if not reasons:
        return out
    l0_txt = np.char.mod("%d", np.nan_to_num(l0).astype(int)).astype(object)
    l1_txt = np.char.mod("%d", np.nan_to_num(l1).astype(int)).astype(object)
    raised = ~np.isnan(l0) & ~np.isnan(l1) & (l1 > l0)
    reason = np.select(
        [np.isnan(l0) & ~np.isnan(l1), raised, ~lowered, enforced, redesign],
        ["today's limit unknown: driven at the limit (assumption)",
         "limit raised (" + l0_txt + " → " + l1_txt + " km/h): driven at the new limit (assumption)",
         "limit unchanged: driven at the limit (assumption)",
         "limit " + l1_txt + " km/h kept by the design: " + why.astype(str),
         "limit " + l1_txt + " km/h kept by the redesign of the calming plan"],
        default=("sign only (" + l0_txt + " → " + l1_txt + " km/h): driven at "
                 + np.char.mod("%g", np.minimum(l1 + residual, l0)).astype(object)
                 + f" km/h, the new limit + {residual:g} (Amsterdam 2024: ~20 % still drive ≥ 40 on a 30-road)"),
    )
    out["driven_speed_reason"] = pd.array(or_none(~unknown, reason), dtype="string")
    return out


def basis_mask(edges: pd.DataFrame, bases: tuple[str, ...]) -> np.ndarray:
    """Segments whose ``driven_speed_basis`` is one of ``bases`` (none without the column)."""
    if "driven_speed_basis" not in edges.columns:
        return np.zeros(len(edges), dtype=bool)
    return edges["driven_speed_basis"].astype("string").isin(bases).fillna(False).to_numpy(bool)


def candidates_for_plan(edges: pd.DataFrame, nodes: pd.DataFrame | None, limit_before: np.ndarray,
                        limit_after: np.ndarray, settings: DrivenSpeedSettings | None = None) -> np.ndarray:
    """Segments the calming plan must redesign: limit lowered, design does not enforce it."""
    l0 = np.asarray(limit_before, dtype=float)
    l1 = np.asarray(limit_after, dtype=float)
    lowered = ~np.isnan(l0) & ~np.isnan(l1) & (l1 < l0)
    enforced, _ = design_enforced(edges, nodes, settings)
    road = flags(edges, "is_road") if "is_road" in edges.columns else np.ones(len(edges), bool)
    return lowered & ~enforced & road


def with_driven_speed(edges: pd.DataFrame, columns: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with the columns of :func:`driven_speeds` (replacing older ones)."""
    out = edges.drop(columns=[c for c in columns.columns if c in edges.columns])
    for c in columns.columns:
        out[c] = columns[c]
    return out


def summary(edges: pd.DataFrame) -> dict[str, float]:
    """Road km by ``driven_speed_basis`` (roads only)."""
    if "driven_speed_basis" not in edges.columns:
        return {}
    road = flags(edges, "is_road") if "is_road" in edges.columns else np.ones(len(edges), bool)
    km = edges.loc[road, "length"].groupby(edges.loc[road, "driven_speed_basis"].fillna("unknown")).sum() / 1000
    return {str(k): round(float(v), 1) for k, v in km.items()}
