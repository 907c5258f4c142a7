"""The plan to 100 % as a score: what the budget reaches, the cost to 95 / 99 / 100 %, year by year.

The figures come from :class:`mobisim.plan.PlanResult`; the ranges are the unit costs' low and
high: the same fixes in the same order, paid at the low or the high unit cost, so the budget
reaches further or less far along the plan's curve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mobisim.score.result import ScoreResult, rounded, score_result

if TYPE_CHECKING:
    import pandas as pd

    from mobisim.plan import PlanResult, PlanSettings

__all__ = ["PLAN_FORMULA", "budget_share_range", "plan_score"]

PLAN_FORMULA = ("greedy with re-routing: pick the school-route bundles that make the most children safe per euro "
                "(central unit costs), re-route, repeat; the budget pays the picks in order, year by year")


def budget_share_range(steps: pd.DataFrame, budget: float, central: float) -> list[float]:
    """The share the ``budget`` reaches along the plan's curve at the high and at the low unit costs.

    Parameters
    ----------
    steps : pandas.DataFrame
        :attr:`mobisim.plan.PlanResult.steps` (cumulative ``cost_low``/``cost_high`` and ``share_safe``).
    budget : float
        The whole budget (€).
    central : float
        The share with the fixes the budget pays at the central costs (inside the range).

    Returns
    -------
    list of float
        ``[low, high]``: the last step paid at the high costs, the last at the low costs.
    """
    def reached(cost: str) -> float:
        paid = steps[steps[cost].to_numpy(float) <= budget + 1e-6]
        return float(paid["share_safe"].max()) if len(paid) else float(steps["share_safe"].iloc[0])

    return [min(reached("cost_high"), central), max(reached("cost_low"), central)]


def _costs(settings: PlanSettings) -> dict[str, dict[str, Any]]:
    """The unit costs used, with their sources (estimates say so)."""
    return {k: {"low": c.low, "central": c.central, "high": c.high, "source": c.source}
            for k, c in settings.unit_costs.items()}


def _unfixable(plan: PlanResult) -> float:
    """Children not safe at the end of the plan because their route uses an element the city cannot fix."""
    u = plan.unreached
    if u.empty:
        return 0.0
    return float(u.loc[u["reason"].str.startswith("route uses an element the city cannot fix"), "children"].sum())


def plan_score(plan: PlanResult, settings: PlanSettings) -> ScoreResult:
    """The plan's figures for ``scores.json`` (``plan``).

    Returns
    -------
    ScoreResult
        ``value``: ``today``, ``share_budget`` (with the fixes the whole budget pays) and its
        ``share_budget_range``, ``share_end`` (at the end of the plan), ``by_year`` (budget, fixes,
        cost and share per year), ``milestones`` (cost to 95 / 99 / 100 % or not reached),
        ``fixes`` and ``fixes_in_budget``, ``cost_total`` (low/central/high), ``children_unfixable``
        (children still not safe at the end because their route uses a road the city cannot fix),
        ``static_optimum_budget`` (the share the exact optimum without re-routing reaches with
        the whole budget: a lower bound the plan's own share should not fall below),
        ``traffic_check`` (the share with the budget once the traffic the paid modal filters
        displace is re-assigned; ``None`` when none is paid or there is no traffic model).
    """
    from mobisim.plan import milestones, programme

    steps, fixes = plan.steps, plan.fixes
    years = programme(plan)
    total = float(sum(plan.budget.values()))
    central = (float(years["share_after"].iloc[-1]) if len(years) and np.isfinite(years["share_after"].iloc[-1])
               else float(steps["share_safe"].iloc[0]))
    value = {
        "today": rounded(steps["share_safe"].iloc[0]),
        "share_budget": rounded(central),
        "share_budget_range": [rounded(v) for v in budget_share_range(steps, total, central)],
        "share_end": rounded(steps["share_safe"].iloc[-1]),
        "budget_eur": rounded(total, 0),
        "by_year": [{k: (int(v) if k in ("year", "fixes") else rounded(v)) for k, v in row.items()}
                    for row in years.to_dict("records")],
        "milestones": [{k: rounded(v) if isinstance(v, float) else v for k, v in m.items()} for m in milestones(plan)],
        "fixes": len(fixes),
        "fixes_in_budget": int(fixes["year"].notna().sum()),
        "cost_total": {c: rounded(fixes[f"cost_{c}"].sum(), 0) for c in ("low", "central", "high")},
        "children_unfixable": rounded(_unfixable(plan), 1),
        "static_optimum_budget": ({k: (rounded(v) if isinstance(v, float) else v) for k, v in plan.static_bound.items()}
                                  if plan.static_bound else None),
        "traffic_check": ({k: (rounded(v) if isinstance(v, float) else v) for k, v in plan.traffic_check.items()}
                          if plan.traffic_check else None),
    }
    inputs = {"unit_costs": _costs(settings), "budget_eur_by_year": {str(y): v for y, v in plan.budget.items()},
              "batch_share": settings.batch_share, "basis": "today's network and school routes (the run's before); "
              "the scenario's own measures are not counted as fixes"}
    return score_result(value, "share of children (0–1), euros", PLAN_FORMULA, inputs)
