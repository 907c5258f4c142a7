"""Effects of signs and of the calming plan, year by year, with low / central / high ranges.

The evaluated scenario network (limits, traffic, driven speeds) is re-judged in-process — no
file is read and nothing is re-loaded — for:

* every year from ``base_year`` to ``horizon``: the roads the :class:`~mobisim.rules.driven_speed.CalmingPlan`
  has redesigned by the end of that year;
* *signs only*: the same limits with no redesign at all;
* each case of the uncertain inputs: the sign-only residual speed (toets, crossings, school
  routes; :class:`~mobisim.rules.driven_speed.DrivenSpeedSettings`) and the speed responses of the
  Power Model (:class:`~mobisim.score.ScoreSettings`).

A state is judged once: the 8-jarigen-toets at its driven speeds (vectorised, ~0.4 s on the city)
and, when its verdicts differ from a state already routed, the school routes (~0.6 s).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.load.areas import inside
from mobisim.network import Network
from mobisim.rules import driven_speed as ds
from mobisim.score.power_model import power_model
from mobisim.score.schools import school_children_safe
from mobisim.score.settings import ScoreSettings
from mobisim.score.toets import toets_rates

if TYPE_CHECKING:
    from mobisim.rules.toets import ToetsSettings
    from mobisim.schools import SchoolSettings

__all__ = ["EFFECTS_FORMULA", "EffectInputs", "State", "calming_effects", "judge_state"]

CASES = ("low", "central", "high")
#: What every state's figures rest on (``scores.json`` → ``calming.formula``).
EFFECTS_FORMULA = (
    "per state (signs only; each year base_year..horizon with the streets redesigned by then): driven "
    "speeds (mobisim.rules.driven_speed) → 8-jarigen-toets at those speeds → school routes (where the verdicts "
    "differ from a state already routed) → toets rates, safe crossings, children with a child-safe route; "
    "Power Model with the redesign response on redesigned roads; low/high: residual speed and traffic "
    "volumes (toets side), speed responses (Power Model) at their low/high values"
)
#: Columns :func:`mobisim.score.toets_rates` reads (a slim frame: row selections on every column are slow).
_RATE_EDGE_COLUMNS = ("u", "v", "length", "in_area", "toets_pass", "toets_bike", "toets_walk", "school_route_children")
_RATE_NODE_COLUMNS = ("in_area", "is_crossing", "toets_crossing")


@dataclass
class EffectInputs:
    """What :func:`calming_effects` needs besides the networks (typed settings, no file names)."""

    toets: ToetsSettings
    schools: SchoolSettings
    driven: ds.DrivenSpeedSettings
    plan: ds.CalmingPlan
    scores: ScoreSettings
    base_year: int
    horizon: int
    limit_column: str
    school_points: gpd.GeoDataFrame | None = None
    origins: gpd.GeoDataFrame | None = None


#: School-route figures (children safe, children routed) by :func:`_verdict_key` of the state routed.
RouteMemo = dict[str, tuple[float | None, float | None]]


@dataclass
class State:
    """Figures of one judged state (fractions; ``None`` where not available)."""

    toets_all: float | None
    toets_school_routes: float | None
    crossings: float | None
    children_safe: float | None
    children_routed: float | None


def _in_area(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows inside the area judged."""
    return frame.iloc[inside(frame).nonzero()[0]]


def _verdict_key(edges: pd.DataFrame, nodes: pd.DataFrame) -> str:
    """A digest of what the school routes read: the verdicts and the speeds (equal inputs route equally)."""
    h = hashlib.blake2b(digest_size=16)
    # the verdicts, and the speeds the routing reads beside them (a side street along a road at 30)
    for frame, cols in ((edges, ("toets_bike", "toets_walk", "driven_speed")), (nodes, ("toets_crossing", "crossed_speed"))):
        for c in cols:
            if c in frame.columns:
                h.update(pd.util.hash_pandas_object(frame[c].astype("string"), index=False).to_numpy().tobytes())
    return h.hexdigest()


def judge_state(after: Network, inputs: EffectInputs, *, redesigned: np.ndarray, case: str,
                routed: RouteMemo | None = None) -> State:
    """The toets and the school routes of ``after`` with ``redesigned`` roads and residual ``case``.

    Parameters
    ----------
    after : mobisim.network.Network
        The evaluated scenario network (its columns are not changed).
    inputs : EffectInputs
    redesigned : numpy.ndarray of bool
        Roads redesigned in this state, aligned with ``after.edges``.
    case : {"low", "central", "high"}
        The sign-only residual (:attr:`DrivenSpeedSettings.sign_only_residual_kmh`) and the
        traffic volume factor (:attr:`DrivenSpeedSettings.traffic_volume_factor`): ``low`` is the
        optimistic case (small residual, less traffic).
    routed : dict, optional
        Memo of school-route results by verdict digest, shared between calls.
    """
    from mobisim import schools
    from mobisim.rules import toets

    net = copy.copy(after)
    limit_before = pd.to_numeric(after.edges["limit_before"], errors="coerce").to_numpy(dtype=float)
    limit_after = pd.to_numeric(after.edges[inputs.limit_column], errors="coerce").to_numpy(dtype=float)
    cols = ds.driven_speeds(after.edges, after.nodes, limit_before, limit_after, inputs.driven,
                            redesigned=redesigned, case=case, reasons=False)
    # the frame given back is the GeoDataFrame given in, with the driven speeds
    edges = cast(gpd.GeoDataFrame, ds.with_driven_speed(after.edges.copy(deep=False), cols))
    factor = inputs.driven.traffic_volume_factor.value(case)
    if factor != 1.0:  # every volume the toets reads (modelled, class table, buses on a bus road)
        q = toets.daily_traffic(edges, inputs.toets)
        edges["daily_traffic"] = pd.array(np.where(q > 0, q * factor, np.nan), dtype="Float64")
    net.edges = edges
    net.nodes = after.nodes.copy(deep=False)
    toets.evaluate_toets(net, inputs.toets, speed_column="driven_speed")
    rates = toets_rates(_in_area(net.edges[[c for c in _RATE_EDGE_COLUMNS if c in net.edges.columns]]),
                           _in_area(net.nodes[[c for c in _RATE_NODE_COLUMNS if c in net.nodes.columns]]))["value"]
    safe = routed_n = None
    if inputs.school_points is not None and len(inputs.school_points):
        memo = routed if routed is not None else {}
        key = _verdict_key(net.edges, net.nodes)
        if key not in memo:
            res = schools.evaluate_school_routes(net, inputs.schools, schools=inputs.school_points,
                                                 origins=inputs.origins, wijken=None, write_columns=False)
            memo[key] = (res.scores.get("children_safe"), res.scores.get("children_routed"))
        safe, routed_n = memo[key]
    share = school_children_safe(routed_n, safe)["value"] if routed_n and safe is not None else None
    # toets_rates on school routes reads the after network's route columns, which do not change
    return State(rates.get("all"), rates.get("school_routes"), rates.get("crossings"), share, routed_n)


def _figures(after_eb: pd.DataFrame, after: Network, inputs: EffectInputs, redesigned: np.ndarray,
             routed: RouteMemo, central: State | None = None) -> dict[str, Any]:
    """One state: every figure as ``{"value": central, "range": [low, high]}``."""
    states = {case: (central if case == "central" and central is not None
                     else judge_state(after, inputs, redesigned=redesigned, case=case, routed=routed))
              for case in CASES}
    # the roads whose design already enforces the new limit count as redesigned in every state
    enforced = redesigned | ds.basis_mask(after.edges, (ds.BASIS_DESIGN,))
    power = power_model(after_eb, _in_area(after.edges), inputs.scores, before_col="limit_before",
                           after_col=inputs.limit_column,
                           redesigned=enforced[inside(after.edges)])
    out: dict[str, Any] = {
        "fatal_serious_change": {"value": power["value"]["fatal_serious"],
                                 "range": power["range"]["fatal_serious"]},
        "injury_change": {"value": power["value"]["injury"], "range": power["range"]["injury"]},
    }
    for field in ("children_safe", "crossings", "toets_all", "toets_school_routes"):
        vals = [getattr(states[c], field) for c in CASES]
        known = [v for v in vals if v is not None]
        out[field] = {"value": getattr(states["central"], field),
                      "range": [min(known), max(known)] if known else None}
    return out


def _plan_summary(edges: pd.DataFrame, inputs: EffectInputs, year: np.ndarray,
                  horizon_mask: np.ndarray) -> dict[str, Any]:
    """The calming plan's pace, the km it lowers and must redesign, what it does by the horizon,
    and the year it completes."""
    length_km = edges["length"].to_numpy(dtype=float) / 1000.0
    planned = ~np.isnan(year)
    area = inside(edges)
    sign_km = float(length_km[ds.basis_mask(edges, ds.LOWERED_BASES) & area].sum())
    # what needs a redesign, with the plan or without it
    cand_km = float(length_km[ds.basis_mask(edges, (ds.BASIS_SIGN_ONLY, ds.BASIS_REDESIGN)) & area].sum())
    return {
        "enabled": inputs.plan.enabled, "start_year": inputs.plan.start_year,
        "km_per_year": inputs.plan.km_per_year, "school_routes_first": inputs.plan.school_routes_first,
        "lowered_km": round(sign_km, 1),
        "to_redesign_km": round(cand_km, 1),
        "redesigned_by_horizon_km": round(float(length_km[horizon_mask].sum()), 1),
        "complete_in": int(np.nanmax(year)) if planned.any() else None,
    }


def calming_effects(before: Network, after: Network, inputs: EffectInputs, *, central: State | None = None,
                    signs_only: Network | None = None,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Signs only, the calming plan by year, and the horizon, each with low / central / high.

    Parameters
    ----------
    before : mobisim.network.Network
        Today's evaluated network (``maxspeed``, ``regime``: the Power Model's *before*).
    after : mobisim.network.Network
        The evaluated scenario network with ``limit_before`` and ``redesign_year``
        (:func:`mobisim.pipeline.driven_speed_step`).
    inputs : EffectInputs
    central : State, optional
        The run's own figures at the horizon (central case), so that the horizon row repeats
        them instead of judging them again.
    signs_only : mobisim.network.Network, optional
        ``after`` with the traffic assigned as if no street were redesigned: the states without
        any redesign are judged with its volumes (default: ``after``'s). The years in between
        keep the horizon's volumes (an approximation, stated in the output).
    progress : callable, optional
        Called as ``progress(done, total)`` after each state is judged (the run's progress line).

    Returns
    -------
    dict
        ``plan`` (pace, km to redesign, km done by the horizon, the year the plan completes),
        ``signs_only`` and ``with_plan`` (the horizon), ``years`` (one row per year), each figure
        ``{"value": ..., "range": [low, high]}``.
    """
    eb = _in_area(before.edges).copy()
    eb["limit_before"] = eb["maxspeed"]
    year = pd.to_numeric(after.edges["redesign_year"], errors="coerce").to_numpy(dtype=float) \
        if "redesign_year" in after.edges.columns else np.full(len(after.edges), np.nan)
    length_km = after.edges["length"].to_numpy(dtype=float) / 1000.0
    routed: RouteMemo = {}
    by_mask: dict[bytes, dict[str, Any]] = {}

    signs_net = after if signs_only is None else signs_only

    def figures(mask: np.ndarray, use_central: bool = False) -> dict[str, Any]:
        key = np.packbits(mask).tobytes()
        if key not in by_mask:
            net = signs_net if not mask.any() else after
            by_mask[key] = _figures(eb, net, inputs, mask, routed, central if use_central else None)
        return by_mask[key]

    total = 2 + inputs.horizon - inputs.base_year + 1
    tick = progress or (lambda done, total: None)
    horizon_mask = ds.redesigned_by(year, inputs.horizon)
    with_plan = figures(horizon_mask, use_central=True)
    tick(1, total)
    without_plan = figures(np.zeros(len(year), dtype=bool))
    tick(2, total)
    years = []
    for y in range(inputs.base_year, inputs.horizon + 1):
        mask = ds.redesigned_by(year, y)
        years.append({"year": y, "redesigned_km": round(float(length_km[mask].sum()), 1), **figures(mask)})
        tick(2 + len(years), total)
    return {
        "plan": _plan_summary(after.edges, inputs, year, horizon_mask),
        "signs_only": without_plan,
        "with_plan": with_plan,
        "years": years,
        "source": "in-process re-judging of the evaluated network: the toets at each state's driven "
                  "speeds, the school routes where the verdicts differ, the Power Model at the low/"
                  "central/high speed responses; traffic: assigned with signs only for the states "
                  "without redesign, the horizon's assignment for the others (the years in between "
                  "are an approximation)",
    }
